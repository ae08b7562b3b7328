//! A local Meta Marketing API (v26.0) for tests: the ads insights edge of one
//! ad account, synchronous and as async report runs, with Meta's paging,
//! usage headers, error shape and throttle codes. It refuses a field the real
//! v26.0 edge does not accept (`../shared/fixtures/meta_ads`). Listens on
//! 127.0.0.1 only; its state can be changed between syncs.

#![allow(clippy::result_large_err)] // axum replies as errors, in a test fake

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq)]
pub struct MetaRow {
    pub campaign_name: String,
    pub spend: Decimal,
    pub impressions: i64,
    pub reach: i64,
    pub clicks: i64,
    pub inline_link_clicks: i64,
    /// (omni_purchase count, value)
    pub purchases: Option<(Decimal, Decimal)>,
}

#[derive(Debug, Default)]
pub struct MetaState {
    pub account: String,
    pub token: String,
    pub token_expired: bool,
    /// By (date, campaign id).
    pub rows: BTreeMap<(NaiveDate, String), MetaRow>,
    /// Every request: method, path and query.
    pub requests: Vec<String>,
    /// 1-based request numbers answered with a throttle error (code 80000).
    pub throttle_at: Vec<usize>,
    /// What the throttle reply's X-Ad-Account-Usage says to wait.
    pub throttle_reset_secs: u64,
    /// Answer every request with a 500 and Meta's transient error.
    pub down: bool,
    /// Report runs end as "Job Failed".
    pub reports_fail: bool,
    /// 1-based request numbers answered normally but with usage at 96%.
    pub near_limit_at: Vec<usize>,
    /// When each request arrived.
    pub times: Vec<std::time::Instant>,
    /// Throttle replies sent, and the longest run of them in a row.
    pub throttled: usize,
    pub report_polls: usize,
    pub account_currency: String,
    pub account_timezone: String,
    /// Unix seconds when the token ends; 0 = never (a system-user token).
    pub token_expires_at: i64,
    reports: HashMap<String, (NaiveDate, NaiveDate, usize)>,
    accepted_fields: Vec<String>,
}

impl MetaState {
    pub fn insights_requests(&self) -> usize {
        self.requests
            .iter()
            .filter(|r| r.contains("/insights"))
            .count()
    }
}

pub struct MetaFake {
    pub base: String,
    pub state: Arc<Mutex<MetaState>>,
}

fn fixture_fields() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/meta_ads/insights-fields-v26.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match &v["fields"] {
        Value::Object(m) => m.keys().cloned().collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(|x| {
                x.as_str()
                    .map(String::from)
                    .or_else(|| x["name"].as_str().map(String::from))
            })
            .collect(),
        _ => panic!("unexpected fixture shape"),
    }
}

impl MetaFake {
    pub fn start(account: &str, token: &str) -> Self {
        let state = Arc::new(Mutex::new(MetaState {
            account: account.into(),
            token: token.into(),
            throttle_reset_secs: 2,
            account_currency: "INR".into(),
            account_timezone: "Asia/Kolkata".into(),
            accepted_fields: fixture_fields(),
            ..Default::default()
        }));
        let app = Router::new()
            .route("/v26.0/{node}/insights", get(insights).post(start_report))
            .route("/v26.0/{node}", get(report_status))
            .with_state(state.clone());
        Self {
            base: super::serve::serve(app),
            state,
        }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut MetaState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

fn usage_headers(throttled: bool, reset: u64) -> HeaderMap {
    let mut h = HeaderMap::new();
    let pct = if throttled { 100 } else { 7 };
    let buc = json!({"1234": [{"type": "ads_insights", "call_count": pct, "total_cputime": 3,
        "total_time": 4, "estimated_time_to_regain_access": 0, "ads_api_access_tier": "standard_access"}]});
    h.insert(
        "x-business-use-case-usage",
        HeaderValue::from_str(&buc.to_string()).unwrap(),
    );
    let acc = json!({"acc_id_util_pct": pct, "reset_time_duration": if throttled { reset } else { 0 },
        "ads_api_access_tier": "standard_access"});
    h.insert(
        "x-ad-account-usage",
        HeaderValue::from_str(&acc.to_string()).unwrap(),
    );
    h.insert(
        "x-app-usage",
        HeaderValue::from_static(r#"{"call_count":2,"total_cputime":1,"total_time":1}"#),
    );
    h
}

fn error(code: i64, kind: &str, message: &str, headers: HeaderMap) -> Response {
    let body =
        json!({"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf"}});
    (StatusCode::BAD_REQUEST, headers, axum::Json(body)).into_response()
}

/// Authentication and throttling, shared by every endpoint. `Err` is the reply to send.
fn gate(
    s: &mut MetaState,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
) -> Result<(), Response> {
    s.requests.push(format!("{method} {path}?{query}"));
    s.times.push(std::time::Instant::now());
    let n = s.requests.len();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {}", s.token) || s.token_expired {
        return Err(error(
            190,
            "OAuthException",
            "Error validating access token: Session has expired.",
            usage_headers(false, 0),
        ));
    }
    if s.down {
        let body = json!({"error": {"message": "An unexpected error has occurred. Please retry your request later.",
            "type": "OAuthException", "code": 2, "is_transient": true, "fbtrace_id": "AbCdEf"}});
        return Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            usage_headers(false, 0),
            axum::Json(body),
        )
            .into_response());
    }
    if s.throttle_at.contains(&n) {
        s.throttled += 1;
        return Err(error(
            80000,
            "OAuthException",
            "There have been too many calls from this ad-account. Wait a bit and try again.",
            usage_headers(true, s.throttle_reset_secs),
        ));
    }
    Ok(())
}

type Key = (NaiveDate, String);

/// The rows of `from..=to`, by reference: cheap to count and slice.
fn rows_between(s: &MetaState, from: NaiveDate, to: NaiveDate) -> Vec<(&Key, &MetaRow)> {
    s.rows
        .range((from, String::new())..)
        .take_while(|((d, _), _)| *d <= to)
        .collect()
}

fn row_json(((d, c), r): (&Key, &MetaRow)) -> Value {
    let mut v = json!({
        "account_currency": "INR", "campaign_id": c, "campaign_name": r.campaign_name,
        "date_start": d.to_string(), "date_stop": d.to_string(),
        "spend": r.spend.to_string(), "impressions": r.impressions.to_string(),
        "reach": r.reach.to_string(), "clicks": r.clicks.to_string(),
        "inline_link_clicks": r.inline_link_clicks.to_string(),
    });
    if let Some((n, value)) = r.purchases {
        v["actions"] = json!([{"action_type": "purchase", "value": (n + Decimal::ONE).to_string()},
                              {"action_type": "omni_purchase", "value": n.to_string()}]);
        v["action_values"] = json!([{"action_type": "purchase", "value": "1.00"},
                                    {"action_type": "omni_purchase", "value": value.to_string()}]);
    }
    v
}

/// One page of `rows` as Meta pages: `limit`, the `after` cursor, and a
/// `next` URL (carrying the token, as Meta's does) while more remain.
fn page(
    base_path: &str,
    rows: &[(&Key, &MetaRow)],
    q: &HashMap<String, String>,
    token: &str,
) -> Value {
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25)
        .clamp(1, 5000);
    let start: usize = q
        .get("after")
        .and_then(|a| a.strip_prefix('o'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let end = (start + limit).min(rows.len());
    let data: Vec<Value> = rows
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|r| row_json(*r))
        .collect();
    let mut paging =
        json!({"cursors": {"before": format!("o{start}"), "after": format!("o{end}")}});
    if end < rows.len() {
        paging["next"] = json!(format!(
            "{base_path}?limit={limit}&after=o{end}&access_token={token}"
        ));
    }
    json!({"data": data, "paging": paging})
}

fn window(q: &HashMap<String, String>) -> Option<(NaiveDate, NaiveDate)> {
    let v: Value = serde_json::from_str(q.get("time_range")?).ok()?;
    Some((
        v["since"].as_str()?.parse().ok()?,
        v["until"].as_str()?.parse().ok()?,
    ))
}

fn check_params(
    s: &MetaState,
    q: &HashMap<String, String>,
) -> Result<(NaiveDate, NaiveDate), Response> {
    if let Some(fields) = q.get("fields") {
        for f in fields.split(',') {
            if !s.accepted_fields.iter().any(|a| a == f) {
                return Err(error(
                    100,
                    "OAuthException",
                    &format!("(#100) {f} is not valid for fields param. please check https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values"),
                    usage_headers(false, 0),
                ));
            }
        }
    }
    if q.get("level").map(String::as_str) != Some("campaign")
        || q.get("time_increment").map(String::as_str) != Some("1")
    {
        return Err(error(
            100,
            "OAuthException",
            "(#100) level=campaign and time_increment=1 expected by this fake",
            usage_headers(false, 0),
        ));
    }
    window(q).ok_or_else(|| {
        error(
            100,
            "OAuthException",
            "(#100) time_range is invalid",
            usage_headers(false, 0),
        )
    })
}

async fn insights(
    State(state): State<Arc<Mutex<MetaState>>>,
    Path(node): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let mut s = state.lock().unwrap();
    if let Err(r) = gate(
        &mut s,
        "GET",
        uri.path(),
        uri.query().unwrap_or(""),
        &headers,
    ) {
        return r;
    }
    let token = s.token.clone();
    if let Some((from, to, polls)) = s.reports.get(&node).cloned() {
        if polls > 0 {
            return error(
                100,
                "GraphMethodException",
                "the report run is not complete",
                usage_headers(false, 0),
            );
        }
        let rows = rows_between(&s, from, to);
        return (
            usage_headers(false, 0),
            axum::Json(page(uri.path(), &rows, &q, &token)),
        )
            .into_response();
    }
    if node != s.account {
        return error(
            100,
            "GraphMethodException",
            &format!("Unsupported get request. Object with ID '{node}' does not exist"),
            usage_headers(false, 0),
        );
    }
    let (from, to) = match check_params(&s, &q) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let rows = rows_between(&s, from, to);
    let mut headers = usage_headers(false, 0);
    if s.near_limit_at.contains(&s.requests.len()) {
        let acc = json!({"acc_id_util_pct": 96, "reset_time_duration": 1, "ads_api_access_tier": "standard_access"});
        headers.insert(
            "x-ad-account-usage",
            HeaderValue::from_str(&acc.to_string()).unwrap(),
        );
    }
    (headers, axum::Json(page(uri.path(), &rows, &q, &token))).into_response()
}

async fn start_report(
    State(state): State<Arc<Mutex<MetaState>>>,
    Path(node): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap();
    if let Err(r) = gate(&mut s, "POST", uri.path(), "", &headers) {
        return r;
    }
    if node != s.account {
        return error(
            100,
            "GraphMethodException",
            "no such ad account",
            usage_headers(false, 0),
        );
    }
    let (from, to) = match check_params(&s, &q) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let id = format!("{}", 6_000_000_000u64 + s.reports.len() as u64);
    s.reports.insert(id.clone(), (from, to, 1));
    (
        usage_headers(false, 0),
        axum::Json(json!({"report_run_id": id})),
    )
        .into_response()
}

async fn report_status(
    State(state): State<Arc<Mutex<MetaState>>>,
    Path(node): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let mut s = state.lock().unwrap();
    if let Err(r) = gate(
        &mut s,
        "GET",
        uri.path(),
        uri.query().unwrap_or(""),
        &headers,
    ) {
        return r;
    }
    if node == s.account {
        return (
            usage_headers(false, 0),
            axum::Json(json!({"id": node, "name": "Acme Ads",
            "currency": s.account_currency, "timezone_name": s.account_timezone})),
        )
            .into_response();
    }
    if node == "debug_token" {
        return (
            usage_headers(false, 0),
            axum::Json(json!({"data": {"app_id": "1", "type": "USER",
            "is_valid": true, "expires_at": s.token_expires_at, "scopes": ["ads_read"]}})),
        )
            .into_response();
    }
    s.report_polls += 1;
    let fails = s.reports_fail;
    let Some(entry) = s.reports.get_mut(&node) else {
        return error(
            100,
            "GraphMethodException",
            "no such report run",
            usage_headers(false, 0),
        );
    };
    let (status, pct) = if entry.2 == 0 {
        if fails {
            ("Job Failed", 100)
        } else {
            ("Job Completed", 100)
        }
    } else {
        entry.2 -= 1;
        ("Job Running", 50)
    };
    (
        usage_headers(false, 0),
        axum::Json(json!({"id": node, "async_status": status, "async_percent_completion": pct})),
    )
        .into_response()
}
