//! JustCall (REST API v2.1): the team's dialer calls, per agent.
//!
//! Streams:
//! - `users`: `/v2.1/users`, 0-based pages, every run; kept as the source's
//!   people;
//! - `calls`: `/v2.1/calls` by start time in windows of at most 30 days
//!   (JustCall refuses a range over 90 days), 0-based pages of 100 with
//!   `last_call_id_fetched`; windows overlap by a day and a run steps back
//!   [`JustcallConfig::overlap`], since JustCall reads the range in the
//!   account's clock and fills a call's duration in after it ends. Calls are
//!   upserted by id and never deleted: JustCall keeps about three months, so
//!   the local copy is the only full history.
//!
//! Auth: `Authorization: <api_key>:<api_secret>` (both in the keychain).
//! Rate limits: read on every reply (`client.rs`).
//!
//! `client.rs` sends, `records.rs` turns JustCall's JSON into records,
//! `cursor.rs` holds the bookmarks.

mod client;
pub mod cursor;
pub mod records;

use super::http::{FetchError, HttpClient, HttpConfig};
use super::source::{Page, Source, SourceError, SourceInputs};
use super::{parse_each, BadRecord};
use crate::domain::provider_settings::{secret, History, JustcallSettings};
use crate::domain::records::Batch;
use crate::domain::AccountFacts;
use chrono::{DateTime, Duration as Span, Utc};
use cursor::{Calls, Pages};
use serde_json::Value;

pub const DEFAULT_BASE: &str = "https://api.justcall.io";
pub const STREAMS: [&str; 2] = ["users", "calls"];
/// Days of calls a first sync reads: about as far back as JustCall answers.
pub const HISTORY_DAYS: u64 = 90;
/// Rows per page (JustCall's maximum is 100).
pub const PER_PAGE: u32 = 100;

#[derive(Debug, Clone)]
pub struct JustcallConfig {
    pub base: String,
    pub api_key: String,
    pub api_secret: String,
    pub now: DateTime<Utc>,
    pub history_days: u64,
    /// Days per calls window (at most 90, JustCall's limit).
    pub window_days: u64,
    /// How far before the bookmark each run re-reads.
    pub overlap: Span,
    pub http: HttpConfig,
}

impl JustcallConfig {
    pub fn new(api_key: &str, api_secret: &str) -> Self {
        Self {
            base: DEFAULT_BASE.into(),
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            now: Utc::now(),
            history_days: HISTORY_DAYS,
            window_days: 30,
            overlap: Span::hours(15),
            http: HttpConfig::default(),
        }
    }
}

pub struct JustcallSource {
    cfg: JustcallConfig,
    http: HttpClient,
}

impl JustcallSource {
    pub fn new(cfg: JustcallConfig) -> Result<Self, FetchError> {
        let http = HttpClient::new(cfg.http.clone())?
            .redacting([cfg.api_key.clone(), cfg.api_secret.clone()]);
        Ok(Self { cfg, http })
    }

    /// The source of a connection: its key and secret, the history it asks for.
    pub fn from_connection(
        settings: &JustcallSettings,
        inputs: &SourceInputs<'_>,
    ) -> Result<Self, SourceError> {
        let mut cfg = JustcallConfig::new(
            &inputs.secret(secret::API_KEY)?,
            &inputs.secret(secret::API_SECRET)?,
        );
        cfg.base = inputs.base_url(DEFAULT_BASE);
        cfg.history_days = match settings.history {
            Some(History::Days(n)) => u64::from(n),
            // JustCall answers about three months back, and no further.
            Some(History::All) | None => HISTORY_DAYS,
        };
        Ok(Self::new(cfg)?)
    }

    /// `data` and whether `next_page_link` says another page follows.
    fn rows(&self, mut reply: Value) -> Result<(Vec<Value>, bool), FetchError> {
        let more = reply
            .get("next_page_link")
            .and_then(Value::as_str)
            .is_some_and(|l| !l.is_empty());
        match reply.get_mut("data").map(Value::take) {
            Some(Value::Array(rows)) => Ok((rows, more)),
            _ => Err(self.odd("no data array")),
        }
    }

    async fn users_page(&self, c: Pages) -> Result<Page, FetchError> {
        let reply = self
            .get(
                "users",
                &[
                    ("page".into(), c.page.to_string()),
                    ("per_page".into(), PER_PAGE.to_string()),
                ],
            )
            .await?;
        let (rows, more) = self.rows(reply)?;
        let (users, bad) = parse_each(&rows, "id", records::user);
        Ok(Page {
            batch: Batch::Users(users),
            bad,
            cursor: Some(cursor::encode(&Pages {
                page: if more { c.page + 1 } else { 0 },
            })),
            more,
        })
    }

    async fn calls_page(&self, c: Calls) -> Result<Page, FetchError> {
        let mut query = vec![
            ("from_datetime".to_string(), cursor::justcall_time(c.from)),
            ("to_datetime".to_string(), cursor::justcall_time(c.to)),
            ("page".to_string(), c.page.to_string()),
            ("per_page".to_string(), PER_PAGE.to_string()),
            ("sort".to_string(), "id".to_string()),
            ("order".to_string(), "asc".to_string()),
        ];
        if let Some(last) = c.last_id {
            query.push(("last_call_id_fetched".to_string(), last.to_string()));
        }
        let body = self.get_body("calls", &query).await?;
        #[derive(serde::Deserialize)]
        struct Reply<'a> {
            #[serde(borrow)]
            data: Option<Vec<&'a serde_json::value::RawValue>>,
            next_page_link: Option<Value>,
        }
        let reply: Reply<'_> =
            serde_json::from_slice(&body).map_err(|e| self.odd(&format!("not JSON: {e}")))?;
        let rows = reply.data.ok_or_else(|| self.odd("no data array"))?;
        let more = reply
            .next_page_link
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|l| !l.is_empty());
        let mut calls = Vec::with_capacity(rows.len());
        let mut bad: Vec<BadRecord> = Vec::new();
        let mut last_id = c.last_id;
        for row in rows {
            let (id, call) = records::call_text(row.get());
            last_id = last_id.max(id);
            match call {
                Ok(a) => calls.push(a),
                Err(reason) => bad.push(BadRecord {
                    id: id.map(|n| n.to_string()),
                    reason,
                }),
            }
        }
        let (next, more) = if more {
            (
                Calls {
                    page: c.page + 1,
                    last_id,
                    ..c
                },
                true,
            )
        } else {
            match cursor::after(&c, &self.cfg) {
                Some(next) => (next, true),
                None => (
                    Calls {
                        from: c.to,
                        to: c.to,
                        page: 0,
                        last_id: None,
                    },
                    false,
                ),
            }
        };
        Ok(Page {
            batch: Batch::Activities(calls),
            bad,
            cursor: Some(cursor::encode(&next)),
            more,
        })
    }
}

impl Source for JustcallSource {
    fn streams(&self) -> Vec<String> {
        STREAMS.iter().map(|s| s.to_string()).collect()
    }

    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String> {
        Some(match stream {
            "calls" => cursor::encode(&cursor::start(stored.as_deref(), &self.cfg)),
            _ => cursor::encode(&Pages { page: 0 }),
        })
    }

    async fn fetch(&self, stream: &str, raw: Option<&str>) -> Result<Page, FetchError> {
        let unreadable = || self.odd("the stream's bookmark is unreadable");
        match stream {
            "users" => {
                self.users_page(raw.and_then(cursor::parse).ok_or_else(unreadable)?)
                    .await
            }
            "calls" => {
                self.calls_page(raw.and_then(cursor::parse).ok_or_else(unreadable)?)
                    .await
            }
            other => Err(self.odd(&format!("no stream called {other}"))),
        }
    }

    fn requests(&self) -> u64 {
        self.http.requests()
    }

    /// Test connection: the key and secret work, and how many agents there are.
    async fn account(&self) -> Result<AccountFacts, FetchError> {
        let mut agents = 0u64;
        let mut page = 0u32;
        loop {
            let reply = self
                .get(
                    "users",
                    &[
                        ("page".into(), page.to_string()),
                        ("per_page".into(), PER_PAGE.to_string()),
                    ],
                )
                .await?;
            let (rows, more) = self.rows(reply)?;
            agents += rows.len() as u64;
            if !more {
                break;
            }
            page += 1;
        }
        Ok(AccountFacts {
            checked_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            users: Some(agents),
            ..Default::default()
        })
    }
}
