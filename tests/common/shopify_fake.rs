//! A local Shopify GraphQL Admin API (2026-10) for tests. Every query is
//! parsed and validated against the real schema
//! (`../shared/fixtures/shopify/admin-2026-10.graphql`) with apollo-compiler
//! and refused with a GraphQL error when Shopify would refuse it. It charges a
//! query cost (a connection: 2 + first × (1 + its node's objects); an object:
//! 1; scalars: 0), keeps a leaky bucket and answers THROTTLED like Shopify,
//! refuses queries over 1,000 points, checks the token and the app's scopes,
//! runs bulk operations and serves their JSONL (parents first, then every
//! child line, not grouped). Listens on 127.0.0.1 only; its shop can be
//! changed between syncs.

#![allow(dead_code)]

use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// The 2026-10 schema, parsed once per test process.
pub fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/shopify/admin-2026-10.graphql"
        );
        let mut sdl = std::fs::read_to_string(path).expect("the Shopify schema fixture");
        // graphql-core prints @oneOf as built in (it is in the GraphQL spec
        // draft); apollo-compiler wants it declared.
        if !sdl.contains("directive @oneOf") {
            sdl.push_str("\ndirective @oneOf on INPUT_OBJECT\n");
        }
        Schema::parse_and_validate(sdl, "admin-2026-10.graphql")
            .expect("the fixture is a valid schema")
    })
}

#[derive(Debug, Clone)]
pub struct FakeLine {
    pub id: u64,
    pub variant: Option<u64>,
    /// After edits, before refunds.
    pub quantity: i64,
    pub price: Decimal,
}

#[derive(Debug, Clone)]
pub struct FakeRefund {
    pub id: u64,
    pub created_at: DateTime<Utc>,
    /// (line id, quantity, subtotal after discounts without tax)
    pub lines: Vec<(u64, i64, Decimal)>,
    pub shipping: Vec<Decimal>,
}

#[derive(Debug, Clone)]
pub struct FakeOrder {
    pub id: u64,
    /// The shop's order number: the order is named "#<number>".
    pub number: u64,
    pub created_at: DateTime<Utc>,
    pub processed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub test: bool,
    pub status: &'static str,
    pub discounts: Decimal,
    pub shipping: Decimal,
    pub tax: Decimal,
    pub customer: Option<u64>,
    pub lines: Vec<FakeLine>,
    pub refunds: Vec<FakeRefund>,
}

#[derive(Debug, Clone)]
pub struct FakeItem {
    pub id: u64,
    pub variant: u64,
    pub cost: Option<Decimal>,
    pub sku: Option<String>,
    pub title: String,
    pub price: Decimal,
    pub product: u64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct BulkOp {
    query: String,
    polls_left: usize,
    fail: bool,
    jsonl: Option<axum::body::Bytes>,
    lines: usize,
    /// With an export rate: when it started, and when it is written.
    timed: Option<(Instant, Instant)>,
    /// The how-manieth export started (1 = the first ever).
    nth: usize,
}

pub struct ShopState {
    pub token: String,
    pub scopes: Vec<String>,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub orders: Vec<FakeOrder>,
    pub items: Vec<FakeItem>,
    /// Orders each customer has outside this shop's synced history.
    pub older_orders: HashMap<u64, u64>,
    /// Products renamed since the shop was made: the title and when. Any
    /// other product is `Product N`, last changed with its first item.
    pub renamed: HashMap<u64, (String, DateTime<Utc>)>,
    /// Orders whose JSON carries an amount that is not a number.
    pub malformed: HashSet<u64>,
    pub now: DateTime<Utc>,
    // bucket
    pub throttling: bool,
    pub bucket_max: f64,
    pub restore_rate: f64,
    pub available: f64,
    bucket_at: Instant,
    // failures
    /// 1-based request numbers answered with HTTP 500.
    pub fail_at: Vec<usize>,
    /// 1-based request numbers before which another app empties the bucket.
    pub drain_at: Vec<usize>,
    /// Bulk operations end as FAILED.
    pub bulk_fail: bool,
    /// Fail only the export started as this one (1 = the first ever).
    pub bulk_fail_nth: Option<usize>,
    /// The export started as this one stays RUNNING (its slot taken) until
    /// this is set back to `None`, so those after it finish first.
    pub bulk_hold_nth: Option<usize>,
    /// The operation ids of the export files served, in order.
    pub bulk_files_served: Vec<u64>,
    /// The search query of every bulk export started, in order.
    pub bulk_queries: Vec<String>,
    /// Keep each export and serve it again to the same bulk query, as if
    /// Shopify wrote it in no time (for the benchmark: a second sync then
    /// waits on nothing the fake does).
    pub reuse_exports: bool,
    exports: HashMap<String, (axum::body::Bytes, usize)>,
    /// Polls a bulk operation stays RUNNING (without an export rate).
    pub bulk_polls: usize,
    /// Objects a second an export is written at, as Shopify works: a bulk
    /// operation stays RUNNING, its `objectCount` growing, until all its
    /// lines are written; `None`: it stays RUNNING `bulk_polls` polls.
    pub export_rate: Option<f64>,
    /// This app's bulk queries that may run at once (five since 2026-01).
    pub max_running: usize,
    /// The whole bulk query of every export started, in order.
    pub bulk_full_queries: Vec<String>,
    /// Another app's bulk query is running for this many more polls of it.
    pub other_bulk_polls: usize,
    // what happened
    pub requests: usize,
    /// Operation name (or "anonymous") of each GraphQL request.
    pub operations: Vec<String>,
    pub throttled: usize,
    pub throttled_in_a_row: usize,
    pub max_throttled_in_a_row: usize,
    /// Ids of every order node served by a paged query.
    pub served_orders: Vec<u64>,
    pub max_requested_cost: f64,
    /// The cost each accepted query used.
    pub spent: f64,
    /// The least time the accepted queries could have taken with throttling
    /// on: the same queries sent back to back with no latency, each as soon
    /// as the bucket held its requested cost.
    pub least_secs: f64,
    least_available: f64,
    pub bulk_started: usize,
    /// Time spent writing bulk exports: the fake's stand-in for Shopify's
    /// own work, which the benchmark keeps apart from Pulseboard's.
    pub export_time: std::time::Duration,
    ops: HashMap<u64, BulkOp>,
    base: String,
}

impl ShopState {
    /// A product's title now.
    pub fn product_title(&self, product: u64) -> String {
        self.renamed
            .get(&product)
            .map_or_else(|| format!("Product {product}"), |(t, _)| t.clone())
    }

    pub fn new(token: &str, now: DateTime<Utc>) -> Self {
        Self {
            token: token.into(),
            scopes: [
                "read_orders",
                "read_all_orders",
                "read_customers",
                "read_products",
                "read_inventory",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            name: "Test Shop".into(),
            timezone: "Asia/Kolkata".into(),
            currency: "INR".into(),
            orders: vec![],
            items: vec![],
            older_orders: HashMap::new(),
            renamed: HashMap::new(),
            malformed: HashSet::new(),
            now,
            throttling: false,
            bucket_max: 2000.0,
            restore_rate: 100.0,
            available: 2000.0,
            bucket_at: Instant::now(),
            fail_at: vec![],
            drain_at: vec![],
            bulk_fail: false,
            bulk_fail_nth: None,
            bulk_queries: Vec::new(),
            reuse_exports: false,
            exports: HashMap::new(),
            bulk_hold_nth: None,
            bulk_files_served: Vec::new(),
            bulk_polls: 2,
            export_rate: None,
            max_running: 5,
            bulk_full_queries: Vec::new(),
            other_bulk_polls: 0,
            requests: 0,
            operations: vec![],
            throttled: 0,
            throttled_in_a_row: 0,
            max_throttled_in_a_row: 0,
            served_orders: vec![],
            max_requested_cost: 0.0,
            spent: 0.0,
            least_secs: 0.0,
            least_available: 2000.0,
            bulk_started: 0,
            export_time: std::time::Duration::ZERO,
            ops: HashMap::new(),
            base: String::new(),
        }
    }

    /// Standard-plan limits: a 2,000-point bucket refilling 100 points a second.
    pub fn throttle_standard(&mut self, available: f64) {
        self.throttling = true;
        self.bucket_max = 2000.0;
        self.restore_rate = 100.0;
        self.available = available;
        self.bucket_at = Instant::now();
        self.least_secs = 0.0;
        self.least_available = available;
    }

    pub fn clear_log(&mut self) {
        self.requests = 0;
        self.operations.clear();
        self.served_orders.clear();
        self.throttled = 0;
        self.max_throttled_in_a_row = 0;
        self.spent = 0.0;
    }

    /// Each customer's lifetime order count and last update.
    pub fn customers(&self) -> HashMap<u64, (u64, DateTime<Utc>)> {
        let mut out: HashMap<u64, (u64, DateTime<Utc>)> = HashMap::new();
        for o in &self.orders {
            if let Some(c) = o.customer {
                let e = out.entry(c).or_insert((
                    self.older_orders.get(&c).copied().unwrap_or(0),
                    o.updated_at,
                ));
                e.0 += 1;
                e.1 = e.1.max(o.updated_at);
            }
        }
        out
    }

    fn bucket_now(&mut self) -> f64 {
        let t = Instant::now();
        self.available = (self.available + self.restore_rate * (t - self.bucket_at).as_secs_f64())
            .min(self.bucket_max);
        self.bucket_at = t;
        self.available
    }
}

pub type Shared = Arc<Mutex<ShopState>>;

fn gid(kind: &str, id: u64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn money(amount: &str, currency: &str) -> Value {
    let m = json!({"__typename": "MoneyV2", "amount": amount, "currencyCode": currency});
    json!({"__typename": "MoneyBag", "shopMoney": m, "presentmentMoney": m})
}

fn order_json(s: &ShopState, counts: &HashMap<u64, (u64, DateTime<Utc>)>, o: &FakeOrder) -> Value {
    let c = s.currency.as_str();
    let m = |d: Decimal| money(&d.to_string(), c);
    let refunded = |line: u64| -> i64 {
        o.refunds
            .iter()
            .flat_map(|r| &r.lines)
            .filter(|(l, _, _)| *l == line)
            .map(|(_, q, _)| q)
            .sum()
    };
    let tax = if s.malformed.contains(&o.id) {
        money("n/a", c)
    } else {
        m(o.tax)
    };
    json!({
        "__typename": "Order",
        "id": gid("Order", o.id), "legacyResourceId": o.id.to_string(), "name": format!("#{}", o.number),
        "createdAt": iso(o.created_at), "updatedAt": iso(o.updated_at), "processedAt": iso(o.processed_at),
        "cancelledAt": o.cancelled_at.map(iso), "test": o.test, "displayFinancialStatus": o.status,
        "currencyCode": c,
        "totalDiscountsSet": m(o.discounts), "totalShippingPriceSet": m(o.shipping), "totalTaxSet": tax,
        "customer": o.customer.map(|id| json!({"__typename": "Customer", "id": gid("Customer", id),
            "numberOfOrders": counts.get(&id).map_or(0, |c| c.0).to_string()})),
        "lineItems": o.lines.iter().map(|l| json!({
            "__typename": "LineItem", "id": gid("LineItem", l.id), "quantity": l.quantity,
            "currentQuantity": l.quantity - refunded(l.id),
            "originalUnitPriceSet": m(l.price),
            "variant": l.variant.map(|v| json!({"__typename": "ProductVariant", "id": gid("ProductVariant", v)})),
        })).collect::<Vec<_>>(),
        "refunds": o.refunds.iter().map(|r| json!({
            "__typename": "Refund", "id": gid("Refund", r.id), "createdAt": iso(r.created_at),
            "refundLineItems": r.lines.iter().map(|(l, q, sub)| json!({
                "__typename": "RefundLineItem", "lineItem": {"__typename": "LineItem", "id": gid("LineItem", *l)},
                "quantity": q, "subtotalSet": m(*sub)})).collect::<Vec<_>>(),
            "refundShippingLines": r.shipping.iter().enumerate().map(|(i, a)| json!({
                "__typename": "RefundShippingLine", "id": gid("RefundShippingLine", r.id * 10 + i as u64),
                "subtotalAmountSet": m(*a)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// `updated_at:>='…'` (and `<`) terms of a search query.
fn matches_updated(query: Option<&str>, updated: DateTime<Utc>) -> bool {
    let Some(q) = query else { return true };
    q.split(" AND ").all(|term| {
        let term = term.trim();
        let (op, rest) = if let Some(r) = term.strip_prefix("updated_at:>=") {
            (">=", r)
        } else if let Some(r) = term.strip_prefix("updated_at:<") {
            ("<", r)
        } else {
            return true;
        };
        let at = rest.trim_matches(|c| c == '\'' || c == '"');
        let Ok(t) = DateTime::parse_from_rfc3339(at) else {
            return false;
        };
        if op == ">=" {
            updated >= t
        } else {
            updated < t
        }
    })
}

// ---- executing a query over JSON objects ------------------------------------

struct Exec<'a> {
    vars: &'a Map<String, Value>,
    doc: &'a ExecutableDocument,
    /// Bulk queries read whole connections (no `first` needed).
    bulk: bool,
    actual: f64,
}

impl Exec<'_> {
    fn arg(&self, f: &Field, name: &str) -> Option<Value> {
        let a = f.arguments.iter().find(|a| a.name == name)?;
        Some(match a.value.as_ref() {
            apollo_compiler::ast::Value::Variable(v) => {
                self.vars.get(v.as_str()).cloned().unwrap_or(Value::Null)
            }
            apollo_compiler::ast::Value::Int(i) => json!(i.try_to_i32().unwrap_or(0)),
            apollo_compiler::ast::Value::String(s) => json!(s),
            apollo_compiler::ast::Value::Boolean(b) => json!(b),
            apollo_compiler::ast::Value::Enum(e) => json!(e.as_str()),
            _ => Value::Null,
        })
        .filter(|v| !v.is_null())
    }

    fn first(&self, f: &Field) -> Result<Option<usize>, String> {
        match self.arg(f, "first").and_then(|v| v.as_u64()) {
            Some(n) if n > 250 => Err(format!(
                "The first argument of {} must be at most 250",
                f.name
            )),
            Some(n) => Ok(Some(n as usize)),
            None if self.bulk => Ok(None),
            None => Err(format!(
                "you must provide one of first or last for {}",
                f.name
            )),
        }
    }

    /// The requested cost of a selection, as Shopify charges it up front.
    fn cost(&self, set: &SelectionSet) -> f64 {
        let mut total = 0.0;
        for sel in &set.selections {
            match sel {
                Selection::Field(f) => {
                    if f.selection_set.selections.is_empty() {
                        continue;
                    }
                    let ty = f.definition.ty.inner_named_type().as_str();
                    if ty.ends_with("Connection") {
                        let first = self.arg(f, "first").and_then(|v| v.as_f64()).unwrap_or(1.0);
                        total += 2.0 + first * self.node_cost(&f.selection_set);
                    } else if f.definition.ty.is_list() {
                        let first = self.arg(f, "first").and_then(|v| v.as_f64()).unwrap_or(1.0);
                        total += first * (1.0 + self.cost(&f.selection_set));
                    } else {
                        total += 1.0 + self.cost(&f.selection_set);
                    }
                }
                Selection::InlineFragment(i) => total += self.cost(&i.selection_set),
                Selection::FragmentSpread(s) => {
                    if let Some(fr) = self.doc.fragments.get(&s.fragment_name) {
                        total += self.cost(&fr.selection_set);
                    }
                }
            }
        }
        total
    }

    /// One node of a connection: 1 + what `nodes { … }` / `edges { node { … } }` select.
    fn node_cost(&self, set: &SelectionSet) -> f64 {
        let mut best: f64 = 1.0;
        for sel in &set.selections {
            if let Selection::Field(f) = sel {
                match f.name.as_str() {
                    "nodes" => best = best.max(1.0 + self.cost(&f.selection_set)),
                    "edges" => {
                        for s in &f.selection_set.selections {
                            if let Selection::Field(n) = s {
                                if n.name == "node" {
                                    best = best.max(1.0 + self.cost(&n.selection_set));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        best
    }

    /// A connection over `items` (already filtered), paged by first/after.
    fn connection(&mut self, f: &Field, items: Vec<Value>) -> Result<Value, String> {
        let total = items.len();
        self.connection_of(f, total, |r| items[r].to_vec())
    }

    /// A connection over `total` items, of which only the page is built.
    fn connection_of(
        &mut self,
        f: &Field,
        total: usize,
        build: impl FnOnce(std::ops::Range<usize>) -> Vec<Value>,
    ) -> Result<Value, String> {
        let start = self
            .arg(f, "after")
            .and_then(|v| {
                v.as_str()
                    .and_then(|s| s.strip_prefix("c").and_then(|n| n.parse::<usize>().ok()))
            })
            .map_or(0, |n| n + 1);
        let first = self.first(f)?;
        let start = start.min(total);
        let end = first.map_or(total, |n| (start + n).min(total));
        let page: Vec<Value> = build(start..end);
        self.actual += 2.0;
        let edges: Vec<Value> = page
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"cursor": format!("c{}", start + i), "node": n}))
            .collect();
        let conn = json!({
            "nodes": page,
            "edges": edges,
            "pageInfo": {"hasNextPage": end < total, "hasPreviousPage": start > 0,
                "endCursor": if end > start { Some(format!("c{}", end - 1)) } else { None },
                "startCursor": if end > start { Some(format!("c{start}")) } else { None }},
        });
        self.project(&f.selection_set, &conn)
    }

    /// The fields `set` selects of `obj`.
    fn project(&mut self, set: &SelectionSet, obj: &Value) -> Result<Value, String> {
        let mut out = Map::new();
        self.project_into(set, obj, &mut out)?;
        Ok(Value::Object(out))
    }

    fn project_into(
        &mut self,
        set: &SelectionSet,
        obj: &Value,
        out: &mut Map<String, Value>,
    ) -> Result<(), String> {
        let typename = obj.get("__typename").and_then(Value::as_str).unwrap_or("");
        for sel in &set.selections {
            match sel {
                Selection::Field(f) => {
                    let key = f.alias.as_ref().unwrap_or(&f.name).to_string();
                    let value = self.field(f, obj)?;
                    out.insert(key, value);
                }
                Selection::InlineFragment(i) => {
                    if i.type_condition
                        .as_ref()
                        .is_none_or(|t| t.as_str() == typename)
                    {
                        self.project_into(&i.selection_set, obj, out)?;
                    }
                }
                Selection::FragmentSpread(s) => {
                    let fr = self.doc.fragments.get(&s.fragment_name).cloned();
                    if let Some(fr) = fr {
                        if fr.selection_set.ty.as_str() == typename {
                            self.project_into(&fr.selection_set, obj, out)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn field(&mut self, f: &Field, obj: &Value) -> Result<Value, String> {
        if f.name == "__typename" {
            return Ok(obj.get("__typename").cloned().unwrap_or(Value::Null));
        }
        let raw = obj.get(f.name.as_str()).cloned().unwrap_or(Value::Null);
        if f.selection_set.selections.is_empty() {
            return Ok(raw);
        }
        let ty = f.definition.ty.inner_named_type().as_str();
        if ty.ends_with("Connection") {
            let items = raw.as_array().cloned().unwrap_or_default();
            return self.connection(f, items);
        }
        match raw {
            Value::Null => Ok(Value::Null),
            Value::Array(list) => {
                let n = self
                    .arg(f, "first")
                    .and_then(|v| v.as_u64())
                    .map_or(list.len(), |n| n as usize);
                list.iter()
                    .take(n)
                    .map(|item| {
                        self.actual += 1.0;
                        self.project(&f.selection_set, item)
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
            other => {
                self.actual += 1.0;
                self.project(&f.selection_set, &other)
            }
        }
    }
}

fn error(message: &str, code: Option<&str>) -> Value {
    let mut e = json!({"message": message});
    if let Some(c) = code {
        e["extensions"] = json!({"code": c});
    }
    json!({"errors": [e]})
}

/// Every `Order` matching the root `orders` field's arguments, sorted by
/// `updatedAt` when asked.
fn root_orders<'s>(s: &'s ShopState, ex: &Exec, f: &Field) -> Vec<&'s FakeOrder> {
    let query = ex.arg(f, "query");
    let sixty_days_ago = s.now - Duration::days(60);
    let all_orders = s.scopes.iter().any(|x| x == "read_all_orders");
    let mut picked: Vec<&FakeOrder> = s
        .orders
        .iter()
        .filter(|o| matches_updated(query.as_ref().and_then(Value::as_str), o.updated_at))
        .filter(|o| all_orders || o.created_at >= sixty_days_ago)
        .collect();
    if ex
        .arg(f, "sortKey")
        .and_then(|v| v.as_str().map(String::from))
        .as_deref()
        == Some("UPDATED_AT")
    {
        picked.sort_by_key(|o| (o.updated_at, o.id));
    } else {
        picked.sort_by_key(|o| o.id);
    }
    picked
}

const SCOPE_OF: &[(&str, &str)] = &[
    ("orders", "read_orders"),
    ("ordersCount", "read_orders"),
    ("customers", "read_customers"),
    ("inventoryItems", "read_inventory"),
    ("productVariants", "read_products"),
    ("products", "read_products"),
];

/// Run a paged query or a mutation; the reply's data and the points it
/// actually used (the caller charged the requested cost).
fn execute(
    s: &mut ShopState,
    doc: &ExecutableDocument,
    vars: &Map<String, Value>,
) -> Result<(Value, f64), Value> {
    let op = doc
        .operations
        .iter()
        .next()
        .ok_or_else(|| error("No operation given", None))?;
    let mut ex = Exec {
        vars,
        doc,
        bulk: false,
        actual: 0.0,
    };
    let mut data = Map::new();
    for sel in &op.selection_set.selections {
        let Selection::Field(f) = sel else { continue };
        if let Some((_, scope)) = SCOPE_OF.iter().find(|(field, _)| *field == f.name.as_str()) {
            if !s.scopes.iter().any(|x| x == scope) {
                return Err(json!({"errors": [{
                    "message": format!("Access denied for {} field. Required access: `{scope}` access scope.", f.name),
                    "extensions": {"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
                        "requiredAccess": format!("`{scope}` access scope.")},
                    "path": [f.name.as_str()]}], "data": {f.name.as_str(): null}}));
            }
        }
        let key = f.alias.as_ref().unwrap_or(&f.name).to_string();
        let value = match f.name.as_str() {
            "orders" => {
                let counts = s.customers();
                let picked = root_orders(s, &ex, f);
                let v = ex
                    .connection_of(f, picked.len(), |r| picked[r].iter().map(|o| order_json(s, &counts, o)).collect())
                    .map_err(|m| error(&m, None))?;
                for n in v.get("nodes").and_then(Value::as_array).into_iter().flatten()
                    .chain(v.get("edges").and_then(Value::as_array).into_iter().flatten().filter_map(|e| e.get("node")))
                {
                    if let Some(id) = n.get("id").and_then(Value::as_str).and_then(|g| g.rsplit('/').next()?.parse().ok()) {
                        s.served_orders.push(id);
                    }
                }
                v
            }
            "ordersCount" => {
                let n = root_orders(s, &ex, f).len();
                // 10,000 at most unless the limit says otherwise (null: none).
                let limit = match f.arguments.iter().find(|a| a.name == "limit") {
                    None => Some(10_000),
                    Some(_) => ex.arg(f, "limit").and_then(|v| v.as_u64()).map(|l| l as usize),
                };
                let (count, precision) = match limit {
                    Some(l) if n > l => (l, "AT_LEAST"),
                    _ => (n, "EXACT"),
                };
                ex.project(&f.selection_set, &json!({"__typename": "Count", "count": count, "precision": precision}))
                    .map_err(|m| error(&m, None))?
            }
            "customers" => {
                let q = ex.arg(f, "query");
                let counts = s.customers();
                let mut ids: Vec<(DateTime<Utc>, u64, u64)> = counts
                    .iter()
                    .filter(|(_, (_, at))| matches_updated(q.as_ref().and_then(Value::as_str), *at))
                    .map(|(c, (n, at))| (*at, *c, *n))
                    .collect();
                ids.sort();
                let items = ids.iter().map(|(at, c, n)| json!({"__typename": "Customer", "id": gid("Customer", *c),
                    "numberOfOrders": n.to_string(), "updatedAt": iso(*at)})).collect();
                ex.connection(f, items).map_err(|m| error(&m, None))?
            }
            "inventoryItems" => {
                let q = ex.arg(f, "query");
                let items = s.items.iter()
                    .filter(|i| matches_updated(q.as_ref().and_then(Value::as_str), i.updated_at))
                    .map(|i| json!({"__typename": "InventoryItem", "id": gid("InventoryItem", i.id), "updatedAt": iso(i.updated_at),
                        "unitCost": i.cost.map(|c| json!({"__typename": "MoneyV2", "amount": c.to_string(), "currencyCode": s.currency})),
                        "sku": i.sku,
                        "variants": [{"__typename": "ProductVariant", "id": gid("ProductVariant", i.variant),
                            "title": i.title, "price": i.price.to_string(),
                            "product": {"__typename": "Product", "id": gid("Product", i.product), "title": s.product_title(i.product)}}]}))
                    .collect();
                ex.connection(f, items).map_err(|m| error(&m, None))?
            }
            "products" => {
                let q = ex.arg(f, "query");
                // A product changed last with its first item, or when renamed.
                let mut changed: BTreeMap<u64, DateTime<Utc>> = BTreeMap::new();
                for i in &s.items {
                    let at = changed.entry(i.product).or_insert(i.updated_at);
                    *at = (*at).min(i.updated_at);
                }
                for (p, (_, at)) in &s.renamed {
                    changed.insert(*p, *at);
                }
                let mut products: Vec<(DateTime<Utc>, u64)> = changed
                    .into_iter()
                    .map(|(p, at)| (at, p))
                    .filter(|(at, _)| matches_updated(q.as_ref().and_then(Value::as_str), *at))
                    .collect();
                products.sort();
                let items = products.iter().map(|(at, p)| json!({"__typename": "Product", "id": gid("Product", *p),
                    "title": s.product_title(*p), "updatedAt": iso(*at)})).collect();
                ex.connection(f, items).map_err(|m| error(&m, None))?
            }
            "shop" => ex.project(&f.selection_set, &json!({"__typename": "Shop", "name": s.name,
                "ianaTimezone": s.timezone, "currencyCode": s.currency})).map_err(|m| error(&m, None))?,
            "currentAppInstallation" => ex.project(&f.selection_set, &json!({"__typename": "AppInstallation",
                "accessScopes": s.scopes.iter().map(|h| json!({"__typename": "AccessScope", "handle": h, "description": h})).collect::<Vec<_>>()}))
                .map_err(|m| error(&m, None))?,
            "node" => {
                let id = ex.arg(f, "id").and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                let obj = node(s, &id);
                if obj.is_null() { Value::Null } else { ex.project(&f.selection_set, &obj).map_err(|m| error(&m, None))? }
            }
            "bulkOperationRunQuery" => {
                let q = ex.arg(f, "query").and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                let payload = start_bulk(s, &q);
                ex.project(&f.selection_set, &payload).map_err(|m| error(&m, None))?
            }
            other => return Err(error(&format!("the fake does not serve {other}"), None)),
        };
        data.insert(key, value);
    }
    Ok((Value::Object(data), ex.actual))
}

fn node(s: &mut ShopState, id: &str) -> Value {
    let mut parts = id.trim_start_matches("gid://shopify/").splitn(2, '/');
    let (kind, n) = (
        parts.next().unwrap_or(""),
        parts
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0),
    );
    match kind {
        "Order" => s
            .orders
            .iter()
            .find(|o| o.id == n)
            .map(|o| order_json(s, &s.customers(), o))
            .unwrap_or(Value::Null),
        "Refund" => s
            .orders
            .iter()
            .find(|o| o.refunds.iter().any(|r| r.id == n))
            .map(|o| order_json(s, &s.customers(), o))
            .and_then(|o| {
                o["refunds"]
                    .as_array()?
                    .iter()
                    .find(|r| r["id"] == id)
                    .cloned()
            })
            .unwrap_or(Value::Null),
        "BulkOperation" => poll_bulk(s, n),
        _ => Value::Null,
    }
}

const OTHER_OP: u64 = 777;

fn start_bulk(s: &mut ShopState, query: &str) -> Value {
    let user_error = |m: String| json!({"bulkOperation": null, "userErrors": [{"field": ["query"], "message": m}]});
    let now = Instant::now();
    let running: Vec<u64> = s
        .ops
        .iter()
        .filter(|(_, o)| {
            s.bulk_hold_nth == Some(o.nth)
                || match o.timed {
                    Some((_, ready)) => ready > now,
                    None => o.polls_left > 0,
                }
        })
        .map(|(id, _)| *id)
        .collect();
    // Another app's operation, in this fake, holds every slot.
    if s.other_bulk_polls > 0 || running.len() >= s.max_running.max(1) {
        let running = if s.other_bulk_polls > 0 {
            OTHER_OP
        } else {
            running[0]
        };
        return user_error(format!(
            "A bulk query operation for this app and shop is already in progress: {}.",
            gid("BulkOperation", running)
        ));
    }
    let doc = match ExecutableDocument::parse_and_validate(schema(), query, "bulk.graphql") {
        Ok(doc) => doc,
        Err(e) => return user_error(format!("Invalid bulk query: {}", e.errors)),
    };
    let roots: Vec<&str> = doc
        .operations
        .iter()
        .flat_map(|op| &op.selection_set.selections)
        .filter_map(|sel| match sel {
            Selection::Field(f) => Some(f.name.as_str()),
            _ => None,
        })
        .collect();
    if roots != ["orders"] {
        return user_error(format!(
            "the fake exports the orders connection only, not {}",
            roots.join(", ")
        ));
    }
    s.bulk_started += 1;
    let id = 1000 + s.ops.len() as u64;
    let fail = s.bulk_fail || s.bulk_fail_nth == Some(s.bulk_started);
    let search = query
        .split("query: \"")
        .nth(1)
        .and_then(|q| q.split('"').next())
        .unwrap_or_default()
        .to_string();
    s.bulk_queries.push(search);
    s.bulk_full_queries.push(query.to_string());
    let mut op = BulkOp {
        query: query.into(),
        polls_left: s.bulk_polls,
        fail,
        jsonl: None,
        lines: 0,
        timed: None,
        nth: s.bulk_started,
    };
    if let Some(rate) = s.export_rate.filter(|r| *r > 0.0) {
        // Written now, ready when Shopify would have written it.
        let started = Instant::now();
        let (jsonl, lines) = export(s, query);
        s.export_time += started.elapsed();
        let ready = started + std::time::Duration::from_secs_f64(lines as f64 / rate);
        (op.jsonl, op.lines, op.timed) = (Some(jsonl), lines, Some((started, ready)));
    }
    s.ops.insert(id, op);
    json!({"bulkOperation": {"__typename": "BulkOperation", "id": gid("BulkOperation", id), "status": "CREATED"}, "userErrors": []})
}

fn poll_bulk(s: &mut ShopState, n: u64) -> Value {
    let op_json = |status: &str, extra: Value| {
        let mut v = json!({"__typename": "BulkOperation", "id": gid("BulkOperation", n), "status": status,
            "errorCode": null, "objectCount": "0", "url": null});
        if let Value::Object(m) = extra {
            for (k, x) in m {
                v[k] = x;
            }
        }
        v
    };
    if n == OTHER_OP {
        if s.other_bulk_polls > 0 {
            s.other_bulk_polls -= 1;
            return op_json("RUNNING", json!({}));
        }
        return op_json("COMPLETED", json!({}));
    }
    let Some(op) = s.ops.get(&n) else {
        return Value::Null;
    };
    if s.bulk_hold_nth == Some(op.nth) {
        return op_json("RUNNING", json!({}));
    }
    if let (Some((started, ready)), Some(rate)) = (op.timed, s.export_rate) {
        let now = Instant::now();
        if now < ready {
            let written = (now.duration_since(started).as_secs_f64() * rate) as usize;
            return op_json(
                "RUNNING",
                json!({"objectCount": written.min(op.lines).to_string()}),
            );
        }
    } else if op.polls_left > 0 {
        s.ops.get_mut(&n).unwrap().polls_left -= 1;
        return op_json("RUNNING", json!({}));
    }
    if op.fail {
        return op_json("FAILED", json!({"errorCode": "INTERNAL_SERVER_ERROR"}));
    }
    if op.jsonl.is_none() {
        let query = op.query.clone();
        let (jsonl, lines) = match s.exports.get(&query).filter(|_| s.reuse_exports) {
            Some(kept) => kept.clone(),
            None => {
                let started = Instant::now();
                let written = export(s, &query);
                s.export_time += started.elapsed();
                if s.reuse_exports {
                    s.exports.insert(query, written.clone());
                }
                written
            }
        };
        let op = s.ops.get_mut(&n).unwrap();
        op.jsonl = Some(jsonl);
        op.lines = lines;
    }
    op_json(
        "COMPLETED",
        json!({"objectCount": s.ops[&n].lines.to_string(), "url": format!("{}/bulk/{n}.jsonl", s.base)}),
    )
}

/// Run a bulk query over the whole shop and write it as JSONL, one order at
/// a time: each order is projected through the query's node selection, its
/// nested connections' nodes become lines of their own with `__parentId`,
/// and those child lines are written after all the orders (Shopify does not
/// group them by default). The fake exports the root `orders` field, the
/// one Pulseboard asks for; anything else is refused when the job starts.
fn export(s: &ShopState, query: &str) -> (axum::body::Bytes, usize) {
    let doc = ExecutableDocument::parse_and_validate(schema(), query, "bulk.graphql")
        .expect("validated at start");
    let vars = Map::new();
    let mut ex = Exec {
        vars: &vars,
        doc: &doc,
        bulk: true,
        actual: 0.0,
    };
    let mut parents = String::new();
    let mut children = String::new();
    let mut lines = 0usize;
    let counts = s.customers();
    let fields = doc
        .operations
        .iter()
        .next()
        .map(|op| &op.selection_set.selections);
    for sel in fields.into_iter().flatten() {
        let Selection::Field(f) = sel else { continue };
        let Some(node_set) = node_selection(&f.selection_set) else {
            continue;
        };
        for o in root_orders(s, &ex, f) {
            let Ok(mut node) = ex.project(node_set, &order_json(s, &counts, o)) else {
                continue;
            };
            let mut kids = Vec::new();
            flatten(&mut node, None, &mut kids);
            parents.push_str(&node.to_string());
            parents.push('\n');
            for kid in kids {
                children.push_str(&kid.to_string());
                children.push('\n');
            }
            lines += 1;
        }
    }
    lines += children.lines().count();
    parents.push_str(&children);
    (axum::body::Bytes::from(parents), lines)
}

/// What a connection's `nodes { … }` or `edges { node { … } }` selects.
fn node_selection(conn: &SelectionSet) -> Option<&SelectionSet> {
    conn.selections.iter().find_map(|sel| match sel {
        Selection::Field(f) if f.name == "nodes" => Some(&f.selection_set),
        Selection::Field(f) if f.name == "edges" => {
            f.selection_set.selections.iter().find_map(|n| match n {
                Selection::Field(n) if n.name == "node" => Some(&n.selection_set),
                _ => None,
            })
        }
        _ => None,
    })
}

fn conn_nodes(conn: &Value) -> Vec<Value> {
    if let Some(n) = conn.get("nodes").and_then(Value::as_array) {
        return n.clone();
    }
    conn.get("edges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("node").cloned())
        .collect()
}

fn is_connection(v: &Value) -> bool {
    v.get("edges").is_some_and(Value::is_array) || v.get("nodes").is_some_and(Value::is_array)
}

/// Take nested connections out of `obj` as child lines of the nearest object with an id.
fn flatten(obj: &mut Value, parent: Option<&str>, children: &mut Vec<Value>) {
    let own = obj.get("id").and_then(Value::as_str).map(String::from);
    let holder = own.as_deref().or(parent).map(String::from);
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        let v = map.get_mut(&k).unwrap();
        if is_connection(v) {
            let nodes = conn_nodes(v);
            map.remove(&k);
            for mut child in nodes {
                flatten(&mut child, holder.as_deref(), children);
                if let Some(p) = &holder {
                    child["__parentId"] = json!(p);
                }
                children.push(child);
            }
        } else if let Value::Array(list) = v {
            for item in list.iter_mut() {
                flatten(item, holder.as_deref(), children);
            }
        } else if v.is_object() {
            flatten(v, holder.as_deref(), children);
        }
    }
}

async fn graphql(
    State(st): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = st.lock().unwrap();
    s.requests += 1;
    if s.base.is_empty() {
        if let Some(h) = headers.get("host").and_then(|h| h.to_str().ok()) {
            s.base = format!("http://{h}");
        }
    }
    if s.fail_at.contains(&s.requests) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"errors": "Internal Server Error"})),
        )
            .into_response();
    }
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if token != s.token {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})),
        )
            .into_response();
    }
    let query = body.get("query").and_then(Value::as_str).unwrap_or("");
    let vars = body
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let doc = match ExecutableDocument::parse_and_validate(schema(), query, "query.graphql") {
        Ok(d) => d,
        Err(e) => {
            s.operations.push("invalid".into());
            return Json(json!({"errors": [{"message": e.errors.to_string()}]})).into_response();
        }
    };
    let name = doc
        .operations
        .iter()
        .next()
        .and_then(|o| o.name.as_ref())
        .map_or("anonymous".into(), |n| n.to_string());
    s.operations.push(name);
    let probe = Exec {
        vars: &vars,
        doc: &doc,
        bulk: false,
        actual: 0.0,
    };
    let requested = doc.operations.iter().next().map_or(0.0, |op| {
        if op.operation_type == apollo_compiler::executable::OperationType::Mutation {
            10.0
        } else {
            probe.cost(&op.selection_set)
        }
    });
    s.max_requested_cost = s.max_requested_cost.max(requested);
    let status = |s: &mut ShopState, actual: Option<f64>| {
        let available = s.bucket_now();
        json!({"requestedQueryCost": requested, "actualQueryCost": actual,
            "throttleStatus": {"maximumAvailable": s.bucket_max, "currentlyAvailable": available, "restoreRate": s.restore_rate}})
    };
    if requested > 1000.0 {
        let mut e = error(
            &format!(
                "Query cost is {requested}, which exceeds the single query max cost limit (1000)."
            ),
            Some("MAX_COST_EXCEEDED"),
        );
        e["extensions"] = json!({"cost": status(&mut s, None)});
        return Json(e).into_response();
    }
    if s.throttling {
        if s.drain_at.contains(&s.requests) {
            s.bucket_now();
            s.available = 0.0;
        }
        let available = s.bucket_now();
        if requested > available {
            s.throttled += 1;
            s.throttled_in_a_row += 1;
            s.max_throttled_in_a_row = s.max_throttled_in_a_row.max(s.throttled_in_a_row);
            let mut e = error("Throttled", Some("THROTTLED"));
            e["errors"][0]["extensions"]["documentation"] =
                json!("https://shopify.dev/api/usage/rate-limits");
            e["extensions"] = json!({"cost": status(&mut s, None)});
            return Json(e).into_response();
        }
        s.available -= requested;
    }
    s.throttled_in_a_row = 0;
    match execute(&mut s, &doc, &vars) {
        Ok((data, actual)) => {
            let actual = actual.min(requested);
            if s.throttling {
                s.available = (s.available + requested - actual).min(s.bucket_max);
                let wait = (requested - s.least_available).max(0.0) / s.restore_rate;
                s.least_secs += wait;
                s.least_available =
                    (s.least_available + wait * s.restore_rate).min(s.bucket_max) - actual;
            }
            s.spent += actual;
            let cost = status(&mut s, Some(actual));
            Json(json!({"data": data, "extensions": {"cost": cost}})).into_response()
        }
        Err(mut e) => {
            e["extensions"] = json!({"cost": status(&mut s, None)});
            Json(e).into_response()
        }
    }
}

async fn bulk_file(State(st): State<Shared>, Path(file): Path<String>) -> Response {
    let id: u64 = file.trim_end_matches(".jsonl").parse().unwrap_or(0);
    let mut s = st.lock().unwrap();
    let body = s.ops.get(&id).and_then(|o| o.jsonl.clone());
    if body.is_some() {
        s.bulk_files_served.push(id);
    }
    drop(s);
    match body {
        Some(body) => body.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/admin/api/2026-10/graphql.json", post(graphql))
        .route("/bulk/{file}", get(bulk_file))
        .with_state(state)
}

/// Start the fake; its base URL and state.
pub fn start(state: ShopState) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(state));
    let base = super::serve::serve(router(shared.clone()));
    shared.lock().unwrap().base = base.clone();
    (base, shared)
}

// ---- a shop to sync ------------------------------------------------------------

/// A small deterministic generator, so every run builds the same shop.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

pub fn dec(cents: u64) -> Decimal {
    Decimal::new(cents as i64, 2)
}

/// A shop of `n` orders over the `days` before `now`: refunds on later days,
/// edits, cancellations (voided and paid-then-refunded), guests, test orders,
/// orders with more line items than one page holds, refunds with more lines
/// and shipping lines than one page holds, and variants with and without a cost.
pub fn build_shop(n: u64, days: i64, now: DateTime<Utc>, token: &str) -> ShopState {
    let mut s = ShopState::new(token, now);
    let mut r = Lcg(7);
    for v in 1..=300u64 {
        s.items.push(FakeItem {
            id: 50_000 + v,
            variant: v,
            cost: (v % 5 != 0).then(|| dec(500 + r.next(20_000))),
            // Every seventh variant has no SKU; three variants a product.
            sku: (v % 7 != 0).then(|| format!("SKU-{v:05}")),
            title: ["Small", "Medium", "Large"][(v % 3) as usize].to_string(),
            price: dec(1_000 + r.next(40_000)),
            product: v / 3,
            updated_at: now - Duration::days(400) + Duration::minutes(v as i64),
        });
    }
    let first = now - Duration::days(days);
    let span = Duration::days(days) - Duration::hours(3);
    for i in 0..n {
        let id = 1000 + i;
        let processed = first + span * (i as i32) / (n as i32);
        let many_lines = i % 97 == 5;
        let line_count = if many_lines { 23 } else { 1 + r.next(4) };
        let lines: Vec<FakeLine> = (0..line_count)
            .map(|k| FakeLine {
                id: id * 1000 + k,
                variant: (k % 50 != 7 && i % 50 != 3).then(|| 1 + r.next(300)),
                quantity: 1 + r.next(3) as i64,
                price: dec(1_000 + r.next(500_000)),
            })
            .collect();
        let gross: Decimal = lines
            .iter()
            .map(|l| l.price * Decimal::from(l.quantity))
            .sum();
        let discounts = if i % 5 == 0 {
            (gross / Decimal::TEN).round_dp(2)
        } else {
            Decimal::ZERO
        };
        let shipping = if i % 3 == 0 { dec(4900) } else { Decimal::ZERO };
        let tax = ((gross - discounts) * Decimal::new(18, 2)).round_dp(2);
        let test = i % 89 == 11;
        let voided = i % 53 == 17;
        let cancelled_paid = i % 71 == 23;
        let mut o = FakeOrder {
            id,
            number: id,
            created_at: processed - Duration::minutes(3),
            processed_at: processed,
            updated_at: processed + Duration::minutes(10),
            cancelled_at: None,
            test,
            status: if voided { "VOIDED" } else { "PAID" },
            discounts,
            shipping,
            tax,
            customer: (i % 10 >= 3).then(|| 1 + r.next(2_500)),
            lines,
            refunds: vec![],
        };
        if voided {
            o.cancelled_at = Some(processed + Duration::hours(1));
        }
        let counted = !test && !voided;
        if counted && cancelled_paid {
            let at = processed + Duration::hours(5);
            o.cancelled_at = Some(at);
            o.status = "REFUNDED";
            o.refunds.push(FakeRefund {
                id: id * 10,
                created_at: at,
                lines: o
                    .lines
                    .iter()
                    .map(|l| (l.id, l.quantity, l.price * Decimal::from(l.quantity)))
                    .collect(),
                shipping: vec![shipping],
            });
        } else if counted && (i % 13 == 0 || many_lines) {
            let at = processed
                + Duration::days(1 + r.next(5) as i64)
                + Duration::minutes(r.next(600) as i64);
            if at < now - Duration::hours(3) {
                let take = if many_lines { 7 } else { 1 };
                o.status = "PARTIALLY_REFUNDED";
                o.refunds.push(FakeRefund {
                    id: id * 10,
                    created_at: at,
                    lines: o
                        .lines
                        .iter()
                        .take(take)
                        .map(|l| (l.id, 1, (l.price * Decimal::new(9, 1)).round_dp(2)))
                        .collect(),
                    shipping: if many_lines {
                        vec![dec(100), dec(200), dec(300)]
                    } else if i % 26 == 0 {
                        vec![shipping]
                    } else {
                        vec![]
                    },
                });
            }
        }
        if let Some(last) = o.refunds.iter().map(|r| r.created_at).max() {
            o.updated_at = last + Duration::minutes(1);
        }
        s.orders.push(o);
    }
    // Some customers have orders from before the synced history.
    for c in (1..=2_500u64).filter(|c| c % 11 == 0) {
        s.older_orders.insert(c, 2);
    }
    // The newest update is the last order's, well apart from the others.
    let newest = now - Duration::minutes(30);
    for o in &mut s.orders {
        if o.updated_at > now - Duration::hours(2) {
            o.updated_at = now - Duration::hours(2) - Duration::seconds((o.id % 600) as i64);
        }
    }
    s.orders.last_mut().unwrap().updated_at = newest;
    s
}
