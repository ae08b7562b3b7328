//! Sending to Shiprocket: a login buys a token, kept until a day before it
//! ends; a 401 logs in again once and repeats the request.

use super::{ShiprocketSource, TOKEN_HOURS};
use crate::connectors::http::{FetchError, Standard};
use chrono::{Duration as Span, Utc};
use serde_json::{json, Value};

impl ShiprocketSource {
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/v1/external/{path}", self.cfg.base.trim_end_matches('/'))
    }

    pub(super) async fn login(&self) -> Result<String, FetchError> {
        let url = self.url("auth/login");
        let body = json!({"email": self.cfg.email, "password": self.cfg.password});
        let reply = self
            .http
            .send(|c| c.post(&url).json(&body), &Standard)
            .await
            .map_err(|e| match e {
                // Shiprocket answers a wrong password with 400, 401 or 403.
                FetchError::Auth { status, .. } | FetchError::Fatal { status, .. }
                    if matches!(status, 400 | 401 | 403 | 422) =>
                {
                    FetchError::Auth {
                        status,
                        message: "Shiprocket refused the API user's e-mail and password; check them (the API user's, not your own login)".into(),
                    }
                }
                other => other,
            })?;
        let v: Value = reply
            .json()
            .map_err(|e| self.odd(&format!("login reply: {e}")))?;
        let token = v
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.odd("the login reply has no token"))?
            .to_string();
        let ends = Utc::now() + Span::hours(TOKEN_HOURS);
        *self.token.lock().expect("lock") = Some((token.clone(), ends));
        *self.renewed.lock().expect("lock") = true;
        tracing::info!("Shiprocket login: a new token");
        Ok(token)
    }

    /// The kept token, unless it ends within a day.
    pub(super) async fn token(&self) -> Result<String, FetchError> {
        let kept = self.token.lock().expect("lock").clone();
        match kept {
            Some((t, ends)) if ends - Utc::now() > Span::days(1) => Ok(t),
            _ => self.login().await,
        }
    }

    /// GET with the token; on a 401 log in again once and repeat.
    pub(super) async fn get(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Value, FetchError> {
        let url = self.url(path);
        let mut token = self.token().await?;
        for attempt in 0..2 {
            match self
                .http
                .send(|c| c.get(&url).bearer_auth(&token).query(query), &Standard)
                .await
            {
                Ok(reply) => {
                    return reply
                        .json()
                        .map_err(|e| self.odd(&format!("not JSON: {e}")))
                }
                Err(FetchError::Auth { .. }) if attempt == 0 => {
                    tracing::info!("Shiprocket refused the kept token; logging in again");
                    token = self.login().await?;
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    pub(super) fn odd(&self, what: &str) -> FetchError {
        FetchError::Fatal {
            url: self.url(""),
            status: 200,
            message: format!("unexpected reply from Shiprocket: {what}"),
        }
    }
}
