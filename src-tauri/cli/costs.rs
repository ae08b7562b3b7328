//! `pulseboard costs` (every variant's cost in use, and `costs import FILE`)
//! and `pulseboard products` (each product's profit over a range).

use super::metrics::{parse_day, Range};
use super::{emit, print_json, table, CliError, CliResult};
use crate::metrics::keys::Value;
use crate::service::costs::ImportPreview;
use crate::service::Core;
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use serde_json::json;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CostsArgs {
    #[command(subcommand)]
    command: Option<CostsCommand>,
    /// The workspace.
    #[arg(long, value_name = "W")]
    workspace: Option<String>,
    /// Only the variants whose cost in use is an estimate or missing.
    #[arg(long)]
    missing: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum CostsCommand {
    /// Read a file of `sku,cost[,effective_from]` lines and apply it in one
    /// step; a file with any bad line is refused whole (exit 1).
    Import(ImportArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The CSV file (`,` or `;` between fields, a header line or none).
    file: std::path::PathBuf,
    #[arg(long, value_name = "W")]
    workspace: String,
    /// Show what the file would do and write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ProductsArgs {
    #[command(flatten)]
    range: Range,
    #[arg(long)]
    json: bool,
}

fn money(d: Option<Decimal>) -> serde_json::Value {
    d.map_or(serde_json::Value::Null, |d| Value::Money(d).to_json())
}

fn money_text(d: Option<Decimal>) -> String {
    d.map_or("—".into(), |d| Value::Money(d).render())
}

fn ratio(d: Option<Decimal>) -> serde_json::Value {
    Value::Ratio(d).to_json()
}

pub fn costs(core: &mut Core, args: CostsArgs) -> CliResult {
    if let Some(CostsCommand::Import(import)) = args.command {
        return import_costs(core, import);
    }
    let name = args.workspace.ok_or_else(|| {
        CliError::Usage("--workspace W is required (the workspace's name)".into())
    })?;
    let ws = core.workspace_by_name(&name)?;
    let rows = core.costs(ws.id, args.missing)?;
    if args.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "variant_id": r.variant_id, "product": r.product, "variant": r.variant, "sku": r.sku,
                    "price": money(r.price), "shopify_cost": money(r.shopify_cost), "your_cost": money(r.your_cost),
                    "cost_in_use": money(r.cost_in_use), "cost_source": r.cost_source,
                    "effective_from": r.effective_from.map(|d| d.to_string()), "units": r.units,
                })
            })
            .collect();
        return print_json(&list);
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.product.clone(),
                r.variant.clone().unwrap_or_default(),
                r.sku.clone().unwrap_or_default(),
                money_text(r.price),
                money_text(r.shopify_cost),
                money_text(r.your_cost),
                money_text(r.cost_in_use),
                r.cost_source.to_string(),
                r.effective_from.map(|d| d.to_string()).unwrap_or_default(),
                r.units.to_string(),
            ]
        })
        .collect();
    emit(&table::render(
        &[
            "product",
            "variant",
            "sku",
            "price",
            "shopify",
            "yours",
            "in use",
            "from",
            "since",
            "units 30d",
        ],
        &body,
    ))
}

fn import_costs(core: &mut Core, args: ImportArgs) -> CliResult {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", args.file.display())))?;
    let ws = core.workspace_by_name(&args.workspace)?;
    let preview = core
        .import_costs(ws.id, &bytes, !args.dry_run)
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.file.display())))?;
    print_preview(&preview)?;
    if preview.refused > 0 {
        return Err(CliError::Failed(format!(
            "{} line{} of {} cannot be applied, so nothing was written; fix {} and import the file again",
            preview.refused,
            if preview.refused == 1 { "" } else { "s" },
            args.file.display(),
            if preview.refused == 1 { "it" } else { "them" },
        )));
    }
    if preview.applied {
        eprintln!(
            "Applied {} cost{}.",
            preview.writes,
            if preview.writes == 1 { "" } else { "s" }
        );
    } else {
        eprintln!(
            "Dry run: {} cost{} would be written; nothing was.",
            preview.writes,
            if preview.writes == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

fn print_preview(p: &ImportPreview) -> CliResult {
    let body: Vec<Vec<String>> = p
        .lines
        .iter()
        .map(|l| {
            vec![
                l.line.to_string(),
                l.sku.clone(),
                l.matches.join(", "),
                l.effective_from.map(|d| d.to_string()).unwrap_or_default(),
                money_text(l.current),
                money_text(l.cost),
                l.problem.clone().unwrap_or_else(|| l.action.to_string()),
            ]
        })
        .collect();
    emit(&table::render(
        &["line", "sku", "variant", "from", "now", "new", "what"],
        &body,
    ))
}

pub fn products(core: &Core, args: ProductsArgs) -> CliResult {
    let from = parse_day("from", &args.range.from)?;
    let to = parse_day("to", &args.range.to)?;
    let ws = core.workspace_by_name(&args.range.workspace)?;
    let rows = core.products(ws.id, from, to)?;
    if args.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "product": r.product, "units": r.units, "revenue": money(Some(r.revenue)),
                    "refunds": money(Some(r.refunds)), "cogs": money(Some(r.cogs)),
                    "gross_profit": money(Some(r.gross_profit)), "margin": ratio(r.margin),
                    "refund_rate": ratio(r.refund_rate),
                })
            })
            .collect();
        return print_json(&list);
    }
    let pct = |r: Option<Decimal>| {
        r.map_or("—".into(), |r| {
            format!("{:.1}%", r * Decimal::ONE_HUNDRED)
        })
    };
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.product.clone(),
                r.units.to_string(),
                money_text(Some(r.revenue)),
                money_text(Some(r.refunds)),
                money_text(Some(r.cogs)),
                money_text(Some(r.gross_profit)),
                pct(r.margin),
                pct(r.refund_rate),
            ]
        })
        .collect();
    emit(&table::render(
        &[
            "product",
            "units",
            "revenue",
            "refunds",
            "cogs",
            "gross profit",
            "margin",
            "refund rate",
        ],
        &body,
    ))
}
