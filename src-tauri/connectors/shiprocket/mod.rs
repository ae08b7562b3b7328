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
//!
//! `client.rs` sends (login, the kept token, a 401 → log in again once),
//! `records.rs` turns orders into shipments, `cursor.rs` is the bookmark.

mod client;
pub mod cursor;
pub mod records;

pub use records::{shiprocket_time, status_of};

use super::http::{FetchError, HttpClient, HttpConfig};
use super::source::{Page, Source, SourceError, SourceInputs};
use super::{parse_each, window, BadRecord};
use crate::domain::connection_input::SecretFields;
use crate::domain::provider_settings::{secret, ShiprocketSettings};
use crate::domain::records::Batch;
use crate::domain::AccountFacts;
use chrono::{DateTime, Days, NaiveDate, Utc};
use cursor::Cursor;
use records::shipment;
use serde_json::Value;
use std::sync::Mutex;

pub const DEFAULT_BASE: &str = "https://apiv2.shiprocket.in";
pub const STREAM: &str = "shipments";
/// How long Shiprocket's tokens live (its support article: 240 hours).
pub const TOKEN_HOURS: i64 = 240;
/// Shiprocket shows dates in India's time.
pub(crate) const ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;
/// Shipments this recent are read again on every sync unless the connection
/// says otherwise: RTO and NDR statuses change for weeks.
pub const DEFAULT_LOOKBACK_DAYS: u64 = 45;
/// Days of shipments a first sync reads.
pub const HISTORY_DAYS: u64 = 365;
/// Where the login token and its end are kept, beside the password in the
/// connection's keychain entry.
pub const SESSION_TOKEN: &str = "session_token";
pub const SESSION_ENDS: &str = "session_expires_at";

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
            lookback_days: DEFAULT_LOOKBACK_DAYS,
            earliest: today - Days::new(HISTORY_DAYS),
            today,
            window_days: 30,
            per_page: 100,
            http: HttpConfig::default(),
        }
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

    /// The source of a connection: its settings, the API user's password and
    /// the token a run kept, read in India's today.
    pub fn from_connection(
        settings: &ShiprocketSettings,
        inputs: &SourceInputs<'_>,
    ) -> Result<Self, SourceError> {
        let today = Utc::now().with_timezone(&ZONE).date_naive();
        let mut cfg =
            ShiprocketConfig::new(&settings.email, &inputs.secret(secret::PASSWORD)?, today);
        cfg.lookback_days = settings
            .lookback_days
            .map_or(DEFAULT_LOOKBACK_DAYS, u64::from);
        cfg.base = inputs.base_url(DEFAULT_BASE);
        cfg.token = inputs
            .secret_if_any(SESSION_TOKEN)
            .zip(inputs.secret_if_any(SESSION_ENDS))
            .and_then(|(token, ends)| {
                let ends = DateTime::parse_from_rfc3339(&ends)
                    .ok()?
                    .with_timezone(&Utc);
                Some((token, ends))
            });
        Ok(Self::new(cfg)?)
    }
}

impl Source for ShiprocketSource {
    fn streams(&self) -> Vec<String> {
        vec![STREAM.to_string()]
    }

    fn start_cursor(&self, _stream: &str, stored: Option<String>) -> Option<String> {
        Some(cursor::start(stored.as_deref(), &self.cfg).encode())
    }

    async fn fetch(&self, _stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        let c = cursor
            .and_then(Cursor::parse)
            .ok_or_else(|| self.odd("the stream's bookmark is unreadable"))?;
        let to = window::end(c.from, self.cfg.window_days, self.cfg.today);
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
            cursor: Some(next.encode()),
            more,
        })
    }

    /// Test connection: log in; Shiprocket works in India's zone and rupees.
    async fn account(&self) -> Result<AccountFacts, FetchError> {
        self.login().await?;
        Ok(AccountFacts {
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
            users: None,
        })
    }

    fn requests(&self) -> u64 {
        self.http.requests()
    }

    /// A run that logged in hands its new token (and its end) back, so the
    /// next run need not log in.
    fn renewed_secrets(&self) -> Option<SecretFields> {
        let (token, ends) = self.renewed_token()?;
        Some(SecretFields(
            [
                (SESSION_TOKEN.to_string(), token),
                (
                    SESSION_ENDS.to_string(),
                    ends.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
            ]
            .into_iter()
            .collect(),
        ))
    }
}
