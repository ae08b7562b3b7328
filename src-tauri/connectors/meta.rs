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

use super::ads::{decimal, integer, AdCursor};
use super::http::{classify_status, Classify, Failure, FetchError, HttpClient, HttpConfig};
use super::{parse_each, BadRecord};
use crate::domain::records::{AdDay, AdPlatform, Batch};
use crate::sync::Page;
use chrono::{Days, NaiveDate};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
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
            lookback_days: 28,
            earliest: today - Days::new(365),
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

/// How close the headers say we are to a limit, and how long until access
/// comes back if we are over it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// The highest percentage any usage header reports.
    pub percent: f64,
    pub regain: Option<Duration>,
}

fn json_header(headers: &HeaderMap, name: &str) -> Option<Value> {
    serde_json::from_str(headers.get(name)?.to_str().ok()?).ok()
}

fn pct(v: &Value, keys: &[&str]) -> f64 {
    keys.iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_f64))
        .fold(0.0, f64::max)
}

/// Read `X-Business-Use-Case-Usage`, `X-Ad-Account-Usage` and `X-App-Usage`.
pub fn usage(headers: &HeaderMap) -> Usage {
    let mut u = Usage::default();
    let mut regain = |d: Duration| u.regain = Some(u.regain.map_or(d, |r: Duration| r.max(d)));
    let mut percent = 0.0f64;
    if let Some(Value::Object(ids)) = json_header(headers, "x-business-use-case-usage") {
        for entries in ids.values() {
            for e in entries.as_array().into_iter().flatten() {
                percent = percent.max(pct(e, &["call_count", "total_cputime", "total_time"]));
                if let Some(m) = e
                    .get("estimated_time_to_regain_access")
                    .and_then(Value::as_u64)
                {
                    if m > 0 {
                        regain(Duration::from_secs(m * 60));
                    }
                }
            }
        }
    }
    if let Some(v) = json_header(headers, "x-ad-account-usage") {
        percent = percent.max(pct(&v, &["acc_id_util_pct"]));
        if let Some(s) = v.get("reset_time_duration").and_then(Value::as_u64) {
            if s > 0 {
                regain(Duration::from_secs(s));
            }
        }
    }
    if let Some(v) = json_header(headers, "x-app-usage") {
        percent = percent.max(pct(&v, &["call_count", "total_cputime", "total_time"]));
    }
    u.percent = percent;
    u
}

/// Meta's error body: `{"error": {"code", "error_subcode", "message", …}}`.
fn error_of(body: &[u8]) -> Option<(i64, String, bool)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    Some((
        e.get("code")?.as_i64()?,
        e.get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        e.get("is_transient")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    ))
}

/// Meta's reading of a reply: its error codes say more than its statuses.
struct MetaErrors;

impl Classify for MetaErrors {
    fn classify(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Failure> {
        if status.is_success() {
            return None;
        }
        let (code, _, transient) = error_of(body)?;
        Some(match code {
            190 | 10 | 200..=299 => Failure::Auth,
            c if THROTTLE_CODES.contains(&c) => Failure::RateLimited {
                retry_after: Some(usage(headers).regain.unwrap_or(Duration::from_secs(60))),
            },
            1 | 2 => Failure::Transient,
            _ if transient => Failure::Transient,
            _ => classify_status(status, headers).unwrap_or(Failure::Fatal),
        })
    }
}

/// Say what Meta said, not the raw body.
fn explain(e: FetchError) -> FetchError {
    match e {
        FetchError::Fatal {
            url,
            status,
            message,
        } => {
            let said = error_of(message.as_bytes())
                .map(|(code, m, _)| format!("Meta refused the request (code {code}): {m}"))
                .unwrap_or(message);
            FetchError::Fatal {
                url,
                status,
                message: said,
            }
        }
        FetchError::Auth { status, message } => {
            let said = match error_of(message.as_bytes()) {
                Some((190, m, _)) => format!(
                    "the access token is expired or invalid (code 190): {m}; paste a new one"
                ),
                Some((code, m, _)) => format!("Meta refused access (code {code}): {m}"),
                None => message,
            };
            FetchError::Auth {
                status,
                message: said,
            }
        }
        other => other,
    }
}

/// One insights row → an ad day. Purchases are `omni_purchase` (what Ads
/// Manager shows), else `purchase`; never a sum of several kinds.
pub fn ad_day(row: &Value) -> Result<AdDay, String> {
    let s = |k: &str| row.get(k).and_then(Value::as_str);
    let campaign = s("campaign_id").ok_or("campaign_id is missing")?;
    let date = s("date_start")
        .ok_or("date_start is missing")?
        .parse::<NaiveDate>()
        .map_err(|_| "date_start is not a date".to_string())?;
    let pick = |list: &str| -> Result<(Option<&str>, rust_decimal::Decimal), String> {
        let items = row.get(list).and_then(Value::as_array);
        for kind in ["omni_purchase", "purchase"] {
            if let Some(item) = items
                .into_iter()
                .flatten()
                .find(|a| a.get("action_type").and_then(Value::as_str) == Some(kind))
            {
                return Ok((Some(kind), decimal(&item["value"], list)?));
            }
        }
        Ok((None, rust_decimal::Decimal::ZERO))
    };
    let (kind, purchases) = pick("actions")?;
    let value = match kind {
        Some(k) => row
            .get("action_values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|a| a.get("action_type").and_then(Value::as_str) == Some(k))
            .map(|a| decimal(&a["value"], "action_values"))
            .transpose()?
            .unwrap_or_default(),
        None => rust_decimal::Decimal::ZERO,
    };
    Ok(AdDay {
        platform: AdPlatform::Meta,
        campaign_id: campaign.to_string(),
        date,
        spend: decimal(row.get("spend").unwrap_or(&Value::Null), "spend")?,
        impressions: integer(
            row.get("impressions").unwrap_or(&Value::Null),
            "impressions",
        )?,
        clicks: integer(
            row.get("inline_link_clicks").unwrap_or(&Value::Null),
            "inline_link_clicks",
        )?,
        reach: integer(row.get("reach").unwrap_or(&Value::Null), "reach")?,
        purchases,
        purchase_value: value,
    })
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

    /// Send, then slow down when the usage headers say we are near a limit.
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Value, FetchError> {
        let reply = self.http.send(build, &MetaErrors).await.map_err(explain)?;
        let u = usage(&reply.headers);
        if u.percent >= 95.0 {
            let wait = u
                .regain
                .unwrap_or(Duration::from_secs(60))
                .min(Duration::from_secs(300));
            tracing::info!(
                percent = u.percent,
                ?wait,
                "Meta usage near its limit; slowing down"
            );
            tokio::time::sleep(wait).await;
        }
        reply.json().map_err(|e| FetchError::Fatal {
            url: self.url(""),
            status: reply.status.as_u16(),
            message: format!("the reply is not JSON: {e}"),
        })
    }

    fn params(&self, from: NaiveDate, to: NaiveDate) -> Vec<(String, String)> {
        vec![
            ("level".into(), "campaign".into()),
            ("time_increment".into(), "1".into()),
            (
                "time_range".into(),
                serde_json::json!({"since": from.to_string(), "until": to.to_string()}).to_string(),
            ),
            ("fields".into(), self.cfg.fields.join(",")),
            ("action_report_time".into(), "conversion".into()),
            ("use_unified_attribution_setting".into(), "true".into()),
            ("limit".into(), self.cfg.page_limit.to_string()),
        ]
    }

    /// Start an async report run for the window and wait until it completes.
    async fn run_report(&self, from: NaiveDate, to: NaiveDate) -> Result<String, FetchError> {
        let url = self.url(&format!("{}/insights", self.cfg.account));
        let params = self.params(from, to);
        let token = self.cfg.token.clone();
        let started = self
            .send(|c| c.post(&url).bearer_auth(&token).form(&params))
            .await?;
        let id = started
            .get("report_run_id")
            .and_then(Value::as_str)
            .ok_or_else(|| self.odd("no report_run_id in the reply"))?
            .to_string();
        let mut wait = self.cfg.poll;
        let poll_url = self.url(&id);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30 * 60);
        loop {
            tokio::time::sleep(wait).await;
            let status = self
                .send(|c| {
                    c.get(&poll_url)
                        .bearer_auth(&token)
                        .query(&[("fields", "async_status,async_percent_completion")])
                })
                .await?;
            match status.get("async_status").and_then(Value::as_str) {
                Some("Job Completed") => return Ok(id),
                Some(s @ ("Job Failed" | "Job Skipped")) => {
                    return Err(FetchError::Fatal {
                        url: poll_url.clone(),
                        status: 200,
                        message: format!("Meta's report run for {from} to {to} ended as '{s}'"),
                    })
                }
                _ if tokio::time::Instant::now() > deadline => {
                    return Err(self.odd("the report run did not finish in 30 minutes"))
                }
                _ => wait = (wait * 2).min(Duration::from_secs(30)),
            }
        }
    }

    fn odd(&self, what: &str) -> FetchError {
        FetchError::Fatal {
            url: self.url(&self.cfg.account),
            status: 200,
            message: format!("unexpected reply from Meta: {what}"),
        }
    }

    pub async fn fetch_page(&self, cursor: Option<&str>) -> Result<Page, FetchError> {
        let cfg = &self.cfg;
        let mut c = AdCursor::parse(cursor, cfg.earliest);
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
        let to = (c.from + Days::new(days - 1)).min(cfg.today);
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
                AdCursor {
                    from: c.from,
                    after: Some(after),
                    report: c.report,
                },
                true,
            ),
            _ => (AdCursor::at(to + Days::new(1)), to < cfg.today),
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
    pub async fn account(&self) -> Result<crate::domain::AccountFacts, FetchError> {
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
        Ok(crate::domain::AccountFacts {
            name: text("name"),
            currency: text("currency"),
            timezone: text("timezone_name"),
            token_expires_at: expires_at,
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    #[test]
    fn usage_headers_give_the_highest_percentage_and_the_wait() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(r#"{"123":[{"type":"ads_insights","call_count":12,"total_cputime":40,"total_time":7,"estimated_time_to_regain_access":2}]}"#),
        );
        h.insert(
            "x-ad-account-usage",
            HeaderValue::from_static(r#"{"acc_id_util_pct":96.5,"reset_time_duration":30}"#),
        );
        h.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":5}"#),
        );
        assert_eq!(
            usage(&h),
            Usage {
                percent: 96.5,
                regain: Some(Duration::from_secs(120))
            }
        );
        assert_eq!(usage(&HeaderMap::new()), Usage::default());
    }

    #[test]
    fn error_codes_decide_the_class() {
        let c = |code: i64| {
            MetaErrors.classify(
                StatusCode::BAD_REQUEST,
                &HeaderMap::new(),
                json!({"error": {"code": code, "message": "m"}})
                    .to_string()
                    .as_bytes(),
            )
        };
        assert_eq!(c(190), Some(Failure::Auth));
        assert_eq!(
            c(80000),
            Some(Failure::RateLimited {
                retry_after: Some(Duration::from_secs(60))
            })
        );
        assert_eq!(
            c(17),
            Some(Failure::RateLimited {
                retry_after: Some(Duration::from_secs(60))
            })
        );
        assert_eq!(c(2), Some(Failure::Transient));
        assert_eq!(c(100), Some(Failure::Fatal));
    }

    #[test]
    fn purchases_are_omni_purchase_else_purchase_never_a_sum() {
        let row = json!({
            "campaign_id": "c1", "date_start": "2026-03-10", "spend": "300.00",
            "impressions": "20000", "inline_link_clicks": "400", "clicks": "700", "reach": "9000",
            "actions": [{"action_type": "purchase", "value": "7"}, {"action_type": "omni_purchase", "value": "9"}],
            "action_values": [{"action_type": "purchase", "value": "700"}, {"action_type": "omni_purchase", "value": "900.50"}]
        });
        let d = ad_day(&row).unwrap();
        assert_eq!((d.clicks, d.impressions, d.reach), (400, 20000, 9000));
        assert_eq!(d.purchases, rust_decimal::Decimal::from(9));
        assert_eq!(d.purchase_value, rust_decimal::Decimal::new(90050, 2));
        let only = json!({"campaign_id": "c1", "date_start": "2026-03-10", "spend": "1",
            "actions": [{"action_type": "purchase", "value": "2"}],
            "action_values": [{"action_type": "purchase", "value": "20"}]});
        assert_eq!(
            ad_day(&only).unwrap().purchase_value,
            rust_decimal::Decimal::from(20)
        );
        assert!(ad_day(&json!({"date_start": "2026-03-10"})).is_err());
    }
}
