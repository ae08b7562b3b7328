//! Sending to JustCall (v2.1): the raw `key:secret` Authorization header, and
//! its rate limits — an hourly window and a per-minute burst, told in
//! `X-Rate-Limit-*` headers on every reply. Near a limit the next request
//! waits for that window's reset; a 429 waits until the reset of the window
//! whose remaining count is 0 (usually the burst one), then repeats the same
//! request.

use super::JustcallSource;
use crate::connectors::http::{classify_status, Classify, Failure, FetchError};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// One rate-limit window as the headers describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub remaining: u64,
    /// Unix seconds.
    pub reset: i64,
}

/// The hourly and burst windows of a reply, where it sent them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    pub hourly: Option<Window>,
    pub burst: Option<Window>,
}

fn header(h: &HeaderMap, name: &str) -> Option<i64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn window(h: &HeaderMap, remaining: &str, reset: &str) -> Option<Window> {
    Some(Window {
        remaining: header(h, remaining)?.max(0) as u64,
        reset: header(h, reset)?,
    })
}

pub fn limits(h: &HeaderMap) -> Limits {
    Limits {
        hourly: window(h, "x-rate-limit-remaining", "x-rate-limit-reset"),
        burst: window(
            h,
            "x-rate-limit-burst-remaining",
            "x-rate-limit-burst-reset",
        ),
    }
}

impl Limits {
    /// How long until a window that has `at_most` requests left resets: the
    /// burst window first, then the hour. `None` when neither is that low.
    pub fn wait(&self, at_most: u64, now: i64) -> Option<Duration> {
        [self.burst, self.hourly]
            .into_iter()
            .flatten()
            .find(|w| w.remaining <= at_most)
            // A reset a second ahead may already be a second behind.
            .map(|w| Duration::from_secs((w.reset - now).max(0) as u64 + 1))
    }
}

/// JustCall's reading of a reply: a 429 waits for the window that is spent.
pub(super) struct JustcallErrors;

impl Classify for JustcallErrors {
    fn classify(&self, status: StatusCode, headers: &HeaderMap, _body: &[u8]) -> Option<Failure> {
        if status == StatusCode::TOO_MANY_REQUESTS {
            let now = chrono::Utc::now().timestamp();
            return Some(Failure::RateLimited {
                retry_after: limits(headers)
                    .wait(0, now)
                    .or_else(|| crate::connectors::http::retry_after(headers)),
            });
        }
        classify_status(status, headers)
    }
}

/// The `message` JustCall puts in an error body.
fn said(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(String::from))
        .unwrap_or_else(|| body.chars().take(300).collect())
}

fn explain(e: FetchError) -> FetchError {
    match e {
        FetchError::Auth { status, message } => FetchError::Auth {
            status,
            message: format!(
                "JustCall refused the API key and secret ({}); check both",
                said(&message)
            ),
        },
        FetchError::Fatal {
            url,
            status: 400,
            message,
        } => FetchError::Fatal {
            url,
            status: 400,
            message: format!(
                "JustCall refused the request ({}); it keeps about three months of calls, so a longer history cannot be read",
                said(&message)
            ),
        },
        FetchError::Fatal {
            url,
            status,
            message,
        } => FetchError::Fatal {
            url,
            status,
            message: format!("JustCall refused the request: {}", said(&message)),
        },
        other => other,
    }
}

impl JustcallSource {
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/v2.1/{path}", self.cfg.base.trim_end_matches('/'))
    }

    /// GET `path` with `query`, as JSON; then, when a window is nearly
    /// spent, wait for its reset before the next request goes out.
    pub(super) async fn get(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Value, FetchError> {
        let body = self.get_body(path, query).await?;
        serde_json::from_slice(&body).map_err(|e| self.odd(&format!("not JSON: {e}")))
    }

    /// As [`Self::get`], the reply's body unread.
    pub(super) async fn get_body(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<bytes::Bytes, FetchError> {
        let url = self.url(path);
        let auth = format!("{}:{}", self.cfg.api_key, self.cfg.api_secret);
        let reply = self
            .http
            .send(
                |c| {
                    c.get(&url)
                        .header("Authorization", &auth)
                        .header("Accept", "application/json")
                        .query(query)
                },
                &JustcallErrors,
            )
            .await
            .map_err(explain)?;
        let now = chrono::Utc::now().timestamp();
        if let Some(wait) = limits(&reply.headers).wait(1, now) {
            let wait = wait.min(self.cfg.http.max_wait);
            tracing::info!(
                ?wait,
                "JustCall's rate limit is nearly spent; waiting for its reset"
            );
            tokio::time::sleep(wait).await;
        }
        Ok(reply.body)
    }

    pub(super) fn odd(&self, what: &str) -> FetchError {
        FetchError::Fatal {
            url: self.url(""),
            status: 200,
            message: format!("unexpected reply from JustCall: {what}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn a_429_waits_for_the_window_that_is_spent() {
        let h = headers(&[
            ("x-rate-limit-remaining", "1500"),
            ("x-rate-limit-reset", "4000"),
            ("x-rate-limit-burst-remaining", "0"),
            ("x-rate-limit-burst-reset", "1030"),
        ]);
        assert_eq!(limits(&h).wait(0, 1000), Some(Duration::from_secs(31)));
        let hour = headers(&[
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "4000"),
            ("x-rate-limit-burst-remaining", "20"),
            ("x-rate-limit-burst-reset", "1030"),
        ]);
        assert_eq!(limits(&hour).wait(0, 1000), Some(Duration::from_secs(3001)));
        assert_eq!(limits(&HeaderMap::new()).wait(0, 1000), None);
    }

    #[test]
    fn bad_credentials_and_old_ranges_say_what_to_do() {
        let e = explain(FetchError::Auth {
            status: 401,
            message: r#"{"status":"error","message":"Invalid API credentials"}"#.into(),
        });
        assert!(e.to_string().contains("Invalid API credentials"), "{e}");
        let e = explain(FetchError::Fatal {
            url: "u".into(),
            status: 400,
            message: r#"{"status":"error","message":"Date range too old"}"#.into(),
        });
        assert!(e.to_string().contains("three months"), "{e}");
    }
}
