//! Shopify GraphQL Admin API 2026-10: orders (with their line items and
//! refunds), customers' order counts and product costs of one shop.
//!
//! Streams, in this order so costs are there before the orders that use them:
//! - `variants`: inventory items with their `unitCost` and variant id;
//! - `products`: each changed product's title, so a product renamed in the
//!   shop is renamed here (the rename does not change its inventory items);
//! - `orders`: everything `metrics.md` needs (see [`records`]);
//! - `customers`: each changed customer's `numberOfOrders`, which decides
//!   new vs returning.
//!
//! Every stream is incremental by `updated_at` (sorted by it where Shopify
//! can): a bookmark of the newest `updatedAt` seen, re-read with a small
//! overlap, so an unchanged shop costs one request per stream. A first sync
//! reads [`ShopifyConfig::history_days`] (all history when `None`); a backlog
//! longer than [`ShopifyConfig::bulk_over_days`] goes through bulk
//! operations and their JSONL exports instead of thousands of pages, one
//! export per span of updates ([`ShopifyConfig::bulk_windows`] at least,
//! about [`ShopifyConfig::bulk_span_orders`] orders each), two read ahead on
//! threads of their own while the engine stores them in turn. Nested lists
//! longer than one page are followed to the end with `node(id:)` queries.
//! Page sizes keep every query under 1,000 cost points, and each reply's
//! `throttleStatus` paces the next request so the bucket is not emptied.
//!
//! `client.rs` sends GraphQL (Shopify's errors, the cost bucket),
//! `records.rs` turns order JSON into records, `cursor.rs` is the bookmark,
//! `bulk.rs` the bulk operations of a backfill.

mod bulk;
pub mod client;
mod cursor;
mod jsonl;
pub mod poll;
pub mod records;

use crate::connectors::source::{Page, Source, SourceError, SourceInputs};
use crate::connectors::{parse_each, BadRecord, FetchError, HttpClient, HttpConfig};
use crate::domain::provider_settings::{secret, History, ShopifySettings};
use crate::domain::records::Batch;
use crate::domain::AccountFacts;
use bulk::{Ahead, BulkResult};
use chrono::{DateTime, Duration as Span, Utc};
use client::Shop;
use cursor::{iso, Pass};
use records::{
    next_page, nodes, Draft, LINE_FIELDS, ORDER_FIELDS, REFUND_LINE_FIELDS, REFUND_SHIPPING_FIELDS,
};
use serde_json::{json, Value};
use std::time::Duration;

pub const STREAMS: [&str; 4] = ["variants", "products", "orders", "customers"];
/// The scopes a connection needs; "Test connection" checks them.
pub const SCOPES: [&str; 5] = [
    "read_orders",
    "read_all_orders",
    "read_customers",
    "read_products",
    "read_inventory",
];

/// Days of orders a first sync reads, unless the connection says otherwise
/// (a number of days, or all of the shop's history).
pub const HISTORY_DAYS: u64 = 365;
/// How old a shop's facts (zone, currency, scopes) may be before a sync asks
/// again: the workspace may take its zone and currency.
pub const FACTS_MAX_AGE_HOURS: i64 = 24;

#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    /// `https://{shop}.myshopify.com` (or a test server).
    pub base: String,
    pub token: String,
    /// Days of history a first sync reads; `None` = all of it.
    pub history_days: Option<u64>,
    /// How far before the bookmark each run re-reads.
    pub overlap: Span,
    /// A backlog longer than this is read through a bulk operation.
    pub bulk_over_days: i64,
    /// First wait between polls of a bulk operation (then as `poll.rs` says:
    /// growing by half up to 2 s, or timed from `objectCount`'s rate).
    pub bulk_poll: Duration,
    /// Orders handed to the engine per page of a bulk export. A page is one
    /// transaction: at 10,000 a backfill commits the same index pages a tenth
    /// as often as at 1,000 (6% fewer instructions to store it), and still
    /// holds the write lock under a second.
    pub bulk_page: usize,
    /// A bulk backfill is read as at least this many exports of equal spans
    /// of `updatedAt`, oldest first (none shorter than `bulk_over_days`).
    pub bulk_windows: u32,
    /// And as many more as it takes for a span to hold about this many
    /// orders (by `ordersCount` when the backfill is planned): an order is
    /// whole only once its export's file has been read to the end, so a
    /// span's orders are held in memory until then, and two spans are read
    /// at a time. 5,000 orders are about 4 MiB of records.
    pub bulk_span_orders: u32,
    pub now: DateTime<Utc>,
    pub http: HttpConfig,
}

impl ShopifyConfig {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.into(),
            token: token.into(),
            history_days: Some(HISTORY_DAYS),
            overlap: Span::minutes(2),
            bulk_over_days: 30,
            bulk_poll: Duration::from_millis(250),
            bulk_page: 10_000,
            bulk_windows: 5,
            bulk_span_orders: 5_000,
            now: Utc::now(),
            http: HttpConfig::default(),
        }
    }
}

/// Page sizes, chosen so each query's requested cost stays under 1,000
/// points: a connection costs 2 + first × (1 + its node's objects).
pub mod size {
    pub const ORDERS: u32 = 12;
    pub const LINES: u32 = 10;
    pub const REFUND_LINES: u32 = 5;
    pub const REFUND_SHIPPING: u32 = 2;
    /// Later pages of one order's nested lists.
    pub const NESTED: u32 = 200;
    pub const ITEMS: u32 = 150;
    pub const PRODUCTS: u32 = 250;
    pub const CUSTOMERS: u32 = 250;

    /// The requested cost of the orders query, as Shopify counts it.
    pub const fn orders_cost() -> u32 {
        let line = 1 + 1 + 2;
        let refund_line = 1 + 1 + 2;
        let refund = 1 + (2 + REFUND_LINES * refund_line) + (2 + REFUND_SHIPPING * 3);
        let order = 1 + 2 * 3 + 1 + (2 + LINES * line) + refund;
        2 + ORDERS * order
    }

    // Every query stays under Shopify's 1,000-point limit, checked at compile time.
    const _: () = assert!(orders_cost() <= 1000);
    const _: () = assert!(1 + 2 + NESTED * 4 <= 1000);
    const _: () = assert!(2 + ITEMS * 6 <= 1000);
    const _: () = assert!(2 + PRODUCTS <= 1000);
}

pub struct ShopifySource {
    cfg: ShopifyConfig,
    shop: Shop,
    bulk: tokio::sync::Mutex<Option<BulkResult>>,
    /// The spans being read on threads of their own: the next one to
    /// store and the one after it.
    ahead: std::sync::Mutex<Vec<Ahead>>,
    /// The objects in the last span's export read: the likely size of the
    /// next (as long a span of time), for timing its polls.
    last_objects: std::sync::atomic::AtomicU64,
    /// The spans whose export this run started, shared with the threads
    /// that read spans ahead, so no span is exported twice.
    launched: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<DateTime<Utc>>>>,
    /// Exports started ahead of their turn, by the start of their span.
    started: std::sync::Mutex<std::collections::HashMap<DateTime<Utc>, String>>,
    /// Where spans to read ahead are sent: the reader threads, started at
    /// the first (see `bulk::Readers`).
    readers: std::sync::Mutex<Option<bulk::Readers>>,
}

impl ShopifySource {
    pub fn new(cfg: ShopifyConfig) -> Result<Self, FetchError> {
        let http = HttpClient::new(cfg.http.clone())?.redacting([cfg.token.clone()]);
        let shop = Shop::new(http, &cfg.base, &cfg.token);
        Ok(Self {
            cfg,
            shop,
            bulk: tokio::sync::Mutex::new(None),
            ahead: Default::default(),
            started: Default::default(),
            launched: Default::default(),
            last_objects: Default::default(),
            readers: Default::default(),
        })
    }

    pub fn requests(&self) -> u64 {
        self.shop.http.requests()
    }

    /// The source of a connection: the shop (or the base URL that stands in
    /// for it), the token, how much history a first sync reads.
    pub fn from_connection(
        settings: &ShopifySettings,
        inputs: &SourceInputs<'_>,
    ) -> Result<Self, SourceError> {
        let base = inputs.base_url(&format!("https://{}", settings.shop));
        let mut cfg = ShopifyConfig::new(&base, &inputs.secret(secret::ACCESS_TOKEN)?);
        cfg.history_days = match settings.history {
            Some(History::All) => None,
            Some(History::Days(n)) => Some(u64::from(n)),
            None => Some(HISTORY_DAYS),
        };
        Ok(Self::new(cfg)?)
    }

    pub(super) fn filter(since: DateTime<Utc>) -> String {
        format!("updated_at:>='{}'", iso(since))
    }

    /// A page's cursor: the next page of this pass, or the finished bookmark.
    fn after_page(mut pass: Pass, next: Option<String>) -> (String, bool) {
        match next {
            Some(after) => {
                pass.after = Some(after);
                (pass.encode(), true)
            }
            None => (pass.done().encode(), false),
        }
    }

    async fn orders_page(&self, mut pass: Pass) -> Result<Page, FetchError> {
        let query = format!(
            "query Orders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {ORDER_FIELDS}
      lineItems(first: {lines}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_FIELDS} }} }}
      refunds {{
        id createdAt
        refundLineItems(first: {rl}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {REFUND_LINE_FIELDS} }} }}
        refundShippingLines(first: {rs}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {REFUND_SHIPPING_FIELDS} }} }}
      }}
    }}
  }}
}}",
            lines = size::LINES,
            rl = size::REFUND_LINES,
            rs = size::REFUND_SHIPPING,
        );
        let data = self
            .shop
            .query(
                &query,
                json!({"first": size::ORDERS, "after": pass.after, "query": Self::filter(pass.since)}),
                size::orders_cost() as f64,
            )
            .await?;
        let conn = data.get("orders");
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for node in nodes(conn) {
            match Draft::parse(node) {
                Ok(mut d) => {
                    pass.seen(d.updated_at);
                    self.complete(node, &mut d).await?;
                    match d.finish() {
                        Ok(o) => good.push(o),
                        Err(reason) => bad.push(bad_order(node, reason)),
                    }
                }
                Err(reason) => {
                    if let Some(t) = node
                        .get("updatedAt")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    {
                        pass.seen(t.with_timezone(&Utc));
                    }
                    bad.push(bad_order(node, reason));
                }
            }
        }
        let (cursor, more) = Self::after_page(pass, next_page(conn));
        Ok(Page {
            batch: Batch::Orders(good),
            bad,
            cursor: Some(cursor),
            more,
        })
    }

    /// Follow the order's nested lists that did not fit in the first page.
    async fn complete(&self, node: &Value, d: &mut Draft) -> Result<(), FetchError> {
        if let Some(after) = next_page(node.get("lineItems")) {
            let id = d.order.id.clone();
            for l in self
                .rest(&id, "Order", "lineItems", LINE_FIELDS, after)
                .await?
            {
                d.add_line(&l);
            }
        }
        for r in node
            .get("refunds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(rid) = r.get("id").and_then(Value::as_str) else {
                continue;
            };
            if let Some(after) = next_page(r.get("refundLineItems")) {
                for l in self
                    .rest(rid, "Refund", "refundLineItems", REFUND_LINE_FIELDS, after)
                    .await?
                {
                    d.add_refund_line(rid, &l);
                }
            }
            if let Some(after) = next_page(r.get("refundShippingLines")) {
                for s in self
                    .rest(
                        rid,
                        "Refund",
                        "refundShippingLines",
                        REFUND_SHIPPING_FIELDS,
                        after,
                    )
                    .await?
                {
                    d.add_refund_shipping(rid, &s);
                }
            }
        }
        Ok(())
    }

    /// The remaining pages of one connection of one object, from `after`.
    async fn rest(
        &self,
        id: &str,
        on: &str,
        field: &str,
        fields: &str,
        mut after: String,
    ) -> Result<Vec<Value>, FetchError> {
        let query = format!(
            "query Rest($id: ID!, $after: String) {{
  node(id: $id) {{ ... on {on} {{ {field}(first: {n}, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {fields} }} }} }} }}
}}",
            n = size::NESTED
        );
        let cost = (1 + 2 + size::NESTED * 4) as f64;
        let mut out = Vec::new();
        loop {
            let data = self
                .shop
                .query(&query, json!({"id": id, "after": after}), cost)
                .await?;
            let conn = data.pointer(&format!("/node/{field}"));
            out.extend(nodes(conn).into_iter().cloned());
            match next_page(conn) {
                Some(a) => after = a,
                None => return Ok(out),
            }
        }
    }

    async fn costs_page(&self, mut pass: Pass) -> Result<Page, FetchError> {
        let query = "query Costs($first: Int!, $after: String, $query: String!) {
  inventoryItems(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id updatedAt sku unitCost { amount } variants(first: 1) { nodes { id title price product { id title } } } }
  }
}";
        let cost = (2 + size::ITEMS * (1 + 1 + 4)) as f64;
        let data = self
            .shop
            .query(
                query,
                json!({"first": size::ITEMS, "after": pass.after, "query": Self::filter(pass.since)}),
                cost,
            )
            .await?;
        let conn = data.get("inventoryItems");
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        for item in nodes(conn) {
            let parsed = records::variant(item);
            match parsed {
                Ok((variant, at)) => {
                    pass.seen(at);
                    good.push(variant);
                }
                Err(reason) => bad.push(BadRecord {
                    id: item.get("id").and_then(Value::as_str).map(String::from),
                    reason: reason.to_string(),
                }),
            }
        }
        let (cursor, more) = Self::after_page(pass, next_page(conn));
        Ok(Page {
            batch: Batch::Variants(good),
            bad,
            cursor: Some(cursor),
            more,
        })
    }

    async fn products_page(&self, mut pass: Pass) -> Result<Page, FetchError> {
        let query = "query Products($first: Int!, $after: String, $query: String!) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id title updatedAt }
  }
}";
        let data = self
            .shop
            .query(
                query,
                json!({"first": size::PRODUCTS, "after": pass.after, "query": Self::filter(pass.since)}),
                (2 + size::PRODUCTS) as f64,
            )
            .await?;
        let conn = data.get("products");
        let (good, bad) = parse_each(nodes(conn), "id", records::product_title);
        let titles = good
            .into_iter()
            .map(|(title, at)| {
                pass.seen(at);
                title
            })
            .collect();
        let (cursor, more) = Self::after_page(pass, next_page(conn));
        Ok(Page {
            batch: Batch::ProductTitles(titles),
            bad,
            cursor: Some(cursor),
            more,
        })
    }

    async fn customers_page(&self, mut pass: Pass) -> Result<Page, FetchError> {
        let query = "query Customers($first: Int!, $after: String, $query: String!) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id numberOfOrders updatedAt }
  }
}";
        let data = self
            .shop
            .query(
                query,
                json!({"first": size::CUSTOMERS, "after": pass.after, "query": Self::filter(pass.since)}),
                (2 + size::CUSTOMERS) as f64,
            )
            .await?;
        let conn = data.get("customers");
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        for c in nodes(conn) {
            let id = c.get("id").and_then(Value::as_str);
            let n = c
                .get("numberOfOrders")
                .and_then(|n| n.as_u64().or_else(|| n.as_str()?.parse().ok()));
            let at = c
                .get("updatedAt")
                .and_then(Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
            match (id, n, at) {
                (Some(id), Some(n), Some(at)) => {
                    pass.seen(at.with_timezone(&Utc));
                    good.push((id.to_string(), n));
                }
                _ => bad.push(BadRecord {
                    id: id.map(String::from),
                    reason: "id, numberOfOrders or updatedAt is missing".into(),
                }),
            }
        }
        let (cursor, more) = Self::after_page(pass, next_page(conn));
        Ok(Page {
            batch: Batch::CustomerCounts(good),
            bad,
            cursor: Some(cursor),
            more,
        })
    }
}

impl Source for ShopifySource {
    fn streams(&self) -> Vec<String> {
        STREAMS.iter().map(|s| s.to_string()).collect()
    }

    /// Where a run starts: an unfinished pass goes on where it stopped; a
    /// finished one is re-read from its bookmark less the overlap.
    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String> {
        Some(cursor::start(stream, stored.as_deref(), &self.cfg).encode())
    }

    async fn fetch(&self, stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        let pass = cursor
            .and_then(Pass::parse)
            .ok_or_else(|| self.shop.odd("the stream's bookmark is unreadable"))?;
        match stream {
            "orders" => {
                let backlog = self.cfg.now - pass.since;
                // A backfill in spans reads every span through an export.
                if pass.bulk.is_some()
                    || pass.step.is_some()
                    || (pass.after.is_none() && backlog > Span::days(self.cfg.bulk_over_days))
                {
                    self.bulk_page(pass).await
                } else {
                    self.orders_page(pass).await
                }
            }
            "variants" => self.costs_page(pass).await,
            "products" => self.products_page(pass).await,
            "customers" => self.customers_page(pass).await,
            other => Err(self.shop.odd(&format!("no stream called {other}"))),
        }
    }

    fn requests(&self) -> u64 {
        self.shop.http.requests()
    }

    /// Test connection: the shop's name, zone and currency, and which of the
    /// needed scopes the token lacks.
    async fn account(&self) -> Result<AccountFacts, FetchError> {
        let data = self
            .shop
            .query(
                "query Facts { shop { name ianaTimezone currencyCode } currentAppInstallation { accessScopes { handle } } }",
                json!({}),
                3.0,
            )
            .await?;
        let granted: Vec<&str> = data
            .pointer("/currentAppInstallation/accessScopes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("handle").and_then(Value::as_str))
            .collect();
        let text = |k: &str| {
            data.pointer(&format!("/shop/{k}"))
                .and_then(Value::as_str)
                .map(String::from)
        };
        Ok(AccountFacts {
            name: text("name"),
            currency: text("currencyCode"),
            timezone: text("ianaTimezone"),
            token_expires_at: None,
            checked_at: iso(Utc::now()),
            missing_scopes: SCOPES
                .iter()
                .filter(|s| !granted.contains(s))
                .map(|s| s.to_string())
                .collect(),
            users: None,
        })
    }

    /// A sync first learns the shop's zone, currency and scopes (once a day):
    /// the workspace may take them, and the scopes say what will fail.
    fn facts_max_age(&self) -> Option<chrono::Duration> {
        Some(chrono::Duration::hours(FACTS_MAX_AGE_HOURS))
    }
}

fn bad_order(v: &Value, reason: String) -> BadRecord {
    BadRecord {
        id: v.get("id").and_then(Value::as_str).map(String::from),
        reason,
    }
}
