//! Google Ads API v26: daily campaign metrics of one customer.
//!
//! One stream, `campaigns`: `googleAds:searchStream` with a GAQL query over a
//! date window (int64 values arrive as strings, money in micros). Access tokens
//! come from the refresh-token flow, are kept in memory and renewed a minute
//! before they expire or on a 401; `invalid_grant` means the person must
//! reconnect Google. Each run re-reads a lookback (default 30 days) and never
//! treats today as final. RESOURCE_EXHAUSTED waits the `retryDelay` the error
//! carries, then repeats the same request.

use super::ads::{decimal, integer, AdCursor};
use super::http::{classify_status, Classify, Failure, FetchError, HttpClient, HttpConfig};
use super::parse_each;
use crate::domain::records::{AdDay, AdPlatform, Batch};
use crate::sync::Page;
use chrono::{Days, NaiveDate};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

pub const DEFAULT_BASE: &str = "https://googleads.googleapis.com";
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
pub const VERSION: &str = "v26";
pub const STREAM: &str = "campaigns";
/// The GAQL fields asked for; every one is in the v26 field lists.
pub const FIELDS: &[&str] = &[
    "customer.id",
    "customer.currency_code",
    "customer.time_zone",
    "campaign.id",
    "campaign.name",
    "segments.date",
    "metrics.cost_micros",
    "metrics.impressions",
    "metrics.clicks",
    "metrics.conversions",
    "metrics.conversions_value",
];

#[derive(Debug, Clone)]
pub struct GoogleConfig {
    pub base: String,
    pub token_url: String,
    /// Digits only.
    pub customer_id: String,
    pub login_customer_id: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub developer_token: String,
    pub lookback_days: u64,
    pub earliest: NaiveDate,
    pub today: NaiveDate,
    pub window_days: u64,
    pub fields: Vec<String>,
    pub http: HttpConfig,
}

impl GoogleConfig {
    pub fn secrets(&self) -> Vec<String> {
        vec![
            self.client_secret.clone(),
            self.refresh_token.clone(),
            self.developer_token.clone(),
        ]
    }
}

/// The retry delay a quota error carries (`"30s"`, `"1.5s"`), anywhere in it.
fn retry_delay(v: &Value) -> Option<Duration> {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(s)) = m.get("retryDelay") {
                let secs: f64 = s.trim_end_matches('s').parse().ok()?;
                return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
            }
            m.values().find_map(retry_delay)
        }
        Value::Array(a) => a.iter().find_map(retry_delay),
        _ => None,
    }
}

/// The `error` object of a reply: the body itself, or (searchStream) an
/// element of the array it sends.
fn error_of(body: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v {
        Value::Array(items) => items.into_iter().find_map(|i| i.get("error").cloned()),
        other => other.get("error").cloned(),
    }
}

struct GoogleErrors;

impl Classify for GoogleErrors {
    fn classify(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Failure> {
        let e = error_of(body)?;
        let state = e.get("status").and_then(Value::as_str).unwrap_or("");
        Some(match state {
            "RESOURCE_EXHAUSTED" => Failure::RateLimited {
                retry_after: retry_delay(&e),
            },
            "UNAUTHENTICATED" | "PERMISSION_DENIED" => Failure::Auth,
            "INTERNAL" | "UNAVAILABLE" | "DEADLINE_EXCEEDED" => Failure::Transient,
            "INVALID_ARGUMENT" | "NOT_FOUND" => Failure::Fatal,
            _ => classify_status(status, headers).unwrap_or(Failure::Fatal),
        })
    }
}

/// The first error code Google names (`"authorizationError": "USER_PERMISSION_DENIED"`).
fn error_code(e: &Value) -> Option<String> {
    let first = e.pointer("/details/0/errors/0/errorCode")?.as_object()?;
    let (kind, code) = first.iter().next()?;
    Some(format!("{kind} {}", code.as_str().unwrap_or("")))
}

/// One searchStream result row → an ad day.
pub fn ad_day(row: &Value) -> Result<AdDay, String> {
    let get = |p: &str| row.pointer(p).unwrap_or(&Value::Null);
    let campaign = match get("/campaign/id") {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err("campaign.id is missing".into()),
    };
    let date = get("/segments/date")
        .as_str()
        .ok_or("segments.date is missing")?
        .parse::<NaiveDate>()
        .map_err(|_| "segments.date is not a date".to_string())?;
    let micros = integer(get("/metrics/costMicros"), "metrics.cost_micros")?;
    Ok(AdDay {
        platform: AdPlatform::Google,
        campaign_id: campaign,
        date,
        spend: rust_decimal::Decimal::new(micros, 6).normalize(),
        impressions: integer(get("/metrics/impressions"), "metrics.impressions")?,
        clicks: integer(get("/metrics/clicks"), "metrics.clicks")?,
        reach: 0,
        purchases: decimal(get("/metrics/conversions"), "metrics.conversions")?,
        purchase_value: decimal(
            get("/metrics/conversionsValue"),
            "metrics.conversions_value",
        )?,
    })
}

pub struct GoogleSource {
    cfg: GoogleConfig,
    http: HttpClient,
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
    token_requests: std::sync::atomic::AtomicU64,
}

impl GoogleSource {
    pub fn new(cfg: GoogleConfig) -> Result<Self, FetchError> {
        let http = HttpClient::new(cfg.http.clone())?.redacting(cfg.secrets());
        Ok(Self {
            cfg,
            http,
            token: tokio::sync::Mutex::new(None),
            token_requests: Default::default(),
        })
    }

    /// How many access tokens this source asked for.
    pub fn token_requests(&self) -> u64 {
        self.token_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A valid access token: the cached one, or a new one from the refresh token.
    async fn access_token(&self, renew: bool) -> Result<String, FetchError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if !renew && Instant::now() + Duration::from_secs(60) < *until {
                return Ok(token.clone());
            }
        }
        self.token_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.cfg.client_id.as_str()),
            ("client_secret", self.cfg.client_secret.as_str()),
            ("refresh_token", self.cfg.refresh_token.as_str()),
        ];
        let url = self.cfg.token_url.clone();
        let reply = self
            .http
            .send(|c| c.post(&url).form(&form), &TokenErrors)
            .await
            .map_err(|e| match e {
                FetchError::Auth { status, message } | FetchError::Fatal { status, message, .. }
                    if message.contains("invalid_grant") || status == 401 =>
                {
                    FetchError::Auth {
                        status,
                        message: "Google refused the refresh token (invalid_grant: expired or revoked); reconnect Google".into(),
                    }
                }
                other => other,
            })?;
        let v: Value = reply.json().map_err(|e| FetchError::Fatal {
            url: url.clone(),
            status: reply.status.as_u16(),
            message: format!("the token reply is not JSON: {e}"),
        })?;
        let token = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| FetchError::Fatal {
                url: url.clone(),
                status: reply.status.as_u16(),
                message: "the token reply has no access_token".into(),
            })?
            .to_string();
        let lasts = v.get("expires_in").and_then(Value::as_u64).unwrap_or(3599);
        *cached = Some((token.clone(), Instant::now() + Duration::from_secs(lasts)));
        Ok(token)
    }

    fn query(&self, from: NaiveDate, to: NaiveDate) -> String {
        format!(
            "SELECT {} FROM campaign WHERE segments.date BETWEEN '{from}' AND '{to}' ORDER BY segments.date",
            self.cfg.fields.join(", ")
        )
    }

    async fn search(&self, query: &str) -> Result<Value, FetchError> {
        let url = format!(
            "{}/{VERSION}/customers/{}/googleAds:searchStream",
            self.cfg.base.trim_end_matches('/'),
            self.cfg.customer_id
        );
        let body = serde_json::json!({ "query": query });
        let mut renewed = false;
        loop {
            let token = self.access_token(renewed).await?;
            let login = self.cfg.login_customer_id.clone();
            let dev = self.cfg.developer_token.clone();
            let result = self
                .http
                .send(
                    |c| {
                        let mut r = c
                            .post(&url)
                            .bearer_auth(&token)
                            .header("developer-token", &dev)
                            .json(&body);
                        if let Some(l) = &login {
                            r = r.header("login-customer-id", l);
                        }
                        r
                    },
                    &GoogleErrors,
                )
                .await;
            match result {
                Ok(reply) => {
                    return reply.json().map_err(|e| FetchError::Fatal {
                        url,
                        status: reply.status.as_u16(),
                        message: format!("the reply is not JSON: {e}"),
                    })
                }
                // An access token can expire between our check and Google's:
                // renew it once and repeat the request.
                Err(FetchError::Auth { status: 401, .. }) if !renewed => renewed = true,
                Err(FetchError::Auth { status, message }) => {
                    let e = error_of(message.as_bytes());
                    let code = e.as_ref().and_then(error_code).unwrap_or_default();
                    let said = if status == 403 {
                        format!("Google Ads denied access (PERMISSION_DENIED {code}); check that the developer token is approved and, when the account sits under a manager account, that the login customer id is set")
                    } else {
                        format!("Google Ads refused the access token (UNAUTHENTICATED {code}); reconnect Google")
                    };
                    return Err(FetchError::Auth {
                        status,
                        message: said,
                    });
                }
                Err(FetchError::Fatal {
                    url,
                    status,
                    message,
                }) => {
                    let e = error_of(message.as_bytes());
                    let detail = e
                        .as_ref()
                        .and_then(|e| e.pointer("/details/0/errors/0/message"))
                        .and_then(Value::as_str)
                        .or_else(|| {
                            e.as_ref()
                                .and_then(|e| e.get("message"))
                                .and_then(Value::as_str)
                        })
                        .unwrap_or(&message)
                        .to_string();
                    tracing::error!(%url, %query, "Google Ads refused the query");
                    return Err(FetchError::Fatal {
                        url,
                        status,
                        message: format!("Google Ads refused the query: {detail}"),
                    });
                }
                Err(other) => return Err(other),
            }
        }
    }

    pub async fn fetch_page(&self, cursor: Option<&str>) -> Result<Page, FetchError> {
        let cfg = &self.cfg;
        let c = AdCursor::parse(cursor, cfg.earliest);
        if c.from > cfg.today {
            return Ok(Page {
                batch: Batch::AdDays(vec![]),
                bad: vec![],
                cursor: Some(AdCursor::at(cfg.today).encode()),
                more: false,
            });
        }
        let to = (c.from + Days::new(cfg.window_days - 1)).min(cfg.today);
        let reply = self.search(&self.query(c.from, to)).await?;
        let rows: Vec<Value> = reply
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|batch| {
                batch
                    .get("results")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let (days, bad) = parse_each(&rows, "campaign", ad_day);
        // Today is partial: it is read, but the bookmark never passes it.
        let (next, more) = if to >= cfg.today {
            (cfg.today, false)
        } else {
            (to + Days::new(1), true)
        };
        Ok(Page {
            batch: Batch::AdDays(days),
            bad,
            cursor: Some(AdCursor::at(next).encode()),
            more,
        })
    }

    /// Test connection: the customer's name, currency and time zone.
    pub async fn account(&self) -> Result<crate::domain::AccountFacts, FetchError> {
        let reply = self
            .search("SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone FROM customer")
            .await?;
        let row = reply
            .pointer("/0/results/0/customer")
            .cloned()
            .unwrap_or(Value::Null);
        let text = |k: &str| row.get(k).and_then(Value::as_str).map(String::from);
        Ok(crate::domain::AccountFacts {
            name: text("descriptiveName"),
            currency: text("currencyCode"),
            timezone: text("timeZone"),
            token_expires_at: None,
            checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            missing_scopes: Vec::new(),
        })
    }

    pub fn start(&self, stored: Option<String>) -> Option<String> {
        Some(
            AdCursor::restart(
                stored.as_deref(),
                self.cfg.lookback_days,
                self.cfg.earliest,
                self.cfg.today,
            )
            .encode(),
        )
    }

    pub fn requests(&self) -> u64 {
        self.http.requests()
    }
}

/// The token endpoint: `invalid_grant` (HTTP 400) means the refresh token is dead.
struct TokenErrors;

impl Classify for TokenErrors {
    fn classify(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Option<Failure> {
        let v: Value = serde_json::from_slice(body).ok()?;
        match v.get("error").and_then(Value::as_str)? {
            "invalid_grant" | "invalid_client" | "unauthorized_client" => Some(Failure::Auth),
            _ if status.is_server_error() => Some(Failure::Transient),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_read_micros_and_string_integers() {
        let row = json!({"campaign": {"id": "55", "name": "Brand"}, "segments": {"date": "2026-03-10"},
            "metrics": {"costMicros": "200000000", "impressions": "5000", "clicks": "100",
                        "conversions": 4.0, "conversionsValue": 540.5}});
        let d = ad_day(&row).unwrap();
        assert_eq!(d.spend, rust_decimal::Decimal::from(200));
        assert_eq!((d.impressions, d.clicks), (5000, 100));
        assert_eq!(d.purchases, rust_decimal::Decimal::from(4));
        assert_eq!(d.purchase_value, rust_decimal::Decimal::new(5405, 1));
        let cents = json!({"campaign": {"id": "55"}, "segments": {"date": "2026-03-10"},
            "metrics": {"costMicros": "12345678"}});
        assert_eq!(
            ad_day(&cents).unwrap().spend,
            rust_decimal::Decimal::new(12345678, 6)
        );
        assert!(ad_day(&json!({"segments": {"date": "2026-03-10"}})).is_err());
    }

    #[test]
    fn quota_errors_carry_their_retry_delay() {
        let body = json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [{
            "errors": [{"errorCode": {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"},
                        "details": {"quotaErrorDetails": {"rateScope": "ACCOUNT", "retryDelay": "2s"}}}]}]}});
        let c = GoogleErrors.classify(
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            body.to_string().as_bytes(),
        );
        assert_eq!(
            c,
            Some(Failure::RateLimited {
                retry_after: Some(Duration::from_secs(2))
            })
        );
        let stream = json!([{"error": {"code": 401, "status": "UNAUTHENTICATED"}}]);
        assert_eq!(
            GoogleErrors.classify(
                StatusCode::OK,
                &HeaderMap::new(),
                stream.to_string().as_bytes()
            ),
            Some(Failure::Auth)
        );
    }
}
