//! A local JustCall (REST API v2.1) for tests: the raw `key:secret`
//! Authorization header (401 otherwise), 0-based pages with
//! `next_page_link`, `per_page` at most 100 and ranges of at most 90 days
//! (400 with JustCall's error body otherwise), calls filtered by their
//! `call_date` + `call_time`, `X-Rate-Limit-*` headers (hourly and burst) on
//! every reply and 429 once a window is spent. Listens on 127.0.0.1 only.

#![allow(dead_code)]

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct JcAgent {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct JcCall {
    pub id: i64,
    pub agent_email: String,
    /// The account's clock (UTC here).
    pub at: DateTime<Utc>,
    pub direction: &'static str,
    pub kind: &'static str,
    pub conversation_time: i64,
}

/// One rate-limit window: `limit` requests per `seconds`, from `start`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub limit: u64,
    pub seconds: i64,
    used: u64,
    start: i64,
}

impl Limit {
    pub fn new(limit: u64, seconds: i64) -> Self {
        Self {
            limit,
            seconds,
            used: 0,
            start: 0,
        }
    }

    fn roll(&mut self, now: i64) {
        if now >= self.start + self.seconds {
            self.start = now;
            self.used = 0;
        }
    }

    fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    fn reset(&self) -> i64 {
        self.start + self.seconds
    }
}

pub struct JcState {
    pub api_key: String,
    pub api_secret: String,
    pub agents: Vec<JcAgent>,
    pub calls: Vec<JcCall>,
    /// Hourly and burst windows; `None`: no limits (and no headers).
    pub limits: Option<(Limit, Limit)>,
    /// Refuse ranges that start before this (JustCall's ~3-month limit).
    pub oldest: Option<DateTime<Utc>>,
    /// Answer the Nth request (1-based, counted from now) with a 500.
    pub fail_request: Option<usize>,
    /// Answer the next N requests with a 429 whose burst window is spent
    /// and resets in a second (another client used it up).
    pub throttle_next: usize,
    pub requests: Vec<(String, HashMap<String, String>)>,
    pub throttled: usize,
}

impl JcState {
    pub fn new(api_key: &str, api_secret: &str) -> Self {
        Self {
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            agents: Vec::new(),
            calls: Vec::new(),
            limits: None,
            oldest: None,
            fail_request: None,
            throttle_next: 0,
            requests: Vec::new(),
            throttled: 0,
        }
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests.iter().filter(|(p, _)| p == path).count()
    }
}

pub type Shared = Arc<Mutex<JcState>>;

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"status": "error", "message": message}))).into_response()
}

fn with_limits(mut r: Response, limits: Option<(Limit, Limit)>) -> Response {
    if let Some((hour, burst)) = limits {
        let h = r.headers_mut();
        for (name, value) in [
            ("x-rate-limit-limit", hour.limit as i64),
            ("x-rate-limit-remaining", hour.remaining() as i64),
            ("x-rate-limit-reset", hour.reset()),
            ("x-rate-limit-burst-limit", burst.limit as i64),
            ("x-rate-limit-burst-remaining", burst.remaining() as i64),
            ("x-rate-limit-burst-reset", burst.reset()),
        ] {
            h.insert(name, value.to_string().parse().unwrap());
        }
    }
    r
}

/// Auth, rate limits and injected failures; `Err` is the reply to send.
fn gate(
    s: &mut JcState,
    path: &str,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
) -> Option<Response> {
    s.requests.push((path.to_string(), q.clone()));
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("{}:{}", s.api_key, s.api_secret) {
        return Some(error(StatusCode::UNAUTHORIZED, "Invalid API credentials"));
    }
    if s.throttle_next > 0 {
        s.throttle_next -= 1;
        s.throttled += 1;
        let now = Utc::now().timestamp();
        let mut burst = Limit::new(30, 1);
        burst.start = now;
        burst.used = 30;
        let mut hour = Limit::new(1800, 3600);
        hour.start = now;
        return Some(with_limits(
            error(StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
            Some((hour, burst)),
        ));
    }
    if let Some((hour, burst)) = s.limits.as_mut() {
        let now = Utc::now().timestamp();
        hour.roll(now);
        burst.roll(now);
        if hour.remaining() == 0 || burst.remaining() == 0 {
            s.throttled += 1;
            let limits = s.limits;
            return Some(with_limits(
                error(StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
                limits,
            ));
        }
        hour.used += 1;
        burst.used += 1;
    }
    if let Some(n) = s.fail_request.as_mut() {
        *n -= 1;
        if *n == 0 {
            s.fail_request = None;
            return Some(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
            ));
        }
    }
    None
}

/// The page and page size asked for, or JustCall's complaint.
fn page_of(q: &HashMap<String, String>, max: usize) -> Result<(usize, usize), String> {
    let per_page: usize = q.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(20);
    if per_page > max {
        return Err(format!("per_page cannot be more than {max}"));
    }
    let page: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok((page, per_page))
}

fn reply(rows: Vec<Value>, page: usize, per_page: usize, path: &str) -> Value {
    let total = rows.len();
    let data: Vec<Value> = rows
        .into_iter()
        .skip(page * per_page)
        .take(per_page)
        .collect();
    reply_page(data, total, page, per_page, path)
}

/// Page `page` (its rows `data`) of `total`, as JustCall answers it.
fn reply_page(data: Vec<Value>, total: usize, page: usize, per_page: usize, path: &str) -> Value {
    let next = if (page + 1) * per_page < total {
        format!(
            "https://api.justcall.io/v2.1/{path}?page={}&per_page={per_page}",
            page + 1
        )
    } else {
        String::new()
    };
    json!({"status": "success", "count": data.len(), "page": page, "per_page": per_page,
           "data": data, "next_page_link": next})
}

async fn users(
    State(st): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, "users", &headers, &q) {
        return r;
    }
    let (page, per_page) = match page_of(&q, 100) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, &why),
    };
    let rows = s
        .agents
        .iter()
        .map(|a| json!({"id": a.id, "name": a.name, "email": a.email, "role": "agent", "timezone": "UTC"}))
        .collect();
    with_limits(
        Json(reply(rows, page, per_page, "users")).into_response(),
        s.limits,
    )
}

fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

async fn calls(
    State(st): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, "calls", &headers, &q) {
        return r;
    }
    let (page, per_page) = match page_of(&q, 100) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, &why),
    };
    let (Some(from), Some(to)) = (
        q.get("from_datetime").and_then(|v| parse_time(v)),
        q.get("to_datetime").and_then(|v| parse_time(v)),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "from_datetime and to_datetime are required",
        );
    };
    if to - from > chrono::Duration::days(90) {
        return error(
            StatusCode::BAD_REQUEST,
            "The date range between from_datetime and to_datetime cannot exceed 90 days",
        );
    }
    if s.oldest.is_some_and(|o| from < o) {
        return error(
            StatusCode::BAD_REQUEST,
            "Data older than 3 months cannot be fetched",
        );
    }
    // Kept sorted by time, so a range is found by halving; only the page
    // asked for is written out (a benchmark's year is 300,000 calls).
    if !s.calls.is_sorted_by_key(|c| c.at) {
        s.calls.sort_by_key(|c| c.at);
    }
    let lo = s.calls.partition_point(|c| c.at < from);
    let hi = s.calls.partition_point(|c| c.at <= to);
    let mut list: Vec<&JcCall> = s.calls[lo..hi].iter().collect();
    list.sort_by_key(|c| c.id);
    let total = list.len();
    let rows: Vec<Value> = list
        .into_iter()
        .skip(page * per_page)
        .take(per_page)
        .map(|c| {
            json!({
                "id": c.id, "agent_id": 1, "agent_email": c.agent_email,
                "call_date": c.at.format("%Y-%m-%d").to_string(),
                "call_time": c.at.format("%H:%M:%S").to_string(),
                "call_user_date": c.at.format("%Y-%m-%d").to_string(),
                "call_user_time": c.at.format("%H:%M:%S").to_string(),
                "call_duration": {"total_duration": c.conversation_time + 20,
                                  "conversation_time": c.conversation_time, "ring_time": 20},
                "call_info": {"direction": c.direction, "type": c.kind}
            })
        })
        .collect();
    with_limits(
        Json(reply_page(rows, total, page, per_page, "calls")).into_response(),
        s.limits,
    )
}

/// Start the fake; returns its base URL (what `--base-url` takes) and state.
pub fn start(state: JcState) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(state));
    let app = Router::new()
        .route("/v2.1/users", get(users))
        .route("/v2.1/calls", get(calls))
        .with_state(shared.clone());
    (super::serve::serve(app), shared)
}
