//! Shopify GraphQL Admin API 2026-10: orders (with their line items and
//! refunds), customers' order counts and product costs of one shop.
//!
//! Streams, in this order so costs are there before the orders that use them:
//! - `variants`: inventory items with their `unitCost` and variant id;
//! - `orders`: everything `metrics.md` needs (see [`orders`]);
//! - `customers`: each changed customer's `numberOfOrders`, which decides
//!   new vs returning.
//!
//! Every stream is incremental by `updated_at` (sorted by it where Shopify
//! can): a bookmark of the newest `updatedAt` seen, re-read with a small
//! overlap, so an unchanged shop costs one request per stream. A first sync
//! reads [`ShopifyConfig::history_days`] (all history when `None`); a backlog
//! longer than [`ShopifyConfig::bulk_over_days`] goes through bulk
//! operations and their JSONL exports instead of thousands of pages, one
//! export per span of updates, the next read on another thread while the
//! engine stores one ([`ShopifyConfig::bulk_windows`]). Nested lists
//! longer than one page are followed to the end with `node(id:)` queries.
//! Page sizes keep every query under 1,000 cost points, and each reply's
//! `throttleStatus` paces the next request so the bucket is not emptied.

pub mod graphql;
pub mod orders;

use crate::connectors::{BadRecord, FetchError, HttpClient, HttpConfig};
use crate::domain::records::{Batch, Order};
use crate::sync::Page;
use chrono::{DateTime, Duration as Span, SecondsFormat, Utc};
use graphql::Shop;
use orders::{
    next_page, nodes, Draft, LINE_FIELDS, ORDER_FIELDS, REFUND_LINE_FIELDS, REFUND_SHIPPING_FIELDS,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

pub const STREAMS: [&str; 3] = ["variants", "orders", "customers"];
/// The scopes a connection needs; "Test connection" checks them.
pub const SCOPES: [&str; 5] = [
    "read_orders",
    "read_all_orders",
    "read_customers",
    "read_products",
    "read_inventory",
];

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
    /// First wait between polls of a bulk operation (doubling, at most 10 s).
    pub bulk_poll: Duration,
    /// Orders handed to the engine per page of a bulk export. A page is one
    /// transaction: at 10,000 a backfill commits the same index pages a tenth
    /// as often as at 1,000 (6% fewer instructions to store it), and still
    /// holds the write lock under a second.
    pub bulk_page: usize,
    /// A bulk backfill is read as this many exports of equal spans of
    /// `updatedAt`, oldest first (none shorter than `bulk_over_days`). While
    /// the engine stores one, the next is exported and parsed on a thread of
    /// its own, and only about one span's export is held in memory.
    pub bulk_windows: u32,
    pub now: DateTime<Utc>,
    pub http: HttpConfig,
}

impl ShopifyConfig {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.into(),
            token: token.into(),
            history_days: Some(365),
            overlap: Span::minutes(2),
            bulk_over_days: 30,
            bulk_poll: Duration::from_secs(1),
            bulk_page: 10_000,
            bulk_windows: 5,
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
    const _: () = assert!(2 + ITEMS * 5 <= 1000);
}

/// A stream's bookmark: everything updated before `since` is stored. Within
/// a pass, `after` (a page cursor) or `bulk` (an operation and how many of its
/// orders are stored) say where it stands, and `max` is the newest
/// `updatedAt` seen so far. A bulk backfill reads `step` seconds of updates
/// per export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pass {
    since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bulk: Option<BulkAt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BulkAt {
    id: String,
    done: usize,
    /// The export holds orders updated before this (`None`: up to now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until: Option<DateTime<Utc>>,
}

impl Pass {
    fn encode(&self) -> String {
        serde_json::to_string(self).expect("a cursor serialises")
    }

    fn seen(&mut self, t: DateTime<Utc>) {
        self.max = Some(self.max.map_or(t, |m| m.max(t)));
    }

    /// The bookmark once the pass is over.
    fn done(&self) -> Pass {
        Pass {
            since: self.max.map_or(self.since, |m| m.max(self.since)),
            step: None,
            after: None,
            max: None,
            bulk: None,
        }
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A bulk export read into memory, handed out a page at a time.
struct BulkResult {
    id: String,
    until: Option<DateTime<Utc>>,
    orders: Vec<Order>,
    bad: Vec<BadRecord>,
    max: Option<DateTime<Utc>>,
}

pub struct ShopifySource {
    cfg: ShopifyConfig,
    shop: Shop,
    bulk: tokio::sync::Mutex<Option<BulkResult>>,
    ahead: std::sync::Mutex<Option<Ahead>>,
}

/// The next span's export, being read on a thread of its own.
struct Ahead {
    since: DateTime<Utc>,
    result: tokio::sync::oneshot::Receiver<Result<BulkResult, FetchError>>,
}

impl ShopifySource {
    pub fn new(cfg: ShopifyConfig) -> Result<Self, FetchError> {
        let http = HttpClient::new(cfg.http.clone())?.redacting([cfg.token.clone()]);
        let shop = Shop::new(http, &cfg.base, &cfg.token);
        Ok(Self {
            cfg,
            shop,
            bulk: tokio::sync::Mutex::new(None),
            ahead: std::sync::Mutex::new(None),
        })
    }

    pub fn requests(&self) -> u64 {
        self.shop.http.requests()
    }

    fn history_start(&self) -> DateTime<Utc> {
        match self.cfg.history_days {
            Some(d) => self.cfg.now - Span::days(d as i64),
            None => DateTime::UNIX_EPOCH,
        }
    }

    /// Where a run starts: an unfinished pass goes on where it stopped; a
    /// finished one is re-read from its bookmark less the overlap.
    pub fn start(&self, stream: &str, stored: Option<String>) -> Option<String> {
        let parsed = stored.and_then(|s| serde_json::from_str::<Pass>(&s).ok());
        let pass = match parsed {
            Some(p) if p.after.is_some() || p.bulk.is_some() || p.step.is_some() => p,
            Some(p) => Pass {
                since: p.since - self.cfg.overlap,
                ..p
            },
            None => Pass {
                // Costs are needed for every order, however old.
                since: if stream == "variants" {
                    DateTime::UNIX_EPOCH
                } else {
                    self.history_start()
                },
                step: None,
                after: None,
                max: None,
                bulk: None,
            },
        };
        Some(pass.encode())
    }

    pub async fn fetch(&self, stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        let pass: Pass = cursor
            .and_then(|c| serde_json::from_str(c).ok())
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
            "customers" => self.customers_page(pass).await,
            other => Err(self.shop.odd(&format!("no stream called {other}"))),
        }
    }

    fn filter(since: DateTime<Utc>) -> String {
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
    nodes { id updatedAt unitCost { amount } variants(first: 1) { nodes { id } } }
  }
}";
        let cost = (2 + size::ITEMS * (1 + 1 + 3)) as f64;
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
            let parsed =
                (|| -> Result<(String, Option<rust_decimal::Decimal>, DateTime<Utc>), String> {
                    let variant = nodes(item.get("variants"))
                        .first()
                        .and_then(|v| v.get("id"))
                        .and_then(Value::as_str)
                        .ok_or("the inventory item has no variant")?
                        .to_string();
                    let cost = match item.pointer("/unitCost/amount") {
                        None | Some(Value::Null) => None,
                        Some(a) => Some(
                            a.as_str()
                                .and_then(|s| s.parse().ok())
                                .ok_or("unitCost.amount is not a decimal")?,
                        ),
                    };
                    let at = item
                        .get("updatedAt")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .ok_or("updatedAt is missing")?;
                    Ok((variant, cost, at.with_timezone(&Utc)))
                })();
            match parsed {
                Ok((variant, cost, at)) => {
                    pass.seen(at);
                    good.push((variant, cost));
                }
                Err(reason) => bad.push(BadRecord {
                    id: item.get("id").and_then(Value::as_str).map(String::from),
                    reason: reason.to_string(),
                }),
            }
        }
        let (cursor, more) = Self::after_page(pass, next_page(conn));
        Ok(Page {
            batch: Batch::VariantCosts(good),
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

    // ---- bulk operations ---------------------------------------------------

    /// The bulk query: the paged query's order without page sizes; every
    /// nested connection comes back as lines of its own.
    fn bulk_query(since: DateTime<Utc>, until: Option<DateTime<Utc>>) -> String {
        let mut filter = Self::filter(since);
        if let Some(u) = until {
            filter.push_str(&format!(" AND updated_at:<'{}'", iso(u)));
        }
        format!(
            "{{ orders(query: \"{filter}\", sortKey: UPDATED_AT) {{ edges {{ node {{
  {ORDER_FIELDS}
  lineItems {{ edges {{ node {{ {LINE_FIELDS} }} }} }}
  refunds {{ id createdAt
    refundLineItems {{ edges {{ node {{ {REFUND_LINE_FIELDS} }} }} }}
    refundShippingLines {{ edges {{ node {{ {REFUND_SHIPPING_FIELDS} }} }} }}
  }}
}} }} }} }}"
        )
    }

    /// The `updatedAt` of the least recently updated order from `since` on.
    async fn oldest_update(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, FetchError> {
        let query = "query Oldest($query: String!) {
  orders(first: 1, query: $query, sortKey: UPDATED_AT) { nodes { updatedAt } }
}";
        let data = self
            .shop
            .query(query, json!({"query": Self::filter(since)}), 3.0)
            .await?;
        match data.pointer("/orders/nodes/0/updatedAt") {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| Some(t.with_timezone(&Utc)))
                .ok_or_else(|| self.shop.odd(&format!("an order's updatedAt is {v}"))),
        }
    }

    /// Split a backfill from `since` into `bulk_windows` spans of updates,
    /// from the oldest stored order on: where the pass starts, and the span.
    async fn plan_windows(
        &self,
        since: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, Option<i64>), FetchError> {
        let Some(oldest) = self.oldest_update(since).await? else {
            return Ok((since, None)); // nothing to read: one export says so
        };
        // Whole seconds, as the search filter has them.
        let start = since.max(oldest - Span::seconds(1));
        let span = (self.cfg.now - start).num_seconds().max(1);
        let windows = i64::from(self.cfg.bulk_windows.max(1));
        let step = ((span + windows - 1) / windows).max(self.cfg.bulk_over_days * 86_400);
        Ok((start, Some(step)))
    }

    /// Where the export starting at `since` ends: a span later, or `None`
    /// for the last one, which reads up to now (so an order updated during
    /// the backfill is still read). Less than half a span left over joins
    /// the last export rather than making one of its own (as when a later
    /// run goes on with a backfill planned up to an earlier now).
    fn window_end(&self, since: DateTime<Utc>, step: Option<i64>) -> Option<DateTime<Utc>> {
        let step = step?;
        let end = since + Span::seconds(step);
        (end + Span::seconds(step / 2) < self.cfg.now).then_some(end)
    }

    /// Export and read the span from `since` on a thread of its own (with
    /// its own HTTP client and runtime), while the engine stores the current
    /// one. Shopify runs one bulk query at a time; this starts only after
    /// the current export is read.
    fn read_ahead(&self, since: DateTime<Utc>, step: Option<i64>) -> Result<(), FetchError> {
        let worker = ShopifySource {
            cfg: self.cfg.clone(),
            shop: Shop::new(self.shop.http.sibling()?, &self.cfg.base, &self.cfg.token),
            bulk: tokio::sync::Mutex::new(None),
            ahead: std::sync::Mutex::new(None),
        };
        let until = self.window_end(since, step);
        let (send, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("shopify-export".into())
            .spawn(move || {
                let read = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| FetchError::Setup(format!("no runtime for the export: {e}")))
                    .and_then(|rt| {
                        rt.block_on(async {
                            let id = worker.start_bulk(since, until).await?;
                            worker.read_bulk(&id, until).await
                        })
                    });
                // Nobody waits for it when the run has ended.
                let _ = send.send(read);
            })
            .map_err(|e| FetchError::Setup(format!("no thread for the export: {e}")))?;
        *self.ahead.lock().expect("not poisoned") = Some(Ahead { since, result });
        Ok(())
    }

    /// The export of the span from `since`: the one read ahead when it is
    /// that span's, else started and read now.
    async fn export(
        &self,
        since: DateTime<Utc>,
        step: Option<i64>,
    ) -> Result<BulkResult, FetchError> {
        let ahead = self.ahead.lock().expect("not poisoned").take();
        if let Some(ahead) = ahead.filter(|a| a.since == since) {
            return ahead
                .result
                .await
                .map_err(|_| self.shop.odd("the export thread ended without a result"))?;
        }
        let until = self.window_end(since, step);
        let id = self.start_bulk(since, until).await?;
        self.read_bulk(&id, until).await
    }

    async fn bulk_page(&self, mut pass: Pass) -> Result<Page, FetchError> {
        let mut held = self.bulk.lock().await;
        let Some(at) = pass.bulk.clone() else {
            // Start the export of the next span, wait for it, read it; its
            // orders follow page by page while the span after it is read.
            if pass.step.is_none() {
                (pass.since, pass.step) = self.plan_windows(pass.since).await?;
            }
            let result = self.export(pass.since, pass.step).await?;
            if let Some(next) = result.until {
                self.read_ahead(next, pass.step)?;
            }
            let bad = result.bad.clone();
            let next = Pass {
                bulk: Some(BulkAt {
                    id: result.id.clone(),
                    done: 0,
                    until: result.until,
                }),
                ..pass
            };
            *held = Some(result);
            return Ok(Page {
                batch: Batch::Orders(vec![]),
                bad,
                cursor: Some(next.encode()),
                more: true,
            });
        };
        if held.as_ref().map(|r| r.id.as_str()) != Some(at.id.as_str()) {
            // A run that stopped mid-export: read the same export again.
            *held = Some(self.read_bulk(&at.id, at.until).await?);
        }
        let result = held.as_mut().expect("set above");
        let end = (at.done + self.cfg.bulk_page).min(result.orders.len());
        let batch: Vec<Order> = result.orders[at.done..end].to_vec();
        if let Some(m) = result.max {
            pass.seen(m);
        }
        if end < result.orders.len() {
            pass.bulk = Some(BulkAt { done: end, ..at });
            return Ok(Page {
                batch: Batch::Orders(batch),
                bad: vec![],
                cursor: Some(pass.encode()),
                more: true,
            });
        }
        *held = None;
        let (cursor, more) = match at.until {
            // Everything updated before the span's end is stored: the next
            // span starts there.
            Some(until) => (
                Pass {
                    since: until,
                    bulk: None,
                    ..pass
                }
                .encode(),
                true,
            ),
            None => (pass.done().encode(), false),
        };
        Ok(Page {
            batch: Batch::Orders(batch),
            bad: vec![],
            cursor: Some(cursor),
            more,
        })
    }

    /// Start the export; when another bulk query of this app is running,
    /// wait for it to end first (Shopify runs one at a time).
    async fn start_bulk(
        &self,
        since: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<String, FetchError> {
        let mutation = "mutation Export($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}";
        let inner = Self::bulk_query(since, until);
        for _ in 0..5 {
            let data = self
                .shop
                .query(mutation, json!({"query": inner}), 10.0)
                .await?;
            let payload = data
                .get("bulkOperationRunQuery")
                .ok_or_else(|| self.shop.odd("no bulkOperationRunQuery payload"))?;
            if let Some(id) = payload.pointer("/bulkOperation/id").and_then(Value::as_str) {
                tracing::info!(operation = id, "Shopify bulk export started");
                return Ok(id.to_string());
            }
            let message = payload
                .get("userErrors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("message").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("; ");
            let running = message
                .contains("already in progress")
                .then(|| {
                    message
                        .split_whitespace()
                        .find(|w| w.starts_with("gid://shopify/BulkOperation/"))
                })
                .flatten();
            match running {
                Some(other) => {
                    let other = other.trim_end_matches(['.', ',']).to_string();
                    tracing::info!(operation = %other, "another bulk export is running; waiting for it");
                    // Its outcome is not ours; only its end matters.
                    let _ = self.wait_bulk(&other).await;
                }
                None => {
                    return Err(self.shop.odd(&format!(
                        "Shopify would not start the bulk export: {message}"
                    )))
                }
            }
        }
        Err(self
            .shop
            .odd("another bulk export kept running; try again later"))
    }

    /// Poll the operation until it ends; its result URL (none when it found
    /// nothing).
    async fn wait_bulk(&self, id: &str) -> Result<Option<String>, FetchError> {
        let query = "query Poll($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
}";
        let mut wait = self.cfg.bulk_poll;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(6 * 60 * 60);
        loop {
            let data = self.shop.query(query, json!({"id": id}), 1.0).await?;
            let op = data
                .get("node")
                .filter(|n| !n.is_null())
                .ok_or_else(|| self.shop.odd(&format!("bulk operation {id} is unknown")))?;
            match op.get("status").and_then(Value::as_str).unwrap_or("") {
                "COMPLETED" => return Ok(op.get("url").and_then(Value::as_str).map(String::from)),
                s @ ("FAILED" | "CANCELED" | "CANCELING" | "EXPIRED") => {
                    let code = op
                        .get("errorCode")
                        .and_then(Value::as_str)
                        .unwrap_or("none");
                    return Err(self.shop.odd(&format!(
                        "the bulk export ended as {s} (error code {code}); the next sync starts it again"
                    )));
                }
                _ if tokio::time::Instant::now() > deadline => {
                    return Err(self.shop.odd("the bulk export did not finish in 6 hours"))
                }
                _ => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    /// Wait for the export and read its JSONL: orders on lines of their own,
    /// nested connections' nodes on lines naming their parent (in any order).
    async fn read_bulk(
        &self,
        id: &str,
        until: Option<DateTime<Utc>>,
    ) -> Result<BulkResult, FetchError> {
        let mut result = BulkResult {
            id: id.to_string(),
            until,
            orders: vec![],
            bad: vec![],
            max: None,
        };
        let Some(url) = self.wait_bulk(id).await? else {
            return Ok(result);
        };
        let mut resp = self.shop.download(&url).await?;
        let mut drafts: Vec<Draft> = Vec::new();
        let mut by_order: HashMap<String, usize> = HashMap::new();
        let mut by_refund: HashMap<String, usize> = HashMap::new();
        let mut orphans: Vec<Value> = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut line_no = 0usize;
        loop {
            let chunk = resp.chunk().await.map_err(|e| FetchError::Transient {
                url: crate::telemetry::redact_url(&url),
                attempts: 1,
                last: format!("reading the bulk export failed: {e}"),
            })?;
            let eof = chunk.is_none();
            if let Some(c) = chunk {
                buf.extend_from_slice(&c);
            }
            let mut start = 0;
            while let Some(nl) = buf[start..].iter().position(|b| *b == b'\n') {
                line_no += 1;
                let line = &buf[start..start + nl];
                start += nl + 1;
                self.bulk_line(
                    line,
                    line_no,
                    &mut drafts,
                    &mut by_order,
                    &mut by_refund,
                    &mut orphans,
                    &mut result.bad,
                );
            }
            buf.drain(..start);
            if eof {
                if !buf.iter().all(u8::is_ascii_whitespace) {
                    line_no += 1;
                    let rest = std::mem::take(&mut buf);
                    self.bulk_line(
                        &rest,
                        line_no,
                        &mut drafts,
                        &mut by_order,
                        &mut by_refund,
                        &mut orphans,
                        &mut result.bad,
                    );
                }
                break;
            }
        }
        // Children that came before their parent.
        for child in orphans {
            if !attach(&child, &mut drafts, &by_order, &by_refund) {
                result.bad.push(BadRecord {
                    id: child
                        .get("__parentId")
                        .and_then(Value::as_str)
                        .map(String::from),
                    reason: "a nested record's parent is not in the export".into(),
                });
            }
        }
        for d in drafts {
            result.max = Some(result.max.map_or(d.updated_at, |m| m.max(d.updated_at)));
            let id = d.order.id.clone();
            match d.finish() {
                Ok(o) => result.orders.push(o),
                Err(reason) => result.bad.push(BadRecord {
                    id: Some(id),
                    reason,
                }),
            }
        }
        tracing::info!(
            orders = result.orders.len(),
            skipped = result.bad.len(),
            "Shopify bulk export read"
        );
        Ok(result)
    }

    #[allow(clippy::too_many_arguments)]
    fn bulk_line(
        &self,
        line: &[u8],
        line_no: usize,
        drafts: &mut Vec<Draft>,
        by_order: &mut HashMap<String, usize>,
        by_refund: &mut HashMap<String, usize>,
        orphans: &mut Vec<Value>,
        bad: &mut Vec<BadRecord>,
    ) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let v: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => {
                bad.push(BadRecord {
                    id: None,
                    reason: format!("line {line_no} of the export is not JSON: {e}"),
                });
                return;
            }
        };
        if v.get("__parentId").is_some() {
            if !attach(&v, drafts, by_order, by_refund) {
                orphans.push(v);
            }
            return;
        }
        match Draft::parse(&v) {
            Ok(d) => {
                let at = drafts.len();
                for r in &d.order.refunds {
                    by_refund.insert(r.id.clone(), at);
                }
                by_order.insert(d.order.id.clone(), at);
                drafts.push(d);
            }
            Err(reason) => bad.push(bad_order(&v, reason)),
        }
    }

    /// Test connection: the shop's name, zone and currency, and which of the
    /// needed scopes the token lacks.
    pub async fn account(&self) -> Result<crate::domain::AccountFacts, FetchError> {
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
        Ok(crate::domain::AccountFacts {
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
        })
    }
}

fn bad_order(v: &Value, reason: String) -> BadRecord {
    BadRecord {
        id: v.get("id").and_then(Value::as_str).map(String::from),
        reason,
    }
}

/// Put a bulk child line on its order or refund; false when its parent has
/// not been read (yet).
fn attach(
    child: &Value,
    drafts: &mut [Draft],
    by_order: &HashMap<String, usize>,
    by_refund: &HashMap<String, usize>,
) -> bool {
    let Some(parent) = child.get("__parentId").and_then(Value::as_str) else {
        return false;
    };
    if let Some(&i) = by_order.get(parent) {
        drafts[i].add_line(child);
        return true;
    }
    if let Some(&i) = by_refund.get(parent) {
        if child.get("lineItem").is_some() {
            drafts[i].add_refund_line(parent, child);
        } else {
            drafts[i].add_refund_shipping(parent, child);
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_pass_keeps_the_newest_update_and_a_new_run_steps_back_the_overlap() {
        let src = ShopifySource::new(ShopifyConfig::new("http://127.0.0.1:9", "t")).unwrap();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut p = Pass {
            since: t("2026-01-01T00:00:00Z"),
            step: None,
            after: Some("c".into()),
            max: None,
            bulk: None,
        };
        p.seen(t("2026-02-01T00:00:00Z"));
        p.seen(t("2026-01-15T00:00:00Z"));
        let done = p.done();
        assert_eq!(done.since, t("2026-02-01T00:00:00Z"));
        assert_eq!(done.after, None);
        // An unfinished pass resumes as it was.
        assert_eq!(src.start("orders", Some(p.encode())), Some(p.encode()));
        let restart: Pass =
            serde_json::from_str(&src.start("orders", Some(done.encode())).unwrap()).unwrap();
        assert_eq!(restart.since, t("2026-01-31T23:58:00Z"));
    }

    #[test]
    fn a_span_ends_a_step_later_unless_less_than_half_a_step_would_be_left() {
        let cfg = ShopifyConfig::new("http://127.0.0.1:9", "t");
        let now = cfg.now;
        let src = ShopifySource::new(cfg).unwrap();
        let day = 86_400;
        let start = now - Span::days(50);
        assert_eq!(
            src.window_end(start, Some(10 * day)),
            Some(start + Span::days(10))
        );
        // 16 days left: a span of 10 leaves 6, more than half a span.
        let late = now - Span::days(16);
        assert_eq!(
            src.window_end(late, Some(10 * day)),
            Some(late + Span::days(10))
        );
        // 14 days left: the last span takes them all, up to now.
        assert_eq!(src.window_end(now - Span::days(14), Some(10 * day)), None);
        // Not in spans at all: one export up to now.
        assert_eq!(src.window_end(start, None), None);
    }
}
