//! Shiprocket (`/v1/external`): shipments with their current status and
//! freight, from the orders list and each order's detail (`awb_data.charges`).
//!
//! Auth: the API user's e-mail and password buy a token at
//! `POST /v1/external/auth/login`. Shiprocket sends no expiry; a token lives
//! 240 hours, so it is kept (in the keychain, by the caller) with the time it
//! was issued plus that, renewed a day before it ends, and renewed at once on a
//! 401. A login refused outright means the password is wrong: needs attention.
//!
//! One stream, `shipments`, read by order date in windows of at most 30 days.
//! Statuses change for weeks (RTO, NDR), so every run re-reads the last
//! [`ShiprocketConfig::lookback_days`] (default 45); rows are upserted.

use super::ads::decimal;
use super::http::{FetchError, HttpClient, HttpConfig, Standard};
use super::{parse_each, BadRecord};
use crate::domain::records::{Batch, Shipment, ShipmentStatus};
use crate::sync::Page;
use chrono::{DateTime, Days, Duration as Span, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Mutex;

pub const DEFAULT_BASE: &str = "https://apiv2.shiprocket.in";
pub const STREAM: &str = "shipments";
/// How long Shiprocket's tokens live (its support article: 240 hours).
pub const TOKEN_HOURS: i64 = 240;
/// Shiprocket shows dates in India's time.
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;

#[derive(Debug, Clone)]
pub struct ShiprocketConfig {
    pub base: String,
    pub email: String,
    pub password: String,
    /// A token kept from an earlier run, and when it ends.
    pub token: Option<(String, DateTime<Utc>)>,
    pub lookback_days: u64,
    pub earliest: NaiveDate,
    pub today: NaiveDate,
    pub window_days: u64,
    pub per_page: u32,
    pub http: HttpConfig,
}

impl ShiprocketConfig {
    pub fn new(email: &str, password: &str, today: NaiveDate) -> Self {
        Self {
            base: DEFAULT_BASE.into(),
            email: email.into(),
            password: password.into(),
            token: None,
            lookback_days: 45,
            earliest: today - Days::new(365),
            today,
            window_days: 30,
            per_page: 100,
            http: HttpConfig::default(),
        }
    }
}

/// Where the stream stands: every order date before `from` is read; `page`
/// is the next page of the window starting at `from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    from: NaiveDate,
    #[serde(default = "one")]
    page: u32,
}

fn one() -> u32 {
    1
}

/// The status mapping of metrics.md, from the order's status text.
pub fn status_of(text: &str) -> ShipmentStatus {
    let s = text.trim().to_ascii_uppercase().replace(['_', '-'], " ");
    if s.starts_with("RTO") {
        ShipmentStatus::Rto
    } else if s == "DELIVERED" {
        ShipmentStatus::Delivered
    } else if s == "UNDELIVERED" || s.starts_with("NDR") {
        ShipmentStatus::Ndr
    } else if matches!(
        s.as_str(),
        "PICKED UP"
            | "SHIPPED"
            | "IN TRANSIT"
            | "OUT FOR DELIVERY"
            | "REACHED AT DESTINATION HUB"
            | "REACHED DESTINATION HUB"
            | "MISROUTED"
            | "DELAYED"
    ) {
        ShipmentStatus::InTransit
    } else {
        ShipmentStatus::Other
    }
}

/// "24 Jul 2026, 11:58 AM" (India time), or ISO forms, as UTC.
pub fn shiprocket_time(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = ["%d %b %Y, %I:%M %p", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw.trim(), f).ok())
        .ok_or_else(|| format!("'{raw}' is not a date Shiprocket sends"))?;
    ZONE.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("'{raw}' does not exist in India's time"))
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An amount sent as a string, a number, or not at all (0).
fn amount(v: &Value, key: &str) -> Result<rust_decimal::Decimal, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(rust_decimal::Decimal::ZERO),
        Some(Value::String(s)) if s.is_empty() => Ok(rust_decimal::Decimal::ZERO),
        Some(x) => decimal(x, key),
    }
}

pub struct ShiprocketSource {
    cfg: ShiprocketConfig,
    http: HttpClient,
    token: Mutex<Option<(String, DateTime<Utc>)>>,
    renewed: Mutex<bool>,
}

impl ShiprocketSource {
    pub fn new(cfg: ShiprocketConfig) -> Result<Self, FetchError> {
        let mut secrets = vec![cfg.password.clone()];
        secrets.extend(cfg.token.as_ref().map(|t| t.0.clone()));
        let http = HttpClient::new(cfg.http.clone())?.redacting(secrets);
        Ok(Self {
            token: Mutex::new(cfg.token.clone()),
            cfg,
            http,
            renewed: Mutex::new(false),
        })
    }

    pub fn requests(&self) -> u64 {
        self.http.requests()
    }

    /// The token this source logged in for, when it did: the caller keeps it.
    pub fn renewed_token(&self) -> Option<(String, DateTime<Utc>)> {
        if *self.renewed.lock().expect("lock") {
            self.token.lock().expect("lock").clone()
        } else {
            None
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/external/{path}", self.cfg.base.trim_end_matches('/'))
    }

    async fn login(&self) -> Result<String, FetchError> {
        let url = self.url("auth/login");
        let body = json!({"email": self.cfg.email, "password": self.cfg.password});
        let reply = self
            .http
            .send(|c| c.post(&url).json(&body), &Standard)
            .await
            .map_err(|e| match e {
                // Shiprocket answers a wrong password with 400, 401 or 403.
                FetchError::Auth { status, .. } | FetchError::Fatal { status, .. }
                    if matches!(status, 400 | 401 | 403 | 422) =>
                {
                    FetchError::Auth {
                        status,
                        message: "Shiprocket refused the API user's e-mail and password; check them (the API user's, not your own login)".into(),
                    }
                }
                other => other,
            })?;
        let v: Value = reply
            .json()
            .map_err(|e| self.odd(&format!("login reply: {e}")))?;
        let token = v
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.odd("the login reply has no token"))?
            .to_string();
        let ends = Utc::now() + Span::hours(TOKEN_HOURS);
        *self.token.lock().expect("lock") = Some((token.clone(), ends));
        *self.renewed.lock().expect("lock") = true;
        tracing::info!("Shiprocket login: a new token");
        Ok(token)
    }

    /// The kept token, unless it ends within a day.
    async fn token(&self) -> Result<String, FetchError> {
        let kept = self.token.lock().expect("lock").clone();
        match kept {
            Some((t, ends)) if ends - Utc::now() > Span::days(1) => Ok(t),
            _ => self.login().await,
        }
    }

    /// GET with the token; on a 401 log in again once and repeat.
    async fn get(&self, path: &str, query: &[(String, String)]) -> Result<Value, FetchError> {
        let url = self.url(path);
        let mut token = self.token().await?;
        for attempt in 0..2 {
            match self
                .http
                .send(|c| c.get(&url).bearer_auth(&token).query(query), &Standard)
                .await
            {
                Ok(reply) => {
                    return reply
                        .json()
                        .map_err(|e| self.odd(&format!("not JSON: {e}")))
                }
                Err(FetchError::Auth { .. }) if attempt == 0 => {
                    tracing::info!("Shiprocket refused the kept token; logging in again");
                    token = self.login().await?;
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    fn odd(&self, what: &str) -> FetchError {
        FetchError::Fatal {
            url: self.url(""),
            status: 200,
            message: format!("unexpected reply from Shiprocket: {what}"),
        }
    }

    pub fn start(&self, stored: Option<String>) -> Option<String> {
        let back = self.cfg.today - Days::new(self.cfg.lookback_days);
        let from = match stored.and_then(|s| serde_json::from_str::<Cursor>(&s).ok()) {
            Some(c) => c.from.min(back).max(self.cfg.earliest),
            None => self.cfg.earliest,
        };
        Some(serde_json::to_string(&Cursor { from, page: 1 }).expect("a cursor serialises"))
    }

    pub async fn fetch_page(&self, cursor: Option<&str>) -> Result<Page, FetchError> {
        let c: Cursor = cursor
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or_else(|| self.odd("the stream's bookmark is unreadable"))?;
        let to = (c.from + Days::new(self.cfg.window_days - 1)).min(self.cfg.today);
        let query = vec![
            ("from".to_string(), c.from.to_string()),
            ("to".to_string(), to.to_string()),
            ("page".to_string(), c.page.to_string()),
            ("per_page".to_string(), self.cfg.per_page.to_string()),
            ("sort".to_string(), "ASC".to_string()),
            ("sort_by".to_string(), "id".to_string()),
        ];
        let reply = self.get("orders", &query).await?;
        let orders = reply
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| self.odd("no data array"))?;
        let mut shipments = Vec::new();
        let mut bad: Vec<BadRecord> = Vec::new();
        for order in orders {
            // Freight is on the order's detail, not the list.
            let charges = match order.get("id").and_then(Value::as_u64) {
                Some(id)
                    if order
                        .get("shipments")
                        .and_then(Value::as_array)
                        .is_some_and(|s| !s.is_empty()) =>
                {
                    let detail = self.get(&format!("orders/show/{id}"), &[]).await?;
                    detail
                        .pointer("/data/awb_data/charges")
                        .cloned()
                        .unwrap_or(Value::Null)
                }
                _ => Value::Null,
            };
            let list: Vec<Value> = order
                .get("shipments")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let (good, skipped) = parse_each(&list, "id", |s| shipment(order, s, &charges));
            shipments.extend(good);
            bad.extend(skipped);
        }
        let pages = reply
            .pointer("/meta/pagination/total_pages")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        let (next, more) = if u64::from(c.page) < pages {
            (
                Cursor {
                    from: c.from,
                    page: c.page + 1,
                },
                true,
            )
        } else {
            (
                Cursor {
                    from: to + Days::new(1),
                    page: 1,
                },
                to < self.cfg.today,
            )
        };
        Ok(Page {
            batch: Batch::Shipments(shipments),
            bad,
            cursor: Some(serde_json::to_string(&next).expect("a cursor serialises")),
            more,
        })
    }

    /// Test connection: log in; Shiprocket works in India's zone and rupees.
    pub async fn account(&self) -> Result<crate::domain::AccountFacts, FetchError> {
        self.login().await?;
        Ok(crate::domain::AccountFacts {
            name: Some(self.cfg.email.clone()),
            currency: Some("INR".into()),
            timezone: Some(ZONE.name().into()),
            token_expires_at: self
                .token
                .lock()
                .expect("lock")
                .as_ref()
                .map(|t| t.1.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            checked_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            missing_scopes: Vec::new(),
        })
    }
}

/// One shipment of an order: its status is the order's current one, its
/// freight the order's forward plus RTO charges.
fn shipment(order: &Value, s: &Value, charges: &Value) -> Result<Shipment, String> {
    let id = text(s, "id").ok_or("the shipment has no id")?;
    let created = text(order, "created_at").ok_or("the order has no created_at")?;
    let status = text(order, "status").ok_or("the order has no status")?;
    let freight =
        amount(charges, "freight_charges")? + amount(charges, "charged_weight_amount_rto")?;
    Ok(Shipment {
        id,
        awb: text(s, "awb"),
        courier: text(s, "courier"),
        order_ref: text(order, "channel_order_id"),
        created_at: shiprocket_time(&created)?,
        status: status_of(&status),
        freight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_as_metrics_md_says() {
        use ShipmentStatus::*;
        for (s, want) in [
            ("DELIVERED", Delivered),
            ("IN TRANSIT", InTransit),
            ("Out For Delivery", InTransit),
            ("PICKED UP", InTransit),
            ("RTO INITIATED", Rto),
            ("RTO DELIVERED", Rto),
            ("UNDELIVERED", Ndr),
            ("NEW", Other),
            ("CANCELED", Other),
            ("LOST", Other),
        ] {
            assert_eq!(status_of(s), want, "{s}");
        }
    }

    #[test]
    fn display_dates_are_india_time() {
        let t = shiprocket_time("24 Jul 2026, 11:58 AM").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-24T06:28:00+00:00");
        assert_eq!(
            shiprocket_time("2026-07-24 00:10:00").unwrap().to_rfc3339(),
            "2026-07-23T18:40:00+00:00"
        );
        assert!(shiprocket_time("yesterday").is_err());
    }
}
