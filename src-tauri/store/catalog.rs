//! The workspace's variants as the shop lists them (with the variants sold
//! that the shop no longer lists), and the unit costs a person entered, each
//! from a day on. Entering costs marks the days whose figures they change, in
//! the same transaction.

use super::{parse_decimal, Result, Store, StoreError};
use crate::domain::WorkspaceId;
use chrono::NaiveDate;
use rusqlite::params;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One variant of the workspace's shop(s).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogVariant {
    pub variant_id: String,
    pub product_id: Option<String>,
    pub product: Option<String>,
    pub title: Option<String>,
    pub sku: Option<String>,
    pub price: Option<Decimal>,
    /// The shop's unit cost.
    pub shopify_cost: Option<Decimal>,
    /// Whether the shop lists it (a variant only seen on order lines does not).
    pub listed: bool,
}

/// One entered cost to write: `cost` `None` removes the entry of that day.
#[derive(Debug, Clone, PartialEq)]
pub struct CostEntry {
    pub variant_id: String,
    pub from: Option<NaiveDate>,
    pub cost: Option<Decimal>,
}

/// Past this many variants changed at once, every day is recomputed rather
/// than the days of each one found.
const MARK_EACH_UP_TO: usize = 100;

/// Entered costs by variant, oldest first (`None`: from the beginning).
pub type EnteredCosts = HashMap<String, Vec<(Option<NaiveDate>, Decimal)>>;

fn day_column(raw: &str) -> Result<Option<NaiveDate>> {
    match raw {
        "" => Ok(None),
        d => d
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Corrupt(format!("effective_from = '{d}' is not a day"))),
    }
}

impl Store {
    /// Every variant the workspace's connections list, by product and title,
    /// then with `sold` every variant its orders sold that none lists (a
    /// pass over every order line).
    pub fn catalog(&self, workspace: WorkspaceId, sold: bool) -> Result<Vec<CatalogVariant>> {
        let mut stmt = self.conn.prepare(
            "SELECT v.variant_id, v.product_id, v.product, v.title, v.sku, v.price, v.unit_cost
             FROM variant_costs v JOIN connections c ON c.id = v.connection_id
             WHERE c.workspace_id = ?1
             ORDER BY v.product, v.title, v.variant_id",
        )?;
        let mut rows = stmt.query([workspace.0])?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            if !seen.insert(id.clone()) {
                continue;
            }
            let decimal = |i: usize, what: &str| -> Result<Option<Decimal>> {
                r.get::<_, Option<String>>(i)?
                    .map(|s| parse_decimal(what, &s))
                    .transpose()
            };
            out.push(CatalogVariant {
                variant_id: id,
                product_id: r.get(1)?,
                product: r.get(2)?,
                title: r.get(3)?,
                sku: r.get(4)?,
                price: decimal(5, "price")?,
                shopify_cost: decimal(6, "unit_cost")?,
                listed: true,
            });
        }
        if !sold {
            return Ok(out);
        }
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT l.variant_id FROM connections c
             CROSS JOIN order_lines l ON l.connection_id = c.id
             WHERE c.workspace_id = ?1 AND l.variant_id IS NOT NULL",
        )?;
        let mut sold: Vec<String> = stmt
            .query_map([workspace.0], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?
            .into_iter()
            .filter(|v| !seen.contains(v))
            .collect();
        sold.sort();
        out.extend(sold.into_iter().map(|variant_id| CatalogVariant {
            variant_id,
            product_id: None,
            product: None,
            title: None,
            sku: None,
            price: None,
            shopify_cost: None,
            listed: false,
        }));
        Ok(out)
    }

    /// Whether the workspace's shops list `variant`, or its orders sold it.
    pub fn has_variant(&self, workspace: WorkspaceId, variant: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM connections c JOIN variant_costs v ON v.connection_id = c.id
                            WHERE c.workspace_id = ?1 AND v.variant_id = ?2)
                 OR EXISTS (SELECT 1 FROM connections c CROSS JOIN order_lines l ON l.connection_id = c.id
                            WHERE c.workspace_id = ?1 AND l.variant_id = ?2)",
            params![workspace.0, variant],
            |r| r.get(0),
        )?)
    }

    /// The costs entered in a workspace, by variant, oldest first.
    pub fn entered_costs(&self, workspace: WorkspaceId) -> Result<EnteredCosts> {
        let mut stmt = self.conn.prepare(
            "SELECT variant_id, effective_from, unit_cost FROM entered_costs
             WHERE workspace_id = ?1 ORDER BY variant_id, effective_from",
        )?;
        let mut rows = stmt.query([workspace.0])?;
        let mut out = EnteredCosts::new();
        while let Some(r) = rows.next()? {
            let from = day_column(&r.get::<_, String>(1)?)?;
            let cost = parse_decimal("unit_cost", &r.get::<_, String>(2)?)?;
            out.entry(r.get(0)?).or_default().push((from, cost));
        }
        Ok(out)
    }

    /// Write entered costs in one transaction, and mark the days whose
    /// figures they change: the UTC days (from the day before an entry's
    /// first day on, which covers every zone) of the orders with a line of
    /// its variant, and of those orders' refunds (a refund takes back the
    /// cost of its sale). More than a hundred variants at once mark every day.
    pub fn set_entered_costs(
        &mut self,
        workspace: WorkspaceId,
        entries: &[CostEntry],
    ) -> Result<usize> {
        self.workspace(workspace)?;
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO entered_costs (workspace_id, variant_id, effective_from, unit_cost)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (workspace_id, variant_id, effective_from)
                 DO UPDATE SET unit_cost = excluded.unit_cost, entered_at = excluded.entered_at",
            )?;
            let mut remove = tx.prepare_cached(
                "DELETE FROM entered_costs WHERE workspace_id = ?1 AND variant_id = ?2 AND effective_from = ?3",
            )?;
            // The earliest day each variant's change reaches ('' = all).
            let mut reach: HashMap<&str, String> = HashMap::new();
            for e in entries {
                let from = e.from.map(|d| d.to_string()).unwrap_or_default();
                match e.cost {
                    Some(c) => {
                        put.execute(params![workspace.0, e.variant_id, from, c.to_string()])?
                    }
                    None => remove.execute(params![workspace.0, e.variant_id, from])?,
                };
                let day = e
                    .from
                    .and_then(|d| d.pred_opt())
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                let slot = reach.entry(e.variant_id.as_str()).or_insert(day.clone());
                if day < *slot {
                    *slot = day;
                }
            }
            if reach.len() > MARK_EACH_UP_TO {
                // A file of many variants: finding each one's days is a pass
                // over every line of the shop for little gain; every day is
                // recomputed instead (always correct).
                tx.execute(
                    "INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (?1, 'all', '')
                     ON CONFLICT DO NOTHING",
                    [workspace.0],
                )?;
                drop((put, remove));
                tx.commit()?;
                return Ok(entries.len());
            }
            let list: Vec<(&str, &String)> = reach.iter().map(|(v, d)| (*v, d)).collect();
            let list = serde_json::to_string(&list).expect("pairs of strings are JSON");
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS cost_reach (variant_id TEXT PRIMARY KEY, day TEXT NOT NULL);
                 DELETE FROM cost_reach;",
            )?;
            tx.execute(
                "INSERT INTO cost_reach SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?1) j",
                [&list],
            )?;
            tx.execute(
                "INSERT INTO rollup_dirty (workspace_id, kind, day)
                 SELECT ?1, 'utc_day', substr(COALESCE(o.processed_at, o.created_at), 1, 10)
                 FROM connections c CROSS JOIN order_lines l ON l.connection_id = c.id
                 JOIN cost_reach x ON x.variant_id = l.variant_id
                 JOIN orders o ON o.connection_id = l.connection_id AND o.source_id = l.order_id
                 WHERE c.workspace_id = ?1 AND substr(COALESCE(o.processed_at, o.created_at), 1, 10) >= x.day
                 ON CONFLICT DO NOTHING",
                [workspace.0],
            )?;
            tx.execute(
                "INSERT INTO rollup_dirty (workspace_id, kind, day)
                 SELECT ?1, 'utc_day', substr(r.created_at, 1, 10)
                 FROM connections c CROSS JOIN order_lines l ON l.connection_id = c.id
                 JOIN cost_reach x ON x.variant_id = l.variant_id
                 JOIN orders o ON o.connection_id = l.connection_id AND o.source_id = l.order_id
                 JOIN refunds r ON r.connection_id = l.connection_id AND r.order_id = l.order_id
                 WHERE c.workspace_id = ?1 AND substr(COALESCE(o.processed_at, o.created_at), 1, 10) >= x.day
                 ON CONFLICT DO NOTHING",
                [workspace.0],
            )?;
            tx.execute_batch("DELETE FROM cost_reach;")?;
        }
        tx.commit()?;
        Ok(entries.len())
    }
}
