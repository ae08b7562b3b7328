//! Product costs and product profit: every variant with the cost in use and
//! where it comes from, a person's own costs (each from a day on), a file of
//! costs read into a preview and applied whole or not at all, and each
//! product's figures over a range (metrics.md, Products).

use super::{Core, Result, ServiceError};
use crate::domain::cost_file::{self, CostLine};
use crate::domain::{InvalidInput, WorkspaceId};
use crate::metrics::products::{cost_in_use, CostSource, LineKey, LineTotals};
use crate::rollups;
use crate::store::{CatalogVariant, CostEntry};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How many days back a variant's units sold are counted on the Costs page.
pub const UNITS_DAYS: u64 = 30;

/// One variant on the Costs page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostRow {
    pub variant_id: String,
    pub product: String,
    pub variant: Option<String>,
    pub sku: Option<String>,
    pub price: Option<Decimal>,
    pub shopify_cost: Option<Decimal>,
    /// Yours, in force today.
    pub your_cost: Option<Decimal>,
    pub cost_in_use: Option<Decimal>,
    pub cost_source: &'static str,
    /// The day your cost in force today applies from (`None`: always).
    pub effective_from: Option<NaiveDate>,
    /// Every cost you entered for it, oldest first.
    pub history: Vec<(Option<NaiveDate>, Decimal)>,
    /// Units sold in the last 30 days, less those refunded in them.
    pub units: i64,
}

/// What a line of a cost file would do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportLine {
    pub line: usize,
    pub sku: String,
    pub cost: Option<Decimal>,
    pub effective_from: Option<NaiveDate>,
    /// The variants with that SKU, by product and title.
    pub matches: Vec<String>,
    /// `new` (no cost of yours from that day), `change`, `same`, or `refused`.
    pub action: &'static str,
    /// Your cost from that day now, when there is one.
    pub current: Option<Decimal>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportPreview {
    pub lines: Vec<ImportLine>,
    /// Lines with a problem: any refuses the whole file.
    pub refused: usize,
    /// Costs that would be written (a SKU on several variants writes each).
    pub writes: usize,
    pub applied: bool,
}

/// One product over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductRow {
    pub product: String,
    pub units: i64,
    pub revenue: Decimal,
    pub refunds: Decimal,
    pub cogs: Decimal,
    pub gross_profit: Decimal,
    pub margin: Option<Decimal>,
    pub refund_rate: Option<Decimal>,
}

fn describe(v: &CatalogVariant) -> String {
    let product = v
        .product
        .clone()
        .unwrap_or_else(|| format!("Unknown product ({})", v.variant_id));
    match v.title.as_deref().filter(|t| *t != "Default Title") {
        Some(t) => format!("{product} — {t}"),
        None => product,
    }
}

impl Core {
    fn today_in(&self, workspace: WorkspaceId) -> Result<NaiveDate> {
        let ws = self.store.workspace(workspace)?;
        let tz = rollups::timezone(&ws)?;
        Ok(chrono::Utc::now().with_timezone(&tz).date_naive())
    }

    /// Every variant with its costs, today; with `missing_only`, those whose
    /// cost in use is an estimate or missing.
    pub fn costs(&self, workspace: WorkspaceId, missing_only: bool) -> Result<Vec<CostRow>> {
        let ws = self.store.workspace(workspace)?;
        let today = self.today_in(workspace)?;
        let entered = self.store.entered_costs(workspace)?;
        let lines =
            rollups::line_figures(&self.store, &ws, today - Days::new(UNITS_DAYS - 1), today)?;
        let mut rows = Vec::new();
        for v in self.store.catalog(workspace, true)? {
            let known = crate::domain::records::VariantCost {
                entered: entered.get(&v.variant_id).cloned().unwrap_or_default(),
                shopify: v.shopify_cost,
            };
            let (cost, source) = cost_in_use(Some(&known), v.price, ws.default_cogs_percent, today);
            if missing_only && matches!(source, CostSource::Yours | CostSource::Shopify) {
                continue;
            }
            let in_force = known
                .entered
                .iter()
                .rev()
                .find(|(from, _)| from.is_none_or(|f| f <= today))
                .copied();
            rows.push(CostRow {
                product: v
                    .product
                    .clone()
                    .unwrap_or_else(|| format!("Unknown product ({})", v.variant_id)),
                variant: v.title.clone(),
                sku: v.sku.clone(),
                price: v.price,
                shopify_cost: v.shopify_cost,
                your_cost: in_force.map(|e| e.1),
                cost_in_use: cost,
                cost_source: source.as_str(),
                effective_from: in_force.and_then(|e| e.0),
                units: lines
                    .get(&LineKey::Variant(v.variant_id.clone()))
                    .map_or(0, LineTotals::units),
                history: known.entered,
                variant_id: v.variant_id,
            });
        }
        Ok(rows)
    }

    /// Enter (or with `cost` `None`, remove) your unit cost for a variant,
    /// from a day on (`None`: from the beginning). Costs are validated as a
    /// person writes them (`₹450`, `12,50`); the days it changes are
    /// recomputed.
    pub fn set_cost(
        &mut self,
        workspace: WorkspaceId,
        variant_id: &str,
        cost: Option<&str>,
        from: Option<&str>,
    ) -> Result<()> {
        let cost = cost
            .map(|c| cost_file::parse_cost(c).map_err(|e| InvalidInput::new("cost", e)))
            .transpose()?;
        let from =
            cost_file::parse_from(from.unwrap_or("")).map_err(|e| InvalidInput::new("from", e))?;
        if !self.store.has_variant(workspace, variant_id)? {
            return Err(InvalidInput::new(
                "variant",
                format!("this workspace has no variant {variant_id}"),
            )
            .into());
        }
        self.store.set_entered_costs(
            workspace,
            &[CostEntry {
                variant_id: variant_id.to_string(),
                from,
                cost,
            }],
        )?;
        tracing::info!(%workspace, variant = variant_id, "unit cost entered");
        self.refresh_rollups(workspace);
        Ok(())
    }

    /// Read a cost file against the workspace's SKUs; with `apply`, write it
    /// (one transaction) when no line has a problem. A file with any bad line
    /// is refused whole and nothing is written.
    pub fn import_costs(
        &mut self,
        workspace: WorkspaceId,
        bytes: &[u8],
        apply: bool,
    ) -> Result<ImportPreview> {
        let lines: Vec<CostLine> =
            cost_file::read(bytes).map_err(|e| InvalidInput::new("file", e.to_string()))?;
        let catalog = self.store.catalog(workspace, false)?;
        let entered = self.store.entered_costs(workspace)?;
        let mut by_sku: HashMap<&str, Vec<&CatalogVariant>> = HashMap::new();
        let mut by_lower: HashMap<String, Vec<&CatalogVariant>> = HashMap::new();
        for v in &catalog {
            if let Some(sku) = v.sku.as_deref() {
                by_sku.entry(sku).or_default().push(v);
                by_lower.entry(sku.to_lowercase()).or_default().push(v);
            }
        }
        let mut out = Vec::new();
        let mut writes = Vec::new();
        for l in lines {
            let found = by_sku
                .get(l.sku.as_str())
                .or_else(|| by_lower.get(&l.sku.to_lowercase()))
                .cloned()
                .unwrap_or_default();
            let mut problem = l.problem.clone();
            if problem.is_none() && found.is_empty() {
                problem = Some(format!("no variant has SKU {}", l.sku));
            }
            let current = found.first().and_then(|v| {
                entered
                    .get(&v.variant_id)
                    .and_then(|list| list.iter().find(|(f, _)| *f == l.from))
                    .map(|e| e.1)
            });
            let action = match (&problem, current, l.cost) {
                (Some(_), ..) => "refused",
                (None, None, _) => "new",
                (None, Some(c), Some(n)) if c == n => "same",
                _ => "change",
            };
            if problem.is_none() {
                writes.extend(found.iter().map(|v| CostEntry {
                    variant_id: v.variant_id.clone(),
                    from: l.from,
                    cost: l.cost,
                }));
            }
            out.push(ImportLine {
                line: l.line,
                sku: l.sku,
                cost: l.cost,
                effective_from: l.from,
                matches: found.iter().map(|v| describe(v)).collect(),
                action,
                current,
                problem,
            });
        }
        let refused = out.iter().filter(|l| l.problem.is_some()).count();
        let applied = apply && refused == 0;
        if applied {
            self.store.set_entered_costs(workspace, &writes)?;
            tracing::info!(%workspace, costs = writes.len(), "cost file applied");
            self.refresh_rollups(workspace);
        }
        Ok(ImportPreview {
            lines: out,
            refused,
            writes: writes.len(),
            applied,
        })
    }

    /// Each product's figures over `from..=to`, by revenue, largest first.
    /// They add up to the workspace's: lines with no variant are "Custom
    /// items", and an order's shipping and discounts with no line to share
    /// them "Not on any line".
    pub fn products(
        &self,
        workspace: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProductRow>> {
        if from > to {
            return Err(InvalidInput::new(
                "from",
                format!("{from} is after {to}; give the earlier day first"),
            )
            .into());
        }
        if (to - from).num_days() > 366 * 10 {
            return Err(InvalidInput::new("to", "ask for at most ten years at once").into());
        }
        let ws = self.store.workspace(workspace)?;
        let names: HashMap<String, (String, String)> = self
            .store
            .catalog(workspace, false)?
            .into_iter()
            .map(|v| {
                let key = v
                    .product_id
                    .clone()
                    .unwrap_or_else(|| format!("variant:{}", v.variant_id));
                let name = v
                    .product
                    .clone()
                    .unwrap_or_else(|| format!("Unknown product ({})", v.variant_id));
                (v.variant_id, (key, name))
            })
            .collect();
        let mut products: BTreeMap<(String, String), LineTotals> = BTreeMap::new();
        for (key, t) in rollups::line_figures(&self.store, &ws, from, to)? {
            let group = match key {
                LineKey::Variant(v) => names
                    .get(&v)
                    .cloned()
                    .unwrap_or_else(|| (format!("variant:{v}"), format!("Unknown product ({v})"))),
                LineKey::NoVariant => ("custom".into(), "Custom items".into()),
                LineKey::Unallocated => ("unallocated".into(), "Not on any line".into()),
            };
            products.entry(group).or_default().add(&t);
        }
        let mut rows: Vec<ProductRow> = products
            .into_iter()
            .map(|((_, name), t)| ProductRow {
                product: name,
                units: t.units(),
                revenue: t.revenue,
                refunds: t.refunds,
                cogs: t.cogs,
                gross_profit: t.gross_profit(),
                margin: t.margin(),
                refund_rate: t.refund_rate(),
            })
            .collect();
        rows.sort_by(|a, b| b.revenue.cmp(&a.revenue).then(a.product.cmp(&b.product)));
        foot(&mut rows);
        Ok(rows)
    }
}

/// Write each money column to the cent so that it adds up to its total
/// written to the cent (largest remainder, as the P&L's expense lines): a
/// reader who adds the products' revenue gets the workspace's revenue as the
/// dashboard prints it. Margins and rates stay computed from the exact sums.
fn foot(rows: &mut [ProductRow]) {
    type Column = fn(&mut ProductRow) -> &mut Decimal;
    let columns: [Column; 4] = [
        |r| &mut r.revenue,
        |r| &mut r.refunds,
        |r| &mut r.cogs,
        |r| &mut r.gross_profit,
    ];
    for column in columns {
        let exact: Vec<Decimal> = rows.iter_mut().map(|r| *column(r)).collect();
        let total: Decimal = exact.iter().sum();
        for (r, cents) in rows
            .iter_mut()
            .zip(crate::metrics::cents_summing_to(&exact, total))
        {
            *column(r) = cents;
        }
    }
}

impl From<cost_file::FileError> for ServiceError {
    fn from(e: cost_file::FileError) -> Self {
        InvalidInput::new("file", e.to_string()).into()
    }
}
