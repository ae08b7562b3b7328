//! A local Copper (Developer API v1) for tests: the three `X-PW-*` headers
//! checked on every call (401 otherwise), searches as POSTs with JSON bodies
//! answered with bare arrays and `X-PW-TOTAL`, 1-based pages of at most 200
//! (422 past that), activities by activity date and type, e-mails repeated
//! under `full_result`, leads and opportunities by modified date, pipelines, 180 requests per rolling
//! minute (429, with `Retry-After` when asked to), a 500 or a 403 on demand.
//! Listens on 127.0.0.1 only.

#![allow(dead_code)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const EMAIL_TYPE: i64 = 6;
pub const CALL_TYPE: i64 = 2_160_510;
pub const NOTE_TYPE: i64 = 0;
pub const MEETING_TYPE: i64 = 2_160_511;

#[derive(Debug, Clone)]
pub struct CpUser {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct CpActivity {
    pub id: i64,
    pub type_id: i64,
    pub category: &'static str,
    pub user_id: Option<i64>,
    /// Unix seconds.
    pub activity_date: i64,
    /// Sent as is (for malformed rows), instead of the fields above.
    pub raw: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct CpLead {
    pub id: i64,
    pub assignee_id: Option<i64>,
    pub date_created: i64,
    pub date_modified: i64,
}

#[derive(Debug, Clone)]
pub struct CpOpportunity {
    pub id: i64,
    pub name: String,
    pub assignee_id: Option<i64>,
    pub pipeline_id: i64,
    pub stage_id: i64,
    /// "Open", "Won", "Lost" or "Abandoned".
    pub status: &'static str,
    pub monetary_value: Option<f64>,
    pub date_stage_changed: i64,
    pub date_created: i64,
    pub date_modified: i64,
}

/// A pipeline: its id, name and stages (id, name) in order.
#[derive(Debug, Clone)]
pub struct CpPipeline {
    pub id: i64,
    pub name: String,
    pub stages: Vec<(i64, String)>,
}

pub struct CpState {
    pub api_key: String,
    pub email: String,
    pub users: Vec<CpUser>,
    pub activities: Vec<CpActivity>,
    pub leads: Vec<CpLead>,
    pub opportunities: Vec<CpOpportunity>,
    pub pipelines: Vec<CpPipeline>,
    /// The account's e-mail activity type exists.
    pub has_email_type: bool,
    /// Requests allowed per rolling window (0: no limit): 180 a minute.
    pub per_minute: usize,
    pub window: Duration,
    pub retry_after: bool,
    sent: VecDeque<Instant>,
    /// Answer the Nth request (1-based, counted from now) with a 500.
    pub fail_request: Option<usize>,
    /// Paths answered with 403 (plan-gated).
    pub forbidden: Vec<&'static str>,
    /// Every request: path and its JSON body.
    pub requests: Vec<(String, Value)>,
    pub throttled: usize,
}

impl CpState {
    pub fn new(api_key: &str, email: &str) -> Self {
        Self {
            api_key: api_key.into(),
            email: email.into(),
            users: Vec::new(),
            activities: Vec::new(),
            leads: Vec::new(),
            opportunities: Vec::new(),
            pipelines: Vec::new(),
            has_email_type: true,
            per_minute: 180,
            window: Duration::from_secs(60),
            retry_after: true,
            sent: VecDeque::new(),
            fail_request: None,
            forbidden: Vec::new(),
            requests: Vec::new(),
            throttled: 0,
        }
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests
            .iter()
            .filter(|(p, _)| p.ends_with(path))
            .count()
    }
}

pub type Shared = Arc<Mutex<CpState>>;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"success": false, "status": status.as_u16(), "message": message})),
    )
        .into_response()
}

/// The checks every call goes through; `Some` is the reply to send instead.
fn gate(s: &mut CpState, uri: &Uri, headers: &HeaderMap, body: &Value) -> Option<Response> {
    let path = uri.path().to_string();
    s.requests.push((path.clone(), body.clone()));
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    if header("x-pw-accesstoken") != s.api_key
        || header("x-pw-application") != "developer_api"
        || !header("x-pw-useremail").eq_ignore_ascii_case(&s.email)
    {
        return Some(error(StatusCode::UNAUTHORIZED, "Invalid Credentials"));
    }
    if s.per_minute > 0 {
        let now = Instant::now();
        let window = s.window;
        while s
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            s.sent.pop_front();
        }
        if s.sent.len() >= s.per_minute {
            s.throttled += 1;
            let wait = window - now.duration_since(s.sent[0]);
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
            if s.retry_after {
                r.headers_mut().insert(
                    "retry-after",
                    (wait.as_secs() + 1).to_string().parse().unwrap(),
                );
            }
            return Some(r);
        }
        s.sent.push_back(now);
    }
    if let Some(n) = s.fail_request.as_mut() {
        *n -= 1;
        if *n == 0 {
            s.fail_request = None;
            return Some(error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"));
        }
    }
    if s.forbidden.iter().any(|f| path.ends_with(f)) {
        return Some(error(
            StatusCode::FORBIDDEN,
            "Your plan does not include this feature",
        ));
    }
    None
}

/// The 1-based page and its size a search asks for; `None` past 200.
fn page_of(body: &Value) -> Option<(usize, usize)> {
    let size = body.get("page_size").and_then(Value::as_u64).unwrap_or(20);
    if size > 200 {
        return None;
    }
    let page = body
        .get("page_number")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .max(1);
    Some((page as usize, size as usize))
}

/// A page as Copper answers it: a bare array, the total in `X-PW-TOTAL`.
fn bare_array(rows: Vec<Value>, total: usize) -> Response {
    let mut r = Json(Value::Array(rows)).into_response();
    r.headers_mut()
        .insert("x-pw-total", total.to_string().parse().unwrap());
    r
}

/// Page `rows` (1-based) and answer them as a bare array with `X-PW-TOTAL`.
fn paged(rows: Vec<Value>, body: &Value) -> Response {
    let Some((page, size)) = page_of(body) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "page_size must be at most 200",
        );
    };
    let total = rows.len();
    let slice: Vec<Value> = rows
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    bare_array(slice, total)
}

async fn account(State(st): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, &uri, &headers, &Value::Null) {
        return r;
    }
    Json(json!({"id": 1, "name": "Acme Sales"})).into_response()
}

async fn activity_types(State(st): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, &uri, &headers, &Value::Null) {
        return r;
    }
    let mut user = vec![
        json!({"id": NOTE_TYPE, "category": "user", "name": "Note", "is_disabled": false}),
        json!({"id": CALL_TYPE, "category": "user", "name": "Phone Call", "is_disabled": false}),
        json!({"id": MEETING_TYPE, "category": "user", "name": "Meeting", "is_disabled": false}),
    ];
    if s.has_email_type {
        user.push(
            json!({"id": EMAIL_TYPE, "category": "user", "name": "Email", "is_disabled": false}),
        );
    }
    Json(json!({
        "user": user,
        "system": [
            {"id": 1, "category": "system", "name": "Property Changed"},
            {"id": 3, "category": "system", "name": "Pipeline Stage Changed"}
        ]
    }))
    .into_response()
}

async fn users(
    State(st): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, &uri, &headers, &body) {
        return r;
    }
    let rows = s
        .users
        .iter()
        .map(|u| json!({"id": u.id, "name": u.name, "email": u.email, "groups": []}))
        .collect();
    paged(rows, &body)
}

async fn activities(
    State(st): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, &uri, &headers, &body) {
        return r;
    }
    let min = body
        .get("minimum_activity_date")
        .and_then(Value::as_i64)
        .unwrap_or(i64::MIN);
    let max = body
        .get("maximum_activity_date")
        .and_then(Value::as_i64)
        .unwrap_or(i64::MAX);
    let types: Vec<i64> = body
        .get("activity_types")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|t| t.get("id").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default();
    let full = body.get("full_result").and_then(Value::as_bool) == Some(true);
    // Kept sorted by (date, id), so a window is found by halving, and only
    // the page asked for is written out (a benchmark's year is 500,000).
    if !s.activities.is_sorted_by_key(|a| (a.activity_date, a.id)) {
        s.activities.sort_by_key(|a| (a.activity_date, a.id));
    }
    let lo = s.activities.partition_point(|a| a.activity_date < min);
    let hi = s.activities.partition_point(|a| a.activity_date <= max);
    // Under full_result an e-mail comes once per recipient.
    let matching = s.activities[lo..hi]
        .iter()
        .filter(|a| types.is_empty() || types.contains(&a.type_id))
        .flat_map(|a| {
            let twice = full && a.type_id == EMAIL_TYPE;
            std::iter::repeat_n(a, if twice { 2 } else { 1 })
        });
    let Some((page, size)) = page_of(&body) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "page_size must be at most 200",
        );
    };
    let total = matching.clone().count();
    let rows: Vec<Value> = matching
        .skip((page - 1) * size)
        .take(size)
        .map(|a| {
            a.raw.clone().unwrap_or_else(|| {
                json!({
                    "id": a.id, "parent": {"id": 900 + a.id, "type": "person"},
                    "type": {"id": a.type_id, "category": a.category},
                    "user_id": a.user_id, "details": null, "activity_date": a.activity_date,
                    "old_value": null, "new_value": null,
                    "date_created": a.activity_date, "date_modified": a.activity_date
                })
            })
        })
        .collect();
    bare_array(rows, total)
}

/// The rows a search by `minimum_modified_date` finds, oldest change first
/// (`key`: a row's modified date and id).
fn by_modified<'a, T>(rows: &'a [T], body: &Value, key: impl Fn(&T) -> (i64, i64)) -> Vec<&'a T> {
    let since = body
        .get("minimum_modified_date")
        .and_then(Value::as_i64)
        .unwrap_or(i64::MIN);
    let mut list: Vec<&T> = rows.iter().filter(|r| key(r).0 >= since).collect();
    list.sort_by_key(|r| key(r));
    list
}

async fn leads(
    State(st): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, &uri, &headers, &body) {
        return r;
    }
    let list = by_modified(&s.leads, &body, |l| (l.date_modified, l.id));
    let rows = list
        .into_iter()
        .map(|l| {
            json!({
                "id": l.id, "name": format!("Lead {}", l.id), "assignee_id": l.assignee_id,
                "status": "New", "date_created": l.date_created, "date_modified": l.date_modified
            })
        })
        .collect();
    paged(rows, &body)
}

async fn opportunities(
    State(st): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, &uri, &headers, &body) {
        return r;
    }
    let list = by_modified(&s.opportunities, &body, |o| (o.date_modified, o.id));
    let rows = list
        .into_iter()
        .map(|o| {
            json!({
                "id": o.id, "name": o.name, "assignee_id": o.assignee_id,
                "pipeline_id": o.pipeline_id, "pipeline_stage_id": o.stage_id,
                "status": o.status, "monetary_value": o.monetary_value, "monetary_unit": null,
                "win_probability": 20, "close_date": null,
                "date_stage_changed": o.date_stage_changed,
                "date_created": o.date_created, "date_modified": o.date_modified,
                "custom_fields": []
            })
        })
        .collect();
    paged(rows, &body)
}

async fn pipelines(State(st): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let mut s = st.lock().unwrap();
    if let Some(r) = gate(&mut s, &uri, &headers, &Value::Null) {
        return r;
    }
    let list: Vec<Value> = s
        .pipelines
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.name,
                "stages": p.stages.iter().map(|(id, name)| {
                    json!({"id": id, "name": name, "win_probability": 10})
                }).collect::<Vec<_>>()
            })
        })
        .collect();
    Json(Value::Array(list)).into_response()
}

/// Start the fake; returns its base URL (what `--base-url` takes) and state.
pub fn start(state: CpState) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(state));
    let app = Router::new()
        .route("/developer_api/v1/account", get(account))
        .route("/developer_api/v1/activity_types", get(activity_types))
        .route("/developer_api/v1/users/search", post(users))
        .route("/developer_api/v1/activities/search", post(activities))
        .route("/developer_api/v1/leads/search", post(leads))
        .route(
            "/developer_api/v1/opportunities/search",
            post(opportunities),
        )
        .route("/developer_api/v1/pipelines", get(pipelines))
        .with_state(shared.clone());
    (super::serve::serve(app), shared)
}
