//! `pulseboard metrics` and `pulseboard export`.

use super::{csv_result, emit, print_json, table, CliError, CliResult};
use crate::export::{period_column, write_keys, write_metrics};
use crate::metrics::keys::{value, KEYS};
use crate::metrics::{Grouping, Totals};
use crate::service::Core;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use std::path::Path;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum By {
    Day,
    Week,
    Month,
    Total,
}

impl From<By> for Grouping {
    fn from(b: By) -> Self {
        match b {
            By::Day => Grouping::Day,
            By::Week => Grouping::Week,
            By::Month => Grouping::Month,
            By::Total => Grouping::Total,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct Range {
    /// The workspace.
    #[arg(long, value_name = "W")]
    pub(super) workspace: String,
    /// First day, YYYY-MM-DD, in the workspace's time zone.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(super) from: String,
    /// Last day, YYYY-MM-DD, included.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(super) to: String,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    range: Range,
    /// One row per day, ISO week (Monday first), calendar month, or the whole range.
    #[arg(long, value_enum, default_value = "day")]
    by: By,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Only this team member's sales activity (their e-mail, any case).
    #[arg(long, value_name = "EMAIL")]
    member: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportBy {
    Day,
    Week,
    Month,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    range: Range,
    #[arg(long, value_enum, default_value = "day")]
    by: ExportBy,
    /// The CSV file to write; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    out: String,
}

pub(super) fn parse_day(flag: &str, raw: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::Usage(format!(
            "--{flag}: '{raw}' is not a date; write it as YYYY-MM-DD"
        ))
    })
}

fn rows(core: &Core, range: &Range, by: Grouping) -> Result<Vec<(NaiveDate, Totals)>, CliError> {
    let from = parse_day("from", &range.from)?;
    let to = parse_day("to", &range.to)?;
    let ws = core.workspace_by_name(&range.workspace)?;
    Ok(core.metrics(ws.id, from, to, by)?)
}

pub fn metrics(core: &Core, args: MetricsArgs) -> CliResult {
    let by: Grouping = args.by.into();
    let (rows, keys): (_, &[&str]) = match &args.member {
        None => (rows(core, &args.range, by)?, KEYS),
        Some(member) => {
            let from = parse_day("from", &args.range.from)?;
            let to = parse_day("to", &args.range.to)?;
            let ws = core.workspace_by_name(&args.range.workspace)?;
            (
                core.member_metrics(ws.id, member, from, to, by)?,
                &crate::service::goals::MEMBER_KEYS,
            )
        }
    };
    match args.format {
        Format::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|(start, t)| {
                    let mut obj = serde_json::Map::new();
                    obj.insert(period_column(by).into(), start.to_string().into());
                    for k in keys {
                        obj.insert(
                            (*k).into(),
                            value(t, k).expect("every key has a value").to_json(),
                        );
                    }
                    serde_json::Value::Object(obj)
                })
                .collect();
            print_json(&list)
        }
        Format::Csv => csv_result(write_keys(std::io::stdout().lock(), &rows, by, keys)),
        Format::Table => {
            // Keys down, periods across: 49 keys do not fit as columns.
            let mut headers = vec!["metric".to_string()];
            headers.extend(rows.iter().map(|(d, _)| d.to_string()));
            let body: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    let mut row = vec![k.to_string()];
                    row.extend(rows.iter().map(|(_, t)| {
                        let v = value(t, k).expect("every key has a value").render();
                        if v.is_empty() {
                            "—".to_string()
                        } else {
                            v
                        }
                    }));
                    row
                })
                .collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            emit(&table::render(&headers, &body))
        }
    }
}

pub fn export(core: &Core, args: ExportArgs) -> CliResult {
    let by = match args.by {
        ExportBy::Day => Grouping::Day,
        ExportBy::Week => Grouping::Week,
        ExportBy::Month => Grouping::Month,
    };
    let rows = rows(core, &args.range, by)?;
    if args.out == "-" {
        return csv_result(write_metrics(std::io::stdout().lock(), &rows, by));
    }
    let mut buf = Vec::new();
    write_metrics(&mut buf, &rows, by).map_err(|e| CliError::Failed(e.to_string()))?;
    write_whole(Path::new(&args.out), &buf)?;
    eprintln!("Wrote {} rows to {}.", rows.len(), args.out);
    Ok(())
}

fn write_whole(path: &Path, bytes: &[u8]) -> CliResult {
    if path.file_name().is_none() {
        return Err(CliError::Usage(format!(
            "--out: '{}' is not a file name",
            path.display()
        )));
    }
    crate::export::write_whole(path, bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}

#[derive(Debug, Args)]
pub struct ShipmentsArgs {
    /// The workspace.
    #[arg(long, value_name = "W")]
    workspace: String,
    /// How many, newest first.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long)]
    json: bool,
}

pub fn shipments(core: &Core, args: ShipmentsArgs) -> CliResult {
    let ws = core.workspace_by_name(&args.workspace)?;
    let rows = core.shipments(ws.id, args.limit)?;
    if args.json {
        return print_json(&rows);
    }
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.created_at.clone(),
                r.status.clone(),
                r.freight.clone(),
                dash(&r.awb),
                dash(&r.courier),
                dash(&r.order_ref),
                dash(&r.order),
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(
            &[
                "shipment",
                "created",
                "status",
                "freight",
                "awb",
                "courier",
                "channel order",
                "shopify order"
            ],
            &cells
        )
    );
    Ok(())
}
