//! Bulk operations for a long backlog of orders: the backlog is cut into
//! spans of updates, one export each. The spans' exports are all started at
//! once (Shopify runs up to five per app and shop since 2026-01). Two spans
//! are read at a time, on two reader threads that live as long as the run
//! (each with its own runtime and HTTP client, made once: a client's
//! connections belong to the runtime that made it, and making one loads the
//! system's certificates): the next one to store and the one after it, each downloaded and
//! parsed as soon as its export is done, whichever finishes first. They are
//! stored in the order of their spans, so the cursor only ever moves past a
//! span that is stored whole, and a failed, stopped or killed run resumes at
//! the first span not stored. About two spans' orders are in memory at a
//! time (and the page the engine is storing), whatever the exports' order.

use super::client::Shop;
use super::cursor::{iso, BulkAt, Pass};
use super::poll::PollPlan;
use super::{ShopifySource, LINE_FIELDS, ORDER_FIELDS, REFUND_LINE_FIELDS, REFUND_SHIPPING_FIELDS};
use crate::connectors::source::Page;
use crate::connectors::{BadRecord, FetchError};
use crate::domain::records::{Batch, Order};
use chrono::{DateTime, Duration as Span, Utc};
use serde_json::{json, Value};
use std::time::Duration;

/// A bulk export read into memory, handed out a page at a time.
pub(super) struct BulkResult {
    pub(super) id: String,
    pub(super) until: Option<DateTime<Utc>>,
    pub(super) orders: Vec<Order>,
    pub(super) bad: Vec<BadRecord>,
    pub(super) max: Option<DateTime<Utc>>,
    /// The objects (JSONL lines) Shopify counted in it.
    pub(super) objects: u64,
    /// How many of its orders have been handed on (and left `orders`).
    pub(super) taken: usize,
}

/// Bulk query operations an app may run at once per shop (API 2026-01 on).
const MAX_AT_ONCE: usize = 5;

/// What asking to start an export came to.
enum Started {
    Id(String),
    /// The slots are taken; this operation holds one.
    Busy(String),
}

/// Threads reading spans ahead, at most this many spans at a time.
const READERS: usize = 2;

/// A span for a reader thread to export (or find exported) and read.
struct Job {
    since: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    /// Its export, when started already.
    already: Option<String>,
    expected: Option<u64>,
    reply: tokio::sync::oneshot::Sender<Result<BulkResult, FetchError>>,
}

/// The reader threads' queue; they end when it is dropped with the source
/// (each after the span it is reading, which nobody waits for then).
pub(super) struct Readers(std::sync::mpsc::Sender<Job>);

/// A span's export, being read on a thread of its own.
pub(super) struct Ahead {
    since: DateTime<Utc>,
    result: tokio::sync::oneshot::Receiver<Result<BulkResult, FetchError>>,
}

impl ShopifySource {
    /// The bulk query: the paged query's order without page sizes; every
    /// nested connection comes back as lines of its own.
    pub(super) fn bulk_query(since: DateTime<Utc>, until: Option<DateTime<Utc>>) -> String {
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

    /// The `updatedAt` of the least recently updated order from `since` on,
    /// and how many orders there are from then on (`ordersCount` with no
    /// limit; Shopify caps it at 10,000 unless told otherwise).
    pub(super) async fn backlog(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Option<(DateTime<Utc>, u64)>, FetchError> {
        let query = "query Backlog($query: String!) {
  orders(first: 1, query: $query, sortKey: UPDATED_AT) { nodes { updatedAt } }
  ordersCount(query: $query, limit: null) { count }
}";
        let data = self
            .shop
            .query(query, json!({"query": Self::filter(since)}), 4.0)
            .await?;
        let oldest = match data.pointer("/orders/nodes/0/updatedAt") {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| self.shop.odd(&format!("an order's updatedAt is {v}")))?,
        };
        let count = data
            .pointer("/ordersCount/count")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Ok(Some((oldest, count)))
    }

    /// Split a backfill from `since` into spans of updates, from the oldest
    /// stored order on: at least `bulk_windows` of them, and enough that
    /// one holds about `bulk_span_orders` orders at most (a span's orders
    /// are held in memory until its file has been read to the end). Where
    /// the pass starts, and the span's length in seconds.
    pub(super) async fn plan_windows(
        &self,
        since: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, Option<i64>), FetchError> {
        let Some((oldest, count)) = self.backlog(since).await? else {
            return Ok((since, None)); // nothing to read: one export says so
        };
        // Whole seconds, as the search filter has them.
        let start = since.max(oldest - Span::seconds(1));
        let span = (self.cfg.now - start).num_seconds().max(1);
        let by_size = count.div_ceil(self.cfg.bulk_span_orders.max(1) as u64);
        let windows = i64::from(self.cfg.bulk_windows.max(1)).max(by_size as i64);
        let step = ((span + windows - 1) / windows).max(self.cfg.bulk_over_days * 86_400);
        tracing::info!(
            orders = count,
            spans = (span + step - 1) / step,
            "Shopify backfill planned"
        );
        Ok((start, Some(step)))
    }

    /// Where the export starting at `since` ends: a span later, or `None`
    /// for the last one, which reads up to now (so an order updated during
    /// the backfill is still read). Less than half a span left over joins
    /// the last export rather than making one of its own (as when a later
    /// run goes on with a backfill planned up to an earlier now).
    pub(super) fn window_end(
        &self,
        since: DateTime<Utc>,
        step: Option<i64>,
    ) -> Option<DateTime<Utc>> {
        let step = step?;
        let end = since + Span::seconds(step);
        (end + Span::seconds(step / 2) < self.cfg.now).then_some(end)
    }

    /// Read the span after the one from `since` on a thread of its own,
    /// unless it is the last or already being read, so its file is read as
    /// soon as its export is done, even before this span's.
    fn read_next(&self, since: DateTime<Utc>, step: Option<i64>) -> Result<(), FetchError> {
        let Some(next) = self.window_end(since, step) else {
            return Ok(());
        };
        if self
            .ahead
            .lock()
            .expect("not poisoned")
            .iter()
            .any(|a| a.since == next)
        {
            return Ok(());
        }
        // Spans of equal length: about as many objects as the last one read.
        let expected =
            Some(self.last_objects.load(std::sync::atomic::Ordering::Relaxed)).filter(|n| *n > 0);
        self.read_ahead(next, step, expected)
    }

    /// Export and read the span from `since` on a reader thread, while the
    /// engine stores or waits for the one before it.
    pub(super) fn read_ahead(
        &self,
        since: DateTime<Utc>,
        step: Option<i64>,
        expected: Option<u64>,
    ) -> Result<(), FetchError> {
        let (reply, result) = tokio::sync::oneshot::channel();
        let job = Job {
            since,
            until: self.window_end(since, step),
            already: self.take_started(since),
            expected,
            reply,
        };
        self.readers()?
            .send(job)
            .map_err(|_| FetchError::Setup("the export readers have stopped".into()))?;
        self.ahead
            .lock()
            .expect("not poisoned")
            .push(Ahead { since, result });
        Ok(())
    }

    /// The reader threads' queue, starting them at the first call.
    fn readers(&self) -> Result<std::sync::mpsc::Sender<Job>, FetchError> {
        let mut held = self.readers.lock().expect("not poisoned");
        if let Some(Readers(queue)) = &*held {
            return Ok(queue.clone());
        }
        let (queue, jobs) = std::sync::mpsc::channel::<Job>();
        let jobs = std::sync::Arc::new(std::sync::Mutex::new(jobs));
        for _ in 0..READERS {
            let worker = ShopifySource {
                cfg: self.cfg.clone(),
                shop: Shop::new(self.shop.http.sibling()?, &self.cfg.base, &self.cfg.token),
                bulk: tokio::sync::Mutex::new(None),
                ahead: Default::default(),
                started: Default::default(),
                launched: self.launched.clone(),
                last_objects: Default::default(),
                readers: Default::default(),
            };
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name("shopify-export".into())
                .spawn(move || worker.read_jobs(&jobs))
                .map_err(|e| FetchError::Setup(format!("no thread for the exports: {e}")))?;
        }
        *held = Some(Readers(queue.clone()));
        Ok(queue)
    }

    /// A reader thread: each span handed to it exported (unless started
    /// already) and read, until the queue is dropped.
    fn read_jobs(&self, jobs: &std::sync::Mutex<std::sync::mpsc::Receiver<Job>>) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| FetchError::Setup(format!("no runtime for the exports: {e}")));
        loop {
            let Ok(job) = jobs.lock().expect("not poisoned").recv() else {
                return;
            };
            let read = match &runtime {
                Ok(rt) => rt.block_on(async {
                    let id = match job.already {
                        Some(id) => id,
                        None => self.start_bulk(job.since, job.until).await?,
                    };
                    self.read_bulk(&id, job.until, job.expected).await
                }),
                Err(e) => Err(FetchError::Setup(e.to_string())),
            };
            // Nobody waits for it when the run has ended.
            let _ = job.reply.send(read);
        }
    }

    /// The export of the span from `since`: the one read ahead when it is
    /// that span's, else started and read now.
    pub(super) async fn export(
        &self,
        since: DateTime<Utc>,
        step: Option<i64>,
    ) -> Result<BulkResult, FetchError> {
        let ahead = {
            let mut list = self.ahead.lock().expect("not poisoned");
            let at = list.iter().position(|a| a.since == since);
            at.map(|i| list.remove(i))
        };
        if let Some(ahead) = ahead {
            return ahead
                .result
                .await
                .map_err(|_| self.shop.odd("the export thread ended without a result"))?;
        }
        let until = self.window_end(since, step);
        let id = match self.take_started(since) {
            Some(id) => id,
            None => self.start_bulk(since, until).await?,
        };
        self.read_bulk(&id, until, None).await
    }

    fn take_started(&self, since: DateTime<Utc>) -> Option<String> {
        self.started.lock().expect("not poisoned").remove(&since)
    }

    /// Start the exports of the spans after `since` now, while Shopify
    /// allows (five bulk queries at once per app and shop since 2026-01), so
    /// they are written while the ones before them are read and stored; each
    /// is still read and stored in its turn, so the cursor never passes a
    /// span that is not stored. One refused because the slots are taken
    /// (another app's export holds one) is started in its turn instead.
    async fn start_ahead(&self, since: DateTime<Utc>, step: Option<i64>) -> Result<(), FetchError> {
        let mut at = since;
        for _ in 1..MAX_AT_ONCE {
            let Some(next) = self.window_end(at, step) else {
                return Ok(());
            };
            at = next;
            if self.launched.lock().expect("not poisoned").contains(&next) {
                continue;
            }
            match self
                .try_start_bulk(next, self.window_end(next, step))
                .await?
            {
                Started::Id(id) => {
                    self.started.lock().expect("not poisoned").insert(next, id);
                }
                Started::Busy(_) => return Ok(()),
            }
        }
        Ok(())
    }

    pub(super) async fn bulk_page(&self, mut pass: Pass) -> Result<Page, FetchError> {
        let mut held = self.bulk.lock().await;
        let Some(at) = pass.bulk.clone() else {
            // Start the export of the next span, wait for it, read it; its
            // orders follow page by page while the span after it is read.
            if pass.step.is_none() {
                (pass.since, pass.step) = self.plan_windows(pass.since).await?;
            }
            let in_flight = !self.ahead.lock().expect("not poisoned").is_empty()
                || !self.started.lock().expect("not poisoned").is_empty();
            if !in_flight {
                // This span's export first (a run that goes on with a
                // backfill starts here).
                let until = self.window_end(pass.since, pass.step);
                let id = self.start_bulk(pass.since, until).await?;
                self.started
                    .lock()
                    .expect("not poisoned")
                    .insert(pass.since, id);
            }
            // The next spans' exports while Shopify allows (the four after
            // this one, five running with it): they are written while this
            // one is read.
            self.start_ahead(pass.since, pass.step).await?;
            // The span after this one is read meanwhile, as soon as its
            // export is done; it is stored after this one.
            self.read_next(pass.since, pass.step)?;
            let result = self.export(pass.since, pass.step).await?;
            self.last_objects
                .store(result.objects, std::sync::atomic::Ordering::Relaxed);
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
            *held = Some(self.read_bulk(&at.id, at.until, None).await?);
        }
        let result = held.as_mut().expect("set above");
        // Orders handed on leave the span's list: none is held twice.
        if result.taken < at.done {
            result
                .orders
                .drain(..(at.done - result.taken).min(result.orders.len()));
            result.taken = at.done;
        }
        let n = self.cfg.bulk_page.min(result.orders.len());
        let batch: Vec<Order> = if n == result.orders.len() {
            std::mem::take(&mut result.orders)
        } else {
            result.orders.drain(..n).collect()
        };
        result.taken += n;
        let end = result.taken;
        if let Some(m) = result.max {
            pass.seen(m);
        }
        if !result.orders.is_empty() {
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

    /// Start the export; when Shopify's slots are taken (another bulk query
    /// of this app, or another app's), wait for the one it names to end
    /// first, then ask again.
    pub(super) async fn start_bulk(
        &self,
        since: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<String, FetchError> {
        for _ in 0..5 {
            match self.try_start_bulk(since, until).await? {
                Started::Id(id) => return Ok(id),
                Started::Busy(other) => {
                    tracing::info!(operation = %other, "Shopify's bulk slots are taken; waiting for one");
                    // Its outcome is not ours; only its end matters.
                    let _ = self.wait_bulk(&other, None).await;
                }
            }
        }
        Err(self
            .shop
            .odd("other bulk exports kept running; try again later"))
    }

    /// Ask Shopify to start the export of a span, once.
    async fn try_start_bulk(
        &self,
        since: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Started, FetchError> {
        let mutation = "mutation Export($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}";
        let inner = Self::bulk_query(since, until);
        let data = self
            .shop
            .query(mutation, json!({"query": inner}), 10.0)
            .await?;
        let payload = data
            .get("bulkOperationRunQuery")
            .ok_or_else(|| self.shop.odd("no bulkOperationRunQuery payload"))?;
        if let Some(id) = payload.pointer("/bulkOperation/id").and_then(Value::as_str) {
            tracing::info!(operation = id, "Shopify bulk export started");
            self.launched.lock().expect("not poisoned").insert(since);
            return Ok(Started::Id(id.to_string()));
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
            Some(other) => Ok(Started::Busy(
                other.trim_end_matches(['.', ',']).to_string(),
            )),
            None => Err(self.shop.odd(&format!(
                "Shopify would not start the bulk export: {message}"
            ))),
        }
    }

    /// Poll the operation until it ends (see `poll.rs` for when); its result
    /// URL (none when it found nothing) and how many objects it holds.
    /// `expected`: how many it likely will (the span before it).
    pub(super) async fn wait_bulk(
        &self,
        id: &str,
        expected: Option<u64>,
    ) -> Result<(Option<String>, u64), FetchError> {
        let query = "query Poll($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
}";
        let mut plan = PollPlan::new(self.cfg.bulk_poll, expected);
        let started = tokio::time::Instant::now();
        let deadline = started + Duration::from_secs(6 * 60 * 60);
        loop {
            let data = self.shop.query(query, json!({"id": id}), 1.0).await?;
            let op = data
                .get("node")
                .filter(|n| !n.is_null())
                .ok_or_else(|| self.shop.odd(&format!("bulk operation {id} is unknown")))?;
            // An unsigned 64-bit count, which GraphQL sends as a string.
            let objects = match op.get("objectCount") {
                Some(Value::String(s)) => s.parse().unwrap_or(0),
                Some(v) => v.as_u64().unwrap_or(0),
                None => 0,
            };
            match op.get("status").and_then(Value::as_str).unwrap_or("") {
                "COMPLETED" => {
                    let url = op.get("url").and_then(Value::as_str).map(String::from);
                    return Ok((url, objects));
                }
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
                _ => tokio::time::sleep(plan.after(started.elapsed(), objects)).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ShopifyConfig;
    use super::*;

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
