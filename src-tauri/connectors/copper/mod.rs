//! Copper CRM (Developer API v1): the team's e-mails, calls logged in the CRM
//! and leads, per user, and the pipeline of opportunities.
//!
//! Streams, in this order so every activity finds its user:
//! - `users`: `POST /users/search`, every page on every run (there is no
//!   e-mail filter); kept as the source's people and to name each
//!   activity's member;
//! - `activities`: `POST /activities/search` of the account's e-mail and
//!   phone-call types (read by name from `/activity_types`), by activity
//!   date in windows of at most [`CopperConfig::window_days`], 200 a page,
//!   each id stored once (a `full_result` search repeats e-mails). Copper
//!   can only filter activities by activity date and people log calls late,
//!   so every run re-reads the trailing [`CopperConfig::lookback_days`]; at a
//!   window's end, the activities Copper no longer lists are deleted. A
//!   window whose total reaches Copper's 100,000-result cap is halved.
//! - `leads`: `POST /leads/search` by `minimum_modified_date`, sorted by it,
//!   with a small overlap; a lead counts on the day it was created.
//! - `pipelines`: `GET /pipelines`, every pipeline's stages in order, on
//!   every run (one request);
//! - `opportunities`: `POST /opportunities/search` by modified date like the
//!   leads, but the first time from the beginning (an open deal is in the
//!   pipeline however old); each keeps its stage and when it entered it.
//!
//! Auth: the API key (keychain) and its owner's e-mail (settings) in the
//! `X-PW-*` headers. At most 176 requests go out in any minute (Copper's
//! limit is 180 per rolling minute): the first at once, then as the window
//! frees.
//!
//! `client.rs` sends, `records.rs` turns Copper's JSON into records,
//! `cursor.rs` holds the bookmarks.

mod client;
pub mod cursor;
pub mod records;

use super::http::{FetchError, HttpClient, HttpConfig, RateWindow};
use super::source::{Page, Source, SourceError, SourceInputs};
use super::{parse_each, BadRecord};
use crate::domain::provider_settings::{secret, CopperSettings, History};
use crate::domain::records::{ActivityWindow, Batch};
use crate::domain::AccountFacts;
use chrono::{DateTime, Duration as Span, Utc};
use cursor::{Modified, Pages, Window};
use records::ActivityTypes;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

pub const DEFAULT_BASE: &str = "https://api.copper.com";
pub const STREAMS: [&str; 5] = ["users", "activities", "leads", "pipelines", "opportunities"];
/// Days of activities and leads a first sync reads, unless the connection
/// says otherwise.
pub const HISTORY_DAYS: u64 = 90;
/// Days of activities every sync re-reads (calls are logged late).
pub const DEFAULT_LOOKBACK_DAYS: u64 = 30;
/// Copper's search returns the first 100,000 matches at most.
pub const SEARCH_CAP: u64 = 100_000;
/// Copper allows 180 requests per rolling minute per key: at most 176 in
/// any 60 s, a few short of it for the clocks' and the network's sake.
pub const RATE_WINDOW: RateWindow = RateWindow {
    requests: 176,
    per: std::time::Duration::from_secs(60),
};

#[derive(Debug, Clone)]
pub struct CopperConfig {
    pub base: String,
    /// The API key owner's e-mail.
    pub email: String,
    pub api_key: String,
    pub now: DateTime<Utc>,
    pub history_days: u64,
    pub lookback_days: u64,
    /// Days of activities per search window.
    pub window_days: u64,
    /// Rows per search page (Copper's maximum is 200).
    pub page_size: u32,
    /// How far before the leads' bookmark each run re-reads.
    pub overlap: Span,
    pub http: HttpConfig,
}

impl CopperConfig {
    pub fn new(email: &str, api_key: &str) -> Self {
        Self {
            base: DEFAULT_BASE.into(),
            email: email.into(),
            api_key: api_key.into(),
            now: Utc::now(),
            history_days: HISTORY_DAYS,
            lookback_days: DEFAULT_LOOKBACK_DAYS,
            window_days: 30,
            page_size: 200,
            overlap: Span::minutes(10),
            http: HttpConfig {
                window: Some(RATE_WINDOW),
                ..HttpConfig::default()
            },
        }
    }
}

pub struct CopperSource {
    cfg: CopperConfig,
    http: HttpClient,
    /// User id → member e-mail, filled by the `users` stream (or on demand).
    users: Mutex<Option<HashMap<i64, String>>>,
    types: tokio::sync::Mutex<Option<ActivityTypes>>,
    /// The activity ids the current window listed so far.
    listed: Mutex<HashSet<String>>,
}

impl CopperSource {
    pub fn new(cfg: CopperConfig) -> Result<Self, FetchError> {
        let http = HttpClient::new(cfg.http.clone())?.redacting([cfg.api_key.clone()]);
        Ok(Self {
            cfg,
            http,
            users: Mutex::new(None),
            types: tokio::sync::Mutex::new(None),
            listed: Mutex::new(HashSet::new()),
        })
    }

    /// The source of a connection: the key owner's e-mail, the key, the
    /// history and lookback it asks for.
    pub fn from_connection(
        settings: &CopperSettings,
        inputs: &SourceInputs<'_>,
    ) -> Result<Self, SourceError> {
        let mut cfg = CopperConfig::new(&settings.email, &inputs.secret(secret::API_KEY)?);
        cfg.base = inputs.base_url(DEFAULT_BASE);
        cfg.lookback_days = settings
            .lookback_days
            .map_or(DEFAULT_LOOKBACK_DAYS, u64::from);
        cfg.history_days = match settings.history {
            Some(History::Days(n)) => u64::from(n),
            // Copper keeps everything; "all" is as far back as a search goes.
            Some(History::All) => 36_500,
            None => HISTORY_DAYS,
        };
        Ok(Self::new(cfg)?)
    }

    fn users_map(&self) -> Option<HashMap<i64, String>> {
        self.users.lock().expect("lock").clone()
    }

    /// Every user, all pages, when the `users` stream has not read them.
    async fn ensure_users(&self) -> Result<HashMap<i64, String>, FetchError> {
        if let Some(map) = self.users_map() {
            return Ok(map);
        }
        let mut map = HashMap::new();
        let mut page = 1;
        loop {
            let found = self
                .search(
                    "users/search",
                    &json!({"page_size": self.cfg.page_size, "page_number": page}),
                )
                .await?;
            let short = found.rows.len() < self.cfg.page_size as usize;
            for u in found.rows.iter().filter_map(|v| records::user(v).ok()) {
                if let (Ok(id), Some(email)) = (u.id.parse(), u.email) {
                    map.insert(id, email);
                }
            }
            if short {
                break;
            }
            page += 1;
        }
        *self.users.lock().expect("lock") = Some(map.clone());
        Ok(map)
    }

    async fn activity_types(&self) -> Result<ActivityTypes, FetchError> {
        let mut cached = self.types.lock().await;
        if let Some(t) = cached.as_ref() {
            return Ok(t.clone());
        }
        let types = ActivityTypes::parse(&self.get("activity_types").await?);
        if types.kinds().is_empty() {
            return Err(self.odd(
                "the account has neither an e-mail nor a phone-call activity type, so there is nothing to count",
            ));
        }
        if types.email.is_none() {
            tracing::warn!(
                "this Copper account has no e-mail activity type; only CRM calls are read"
            );
        }
        *cached = Some(types.clone());
        Ok(types)
    }

    async fn users_page(&self, c: Pages) -> Result<Page, FetchError> {
        let found = self
            .search(
                "users/search",
                &json!({"page_size": self.cfg.page_size, "page_number": c.page}),
            )
            .await?;
        let (users, bad) = parse_each(&found.rows, "id", records::user);
        {
            let mut map = self.users.lock().expect("lock");
            let map = map.get_or_insert_with(HashMap::new);
            for u in &users {
                if let (Ok(id), Some(email)) = (u.id.parse(), &u.email) {
                    map.insert(id, email.clone());
                }
            }
        }
        let more = found.rows.len() >= self.cfg.page_size as usize;
        Ok(Page {
            batch: Batch::Users(users),
            bad,
            cursor: Some(cursor::encode(&Pages {
                page: if more { c.page + 1 } else { 1 },
            })),
            more,
        })
    }

    async fn activities_page(&self, w: Window) -> Result<Page, FetchError> {
        let types = self.activity_types().await?;
        if w.page == 0 {
            // The window is read: what Copper no longer lists there is gone.
            let listed: Vec<String> = self.listed.lock().expect("lock").drain().collect();
            let from = w.to;
            let done = from > cursor::today(&self.cfg);
            let next = Window {
                from,
                to: cursor::window_to(from, &self.cfg),
                page: 1,
            };
            return Ok(Page {
                batch: Batch::ActivityWindow(ActivityWindow {
                    from: cursor::at(w.from),
                    to: cursor::at(w.to),
                    kinds: types.kinds(),
                    listed,
                }),
                bad: vec![],
                cursor: Some(cursor::encode(&next)),
                more: !done,
            });
        }
        if w.page == 1 {
            self.listed.lock().expect("lock").clear();
        }
        let users = self.ensure_users().await?;
        let body = json!({
            "page_size": self.cfg.page_size,
            "page_number": w.page,
            "minimum_activity_date": cursor::day_start(w.from),
            "maximum_activity_date": cursor::day_start(w.to) - 1,
            "activity_types": types.search_filter(),
        });
        let (text, total) = self.search_body("activities/search", &body).await?;
        let rows = crate::connectors::json::rows(&text)
            .map_err(|_| self.odd("a search did not answer with an array of rows"))?;
        if w.page == 1 && total.is_some_and(|t| t >= SEARCH_CAP) && (w.to - w.from).num_days() > 1 {
            // More than a search returns: read the window in halves.
            let half = w.from + chrono::Days::new(((w.to - w.from).num_days() / 2) as u64);
            tracing::info!(from = %w.from, to = %w.to, "Copper's search cap reached; halving the window");
            return Ok(Page {
                batch: Batch::Activities(vec![]),
                bad: vec![],
                cursor: Some(cursor::encode(&Window {
                    from: w.from,
                    to: half,
                    page: 1,
                })),
                more: true,
            });
        }
        let mut activities = Vec::new();
        let mut bad = Vec::new();
        {
            let mut listed = self.listed.lock().expect("lock");
            for row in &rows {
                match records::activity_text(row.get(), &types, &users) {
                    (_, Ok(Some(a))) => {
                        // `full_result` lists an e-mail once per recipient.
                        if listed.insert(a.id.clone()) {
                            activities.push(a);
                        }
                    }
                    (_, Ok(None)) => {}
                    (id, Err(reason)) => bad.push(BadRecord { id, reason }),
                }
            }
        }
        let read = u64::from(w.page) * u64::from(self.cfg.page_size);
        let last = rows.len() < self.cfg.page_size as usize || total.is_some_and(|t| read >= t);
        Ok(Page {
            batch: Batch::Activities(activities),
            bad,
            cursor: Some(cursor::encode(&Window {
                page: if last { 0 } else { w.page + 1 },
                ..w
            })),
            more: true,
        })
    }

    async fn leads_page(&self, c: Modified) -> Result<Page, FetchError> {
        self.modified_page("leads/search", c, records::lead, Batch::Activities)
            .await
    }

    async fn opportunities_page(&self, c: Modified) -> Result<Page, FetchError> {
        self.modified_page(
            "opportunities/search",
            c,
            records::opportunity,
            Batch::Opportunities,
        )
        .await
    }

    /// A page of a search by modified date (leads, opportunities), oldest
    /// change first.
    async fn modified_page<T>(
        &self,
        path: &str,
        c: Modified,
        parse: fn(&Value, &HashMap<i64, String>) -> Result<T, String>,
        wrap: fn(Vec<T>) -> Batch,
    ) -> Result<Page, FetchError> {
        let users = self.ensure_users().await?;
        let body = json!({
            "page_size": self.cfg.page_size,
            "page_number": c.page,
            "sort_by": "date_modified",
            "sort_direction": "asc",
            "minimum_modified_date": c.since,
        });
        let found = self.search(path, &body).await?;
        let (rows, bad) = parse_each(&found.rows, "id", |v| parse(v, &users));
        let max = found
            .rows
            .iter()
            .filter_map(|v| v.get("date_modified").and_then(Value::as_i64))
            .chain(c.max)
            .max();
        let short = found.rows.len() < self.cfg.page_size as usize;
        let capped = u64::from(c.page + 1) * u64::from(self.cfg.page_size) > SEARCH_CAP;
        let next = if short || capped {
            // The pass is done (or past the search cap): next time, a new
            // pass from the newest change seen.
            Modified {
                since: max.unwrap_or(c.since),
                page: 1,
                max: None,
            }
        } else {
            Modified {
                since: c.since,
                page: c.page + 1,
                max,
            }
        };
        Ok(Page {
            batch: wrap(rows),
            bad,
            cursor: Some(cursor::encode(&next)),
            more: !short,
        })
    }

    /// Every pipeline's stages, in one reply.
    async fn pipelines_page(&self) -> Result<Page, FetchError> {
        let stages = records::pipelines(&self.get("pipelines").await?);
        Ok(Page {
            batch: Batch::Pipelines(stages),
            bad: vec![],
            cursor: Some(cursor::encode(&Pages { page: 1 })),
            more: false,
        })
    }
}

impl Source for CopperSource {
    fn streams(&self) -> Vec<String> {
        STREAMS.iter().map(|s| s.to_string()).collect()
    }

    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String> {
        let stored = stored.as_deref();
        Some(match stream {
            "activities" => cursor::encode(&cursor::start_activities(stored, &self.cfg)),
            "leads" => cursor::encode(&cursor::start_leads(stored, &self.cfg)),
            "opportunities" => cursor::encode(&cursor::start_opportunities(stored, &self.cfg)),
            _ => cursor::encode(&Pages { page: 1 }),
        })
    }

    async fn fetch(&self, stream: &str, raw: Option<&str>) -> Result<Page, FetchError> {
        let unreadable = || self.odd("the stream's bookmark is unreadable");
        match stream {
            "users" => {
                self.users_page(raw.and_then(cursor::parse).ok_or_else(unreadable)?)
                    .await
            }
            "activities" => {
                self.activities_page(raw.and_then(cursor::parse).ok_or_else(unreadable)?)
                    .await
            }
            "leads" => {
                self.leads_page(raw.and_then(cursor::parse).ok_or_else(unreadable)?)
                    .await
            }
            "pipelines" => self.pipelines_page().await,
            "opportunities" => {
                self.opportunities_page(raw.and_then(cursor::parse).ok_or_else(unreadable)?)
                    .await
            }
            other => Err(self.odd(&format!("no stream called {other}"))),
        }
    }

    fn requests(&self) -> u64 {
        self.http.requests()
    }

    /// Test connection: the account's name, and how many users the key sees.
    async fn account(&self) -> Result<AccountFacts, FetchError> {
        let account = self.get("account").await?;
        let users = self.ensure_users().await?;
        Ok(AccountFacts {
            name: account
                .get("name")
                .and_then(Value::as_str)
                .map(String::from),
            currency: None,
            timezone: None,
            token_expires_at: None,
            checked_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            missing_scopes: Vec::new(),
            users: Some(users.len() as u64),
        })
    }
}
