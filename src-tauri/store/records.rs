//! Synced records: a page is upserted by the source's ids and the stream's
//! cursor moves in the same transaction, so a crash at any moment leaves either
//! the whole page and its cursor, or neither.

use super::{Result, Store};
use crate::domain::records::Order;
use crate::domain::records::{ActivityKind, AdPlatform, Batch, ShipmentStatus};
use crate::domain::ConnectionId;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::{BTreeSet, HashSet};

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// The stream's bookmark, as the last committed page left it.
    pub fn cursor(&self, connection: ConnectionId, stream: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM stream_cursors WHERE connection_id = ?1 AND stream = ?2",
                params![connection.0, stream],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Upsert a page's records and set the stream's cursor, in one transaction.
    /// Returns how many records were written.
    pub fn apply_page(
        &mut self,
        connection: ConnectionId,
        stream: &str,
        batch: &Batch,
        cursor: Option<&str>,
    ) -> Result<u64> {
        // IMMEDIATE, as every write of the store (see `Store::open_at`): the
        // page reads which orders are stored before it writes.
        let tx = self.conn.transaction()?;
        let written = upsert(&tx, connection.0, batch)?;
        if let Some(cursor) = cursor {
            tx.execute(
                "INSERT INTO stream_cursors (connection_id, stream, cursor) VALUES (?1, ?2, ?3)
                 ON CONFLICT (connection_id, stream) DO UPDATE
                 SET cursor = excluded.cursor, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                params![connection.0, stream, cursor],
            )?;
        }
        tx.commit()?;
        Ok(written)
    }

    /// How many records of each kind a connection holds, for tests and status.
    pub fn record_counts(&self, connection: ConnectionId) -> Result<RecordCounts> {
        let count = |table: &str| -> Result<u64> {
            Ok(self.conn.query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE connection_id = ?1"),
                [connection.0],
                |r| r.get::<_, i64>(0),
            )? as u64)
        };
        Ok(RecordCounts {
            orders: count("orders")?,
            order_lines: count("order_lines")?,
            refunds: count("refunds")?,
            variant_costs: count("variant_costs")?,
            ad_days: count("ad_days")?,
            shipments: count("shipments")?,
            activities: count("activities")?,
        })
    }
}

/// A shipment as the UI and CLI list it, with the Shopify order it is linked to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShipmentRow {
    pub id: String,
    pub created_at: String,
    pub status: String,
    pub freight: String,
    pub awb: Option<String>,
    pub courier: Option<String>,
    /// The channel's order reference as Shiprocket sent it.
    pub order_ref: Option<String>,
    /// The Shopify order (its name) of the same workspace that reference
    /// names, by order name ("#1001" or "1001") or numeric id.
    pub order: Option<String>,
}

impl Store {
    /// The workspace's newest shipments first, each linked to its Shopify order when one matches.
    pub fn shipments(
        &self,
        workspace: crate::domain::WorkspaceId,
        limit: u32,
    ) -> Result<Vec<ShipmentRow>> {
        let mut stmt = self.conn.prepare(
            // By name first; then by numeric id, which is the last part of a
            // Shopify order's GID, so the orders' primary key finds it.
            "SELECT s.source_id, s.created_at, s.status, s.freight, s.awb, s.courier, s.order_ref,
                    COALESCE(
                      (SELECT o.name FROM orders o JOIN connections oc ON oc.id = o.connection_id
                        WHERE oc.workspace_id = c.workspace_id
                          AND (o.name = s.order_ref OR o.name = '#' || s.order_ref)
                        LIMIT 1),
                      (SELECT o.name FROM orders o JOIN connections oc ON oc.id = o.connection_id
                        WHERE oc.workspace_id = c.workspace_id
                          AND o.source_id = 'gid://shopify/Order/' || s.order_ref
                        LIMIT 1))
             FROM shipments s JOIN connections c ON c.id = s.connection_id
             WHERE c.workspace_id = ?1
             ORDER BY s.created_at DESC, s.source_id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![workspace.0, limit], |r| {
                Ok(ShipmentRow {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    status: r.get(2)?,
                    freight: r.get(3)?,
                    awb: r.get(4)?,
                    courier: r.get(5)?,
                    order_ref: r.get(6)?,
                    order: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordCounts {
    pub orders: u64,
    pub order_lines: u64,
    pub refunds: u64,
    pub variant_costs: u64,
    pub ad_days: u64,
    pub shipments: u64,
    pub activities: u64,
}

/// Which of `ids` the connection already has as orders.
fn stored_orders<'a>(
    tx: &Transaction<'_>,
    c: i64,
    ids: impl Iterator<Item = &'a str>,
) -> rusqlite::Result<HashSet<&'a str>> {
    let ids: Vec<&str> = ids.collect();
    let list = serde_json::to_string(&ids).expect("a list of strings is JSON");
    // CROSS JOIN keeps the page's ids outside: one key lookup each. Left to
    // itself, SQLite walks all the connection's orders and scans the list.
    let mut stmt = tx.prepare_cached(
        "SELECT j.key FROM json_each(?2) j
         CROSS JOIN orders o ON o.connection_id = ?1 AND o.source_id = j.value",
    )?;
    let found = stmt
        .query_map(params![c, list], |r| r.get::<_, usize>(0))?
        .collect::<rusqlite::Result<Vec<usize>>>()?;
    Ok(found.into_iter().map(|i| ids[i]).collect())
}

/// The days a page of orders marks for the rollups, written once per page
/// instead of by the INSERT triggers of orders and refunds once per row
/// (migration 9); the UPDATE and DELETE triggers still mark stored orders.
///
/// Whose figures a page of new orders can change: the days of its orders and
/// refunds, and of each customer's first order before the page, which may now
/// be returning (metrics.md, Customers). The first order after the page is
/// either that one or one of the page's. A customer's other days were
/// returning and stay so.
struct PageMarks {
    workspace: i64,
    connection: i64,
}

impl PageMarks {
    fn pause(tx: &Transaction<'_>, c: i64, orders: &[Order]) -> rusqlite::Result<Self> {
        let workspace = workspace_of(tx, c)?;
        let mut first = tx.prepare_cached(
            "INSERT INTO rollup_dirty (workspace_id, kind, day)
             SELECT ?1, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
             FROM orders o WHERE o.connection_id = ?2 AND o.customer_id = ?3
             ORDER BY COALESCE(o.processed_at, o.created_at) LIMIT 1
             ON CONFLICT DO NOTHING",
        )?;
        let customers: BTreeSet<&str> = orders
            .iter()
            .filter_map(|o| o.customer_id.as_deref())
            .collect();
        for customer in customers {
            first.execute(params![workspace, c, customer])?;
        }
        pause_marks(tx, c)?;
        Ok(Self {
            workspace,
            connection: c,
        })
    }

    fn resume(self, tx: &Transaction<'_>, orders: &[Order]) -> rusqlite::Result<()> {
        resume_marks(tx, self.connection)?;
        let mut days = BTreeSet::new();
        for o in orders {
            days.insert(utc_day(o.processed_at.unwrap_or(o.created_at)));
            days.extend(o.refunds.iter().map(|r| utc_day(r.created_at)));
        }
        let mut mark = tx.prepare_cached(
            "INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (?1, 'utc_day', ?2)
             ON CONFLICT DO NOTHING",
        )?;
        for day in days {
            mark.execute(params![self.workspace, day])?;
        }
        Ok(())
    }
}

/// The days a page of variant costs marks, once per page instead of by the
/// triggers on variant_costs once per row (migration 10): every day with an
/// order or a refund of a line whose variant the page gives a new cost. A
/// variant is new to the store, or its cost differs from the one stored (or
/// from the page's own earlier row of it), exactly when a trigger would fire.
struct CostMarks {
    workspace: i64,
    connection: i64,
    changed: Vec<String>,
}

impl CostMarks {
    fn pause(
        tx: &Transaction<'_>,
        c: i64,
        costs: &[(String, Option<rust_decimal::Decimal>)],
    ) -> rusqlite::Result<Self> {
        let workspace = workspace_of(tx, c)?;
        let ids: Vec<&str> = costs.iter().map(|(v, _)| v.as_str()).collect();
        let list = serde_json::to_string(&ids).expect("a list of strings is JSON");
        let mut stmt = tx.prepare_cached(
            "SELECT v.variant_id, v.unit_cost FROM json_each(?2) j
             CROSS JOIN variant_costs v ON v.connection_id = ?1 AND v.variant_id = j.value",
        )?;
        let mut known: std::collections::HashMap<String, Option<String>> = stmt
            .query_map(params![c, list], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut changed = BTreeSet::new();
        for (variant, cost) in costs {
            let cost = cost.map(|d| d.to_string());
            if known.get(variant) != Some(&cost) {
                changed.insert(variant.clone());
            }
            known.insert(variant.clone(), cost);
        }
        pause_marks(tx, c)?;
        Ok(Self {
            workspace,
            connection: c,
            changed: changed.into_iter().collect(),
        })
    }

    fn resume(self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        resume_marks(tx, self.connection)?;
        if self.changed.is_empty() {
            return Ok(());
        }
        let list = serde_json::to_string(&self.changed).expect("a list of strings is JSON");
        // One pass over the connection's lines (there is no index by variant:
        // a backfill paid for it on every line it wrote).
        tx.prepare_cached(
            "INSERT INTO rollup_dirty (workspace_id, kind, day)
             SELECT ?1, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
             FROM order_lines l JOIN orders o ON o.connection_id = l.connection_id AND o.source_id = l.order_id
             WHERE l.connection_id = ?2 AND l.variant_id IN (SELECT value FROM json_each(?3))
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![self.workspace, self.connection, list])?;
        tx.prepare_cached(
            "INSERT INTO rollup_dirty (workspace_id, kind, day)
             SELECT ?1, 'utc_day', substr(r.created_at, 1, 10)
             FROM order_lines l JOIN refunds r ON r.connection_id = l.connection_id AND r.order_id = l.order_id
             WHERE l.connection_id = ?2 AND l.variant_id IN (SELECT value FROM json_each(?3))
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![self.workspace, self.connection, list])?;
        Ok(())
    }
}

fn workspace_of(tx: &Transaction<'_>, c: i64) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT workspace_id FROM connections WHERE id = ?1",
        [c],
        |r| r.get(0),
    )
}

/// Pause the marking triggers of orders, refunds and variant costs for this
/// connection (migrations 9 and 10) until [`resume_marks`], in the same
/// transaction, so no other handle ever sees the pause.
fn pause_marks(tx: &Transaction<'_>, c: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO rollup_marks_paused (connection_id) VALUES (?1)",
        [c],
    )
    .map(drop)
}

fn resume_marks(tx: &Transaction<'_>, c: i64) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM rollup_marks_paused WHERE connection_id = ?1",
        [c],
    )
    .map(drop)
}

fn utc_day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn upsert(tx: &Transaction<'_>, c: i64, batch: &Batch) -> rusqlite::Result<u64> {
    let mut n = 0;
    match batch {
        Batch::Orders(orders) => {
            let mut order_stmt = tx.prepare_cached(
                "INSERT INTO orders (connection_id, source_id, processed_at, created_at, test, voided,
                     customer_id, customer_order_count, discounts, shipping, taxes, name, legacy_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (connection_id, source_id) DO UPDATE SET
                     processed_at = excluded.processed_at, created_at = excluded.created_at,
                     test = excluded.test, voided = excluded.voided, customer_id = excluded.customer_id,
                     customer_order_count = excluded.customer_order_count, discounts = excluded.discounts,
                     shipping = excluded.shipping, taxes = excluded.taxes,
                     name = excluded.name, legacy_id = excluded.legacy_id",
            )?;
            // An edited order's lines and refunds replace the old ones whole.
            // Only orders already stored can have old ones (a backfill's pages
            // are all new): find those with one query for the page, not two
            // empty deletes per order.
            let mut stored = stored_orders(tx, c, orders.iter().map(|o| o.id.as_str()))?;
            let mut clear_lines = tx.prepare_cached(
                "DELETE FROM order_lines WHERE connection_id = ?1 AND order_id = ?2",
            )?;
            let mut clear_refunds = tx
                .prepare_cached("DELETE FROM refunds WHERE connection_id = ?1 AND order_id = ?2")?;
            let mut line_stmt = tx.prepare_cached(
                "INSERT INTO order_lines (connection_id, order_id, line_id, variant_id, quantity, unit_price)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut refund_stmt = tx.prepare_cached(
                "INSERT INTO refunds (connection_id, order_id, refund_id, created_at, shipping) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut refund_line_stmt = tx.prepare_cached(
                "INSERT INTO refund_lines (connection_id, order_id, refund_id, line_id, quantity, subtotal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let marks = PageMarks::pause(tx, c, orders)?;
            for o in orders {
                order_stmt.execute(params![
                    c,
                    o.id,
                    o.processed_at.map(ts),
                    ts(o.created_at),
                    o.test,
                    o.financial_status == crate::domain::records::FinancialStatus::Voided,
                    o.customer_id,
                    o.customer_order_count.map(|n| n as i64),
                    o.discounts.to_string(),
                    o.shipping.to_string(),
                    o.taxes.to_string(),
                    o.name,
                    o.legacy_id,
                ])?;
                // Also when the page itself carried this order before.
                if !stored.insert(o.id.as_str()) {
                    clear_lines.execute(params![c, o.id])?;
                    clear_refunds.execute(params![c, o.id])?;
                }
                for l in &o.lines {
                    line_stmt.execute(params![
                        c,
                        o.id,
                        l.id,
                        l.variant_id,
                        l.quantity,
                        l.unit_price.to_string()
                    ])?;
                }
                for r in &o.refunds {
                    refund_stmt.execute(params![
                        c,
                        o.id,
                        r.id,
                        ts(r.created_at),
                        r.shipping.to_string()
                    ])?;
                    for rl in &r.lines {
                        refund_line_stmt.execute(params![
                            c,
                            o.id,
                            r.id,
                            rl.line_id,
                            rl.quantity,
                            rl.subtotal.to_string()
                        ])?;
                    }
                }
                n += 1;
            }
            marks.resume(tx, orders)?;
        }
        Batch::VariantCosts(costs) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO variant_costs (connection_id, variant_id, unit_cost) VALUES (?1, ?2, ?3)
                 ON CONFLICT (connection_id, variant_id) DO UPDATE SET unit_cost = excluded.unit_cost",
            )?;
            let marks = CostMarks::pause(tx, c, costs)?;
            for (variant, cost) in costs {
                stmt.execute(params![c, variant, cost.map(|d| d.to_string())])?;
                n += 1;
            }
            marks.resume(tx)?;
        }
        Batch::AdDays(days) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO ad_days (connection_id, platform, campaign_id, date, spend, impressions, clicks,
                     reach, purchases, purchase_value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (connection_id, campaign_id, date) DO UPDATE SET
                     platform = excluded.platform, spend = excluded.spend, impressions = excluded.impressions,
                     clicks = excluded.clicks, reach = excluded.reach, purchases = excluded.purchases,
                     purchase_value = excluded.purchase_value",
            )?;
            for a in days {
                let platform = match a.platform {
                    AdPlatform::Meta => "meta",
                    AdPlatform::Google => "google",
                };
                stmt.execute(params![
                    c,
                    platform,
                    a.campaign_id,
                    a.date.to_string(),
                    a.spend.to_string(),
                    a.impressions,
                    a.clicks,
                    a.reach,
                    a.purchases.to_string(),
                    a.purchase_value.to_string(),
                ])?;
                n += 1;
            }
        }
        Batch::Shipments(list) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO shipments (connection_id, source_id, created_at, status, freight, awb, courier, order_ref)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (connection_id, source_id) DO UPDATE SET
                     created_at = excluded.created_at, status = excluded.status, freight = excluded.freight,
                     awb = excluded.awb, courier = excluded.courier, order_ref = excluded.order_ref",
            )?;
            for s in list {
                let status = match s.status {
                    ShipmentStatus::Delivered => "delivered",
                    ShipmentStatus::InTransit => "in_transit",
                    ShipmentStatus::Rto => "rto",
                    ShipmentStatus::Ndr => "ndr",
                    ShipmentStatus::Other => "other",
                };
                stmt.execute(params![
                    c,
                    s.id,
                    ts(s.created_at),
                    status,
                    s.freight.to_string(),
                    s.awb,
                    s.courier,
                    s.order_ref,
                ])?;
                n += 1;
            }
        }
        Batch::Activities(list) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO activities (connection_id, source_id, kind, at, talk_time_s) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (connection_id, source_id) DO UPDATE SET
                     kind = excluded.kind, at = excluded.at, talk_time_s = excluded.talk_time_s",
            )?;
            for a in list {
                let kind = match a.kind {
                    ActivityKind::Email => "email",
                    ActivityKind::CrmCall => "crm_call",
                    ActivityKind::Lead => "lead",
                    ActivityKind::Call { answered: true } => "call_answered",
                    ActivityKind::Call { answered: false } => "call_missed",
                };
                stmt.execute(params![c, a.id, kind, ts(a.at), a.talk_time_s])?;
                n += 1;
            }
        }
        Batch::CustomerCounts(list) => {
            // The count lives on the customer's stored orders, where the
            // metrics read it; only real changes are written (and mark days).
            let mut stmt = tx.prepare_cached(
                "UPDATE orders SET customer_order_count = ?3
                 WHERE connection_id = ?1 AND customer_id = ?2 AND customer_order_count IS NOT ?3",
            )?;
            for (customer, count) in list {
                stmt.execute(params![c, customer, *count as i64])?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Records loaded for computing metrics; see [`Store::metric_records`].
#[derive(Debug, Clone, Default)]
pub struct LoadedRecords {
    pub orders: Vec<crate::domain::records::Order>,
    pub ads: Vec<crate::domain::records::AdDay>,
    pub shipments: Vec<crate::domain::records::Shipment>,
    pub activities: Vec<crate::domain::records::Activity>,
    pub costs: std::collections::HashMap<String, crate::domain::records::VariantCost>,
    /// The whole stored history of every customer with an order loaded,
    /// keyed like `Order::customer_id`.
    pub customers: std::collections::HashMap<String, crate::domain::records::CustomerHistory>,
}

fn parse_ts(column: &str, raw: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| super::StoreError::Corrupt(format!("{column} = '{raw}' is not a timestamp")))
}

impl Store {
    /// The records of `connections` that can touch the local days `from..=to`:
    /// everything stamped between `from_utc` and `to_utc` (callers widen the
    /// window by the largest zone offset), orders with a refund in it, the
    /// whole history of those orders' customers, and the shop's variant costs.
    pub fn metric_records(
        &self,
        connections: &[ConnectionId],
        from_utc: &str,
        to_utc: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<LoadedRecords> {
        use super::parse_decimal;
        use crate::domain::records::*;
        let ids = serde_json::to_string(&connections.iter().map(|c| c.0).collect::<Vec<_>>())
            .expect("ids");
        // Inside a recompute's write transaction the reads join it; otherwise
        // one read transaction keeps them consistent.
        let tx = if self.conn.is_autocommit() {
            // Deferred: a read, which must not wait for (or take) the write
            // lock, as on a reader beside a recompute holding it.
            Some(rusqlite::Transaction::new_unchecked(
                &self.conn,
                rusqlite::TransactionBehavior::Deferred,
            )?)
        } else {
            None
        };
        let db: &rusqlite::Connection = &self.conn;
        db.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS picked (connection_id INTEGER, source_id TEXT, PRIMARY KEY (connection_id, source_id));
             DELETE FROM picked;",
        )?;
        db.execute(
            "WITH conns AS (SELECT value AS id FROM json_each(?1)),
             hit AS (
               SELECT o.connection_id, o.source_id, o.customer_id FROM orders o
               WHERE o.connection_id IN (SELECT id FROM conns)
                 AND COALESCE(o.processed_at, o.created_at) >= ?2 AND COALESCE(o.processed_at, o.created_at) < ?3
               UNION
               SELECT o.connection_id, o.source_id, o.customer_id FROM refunds r
               JOIN orders o ON o.connection_id = r.connection_id AND o.source_id = r.order_id
               WHERE r.connection_id IN (SELECT id FROM conns) AND r.created_at >= ?2 AND r.created_at < ?3)
             INSERT OR IGNORE INTO picked SELECT connection_id, source_id FROM hit",
            params![ids, from_utc, to_utc],
        )?;

        // The range's orders (in `picked`) drive every read below: CROSS JOIN
        // keeps SQLite from walking a whole records table and probing
        // `picked` for each row, which it would choose without statistics.
        let mut out = LoadedRecords::default();
        let mut index = std::collections::HashMap::new();
        {
            let mut stmt = db.prepare(
                "SELECT o.connection_id, o.source_id, o.processed_at, o.created_at, o.test, o.voided, o.customer_id,
                        o.customer_order_count, o.discounts, o.shipping, o.taxes
                 FROM picked p CROSS JOIN orders o ON o.connection_id = p.connection_id AND o.source_id = p.source_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let conn: i64 = r.get(0)?;
                let id: String = r.get(1)?;
                let processed: Option<String> = r.get(2)?;
                let created: String = r.get(3)?;
                let customer: Option<String> = r.get(6)?;
                index.insert((conn, id.clone()), out.orders.len());
                out.orders.push(Order {
                    id: id.clone(),
                    name: None,
                    legacy_id: None,
                    processed_at: processed
                        .as_deref()
                        .map(|t| parse_ts("processed_at", t))
                        .transpose()?,
                    created_at: parse_ts("created_at", &created)?,
                    test: r.get(4)?,
                    financial_status: if r.get::<_, bool>(5)? {
                        FinancialStatus::Voided
                    } else {
                        FinancialStatus::Other
                    },
                    // Customers are per shop: keep two shops' ids apart.
                    customer_id: customer.map(|c| format!("{conn}:{c}")),
                    customer_order_count: r.get::<_, Option<i64>>(7)?.map(|n| n as u64),
                    discounts: parse_decimal("discounts", &r.get::<_, String>(8)?)?,
                    shipping: parse_decimal("shipping", &r.get::<_, String>(9)?)?,
                    taxes: parse_decimal("taxes", &r.get::<_, String>(10)?)?,
                    lines: Vec::new(),
                    refunds: Vec::new(),
                });
            }
        }
        {
            let mut stmt = db.prepare(
                "SELECT l.connection_id, l.order_id, l.line_id, l.variant_id, l.quantity, l.unit_price
                 FROM picked p CROSS JOIN order_lines l ON l.connection_id = p.connection_id AND l.order_id = p.source_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let key = (r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
                if let Some(&i) = index.get(&key) {
                    out.orders[i].lines.push(OrderLine {
                        id: r.get(2)?,
                        variant_id: r.get(3)?,
                        quantity: r.get(4)?,
                        unit_price: parse_decimal("unit_price", &r.get::<_, String>(5)?)?,
                    });
                }
            }
        }
        {
            let mut stmt = db.prepare(
                "SELECT f.connection_id, f.order_id, f.refund_id, f.created_at, f.shipping
                 FROM picked p CROSS JOIN refunds f ON f.connection_id = p.connection_id AND f.order_id = p.source_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let key = (r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
                if let Some(&i) = index.get(&key) {
                    out.orders[i].refunds.push(Refund {
                        id: r.get(2)?,
                        created_at: parse_ts("refund created_at", &r.get::<_, String>(3)?)?,
                        lines: Vec::new(),
                        shipping: parse_decimal("refund shipping", &r.get::<_, String>(4)?)?,
                    });
                }
            }
            let mut stmt = db.prepare(
                "SELECT l.connection_id, l.order_id, l.refund_id, l.line_id, l.quantity, l.subtotal
                 FROM picked p CROSS JOIN refund_lines l ON l.connection_id = p.connection_id AND l.order_id = p.source_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let key = (r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
                let refund_id: String = r.get(2)?;
                if let Some(refund) = index
                    .get(&key)
                    .and_then(|&i| out.orders[i].refunds.iter_mut().find(|f| f.id == refund_id))
                {
                    refund.lines.push(RefundLine {
                        line_id: r.get(3)?,
                        quantity: r.get(4)?,
                        subtotal: parse_decimal("refund subtotal", &r.get::<_, String>(5)?)?,
                    });
                }
            }
        }
        {
            // New or returning needs each customer's whole history, not their
            // orders outside the range: a few index reads per customer. The
            // first order is the earliest booked, the least id among equals.
            // INDEXED BY: SQLite would otherwise read MIN(source_id) off the
            // primary key, walking every order of the shop.
            let mut stmt = db.prepare(
                "WITH c AS (SELECT DISTINCT o.connection_id, o.customer_id FROM picked p
                            CROSS JOIN orders o ON o.connection_id = p.connection_id AND o.source_id = p.source_id
                            WHERE o.customer_id IS NOT NULL)
                 SELECT c.connection_id, c.customer_id,
                   (SELECT COUNT(*) FROM orders o
                    WHERE o.connection_id = c.connection_id AND o.customer_id = c.customer_id),
                   (SELECT MAX(o.customer_order_count) FROM orders o
                    WHERE o.connection_id = c.connection_id AND o.customer_id = c.customer_id),
                   (SELECT MIN(o.source_id) FROM orders o INDEXED BY orders_by_customer
                    WHERE o.connection_id = c.connection_id AND o.customer_id = c.customer_id
                      AND COALESCE(o.processed_at, o.created_at) =
                          (SELECT MIN(COALESCE(f.processed_at, f.created_at)) FROM orders f
                           WHERE f.connection_id = c.connection_id AND f.customer_id = c.customer_id))
                 FROM c",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let conn: i64 = r.get(0)?;
                let customer: String = r.get(1)?;
                out.customers.insert(
                    format!("{conn}:{customer}"),
                    crate::domain::records::CustomerHistory {
                        stored: r.get::<_, i64>(2)? as u64,
                        reported: r.get::<_, Option<i64>>(3)?.map(|n| n as u64),
                        first_order: r.get(4)?,
                    },
                );
            }
        }
        {
            let mut stmt = db.prepare(
                "SELECT variant_id, unit_cost FROM variant_costs WHERE connection_id IN (SELECT value FROM json_each(?1))",
            )?;
            let mut rows = stmt.query([&ids])?;
            while let Some(r) = rows.next()? {
                let cost: Option<String> = r.get(1)?;
                out.costs.insert(
                    r.get(0)?,
                    VariantCost {
                        entered: None,
                        shopify: cost.map(|c| parse_decimal("unit_cost", &c)).transpose()?,
                    },
                );
            }
        }
        {
            let mut stmt = db.prepare(
                "SELECT platform, campaign_id, date, spend, impressions, clicks, reach, purchases, purchase_value
                 FROM ad_days WHERE connection_id IN (SELECT value FROM json_each(?1)) AND date >= ?2 AND date <= ?3",
            )?;
            let mut rows = stmt.query(params![ids, from.to_string(), to.to_string()])?;
            while let Some(r) = rows.next()? {
                let date: String = r.get(2)?;
                out.ads.push(AdDay {
                    platform: if r.get::<_, String>(0)? == "meta" {
                        AdPlatform::Meta
                    } else {
                        AdPlatform::Google
                    },
                    campaign_id: r.get(1)?,
                    date: date
                        .parse()
                        .map_err(|_| super::StoreError::Corrupt(format!("ad date '{date}'")))?,
                    spend: parse_decimal("spend", &r.get::<_, String>(3)?)?,
                    impressions: r.get(4)?,
                    clicks: r.get(5)?,
                    reach: r.get(6)?,
                    purchases: parse_decimal("purchases", &r.get::<_, String>(7)?)?,
                    purchase_value: parse_decimal("purchase_value", &r.get::<_, String>(8)?)?,
                });
            }
        }
        {
            let mut stmt = db.prepare(
                "SELECT source_id, created_at, status, freight FROM shipments
                 WHERE connection_id IN (SELECT value FROM json_each(?1)) AND created_at >= ?2 AND created_at < ?3",
            )?;
            let mut rows = stmt.query(params![ids, from_utc, to_utc])?;
            while let Some(r) = rows.next()? {
                let status = match r.get::<_, String>(2)?.as_str() {
                    "delivered" => ShipmentStatus::Delivered,
                    "in_transit" => ShipmentStatus::InTransit,
                    "rto" => ShipmentStatus::Rto,
                    "ndr" => ShipmentStatus::Ndr,
                    _ => ShipmentStatus::Other,
                };
                out.shipments.push(Shipment {
                    id: r.get(0)?,
                    awb: None,
                    courier: None,
                    order_ref: None,
                    created_at: parse_ts("shipment created_at", &r.get::<_, String>(1)?)?,
                    status,
                    freight: parse_decimal("freight", &r.get::<_, String>(3)?)?,
                });
            }
        }
        {
            let mut stmt = db.prepare(
                "SELECT source_id, kind, at, talk_time_s FROM activities
                 WHERE connection_id IN (SELECT value FROM json_each(?1)) AND at >= ?2 AND at < ?3",
            )?;
            let mut rows = stmt.query(params![ids, from_utc, to_utc])?;
            while let Some(r) = rows.next()? {
                let kind = match r.get::<_, String>(1)?.as_str() {
                    "email" => ActivityKind::Email,
                    "crm_call" => ActivityKind::CrmCall,
                    "lead" => ActivityKind::Lead,
                    "call_answered" => ActivityKind::Call { answered: true },
                    _ => ActivityKind::Call { answered: false },
                };
                out.activities.push(Activity {
                    id: r.get(0)?,
                    kind,
                    at: parse_ts("activity at", &r.get::<_, String>(2)?)?,
                    talk_time_s: r.get(3)?,
                });
            }
        }
        db.execute_batch("DELETE FROM picked;")?;
        if let Some(tx) = tx {
            tx.commit()?;
        }
        Ok(out)
    }
}
