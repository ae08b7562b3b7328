//! Orders, their lines and refunds, and customers' order counts: upserted a
//! page at a time with the page's rollup marks (migration 9), and read for a
//! range from its picked orders outward with each customer's history.

use super::{parse_ts, pause_marks, resume_marks, ts, utc_day, workspace_of, LoadedRecords};
use crate::domain::records::Order;
use crate::store::{parse_decimal, Result};
use rusqlite::{params, Connection, Transaction};
use std::collections::{BTreeSet, HashSet};

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

/// Store a page of orders with their lines and refunds.
pub(super) fn upsert(tx: &Transaction<'_>, c: i64, orders: &[Order]) -> rusqlite::Result<u64> {
    let mut n = 0;
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
    let mut clear_lines =
        tx.prepare_cached("DELETE FROM order_lines WHERE connection_id = ?1 AND order_id = ?2")?;
    let mut clear_refunds =
        tx.prepare_cached("DELETE FROM refunds WHERE connection_id = ?1 AND order_id = ?2")?;
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
    Ok(n)
}

/// Store each customer's lifetime order count on their stored orders.
pub(super) fn upsert_customer_counts(
    tx: &Transaction<'_>,
    c: i64,
    list: &[(String, u64)],
) -> rusqlite::Result<u64> {
    let mut n = 0;
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
    Ok(n)
}

/// The range's picked orders, their lines and refunds, and the history of
/// their customers.
pub(super) fn load(db: &Connection, out: &mut LoadedRecords) -> Result<()> {
    use crate::domain::records::*;
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
    Ok(())
}
