//! Sending to Meta: the usage headers read on every reply, Meta's error codes
//! (they say more than its statuses), and async report runs.

use super::{MetaSource, THROTTLE_CODES};
use crate::connectors::http::{classify_status, Classify, Failure, FetchError};
use chrono::NaiveDate;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

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

impl MetaSource {
    /// Send, then slow down when the usage headers say we are near a limit.
    pub(super) async fn send(
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

    pub(super) fn params(&self, from: NaiveDate, to: NaiveDate) -> Vec<(String, String)> {
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
    pub(super) async fn run_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<String, FetchError> {
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

    pub(super) fn odd(&self, what: &str) -> FetchError {
        FetchError::Fatal {
            url: self.url(&self.cfg.account),
            status: 200,
            message: format!("unexpected reply from Meta: {what}"),
        }
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
}
