//! Talking GraphQL to one shop: the token header, reading Shopify's errors
//! (which often come with HTTP 200), and pacing by the cost bucket every reply
//! reports, so a run does not empty it.

use crate::connectors::http::{classify_status, Classify, Failure, FetchError, HttpClient};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const VERSION: &str = "2026-10";

/// What the last reply said of the bucket, and when.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    available: f64,
    maximum: f64,
    restore: f64,
    at: Instant,
}

impl Bucket {
    fn now(&self) -> f64 {
        (self.available + self.restore * self.at.elapsed().as_secs_f64()).min(self.maximum)
    }
}

/// `extensions.cost.throttleStatus` of a reply.
fn bucket_of(v: &Value) -> Option<Bucket> {
    let t = v.pointer("/extensions/cost/throttleStatus")?;
    Some(Bucket {
        available: t.get("currentlyAvailable")?.as_f64()?,
        maximum: t.get("maximumAvailable")?.as_f64()?,
        restore: t.get("restoreRate")?.as_f64().filter(|r| *r > 0.0)?,
        at: Instant::now(),
    })
}

/// The `extensions.code` of each top-level error, and their messages.
fn errors_of(v: &Value) -> Option<(Vec<String>, String)> {
    let errors = v.get("errors")?;
    if let Some(text) = errors.as_str() {
        return Some((vec![], text.to_string()));
    }
    let list = errors.as_array().filter(|l| !l.is_empty())?;
    let codes = list
        .iter()
        .filter_map(|e| e.pointer("/extensions/code").and_then(Value::as_str))
        .map(String::from)
        .collect();
    let messages = list
        .iter()
        .filter_map(|e| e.get("message").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("; ");
    Some((codes, messages))
}

/// How long Shopify's bucket needs to hold `requested` points again.
fn refill_wait(v: &Value) -> Option<Duration> {
    let requested = v
        .pointer("/extensions/cost/requestedQueryCost")
        .and_then(Value::as_f64)?;
    let b = bucket_of(v)?;
    let missing = (requested - b.available).max(0.0);
    Some(Duration::from_secs_f64(missing / b.restore + 0.05))
}

/// Shopify's reading of a reply: THROTTLED (in a 200 or a 429) waits for the
/// bucket, ACCESS_DENIED is a missing scope, INTERNAL_SERVER_ERROR is worth
/// another try, any other GraphQL error is the query's fault.
pub struct ShopifyErrors;

impl Classify for ShopifyErrors {
    fn classify(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Failure> {
        // Every reply passes here before it is read. One without the key
        // `"errors"` anywhere in its bytes has no top-level errors, so it is
        // not parsed twice (a page of orders: ~2 % of a backfill's work).
        memchr::memmem::find(body, b"\"errors\"")?;
        let v: Value = serde_json::from_slice(body).ok()?;
        let (codes, _) = errors_of(&v)?;
        let has = |c: &str| codes.iter().any(|x| x == c);
        if has("THROTTLED") {
            return Some(Failure::RateLimited {
                retry_after: refill_wait(&v).or(Some(Duration::from_secs(1))),
            });
        }
        if has("ACCESS_DENIED") {
            return Some(Failure::Auth);
        }
        if has("INTERNAL_SERVER_ERROR") {
            return Some(Failure::Transient);
        }
        Some(classify_status(status, headers).unwrap_or(Failure::Fatal))
    }
}

/// Say what Shopify said: a revoked token, a missing scope, a refused query.
pub fn explain(e: FetchError) -> FetchError {
    let said = |raw: &str| {
        serde_json::from_str::<Value>(raw)
            .ok()
            .and_then(|v| errors_of(&v))
            .map(|(_, m)| m)
    };
    match e {
        FetchError::Auth { status, message } => {
            let m = said(&message).unwrap_or(message);
            let message = if status == 401 {
                format!("Shopify refused the access token (revoked or wrong): {m}; paste a new one")
            } else {
                format!(
                    "Shopify denied access; grant the app the scope it names and reinstall it: {m}"
                )
            };
            FetchError::Auth { status, message }
        }
        FetchError::Fatal {
            url,
            status,
            message,
        } => FetchError::Fatal {
            url,
            status,
            message: said(&message)
                .map(|m| format!("Shopify refused the query: {m}"))
                .unwrap_or(message),
        },
        other => other,
    }
}

/// One shop's GraphQL endpoint with its token and bucket.
pub struct Shop {
    pub http: HttpClient,
    endpoint: String,
    token: String,
    bucket: Mutex<Option<Bucket>>,
}

impl Shop {
    pub fn new(http: HttpClient, base: &str, token: &str) -> Self {
        Self {
            http,
            endpoint: format!(
                "{}/admin/api/{VERSION}/graphql.json",
                base.trim_end_matches('/')
            ),
            token: token.to_string(),
            bucket: Mutex::new(None),
        }
    }

    /// Wait until the bucket, as last reported and refilled since, holds
    /// `cost` points.
    async fn pace(&self, cost: f64) {
        let wait = {
            let b = self.bucket.lock().expect("bucket lock");
            b.map(|b| {
                let missing = cost.min(b.maximum) - b.now();
                Duration::from_secs_f64((missing / b.restore).max(0.0))
            })
        };
        if let Some(w) = wait.filter(|w| !w.is_zero()) {
            tracing::debug!(?w, cost, "pacing for Shopify's cost bucket");
            tokio::time::sleep(w).await;
        }
    }

    /// Run a query (or mutation) expected to cost about `cost` points; the
    /// `data` of the reply.
    pub async fn query(
        &self,
        query: &str,
        variables: Value,
        cost: f64,
    ) -> Result<Value, FetchError> {
        self.pace(cost).await;
        let body = json!({ "query": query, "variables": variables });
        let reply = self
            .http
            .send(
                |c| {
                    c.post(&self.endpoint)
                        .header("X-Shopify-Access-Token", &self.token)
                        .json(&body)
                },
                &ShopifyErrors,
            )
            .await
            .map_err(explain)?;
        let mut v: Value = reply
            .json()
            .map_err(|e| self.odd(&format!("not JSON: {e}")))?;
        if let Some(b) = bucket_of(&v) {
            *self.bucket.lock().expect("bucket lock") = Some(b);
        }
        v.get_mut("data")
            .map(Value::take)
            .filter(|d| !d.is_null())
            .ok_or_else(|| self.odd("no data in the reply"))
    }

    pub fn odd(&self, what: &str) -> FetchError {
        FetchError::Fatal {
            url: self.endpoint.clone(),
            status: 200,
            message: format!("unexpected reply from Shopify: {what}"),
        }
    }

    /// A plain GET of a signed URL (a bulk operation's result), unread.
    pub async fn download(&self, url: &str) -> Result<reqwest::Response, FetchError> {
        self.http.open(url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: Value) -> Option<Failure> {
        ShopifyErrors.classify(
            StatusCode::OK,
            &HeaderMap::new(),
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn a_reply_is_an_error_only_when_it_has_top_level_errors() {
        // The word in a value (a customer's note) is not an error…
        assert_eq!(
            reply(json!({"data": {"order": {"note": "\"errors\" in the note"}}})),
            None
        );
        assert_eq!(reply(json!({"data": {"orders": {"nodes": []}}})), None);
        // …and spacing or pretty-printing does not hide one.
        let pretty = "{\n  \"errors\" : [ {\"message\": \"no\", \"extensions\": {\"code\": \"ACCESS_DENIED\"}} ]\n}";
        assert_eq!(
            ShopifyErrors.classify(StatusCode::OK, &HeaderMap::new(), pretty.as_bytes()),
            Some(Failure::Auth)
        );
    }

    #[test]
    fn throttled_in_a_200_waits_until_the_bucket_holds_the_query() {
        let f = reply(json!({
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {"cost": {"requestedQueryCost": 400, "actualQueryCost": null,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 150.0, "restoreRate": 100.0}}}
        }));
        match f {
            Some(Failure::RateLimited {
                retry_after: Some(w),
            }) => {
                assert!(
                    w >= Duration::from_millis(2500) && w < Duration::from_millis(2600),
                    "{w:?}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_codes_decide_the_class() {
        let e = |code: &str| json!({"errors": [{"message": "m", "extensions": {"code": code}}]});
        assert_eq!(reply(e("ACCESS_DENIED")), Some(Failure::Auth));
        assert_eq!(reply(e("INTERNAL_SERVER_ERROR")), Some(Failure::Transient));
        assert_eq!(reply(e("MAX_COST_EXCEEDED")), Some(Failure::Fatal));
        assert_eq!(
            reply(json!({"errors": [{"message": "Field 'x' doesn't exist"}]})),
            Some(Failure::Fatal)
        );
        assert_eq!(reply(json!({"data": {"shop": {}}})), None);
    }

    #[test]
    fn the_bucket_refills_at_its_restore_rate_up_to_its_maximum() {
        let b = Bucket {
            available: 100.0,
            maximum: 1000.0,
            restore: 50.0,
            at: Instant::now() - Duration::from_secs(2),
        };
        assert!((b.now() - 200.0).abs() < 5.0);
        let full = Bucket {
            at: Instant::now() - Duration::from_secs(60),
            ..b
        };
        assert_eq!(full.now(), 1000.0);
    }
}
