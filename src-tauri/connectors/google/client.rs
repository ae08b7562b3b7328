//! Sending to Google Ads: access tokens from the refresh-token flow (kept in
//! memory, renewed before they end or on a 401), searchStream, and what
//! Google's error statuses mean.

use super::{GoogleSource, VERSION};
use crate::connectors::http::{classify_status, Classify, Failure, FetchError};
use chrono::NaiveDate;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

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

impl GoogleSource {
    /// A valid access token: the cached one, or a new one from the refresh token.
    pub(super) async fn access_token(&self, renew: bool) -> Result<String, FetchError> {
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

    pub(super) fn query(&self, from: NaiveDate, to: NaiveDate) -> String {
        format!(
            "SELECT {} FROM campaign WHERE segments.date BETWEEN '{from}' AND '{to}' ORDER BY segments.date",
            self.cfg.fields.join(", ")
        )
    }

    pub(super) async fn search(&self, query: &str) -> Result<Value, FetchError> {
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
