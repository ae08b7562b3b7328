//! Google Ads API v26: daily campaign metrics of one customer.
//!
//! One stream, `campaigns`: `googleAds:searchStream` with a GAQL query over a
//! date window (int64 values arrive as strings, money in micros). Access tokens
//! come from the refresh-token flow, are kept in memory and renewed a minute
//! before they expire or on a 401; `invalid_grant` means the person must
//! reconnect Google. Each run re-reads a lookback (default 30 days) and never
//! treats today as final. RESOURCE_EXHAUSTED waits the `retryDelay` the error
//! carries, then repeats the same request.
//!
//! `client.rs` sends (the token flow, searchStream, Google's error statuses),
//! `records.rs` turns result rows into ad days, `cursor.rs` is the bookmark.

mod client;
pub mod cursor;
pub mod records;

pub use records::ad_day;

use super::http::{FetchError, HttpClient, HttpConfig};
use super::source::{Page, Source, SourceError, SourceInputs};
use super::{parse_each, window};
use crate::domain::provider_settings::{secret, GoogleSettings};
use crate::domain::records::Batch;
use crate::domain::AccountFacts;
use chrono::{Days, NaiveDate};
use cursor::Cursor;
use serde_json::Value;
use std::time::Instant;

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
/// Days re-read on every sync unless the connection says otherwise:
/// conversions are restated for about 30 days.
pub const DEFAULT_LOOKBACK_DAYS: u64 = 30;
/// Days of history a first sync reads.
pub const HISTORY_DAYS: u64 = 365;
/// Days per searchStream query.
pub const WINDOW_DAYS: u64 = 90;

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

    /// The source of a connection: its settings, its four secrets, the account's today.
    pub fn from_connection(
        settings: &GoogleSettings,
        inputs: &SourceInputs<'_>,
    ) -> Result<Self, SourceError> {
        let today = inputs.account_today();
        let cfg = GoogleConfig {
            base: inputs.base_url(DEFAULT_BASE),
            token_url: settings
                .token_url
                .clone()
                .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_string()),
            customer_id: settings.customer_id.clone(),
            login_customer_id: settings.login_customer_id.clone(),
            client_id: inputs.secret(secret::CLIENT_ID)?,
            client_secret: inputs.secret(secret::CLIENT_SECRET)?,
            refresh_token: inputs.secret(secret::REFRESH_TOKEN)?,
            developer_token: inputs.secret(secret::DEVELOPER_TOKEN)?,
            lookback_days: settings
                .lookback_days
                .map_or(DEFAULT_LOOKBACK_DAYS, u64::from),
            earliest: today - Days::new(HISTORY_DAYS),
            today,
            window_days: WINDOW_DAYS,
            fields: FIELDS.iter().map(|f| f.to_string()).collect(),
            http: HttpConfig::default(),
        };
        Ok(Self::new(cfg)?)
    }
}

impl Source for GoogleSource {
    fn streams(&self) -> Vec<String> {
        vec![STREAM.to_string()]
    }

    fn start_cursor(&self, _stream: &str, stored: Option<String>) -> Option<String> {
        Some(cursor::start(stored.as_deref(), &self.cfg).encode())
    }

    async fn fetch(&self, _stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        let cfg = &self.cfg;
        let c = Cursor::parse(cursor, cfg.earliest);
        if c.from > cfg.today {
            return Ok(Page {
                batch: Batch::AdDays(vec![]),
                bad: vec![],
                cursor: Some(Cursor::at(cfg.today).encode()),
                more: false,
            });
        }
        let to = window::end(c.from, cfg.window_days, cfg.today);
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
            cursor: Some(Cursor::at(next).encode()),
            more,
        })
    }

    /// Test connection: the customer's name, currency and time zone.
    async fn account(&self) -> Result<AccountFacts, FetchError> {
        let reply = self
            .search("SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone FROM customer")
            .await?;
        let row = reply
            .pointer("/0/results/0/customer")
            .cloned()
            .unwrap_or(Value::Null);
        let text = |k: &str| row.get(k).and_then(Value::as_str).map(String::from);
        Ok(AccountFacts {
            name: text("descriptiveName"),
            currency: text("currencyCode"),
            timezone: text("timeZone"),
            token_expires_at: None,
            checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            missing_scopes: Vec::new(),
            users: None,
        })
    }

    fn requests(&self) -> u64 {
        self.http.requests()
    }
}
