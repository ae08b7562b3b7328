//! Orders, their lines and refunds, and customers' order counts: upserted a
//! page at a time with the page's rollup marks (migration 9), and read for a
//! range from its picked orders outward with each customer's history.

use super::{parse_ts, ts, utc_day, workspace_of, LoadedRecords, Range};
use crate::domain::records::{
    CustomerHistory, FinancialStatus, Order, OrderLine, Refund, RefundLine,
};
use crate::store::{parse_decimal, Result};
use rusqlite::{params, Connection, Transaction};
use std::collections::{BTreeSet, HashMap, HashSet};

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
/// (orders and refunds have no INSERT triggers since migration 20); the
/// UPDATE and DELETE triggers still mark the days a stored order leaves.
///
/// Whose figures a page of new orders can change: the days of its orders and
/// refunds, and of each customer's first order before the page, which may now
/// be returning (metrics.md, Customers). The first order after the page is
/// either that one or one of the page's. A customer's other days were
/// returning and stay so.
struct PageMarks {
    workspace: i64,
}

impl PageMarks {
    /// Before the page is written: each customer's first stored order.
    fn before(tx: &Transaction<'_>, c: i64, orders: &[Order]) -> rusqlite::Result<Self> {
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
        Ok(Self { workspace })
    }

    /// After: the days of the page's orders and refunds.
    fn after(self, tx: &Transaction<'_>, orders: &[Order]) -> rusqlite::Result<()> {
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
    // A new order is a plain INSERT: with no trigger and no ON CONFLICT,
    // SQLite writes it without a statement journal. A stored one (or one the
    // page carries twice) is updated in place, which its UPDATE trigger marks.
    const INSERT: &str = "INSERT INTO orders (connection_id, source_id, processed_at, created_at,
             test, voided, customer_id, customer_order_count, discounts, shipping, taxes, name,
             legacy_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    let mut insert_stmt = tx.prepare_cached(INSERT)?;
    let mut upsert_stmt = tx.prepare_cached(&format!(
        "{INSERT}
             ON CONFLICT (connection_id, source_id) DO UPDATE SET
                 processed_at = excluded.processed_at, created_at = excluded.created_at,
                 test = excluded.test, voided = excluded.voided, customer_id = excluded.customer_id,
                 customer_order_count = excluded.customer_order_count, discounts = excluded.discounts,
                 shipping = excluded.shipping, taxes = excluded.taxes,
                 name = excluded.name, legacy_id = excluded.legacy_id"
    ))?;
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
    let marks = PageMarks::before(tx, c, orders)?;
    for o in orders {
        // Also when the page itself carried this order before.
        let is_new = stored.insert(o.id.as_str());
        let order_stmt = if is_new {
            &mut insert_stmt
        } else {
            &mut upsert_stmt
        };
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
        if !is_new {
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
    marks.after(tx, orders)?;
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

/// The orders booked in the window `q` with their lines, the refunds created
/// in it (with the orders they belong to, wherever those are booked), and
/// with `customers` the whole history of every customer with an order booked
/// in it. An order carries only its refunds created in the window: a day's
/// figures book a refund on the refund's day. Orders and lines are read in
/// one pass over the booked-time index, an order's lines together.
pub(super) fn load(
    db: &Connection,
    q: &Range<'_>,
    out: &mut LoadedRecords,
    customers: bool,
) -> Result<()> {
    let mut loaded: Vec<(i64, Order)> = Vec::new();
    let mut stmt = db.prepare(&format!(
        "SELECT {COLUMNS} FROM json_each(?1) c
         CROSS JOIN orders o INDEXED BY orders_by_booked ON o.connection_id = c.value
           AND COALESCE(o.processed_at, o.created_at) >= ?2 AND COALESCE(o.processed_at, o.created_at) < ?3
         LEFT JOIN order_lines l ON l.connection_id = o.connection_id AND l.order_id = o.source_id"
    ))?;
    read_orders(&mut stmt, params![q.ids, q.from_utc, q.to_utc], &mut loaded)?;

    let mut refunds = refunds_in(db, q)?;
    if !refunds.is_empty() {
        for (conn, o) in &mut loaded {
            if let Some(list) = refunds.get_mut(conn).and_then(|m| m.remove(o.id.as_str())) {
                o.refunds = list;
            }
        }
        // Refunds of orders booked outside the window: those orders too.
        let keys: Vec<(i64, &str)> = refunds
            .iter()
            .flat_map(|(c, m)| m.keys().map(move |id| (*c, id.as_str())))
            .collect();
        if !keys.is_empty() {
            let list = serde_json::to_string(&keys).expect("pairs are JSON");
            let mut stmt = db.prepare(&format!(
                "SELECT {COLUMNS} FROM json_each(?1) j
                 CROSS JOIN orders o ON o.connection_id = j.value ->> 0 AND o.source_id = j.value ->> 1
                 LEFT JOIN order_lines l ON l.connection_id = o.connection_id AND l.order_id = o.source_id"
            ))?;
            let mut extra = Vec::new();
            read_orders(&mut stmt, params![list], &mut extra)?;
            for (conn, o) in &mut extra {
                if let Some(list) = refunds.get_mut(conn).and_then(|m| m.remove(o.id.as_str())) {
                    o.refunds = list;
                }
            }
            loaded.extend(extra);
        }
    }
    out.orders.extend(loaded.into_iter().map(|(_, o)| o));
    if customers {
        load_customers(db, q, out)?;
    }
    Ok(())
}

/// The orders of [`load`] (without customers' histories), handed to `f` one
/// at a time as they are read instead of kept: what product figures need,
/// in a fraction of the memory.
pub(super) fn each(db: &Connection, q: &Range<'_>, f: &mut dyn FnMut(&Order)) -> Result<()> {
    let mut refunds = refunds_in(db, q)?;
    let mut emit =
        |conn: i64, mut o: Order, refunds: &mut HashMap<i64, HashMap<String, Vec<Refund>>>| {
            if let Some(list) = refunds.get_mut(&conn).and_then(|m| m.remove(o.id.as_str())) {
                o.refunds = list;
            }
            f(&o);
        };
    let mut stmt = db.prepare(&format!(
        "SELECT {COLUMNS} FROM json_each(?1) c
         CROSS JOIN orders o INDEXED BY orders_by_booked ON o.connection_id = c.value
           AND COALESCE(o.processed_at, o.created_at) >= ?2 AND COALESCE(o.processed_at, o.created_at) < ?3
         LEFT JOIN order_lines l ON l.connection_id = o.connection_id AND l.order_id = o.source_id"
    ))?;
    let mut one: Vec<(i64, Order)> = Vec::with_capacity(2);
    let mut rows = stmt.query(params![q.ids, q.from_utc, q.to_utc])?;
    while let Some(r) = rows.next()? {
        read_row(r, &mut one)?;
        if one.len() == 2 {
            let (conn, o) = one.remove(0);
            emit(conn, o, &mut refunds);
        }
    }
    drop(rows);
    if let Some((conn, o)) = one.pop() {
        emit(conn, o, &mut refunds);
    }
    let keys: Vec<(i64, &str)> = refunds
        .iter()
        .flat_map(|(c, m)| m.keys().map(move |id| (*c, id.as_str())))
        .collect();
    if !keys.is_empty() {
        let list = serde_json::to_string(&keys).expect("pairs are JSON");
        let mut stmt = db.prepare(&format!(
            "SELECT {COLUMNS} FROM json_each(?1) j
             CROSS JOIN orders o ON o.connection_id = j.value ->> 0 AND o.source_id = j.value ->> 1
             LEFT JOIN order_lines l ON l.connection_id = o.connection_id AND l.order_id = o.source_id"
        ))?;
        let mut extra = Vec::new();
        read_orders(&mut stmt, params![list], &mut extra)?;
        for (conn, o) in extra {
            emit(conn, o, &mut refunds);
        }
    }
    Ok(())
}

/// The columns [`read_orders`] reads: an order's, then one of its lines'.
const COLUMNS: &str =
    "o.connection_id, o.source_id, o.processed_at, o.created_at, o.test, o.voided,
    o.customer_id, o.customer_order_count, o.discounts, o.shipping, o.taxes,
    l.line_id, l.variant_id, l.quantity, l.unit_price";

/// Orders from rows of [`COLUMNS`], each order's rows together.
fn read_orders(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    out: &mut Vec<(i64, Order)>,
) -> Result<()> {
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        read_row(r, out)?;
    }
    Ok(())
}

/// One row of [`COLUMNS`]: a new order, or another line of the last one.
fn read_row(r: &rusqlite::Row<'_>, out: &mut Vec<(i64, Order)>) -> Result<()> {
    // Text read in place (no copy) where it is parsed rather than kept.
    let text =
        |i: usize| -> Result<&str> { Ok(r.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?) };
    let opt_text = |i: usize| -> Result<Option<&str>> {
        Ok(r.get_ref(i)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?)
    };
    let conn: i64 = r.get(0)?;
    let id = text(1)?;
    if out.last().is_none_or(|(c, o)| *c != conn || o.id != id) {
        out.push((
            conn,
            Order {
                id: id.to_string(),
                name: None,
                legacy_id: None,
                processed_at: opt_text(2)?
                    .map(|t| parse_ts("processed_at", t))
                    .transpose()?,
                created_at: parse_ts("created_at", text(3)?)?,
                test: r.get(4)?,
                financial_status: if r.get::<_, bool>(5)? {
                    FinancialStatus::Voided
                } else {
                    FinancialStatus::Other
                },
                // Customers are per shop: keep two shops' ids apart.
                customer_id: opt_text(6)?.map(|c| format!("{conn}:{c}")),
                customer_order_count: r.get::<_, Option<i64>>(7)?.map(|n| n as u64),
                discounts: parse_decimal("discounts", text(8)?)?,
                shipping: parse_decimal("shipping", text(9)?)?,
                taxes: parse_decimal("taxes", text(10)?)?,
                lines: Vec::new(),
                refunds: Vec::new(),
            },
        ));
    }
    if let Some(line_id) = opt_text(11)? {
        out.last_mut()
            .expect("an order was pushed")
            .1
            .lines
            .push(OrderLine {
                id: line_id.to_string(),
                variant_id: opt_text(12)?.map(String::from),
                quantity: r.get(13)?,
                unit_price: parse_decimal("unit_price", text(14)?)?,
            });
    }
    Ok(())
}

/// The refunds created in the window, with their lines, by connection and order.
fn refunds_in(
    db: &Connection,
    q: &Range<'_>,
) -> Result<HashMap<i64, HashMap<String, Vec<Refund>>>> {
    let mut out: HashMap<i64, HashMap<String, Vec<Refund>>> = HashMap::new();
    let mut stmt = db.prepare(
        "SELECT f.connection_id, f.order_id, f.refund_id, f.created_at, f.shipping, l.line_id, l.quantity, l.subtotal
         FROM json_each(?1) c
         CROSS JOIN refunds f INDEXED BY refunds_by_time ON f.connection_id = c.value
           AND f.created_at >= ?2 AND f.created_at < ?3
         LEFT JOIN refund_lines l ON l.connection_id = f.connection_id AND l.order_id = f.order_id
           AND l.refund_id = f.refund_id",
    )?;
    let mut rows = stmt.query(params![q.ids, q.from_utc, q.to_utc])?;
    while let Some(r) = rows.next()? {
        let list = out
            .entry(r.get(0)?)
            .or_default()
            .entry(r.get(1)?)
            .or_default();
        let id: String = r.get(2)?;
        if list.last().is_none_or(|f| f.id != id) {
            list.push(Refund {
                id,
                created_at: parse_ts("refund created_at", &r.get::<_, String>(3)?)?,
                lines: Vec::new(),
                shipping: parse_decimal("refund shipping", &r.get::<_, String>(4)?)?,
            });
        }
        if let Some(line_id) = r.get::<_, Option<String>>(5)? {
            list.last_mut()
                .expect("a refund was pushed")
                .lines
                .push(RefundLine {
                    line_id,
                    quantity: r.get(6)?,
                    subtotal: parse_decimal("refund subtotal", &r.get::<_, String>(7)?)?,
                });
        }
    }
    Ok(out)
}

/// The whole stored history of each customer with an order booked in the
/// window: new or returning needs it, not their orders outside the window.
/// One walk of the customer's orders (by `orders_by_customer`) gives all
/// three: how many are stored, the largest count the shop reported, and the
/// first order — the least of booked time and id together, which is the
/// earliest booked and the least id among equals, since every stored time
/// has the same width (`ts`).
fn load_customers(db: &Connection, q: &Range<'_>, out: &mut LoadedRecords) -> Result<()> {
    let mut stmt = db.prepare(
        "WITH c AS (SELECT DISTINCT o.connection_id, o.customer_id FROM json_each(?1) j
                    CROSS JOIN orders o INDEXED BY orders_by_booked ON o.connection_id = j.value
                      AND COALESCE(o.processed_at, o.created_at) >= ?2 AND COALESCE(o.processed_at, o.created_at) < ?3
                    WHERE o.customer_id IS NOT NULL)
         SELECT c.connection_id, c.customer_id,
           (SELECT json_array(COUNT(*), MAX(o.customer_order_count),
                              MIN(COALESCE(o.processed_at, o.created_at) || ' ' || o.source_id))
            FROM orders o INDEXED BY orders_by_customer
            WHERE o.connection_id = c.connection_id AND o.customer_id = c.customer_id)
         FROM c",
    )?;
    let mut rows = stmt.query(params![q.ids, q.from_utc, q.to_utc])?;
    while let Some(r) = rows.next()? {
        let conn: i64 = r.get(0)?;
        let customer: String = r.get(1)?;
        let facts: String = r.get(2)?;
        let bad =
            || crate::store::StoreError::Corrupt(format!("customer {customer}'s history: {facts}"));
        let (stored, reported, first): (u64, Option<u64>, String) =
            serde_json::from_str(&facts).map_err(|_| bad())?;
        let first_order = first
            .split_once(' ')
            .map(|(_, id)| id.to_string())
            .ok_or_else(bad)?;
        out.customers.insert(
            format!("{conn}:{customer}"),
            CustomerHistory {
                stored,
                reported,
                first_order,
            },
        );
    }
    Ok(())
}
