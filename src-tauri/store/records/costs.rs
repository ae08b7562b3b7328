//! The shop's variant costs: upserted a page at a time with the days of their
//! changed variants' lines marked once (migration 10), and read whole.

use super::{pause_marks, resume_marks, workspace_of, LoadedRecords, Range};
use crate::domain::records::Variant;
use crate::store::{parse_decimal, Result};
use rusqlite::{params, Connection, Transaction};
use std::collections::BTreeSet;

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
    fn pause(tx: &Transaction<'_>, c: i64, variants: &[Variant]) -> rusqlite::Result<Self> {
        let workspace = workspace_of(tx, c)?;
        let ids: Vec<&str> = variants.iter().map(|v| v.id.as_str()).collect();
        let list = serde_json::to_string(&ids).expect("a list of strings is JSON");
        let mut stmt = tx.prepare_cached(
            "SELECT v.variant_id, v.unit_cost FROM json_each(?2) j
             CROSS JOIN variant_costs v ON v.connection_id = ?1 AND v.variant_id = j.value",
        )?;
        let mut known: std::collections::HashMap<String, Option<String>> = stmt
            .query_map(params![c, list], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut changed = BTreeSet::new();
        for v in variants {
            let cost = v.unit_cost.map(|d| d.to_string());
            if known.get(&v.id) != Some(&cost) {
                changed.insert(v.id.clone());
            }
            known.insert(v.id.clone(), cost);
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

/// Store a page of the shop's variants: their costs and what names them.
pub(super) fn upsert(tx: &Transaction<'_>, c: i64, variants: &[Variant]) -> rusqlite::Result<u64> {
    let mut n = 0;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO variant_costs (connection_id, variant_id, unit_cost, sku, title, price, product_id, product)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (connection_id, variant_id) DO UPDATE SET unit_cost = excluded.unit_cost,
           sku = excluded.sku, title = excluded.title, price = excluded.price,
           product_id = excluded.product_id, product = excluded.product",
    )?;
    let marks = CostMarks::pause(tx, c, variants)?;
    for v in variants {
        stmt.execute(params![
            c,
            v.id,
            v.unit_cost.map(|d| d.to_string()),
            v.sku,
            v.title,
            v.price.map(|d| d.to_string()),
            v.product_id,
            v.product
        ])?;
        n += 1;
    }
    marks.resume(tx)?;
    Ok(n)
}

/// Each product's title now, on every variant of it already stored (a
/// variant not stored yet takes it when its inventory item arrives). A title
/// is not a figure, so no day is marked.
pub(super) fn rename_products(
    tx: &Transaction<'_>,
    c: i64,
    products: &[(String, String)],
) -> rusqlite::Result<u64> {
    let mut stmt = tx.prepare_cached(
        "UPDATE variant_costs SET product = ?3
         WHERE connection_id = ?1 AND product_id = ?2 AND product IS NOT ?3",
    )?;
    for (id, title) in products {
        stmt.execute(params![c, id, title])?;
    }
    Ok(products.len() as u64)
}

/// Every variant cost of the connections, and the costs entered in their
/// workspace (oldest first).
pub(super) fn load(db: &Connection, q: &Range<'_>, out: &mut LoadedRecords) -> Result<()> {
    use crate::domain::records::VariantCost;
    let mut stmt = db.prepare(
        "SELECT variant_id, unit_cost FROM variant_costs WHERE connection_id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut rows = stmt.query([q.ids])?;
    while let Some(r) = rows.next()? {
        let cost: Option<String> = r.get(1)?;
        out.costs.insert(
            r.get(0)?,
            VariantCost {
                entered: Vec::new(),
                shopify: cost.map(|c| parse_decimal("unit_cost", &c)).transpose()?,
            },
        );
    }
    let mut stmt = db.prepare(
        "SELECT variant_id, effective_from, unit_cost FROM entered_costs
         WHERE workspace_id IN (SELECT DISTINCT workspace_id FROM connections
                                WHERE id IN (SELECT value FROM json_each(?1)))
         ORDER BY variant_id, effective_from",
    )?;
    let mut rows = stmt.query([q.ids])?;
    while let Some(r) = rows.next()? {
        let variant: String = r.get(0)?;
        let from: String = r.get(1)?;
        let from = match from.as_str() {
            "" => None,
            day => Some(day.parse().map_err(|_| {
                crate::store::StoreError::Corrupt(format!("effective_from = '{day}' is not a day"))
            })?),
        };
        let cost = parse_decimal("unit_cost", &r.get::<_, String>(2)?)?;
        out.costs
            .entry(variant)
            .or_default()
            .entered
            .push((from, cost));
    }
    Ok(())
}
