//! A local Shiprocket (`/v1/external`) for tests: login issuing tokens it can
//! expire, Bearer checks, the orders list by order date (windows over 30
//! days refused) with `meta.pagination`, order details with `awb_data.charges`,
//! amounts sometimes strings and sometimes numbers, dates as Shiprocket
//! shows them (India time). Listens on 127.0.0.1 only.

#![allow(dead_code)]

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct SrOrder {
    pub id: u64,
    pub shipment_id: u64,
    pub channel_order_id: String,
    pub created_at: DateTime<Utc>,
    pub status: &'static str,
    pub freight: Decimal,
    pub rto_freight: Decimal,
    pub awb: String,
    pub courier: String,
}

#[derive(Default)]
pub struct SrState {
    pub email: String,
    pub password: String,
    pub orders: Vec<SrOrder>,
    /// Tokens issued and still good.
    pub tokens: Vec<String>,
    pub logins: usize,
    /// Every request: method and path with query.
    pub requests: Vec<String>,
    pub issued: usize,
}

pub type Shared = Arc<Mutex<SrState>>;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"message": message, "status_code": status.as_u16()})),
    )
        .into_response()
}

async fn login(State(st): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = st.lock().unwrap();
    s.requests.push("POST auth/login".into());
    if body["email"] != json!(s.email) || body["password"] != json!(s.password) {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid email and password combination",
        );
    }
    s.logins += 1;
    s.issued += 1;
    let token = format!("eyJfake.{}.{}", s.issued, s.password.len());
    s.tokens.push(token.clone());
    Json(json!({"id": 1, "first_name": "API", "last_name": "User", "email": s.email, "company_id": 9, "token": token}))
        .into_response()
}

fn authorised(s: &SrState, headers: &HeaderMap) -> bool {
    let got = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    s.tokens.iter().any(|t| got == format!("Bearer {t}"))
}

fn india(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Kolkata)
        .format("%d %b %Y, %I:%M %p")
        .to_string()
}

/// Amounts the way Shiprocket mixes them: odd ids as strings, even as numbers.
fn flexible(id: u64, d: Decimal) -> Value {
    if id % 2 == 1 {
        json!(d.to_string())
    } else {
        json!(d.to_string().parse::<f64>().unwrap())
    }
}

async fn orders(
    State(st): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = st.lock().unwrap();
    let mut keys: Vec<_> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    keys.sort();
    s.requests.push(format!("GET orders?{}", keys.join("&")));
    if !authorised(&s, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Token has expired");
    }
    let date = |k: &str| q.get(k).and_then(|v| v.parse::<NaiveDate>().ok());
    let (Some(from), Some(to)) = (date("from"), date("to")) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "from and to are required (YYYY-MM-DD)",
        );
    };
    if (to - from).num_days() >= 30 || to < from {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The date range must be within 30 days",
        );
    }
    let per_page: usize = q.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(15);
    if per_page > 100 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "per_page may be at most 100",
        );
    }
    let page: usize = q
        .get("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let ist = |t: DateTime<Utc>| t.with_timezone(&chrono_tz::Asia::Kolkata).date_naive();
    let mut picked: Vec<&SrOrder> = s
        .orders
        .iter()
        .filter(|o| ist(o.created_at) >= from && ist(o.created_at) <= to)
        .collect();
    picked.sort_by_key(|o| o.id);
    let total = picked.len();
    let pages = total.div_ceil(per_page).max(1);
    let data: Vec<Value> = picked
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|o| {
            json!({
                "id": o.id, "channel_id": 55, "channel_name": "Shopify", "base_channel_code": "SH",
                "channel_order_id": o.channel_order_id, "customer_name": "A Buyer", "payment_method": "prepaid",
                "total": flexible(o.id, Decimal::new(99900, 2)), "status": o.status, "status_code": 7,
                "created_at": india(o.created_at), "channel_created_at": india(o.created_at),
                "products": [{"id": 1, "name": "Thing", "channel_sku": "T-1", "quantity": 1}],
                "shipments": [{"id": o.shipment_id, "courier": o.courier, "awb": o.awb, "weight": 0.5,
                    "delivered_date": null, "rto_delivered_date": null}],
            })
        })
        .collect();
    Json(json!({"data": data, "meta": {"pagination": {"total": total, "count": data.len(), "per_page": per_page,
        "current_page": page, "total_pages": pages, "links": {}}}}))
    .into_response()
}

async fn show(State(st): State<Shared>, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let mut s = st.lock().unwrap();
    s.requests.push(format!("GET orders/show/{id}"));
    if !authorised(&s, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Token has expired");
    }
    let Some(o) = s.orders.iter().find(|o| o.id == id) else {
        return error(StatusCode::NOT_FOUND, "Order not found");
    };
    Json(json!({"data": {"id": o.id, "channel_order_id": o.channel_order_id, "status": o.status,
        "awb_data": {"awb": o.awb, "charges": {"zone": "z_b", "cod_charges": "0",
            "freight_charges": flexible(o.id, o.freight), "charged_weight_amount_rto": flexible(o.id + 1, o.rto_freight)}}}}))
    .into_response()
}

pub fn start(state: SrState) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(state));
    let app = Router::new()
        .route("/v1/external/auth/login", post(login))
        .route("/v1/external/orders", get(orders))
        .route("/v1/external/orders/show/{id}", get(show))
        .with_state(shared.clone());
    (super::serve::serve(app), shared)
}
