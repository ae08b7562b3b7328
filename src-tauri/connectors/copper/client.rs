//! Sending to Copper: the three `X-PW-*` headers on every call, JSON bodies
//! for the searches, bare-array replies with `X-PW-TOTAL`, and what Copper's
//! statuses mean — 401 is a wrong key or e-mail (needs attention), 403 a
//! plan-gated endpoint (that stream fails, the others go on), 429 the
//! 180-a-minute limit (wait `Retry-After`, else back off, then the same
//! request).

use super::CopperSource;
use crate::connectors::http::{classify_status, Classify, Failure, FetchError};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;

/// Copper's reading of a reply.
pub(super) struct CopperErrors;

impl Classify for CopperErrors {
    fn classify(&self, status: StatusCode, headers: &HeaderMap, _body: &[u8]) -> Option<Failure> {
        match status.as_u16() {
            // Some endpoints are plan-gated: not a credentials problem.
            403 => Some(Failure::Fatal),
            _ => classify_status(status, headers),
        }
    }
}

/// The `message` (or `error`) Copper puts in an error body.
fn said(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .or_else(|| v.get("error"))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| body.chars().take(300).collect())
}

/// Say what Copper said, with what to do about it.
fn explain(e: FetchError) -> FetchError {
    match e {
        FetchError::Auth { status, message } => FetchError::Auth {
            status,
            message: format!(
                "Copper refused the API key or the e-mail it belongs to ({}); check both",
                said(&message)
            ),
        },
        FetchError::Fatal {
            url,
            status: 403,
            message,
        } => FetchError::Fatal {
            url,
            status: 403,
            message: format!(
                "this Copper plan or key may not read it ({}); skipped",
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
            message: format!("Copper refused the request: {}", said(&message)),
        },
        other => other,
    }
}

/// A search reply's rows.
pub(super) struct Found {
    pub rows: Vec<Value>,
}

impl CopperSource {
    pub(super) fn url(&self, path: &str) -> String {
        format!(
            "{}/developer_api/v1/{path}",
            self.cfg.base.trim_end_matches('/')
        )
    }

    fn headers(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header("X-PW-AccessToken", &self.cfg.api_key)
            .header("X-PW-Application", "developer_api")
            .header("X-PW-UserEmail", &self.cfg.email)
            .header("Content-Type", "application/json")
    }

    /// GET `path`, as JSON.
    pub(super) async fn get(&self, path: &str) -> Result<Value, FetchError> {
        let url = self.url(path);
        let reply = self
            .http
            .send(|c| self.headers(c.get(&url)), &CopperErrors)
            .await
            .map_err(explain)?;
        reply
            .json()
            .map_err(|e| self.odd(&format!("not JSON: {e}")))
    }

    /// POST a search; the reply is a bare array.
    pub(super) async fn search(&self, path: &str, body: &Value) -> Result<Found, FetchError> {
        let (text, _) = self.search_body(path, body).await?;
        match serde_json::from_slice::<Value>(&text) {
            Ok(Value::Array(rows)) => Ok(Found { rows }),
            Ok(_) => Err(self.odd("a search did not answer with an array")),
            Err(e) => Err(self.odd(&format!("not JSON: {e}"))),
        }
    }

    /// As [`Self::search`], the reply's body unread, with `X-PW-TOTAL` (an
    /// upper bound of the rows the search matches).
    pub(super) async fn search_body(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<(bytes::Bytes, Option<u64>), FetchError> {
        let url = self.url(path);
        let reply = self
            .http
            .send(|c| self.headers(c.post(&url)).json(body), &CopperErrors)
            .await
            .map_err(explain)?;
        let total = reply
            .headers
            .get("x-pw-total")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        Ok((reply.body, total))
    }

    pub(super) fn odd(&self, what: &str) -> FetchError {
        FetchError::Fatal {
            url: self.url(""),
            status: 200,
            message: format!("unexpected reply from Copper: {what}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_is_a_gated_endpoint_not_bad_credentials() {
        let h = HeaderMap::new();
        assert_eq!(
            CopperErrors.classify(StatusCode::FORBIDDEN, &h, b"{}"),
            Some(Failure::Fatal)
        );
        assert_eq!(
            CopperErrors.classify(StatusCode::UNAUTHORIZED, &h, b"{}"),
            Some(Failure::Auth)
        );
        assert!(matches!(
            CopperErrors.classify(StatusCode::TOO_MANY_REQUESTS, &h, b"{}"),
            Some(Failure::RateLimited { .. })
        ));
    }

    #[test]
    fn errors_say_what_copper_said() {
        let e = explain(FetchError::Auth {
            status: 401,
            message: r#"{"success":false,"status":401,"message":"Invalid Credentials"}"#.into(),
        });
        assert!(e.to_string().contains("Invalid Credentials"), "{e}");
        assert!(e.to_string().contains("check both"), "{e}");
    }
}
