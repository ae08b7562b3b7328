//! `pulseboard pnl`: the P&L of a range by month or week.

use super::metrics::{parse_day, Range};
use super::{csv_result, emit, print_json, table, CliError, CliResult};
use crate::metrics::keys::{value, Value, PNL_KEYS};
use crate::metrics::Grouping;
use crate::service::Core;
use chrono::Datelike;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum By {
    Month,
    Week,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct PnlArgs {
    #[command(flatten)]
    range: Range,
    /// Columns by calendar month or ISO week (Monday first); the first and
    /// last are cut to the range.
    #[arg(long, value_enum, default_value = "month")]
    by: By,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub fn pnl(core: &Core, args: PnlArgs) -> CliResult {
    let from = parse_day("from", &args.range.from)?;
    let to = parse_day("to", &args.range.to)?;
    let ws = core.workspace_by_name(&args.range.workspace)?;
    let by = match args.by {
        By::Month => Grouping::Month,
        By::Week => Grouping::Week,
    };
    let pnl = core.pnl(ws.id, from, to, by)?;
    match args.format {
        Format::Json => {
            let list: Vec<serde_json::Value> = pnl
                .periods
                .iter()
                .map(|p| {
                    let mut obj = serde_json::Map::new();
                    obj.insert("period_start".into(), p.start.to_string().into());
                    obj.insert("period_end".into(), p.end.to_string().into());
                    for k in PNL_KEYS {
                        let v = value(&p.totals, k).expect("every P&L key has a value");
                        obj.insert((*k).into(), v.to_json());
                    }
                    let expenses: Vec<serde_json::Value> = pnl
                        .expenses
                        .iter()
                        .zip(&p.expenses)
                        .map(|(name, amount)| {
                            serde_json::json!({"name": name, "amount": Value::Money(*amount).to_json()})
                        })
                        .collect();
                    obj.insert("expenses".into(), expenses.into());
                    serde_json::Value::Object(obj)
                })
                .collect();
            print_json(&list)
        }
        Format::Csv => {
            let csv = pnl
                .csv()
                .map_err(|e| CliError::Failed(format!("cannot write the CSV: {e}")))?;
            use std::io::Write;
            csv_result(
                std::io::stdout()
                    .lock()
                    .write_all(&csv)
                    .map_err(csv::Error::from),
            )
        }
        Format::Table => {
            let view = pnl.view();
            let mut headers: Vec<String> = vec![format!("P&L ({})", pnl.currency)];
            let periods = view.columns.len() - 2;
            headers.extend(view.columns[..periods].iter().map(|(s, e)| {
                let whole_month = s.day() == 1 && e.succ_opt().is_some_and(|n| n.day() == 1);
                if by == Grouping::Month && whole_month {
                    s.format("%Y-%m").to_string()
                } else {
                    format!("{s}…{e}")
                }
            }));
            headers.push("total".into());
            let body: Vec<Vec<String>> = view
                .lines
                .iter()
                .map(|l| {
                    let label = if l.part {
                        format!("  {}", l.label)
                    } else {
                        l.label.clone()
                    };
                    let mut row = vec![label];
                    row.extend(
                        l.cells[..=periods]
                            .iter()
                            .map(|c| c.clone().unwrap_or_else(|| "—".into())),
                    );
                    row
                })
                .collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            emit(&table::render(&headers, &body))
        }
    }
}
