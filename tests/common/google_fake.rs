//! A local Google Ads API (v26) and OAuth token endpoint for tests:
//! `googleAds:searchStream` for campaign metrics by day, the refresh-token
//! flow with expiring access tokens, the developer-token check, Google's error
//! shape, RESOURCE_EXHAUSTED with a `retryDelay`, and GAQL fields checked
//! against `../shared/fixtures/google_ads/fields-v26.json`. Listens on
//! 127.0.0.1 only; its state can be changed between syncs.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct GoogleRow {
    pub name: String,
    pub cost_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub conversions_value: f64,
}

#[derive(Debug, Default)]
pub struct GoogleState {
    pub customer_id: String,
    pub developer_token: String,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub revoked: bool,
    /// `expires_in` of new access tokens.
    pub token_lifetime: u64,
    /// An access token stops working after this many uses, whatever its
    /// lifetime said (a token revoked or expired early).
    pub token_uses: Option<usize>,
    tokens: HashMap<String, (Instant, usize)>,
    pub token_requests: usize,
    /// By (date, campaign id).
    pub rows: BTreeMap<(NaiveDate, String), GoogleRow>,
    /// searchStream requests: the GAQL of each.
    pub queries: Vec<String>,
    /// 1-based searchStream request numbers answered with RESOURCE_EXHAUSTED.
    pub exhaust_at: Vec<usize>,
    pub retry_delay_secs: u64,
    /// When each quota error was sent and when the next request came.
    pub exhausted_at: Vec<Instant>,
    pub request_times: Vec<Instant>,
    fields: Vec<String>,
}

pub struct GoogleFake {
    pub base: String,
    pub state: Arc<Mutex<GoogleState>>,
}

fn fixture_fields() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/google_ads/fields-v26.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for resource in ["metrics", "segments", "campaign", "customer"] {
        for f in v[resource].as_array().unwrap() {
            out.push(format!("{resource}.{}", f.as_str().unwrap()));
        }
    }
    out
}

impl GoogleFake {
    pub fn start(customer_id: &str) -> Self {
        let state = Arc::new(Mutex::new(GoogleState {
            customer_id: customer_id.into(),
            developer_token: "DEVTOKEN-0123456789abcd".into(),
            client_id: "client-1.apps.googleusercontent.com".into(),
            client_secret: "client-secret-1".into(),
            refresh_token: "1//refresh-token-1".into(),
            token_lifetime: 3599,
            retry_delay_secs: 2,
            fields: fixture_fields(),
            ..Default::default()
        }));
        let app = Router::new()
            .route("/token", post(token))
            .route("/v26/customers/{customer}/{method}", post(search_stream))
            .with_state(state.clone());
        Self {
            base: super::serve::serve(app),
            state,
        }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut GoogleState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// The secrets a connection needs, as the CLI reads them on stdin.
    pub fn secrets_json(&self) -> String {
        self.with(|s| {
            json!({"client_id": s.client_id, "client_secret": s.client_secret,
                   "refresh_token": s.refresh_token, "developer_token": s.developer_token})
            .to_string()
        })
    }
}

async fn token(
    State(state): State<Arc<Mutex<GoogleState>>>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.token_requests += 1;
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != s.client_id || get("client_secret") != s.client_secret {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "The OAuth client was not found."}))).into_response();
    }
    if get("grant_type") != "refresh_token" || get("refresh_token") != s.refresh_token || s.revoked
    {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}))).into_response();
    }
    let access = format!("ya29.fake-{}", s.token_requests);
    let until = Instant::now() + Duration::from_secs(s.token_lifetime);
    s.tokens.insert(access.clone(), (until, 0));
    Json(
        json!({"access_token": access, "expires_in": s.token_lifetime,
                "scope": "https://www.googleapis.com/auth/adwords", "token_type": "Bearer"}),
    )
    .into_response()
}

fn failure(
    status: StatusCode,
    state_name: &str,
    kind: &str,
    code: &str,
    message: &str,
    extra: Value,
) -> Response {
    let mut err = json!({"errorCode": {kind: code}, "message": message});
    if !extra.is_null() {
        err["details"] = extra;
    }
    let body = json!({"error": {"code": status.as_u16(), "message": message, "status": state_name,
        "details": [{"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                     "errors": [err], "requestId": "fake-req-1"}]}});
    (status, Json(body)).into_response()
}

/// `SELECT a, b FROM campaign [WHERE segments.date BETWEEN 'x' AND 'y' …]`;
/// without a date range, every day.
fn parse_gaql(q: &str) -> Option<(Vec<String>, String, NaiveDate, NaiveDate)> {
    let upper = q.to_uppercase();
    let select = upper.find("SELECT ")? + 7;
    let from = upper.find(" FROM ")?;
    let fields = q[select..from]
        .split(',')
        .map(|f| f.trim().to_string())
        .collect();
    let rest = &q[from + 6..];
    let resource = rest.split_whitespace().next()?.to_string();
    let Some(between) = upper.find("BETWEEN ") else {
        return Some((fields, resource, NaiveDate::MIN, NaiveDate::MAX));
    };
    let mut quoted = q[between + 8..].split('\'').skip(1).step_by(2);
    Some((
        fields,
        resource,
        quoted.next()?.parse().ok()?,
        quoted.next()?.parse().ok()?,
    ))
}

async fn search_stream(
    State(state): State<Arc<Mutex<GoogleState>>>,
    Path((customer, method)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.request_times.push(Instant::now());
    if method != "googleAds:searchStream" {
        return failure(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "requestError",
            "RESOURCE_NOT_FOUND",
            "no such method",
            Value::Null,
        );
    }
    let customer = customer.as_str();
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    if header("developer-token") != s.developer_token {
        return failure(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "authenticationError",
            "DEVELOPER_TOKEN_INVALID",
            "The developer token is not valid.",
            Value::Null,
        );
    }
    let bearer = header("authorization");
    let token = bearer.strip_prefix("Bearer ").unwrap_or("").to_string();
    let uses_allowed = s.token_uses;
    let valid = match s.tokens.get_mut(&token) {
        Some((until, uses)) => {
            *uses += 1;
            Instant::now() < *until && uses_allowed.is_none_or(|n| *uses <= n)
        }
        None => false,
    };
    if !valid {
        return failure(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "authenticationError",
            "OAUTH_TOKEN_EXPIRED",
            "Request had invalid authentication credentials.",
            Value::Null,
        );
    }
    if customer != s.customer_id {
        return failure(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "authorizationError",
            "USER_PERMISSION_DENIED",
            "User doesn't have permission to access customer.",
            Value::Null,
        );
    }
    let query = body["query"].as_str().unwrap_or("").to_string();
    s.queries.push(query.clone());
    let n = s.queries.len();
    if s.exhaust_at.contains(&n) {
        s.exhausted_at.push(Instant::now());
        let delay = format!("{}s", s.retry_delay_secs);
        return failure(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "quotaError",
            "RESOURCE_TEMPORARILY_EXHAUSTED",
            "Too many requests. Retry in a while.",
            json!({"quotaErrorDetails": {"rateScope": "ACCOUNT", "rateName": "Requests per customer", "retryDelay": delay}}),
        );
    }
    let Some((fields, resource, from, to)) = parse_gaql(&query) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "queryError",
            "UNEXPECTED_INPUT",
            "Error in query: the query could not be parsed.",
            Value::Null,
        );
    };
    for f in &fields {
        if !s.fields.contains(f) {
            return failure(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                "queryError",
                "UNRECOGNIZED_FIELD",
                &format!("Error in SELECT clause: unrecognized field '{f}'."),
                Value::Null,
            );
        }
    }
    if resource == "customer" {
        let row = json!({"customer": {"resourceName": format!("customers/{customer}"), "id": customer,
            "descriptiveName": "Acme Google Ads", "currencyCode": "INR", "timeZone": "Asia/Kolkata"}});
        return Json(json!([{"results": [row], "fieldMask": fields.join(","), "requestId": "fake-customer"}])).into_response();
    }
    if resource != "campaign" {
        return failure(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "queryError",
            "INVALID_RESOURCE_NAME",
            "this fake serves FROM campaign",
            Value::Null,
        );
    }
    let results: Vec<Value> = s
        .rows
        .range((from, String::new())..)
        .take_while(|((d, _), _)| *d <= to)
        .map(|((d, c), r)| {
            // proto3 JSON leaves out zero values, as Google does.
            let mut m = serde_json::Map::new();
            if r.cost_micros != 0 { m.insert("costMicros".into(), json!(r.cost_micros.to_string())); }
            if r.impressions != 0 { m.insert("impressions".into(), json!(r.impressions.to_string())); }
            if r.clicks != 0 { m.insert("clicks".into(), json!(r.clicks.to_string())); }
            if r.conversions != 0.0 { m.insert("conversions".into(), json!(r.conversions)); }
            if r.conversions_value != 0.0 { m.insert("conversionsValue".into(), json!(r.conversions_value)); }
            json!({"customer": {"resourceName": format!("customers/{customer}"), "id": customer, "currencyCode": "INR", "timeZone": "Asia/Kolkata"},
                   "campaign": {"resourceName": format!("customers/{customer}/campaigns/{c}"), "id": c, "name": r.name},
                   "segments": {"date": d.to_string()}, "metrics": Value::Object(m)})
        })
        .collect();
    let batches: Vec<Value> = results
        .chunks(1000)
        .map(|c| json!({"results": c, "fieldMask": fields.join(","), "requestId": format!("fake-{n}")}))
        .collect();
    Json(Value::Array(batches)).into_response()
}
