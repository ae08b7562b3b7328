//! Meta Marketing API v26.0: daily campaign insights of one ad account.
//!
//! One stream, `insights`: `/act_{id}/insights` with `level=campaign`,
//! `time_increment=1` and a `time_range`, paged with `paging.cursors.after`
//! to the end. A backlog longer than [`MetaConfig::async_over_days`] is read
//! through async report runs (start, poll `async_status`, read the results).
//! Every run re-reads a lookback (default 28 days), because Meta restates
//! attribution; rows are upserted by (account, campaign, date), so a shorter
//! later read never removes one. Usage headers are read on every reply: near
//! the limit the connector slows down, and on a throttle code it pauses for
//! the time the headers give, then repeats the same request.
//!
//! `client.rs` sends (usage headers, error codes, report runs), `records.rs`
//! turns insights rows into ad days, `cursor.rs` is the bookmark.

mod client;
pub mod cursor;
pub mod records;

pub use client::{usage, Usage};
pub use records::ad_day;

use super::http::{FetchError, HttpClient, HttpConfig};
use super::source::{Page, Source, SourceError, SourceInputs};
use super::{parse_each, window, BadRecord};
use crate::domain::provider_settings::{secret, MetaSettings};
use crate::domain::records::{AdDay, Batch};
use crate::domain::AccountFacts;
use chrono::{Days, NaiveDate};
use cursor::Cursor;
use serde_json::Value;
use std::time::Duration;

pub const DEFAULT_BASE: &str = "https://graph.facebook.com";
pub const VERSION: &str = "v26.0";
pub const STREAM: &str = "insights";
/// The fields asked for; every one is on the v26.0 insights edge.
pub const FIELDS: &[&str] = &[
    "account_currency",
    "campaign_id",
    "campaign_name",
    "date_start",
    "date_stop",
    "spend",
    "impressions",
    "reach",
    "clicks",
    "inline_link_clicks",
    "actions",
    "action_values",
];
/// Error codes Meta throttles with (HTTP 400, usually).
pub const THROTTLE_CODES: &[i64] = &[4, 17, 32, 613, 80000, 80004];
/// Days re-read on every sync unless the connection says otherwise: Meta
/// restates attribution for 28 days.
pub const DEFAULT_LOOKBACK_DAYS: u64 = 28;
/// Days of history a first sync reads.
pub const HISTORY_DAYS: u64 = 365;

#[derive(Debug, Clone)]
pub struct MetaConfig {
    pub base: String,
    /// `act_` followed by digits.
    pub account: String,
    pub token: String,
    pub lookback_days: u64,
    /// The first sync reads from here.
    pub earliest: NaiveDate,
    /// The last day to read (the account's today; it is partial).
    pub today: NaiveDate,
    /// Days per synchronous request window.
    pub window_days: u64,
    /// Days per async report run.
    pub report_days: u64,
    /// A run with more days than this to read uses async report runs.
    pub async_over_days: u64,
    pub page_limit: u32,
    /// First wait between polls of a report run (doubling, at most 30 s).
    pub poll: Duration,
    pub fields: Vec<String>,
    pub http: HttpConfig,
}

impl MetaConfig {
    pub fn new(account: &str, token: &str, today: NaiveDate) -> Self {
        Self {
            base: DEFAULT_BASE.into(),
            account: account.into(),
            token: token.into(),
            lookback_days: DEFAULT_LOOKBACK_DAYS,
            earliest: today - Days::new(HISTORY_DAYS),
            today,
            window_days: 31,
            report_days: 92,
            async_over_days: 92,
            page_limit: 500,
            poll: Duration::from_millis(500),
            fields: FIELDS.iter().map(|f| f.to_string()).collect(),
            http: HttpConfig::default(),
        }
    }
}

pub struct MetaSource {
    cfg: MetaConfig,
    http: HttpClient,
}

impl MetaSource {
    pub fn new(cfg: MetaConfig) -> Result<Self, FetchError> {
        let http = HttpClient::new(cfg.http.clone())?.redacting([cfg.token.clone()]);
        Ok(Self { cfg, http })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{VERSION}/{path}", self.cfg.base.trim_end_matches('/'))
    }

    /// The source of a connection: its settings, its token, the account's today.
    pub fn from_connection(
        settings: &MetaSettings,
        inputs: &SourceInputs<'_>,
    ) -> Result<Self, SourceError> {
        let mut cfg = MetaConfig::new(
            &settings.ad_account,
            &inputs.secret(secret::ACCESS_TOKEN)?,
            inputs.account_today(),
        );
        cfg.base = inputs.base_url(DEFAULT_BASE);
        cfg.lookback_days = settings
            .lookback_days
            .map_or(DEFAULT_LOOKBACK_DAYS, u64::from);
        Ok(Self::new(cfg)?)
    }
}

impl Source for MetaSource {
    fn streams(&self) -> Vec<String> {
        vec![STREAM.to_string()]
    }

    fn start_cursor(&self, _stream: &str, stored: Option<String>) -> Option<String> {
        Some(cursor::start(stored.as_deref(), &self.cfg).encode())
    }

    async fn fetch(&self, _stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        let cfg = &self.cfg;
        let mut c = Cursor::parse(cursor, cfg.earliest);
        if c.from > cfg.today {
            return Ok(Page {
                batch: Batch::AdDays(vec![]),
                bad: vec![],
                cursor: Some(c.encode()),
                more: false,
            });
        }
        let backlog = (cfg.today - c.from).num_days() as u64 + 1;
        let use_report = c.report.is_some() || backlog > cfg.async_over_days;
        let days = if use_report {
            cfg.report_days
        } else {
            cfg.window_days
        };
        let to = window::end(c.from, days, cfg.today);
        let token = cfg.token.clone();
        let (url, params) = if use_report {
            if c.report.is_none() {
                c.report = Some(self.run_report(c.from, to).await?);
            }
            let id = c.report.clone().unwrap_or_default();
            (
                self.url(&format!("{id}/insights")),
                vec![("limit".to_string(), cfg.page_limit.to_string())],
            )
        } else {
            (
                self.url(&format!("{}/insights", cfg.account)),
                self.params(c.from, to),
            )
        };
        let mut params = params;
        if let Some(after) = &c.after {
            params.push(("after".into(), after.clone()));
        }
        let reply = self
            .send(|cl| cl.get(&url).bearer_auth(&token).query(&params))
            .await?;
        let rows = reply
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| self.odd("no data array"))?;
        let (days_read, bad): (Vec<AdDay>, Vec<BadRecord>) =
            parse_each(rows, "campaign_id", ad_day);
        let next = reply
            .pointer("/paging/next")
            .and_then(Value::as_str)
            .is_some();
        let after = reply
            .pointer("/paging/cursors/after")
            .and_then(Value::as_str)
            .map(String::from);
        let (cursor, more) = match (next, after) {
            (true, Some(after)) => (
                Cursor {
                    from: c.from,
                    after: Some(after),
                    report: c.report,
                },
                true,
            ),
            _ => (Cursor::at(to + Days::new(1)), to < cfg.today),
        };
        Ok(Page {
            batch: Batch::AdDays(days_read),
            bad,
            cursor: Some(cursor.encode()),
            more,
        })
    }

    /// Test connection: the ad account's name, currency and time zone, and
    /// when the token ends (`debug_token`; none for a non-expiring token).
    async fn account(&self) -> Result<AccountFacts, FetchError> {
        let token = self.cfg.token.clone();
        let url = self.url(&self.cfg.account);
        let acc = self
            .send(|c| {
                c.get(&url)
                    .bearer_auth(&token)
                    .query(&[("fields", "name,currency,timezone_name")])
            })
            .await?;
        let debug_url = self.url("debug_token");
        let debug = self
            .send(|c| {
                c.get(&debug_url)
                    .bearer_auth(&token)
                    .query(&[("input_token", token.as_str())])
            })
            .await?;
        let expires_at = debug
            .pointer("/data/expires_at")
            .and_then(Value::as_i64)
            .filter(|t| *t > 0)
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let text = |k: &str| acc.get(k).and_then(Value::as_str).map(String::from);
        Ok(AccountFacts {
            name: text("name"),
            currency: text("currency"),
            timezone: text("timezone_name"),
            token_expires_at: expires_at,
            checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            missing_scopes: Vec::new(),
            users: None,
        })
    }

    fn requests(&self) -> u64 {
        self.http.requests()
    }
}
