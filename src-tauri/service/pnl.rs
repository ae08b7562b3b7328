//! The P&L use case: a range's figures by calendar month or ISO week (the
//! first and last periods cut to the range), a totals column, the range of
//! equal length before it, and each recurring expense's share of every
//! column, so the page, the CSV and the CLI only lay them out. Every figure is
//! the daily rollups summed, as the dashboard's are (metrics.md: periods are
//! sums of days, ratios recomputed from the sums).

use super::dashboard::{change, previous, Better, Change};
use super::{Core, Result};
use crate::domain::{InvalidInput, WorkspaceId};
use crate::export::{write_pnl, PnlRow};
use crate::metrics::keys::{value, Value};
use crate::metrics::{self, Grouping, Totals};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// One column of the P&L: a period (or the whole range, or the range before).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub totals: Totals,
    /// Each of [`Pnl::expenses`]' share of the column, to the cent, adding up
    /// to the column's `other_expenses` as printed.
    pub expenses: Vec<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pnl {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: Grouping,
    pub currency: String,
    /// The recurring expenses in force anywhere in the range or the one
    /// before, by name, in the order Settings lists them.
    pub expenses: Vec<String>,
    /// Oldest first.
    pub periods: Vec<Column>,
    pub total: Column,
    pub previous: Column,
}

/// A P&L's columns as the UI names them: `month` or `week`.
pub fn grouping(by: &str) -> std::result::Result<Grouping, InvalidInput> {
    match by {
        "month" => Ok(Grouping::Month),
        "week" => Ok(Grouping::Week),
        other => Err(InvalidInput::new(
            "by",
            format!("'{other}' is not a P&L column; use month or week"),
        )),
    }
}

/// The period of `by` that holds `day`, cut to `from..=to`.
pub fn period_of(
    day: NaiveDate,
    by: Grouping,
    from: NaiveDate,
    to: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let start = metrics::period_start(day, by, from);
    let end = match by {
        Grouping::Day => start,
        Grouping::Week => start + chrono::Days::new(6),
        Grouping::Month => start
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .expect("a month has a last day"),
        Grouping::Total => to,
    };
    (start.max(from), end.min(to))
}

impl Core {
    /// The P&L of `from..=to` by month or week.
    pub fn pnl(
        &self,
        workspace: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
        by: Grouping,
    ) -> Result<Pnl> {
        if !matches!(by, Grouping::Month | Grouping::Week) {
            return Err(InvalidInput::new("by", "a P&L is by month or by week").into());
        }
        let ws = self.store.workspace(workspace)?;
        let expenses = self.store.expenses(workspace)?;
        let days = self.metrics(ws.id, from, to, Grouping::Day)?;
        let (previous_from, previous_to) = previous(from, to);
        let before = self.metrics(ws.id, previous_from, previous_to, Grouping::Total)?;

        let column = |start: NaiveDate, end: NaiveDate, totals: Totals| {
            let shares = metrics::expense_shares(start, end, &expenses);
            Column {
                start,
                end,
                expenses: metrics::cents_summing_to(&shares, totals.other_expenses),
                totals,
            }
        };
        let mut periods: Vec<Column> = Vec::new();
        let mut total = Totals::default();
        for (day, t) in &days {
            total.add(t);
            let (start, end) = period_of(*day, by, from, to);
            match periods.last_mut() {
                Some(p) if p.start == start => p.totals.add(t),
                _ => periods.push(Column {
                    start,
                    end,
                    totals: t.clone(),
                    expenses: Vec::new(),
                }),
            }
        }
        let periods: Vec<Column> = periods
            .into_iter()
            .map(|p| column(p.start, p.end, p.totals))
            .collect();
        let total = column(from, to, total);
        let previous = column(
            previous_from,
            previous_to,
            before
                .into_iter()
                .next()
                .map(|(_, t)| t)
                .unwrap_or_default(),
        );

        // Keep the expenses that fall anywhere in either range.
        let in_force: Vec<usize> = (0..expenses.len())
            .filter(|&i| !total.expenses[i].is_zero() || !previous.expenses[i].is_zero())
            .collect();
        let keep = |mut c: Column| {
            c.expenses = in_force.iter().map(|&i| c.expenses[i]).collect();
            c
        };
        Ok(Pnl {
            from,
            to,
            by,
            currency: ws.currency,
            expenses: in_force.iter().map(|&i| expenses[i].name.clone()).collect(),
            periods: periods.into_iter().map(keep).collect(),
            total: keep(total),
            previous: keep(previous),
        })
    }
}

impl Core {
    /// The P&L's CSV, with the file name to suggest for it.
    pub fn export_pnl(
        &self,
        workspace: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
        by: Grouping,
    ) -> Result<super::MetricsExport> {
        let ws = self.store.workspace(workspace)?;
        let pnl = self.pnl(workspace, from, to, by)?;
        let csv = pnl
            .csv()
            .map_err(|e| super::ServiceError::Export(format!("cannot write the CSV: {e}")))?;
        let by = if by == Grouping::Week {
            "pnl-week"
        } else {
            "pnl-month"
        };
        Ok(super::MetricsExport {
            csv,
            rows: pnl.periods.len(),
            file_name: crate::export::file_name(&ws.name, from, to, by),
        })
    }
}

/// How a P&L line is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Money,
    Percent,
}

/// One line of the P&L as the page draws it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// A metrics.md key, or `expense` for a recurring expense's own line.
    pub key: String,
    pub label: String,
    pub kind: LineKind,
    /// A subtotal (revenue, gross profit, net profit) is drawn strong; a part
    /// of the line above it (Meta, Google, the estimated COGS) indented.
    pub strong: bool,
    pub part: bool,
    /// What the figure is, in words (metrics.md).
    pub definition: String,
    /// One cell per period, then the total, then the range before: plain
    /// numbers (`.` decimals); `None` for an empty ratio.
    pub cells: Vec<Option<String>>,
    /// Each cell's formula with that cell's inputs; `None` for an input line.
    pub explained: Vec<Option<String>>,
    /// The total against the range before.
    pub change: Option<Change>,
    /// Whether a rise is good news (false for costs).
    pub higher_is_better: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PnlView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: &'static str,
    pub currency: String,
    /// Column headings: the periods' first and last days, then the total
    /// and the range before.
    pub columns: Vec<(NaiveDate, NaiveDate)>,
    pub lines: Vec<Line>,
}

/// The P&L's lines: key, label, strong, part, a rise is good, definition.
const LINES: &[(&str, &str, bool, bool, bool, &str)] = &[
    ("gross_sales", "Gross sales", false, false, true, "Line items' original price × quantity, before discounts and refunds"),
    ("discounts", "Discounts", false, false, false, "Order discounts"),
    ("refunds", "Refunds", false, false, false, "Refunds created in the period: refunded line subtotals plus refunded shipping, without tax"),
    ("shipping_charged", "Shipping charged", false, false, true, "Shipping the customers paid"),
    ("revenue", "Revenue", true, false, true, "Gross sales − discounts + shipping charged − refunds (taxes are not revenue)"),
    ("cogs", "Cost of goods", false, false, false, "Quantity × unit cost of the lines sold, less the refunded ones; unit cost: yours, else Shopify's, else the default COGS % estimate"),
    ("cogs_estimated", "of which estimated", false, true, false, "The part of the cost of goods that came from the default COGS % estimate"),
    ("gross_profit", "Gross profit", true, false, true, "Revenue − cost of goods"),
    ("ad_spend", "Ad spend", false, false, false, "Meta spend + Google cost"),
    ("ad_spend_meta", "Meta", false, true, false, "Meta Ads spend, by the day Meta reports it for"),
    ("ad_spend_google", "Google", false, true, false, "Google Ads cost, by the day Google reports it for"),
    ("shipping_cost", "Shipping cost", false, false, false, "Shiprocket freight of the shipments created in the period (forward + RTO)"),
    ("payment_fees", "Payment fees", false, false, false, "Your payment fee percent of revenue + the fixed fee per order"),
    ("other_expenses", "Other expenses", false, false, false, "Recurring expenses, each month's amount spread evenly over its days"),
    ("net_profit", "Net profit", true, false, true, "Revenue − cost of goods − ad spend − shipping cost − payment fees − other expenses"),
    ("gross_margin", "Gross margin", false, false, true, "Gross profit ÷ revenue"),
    ("net_margin", "Net margin", false, false, true, "Net profit ÷ revenue"),
];

fn rise(good: bool) -> Better {
    if good {
        Better::Higher
    } else {
        Better::Lower
    }
}

fn money(t: &Totals, key: &str) -> String {
    value(t, key).map(Value::render).unwrap_or_default()
}

/// `key`'s formula with the inputs of `t`, for the lines computed from others.
pub fn explain(key: &str, t: &Totals) -> Option<String> {
    let m = |k| money(t, k);
    Some(match key {
        "revenue" => format!(
            "{} − {} + {} − {} = {}",
            m("gross_sales"),
            m("discounts"),
            m("shipping_charged"),
            m("refunds"),
            m("revenue")
        ),
        "gross_profit" => format!("{} − {} = {}", m("revenue"), m("cogs"), m("gross_profit")),
        "ad_spend" => format!(
            "{} + {} = {}",
            m("ad_spend_meta"),
            m("ad_spend_google"),
            m("ad_spend")
        ),
        "net_profit" => format!(
            "{} − {} − {} − {} − {} − {} = {}",
            m("revenue"),
            m("cogs"),
            m("ad_spend"),
            m("shipping_cost"),
            m("payment_fees"),
            m("other_expenses"),
            m("net_profit")
        ),
        "gross_margin" | "net_margin" => {
            let top = if key == "gross_margin" {
                "gross_profit"
            } else {
                "net_profit"
            };
            let v = value(t, key).map(Value::render).filter(|s| !s.is_empty());
            format!(
                "{} ÷ {} = {}",
                m(top),
                m("revenue"),
                v.as_deref().unwrap_or("— (no revenue)")
            )
        }
        _ => return None,
    })
}

impl Pnl {
    /// The periods as CSV (`export::write_pnl`).
    pub fn csv(&self) -> csv::Result<Vec<u8>> {
        let rows: Vec<PnlRow<'_>> = self
            .periods
            .iter()
            .map(|c| PnlRow {
                start: c.start,
                end: c.end,
                totals: &c.totals,
                expenses: &c.expenses,
            })
            .collect();
        let mut out = Vec::new();
        write_pnl(&mut out, &self.expenses, &rows)?;
        Ok(out)
    }

    fn columns(&self) -> impl Iterator<Item = &Column> {
        self.periods.iter().chain([&self.total, &self.previous])
    }

    /// The page's view: lines with every column's cell, the change of the
    /// total against the range before, and each figure's definition.
    pub fn view(&self) -> PnlView {
        let mut lines = Vec::new();
        for &(key, label, strong, part, better, definition) in LINES {
            let kind = if matches!(key, "gross_margin" | "net_margin") {
                LineKind::Percent
            } else {
                LineKind::Money
            };
            let cells: Vec<Option<String>> = self
                .columns()
                .map(|c| {
                    value(&c.totals, key)
                        .map(Value::render)
                        .filter(|s| !s.is_empty())
                })
                .collect();
            let number = |c: &Column| match value(&c.totals, key) {
                Some(Value::Money(d)) => Some(d),
                Some(Value::Ratio(r)) => r,
                _ => None,
            };
            lines.push(Line {
                key: key.to_string(),
                label: label.to_string(),
                kind,
                strong,
                part,
                definition: definition.to_string(),
                explained: self.columns().map(|c| explain(key, &c.totals)).collect(),
                change: change(number(&self.total), number(&self.previous), rise(better)),
                cells,
                higher_is_better: better,
            });
            if key == "other_expenses" {
                for (i, name) in self.expenses.iter().enumerate() {
                    let cells: Vec<Option<String>> = self
                        .columns()
                        .map(|c| Some(Value::Money(c.expenses[i]).render()))
                        .collect();
                    lines.push(Line {
                        key: "expense".to_string(),
                        label: name.clone(),
                        kind: LineKind::Money,
                        strong: false,
                        part: true,
                        definition: format!("{name}: its monthly amount spread evenly over the days of each month it is in force"),
                        explained: vec![None; cells.len()],
                        change: change(Some(self.total.expenses[i]), Some(self.previous.expenses[i]), rise(false)),
                        cells,
                        higher_is_better: false,
                    });
                }
            }
        }
        PnlView {
            from: self.from,
            to: self.to,
            by: if self.by == Grouping::Week {
                "week"
            } else {
                "month"
            },
            currency: self.currency.clone(),
            columns: self.columns().map(|c| (c.start, c.end)).collect(),
            lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::keys::PNL_KEYS;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_cut_to_the_range() {
        let (from, to) = (d("2026-01-20"), d("2026-03-10"));
        assert_eq!(
            period_of(d("2026-01-25"), Grouping::Month, from, to),
            (from, d("2026-01-31"))
        );
        assert_eq!(
            period_of(d("2026-02-14"), Grouping::Month, from, to),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(
            period_of(d("2026-03-02"), Grouping::Month, from, to),
            (d("2026-03-01"), to)
        );
        // 2026-01-20 is a Tuesday: its week is cut to start on it.
        assert_eq!(
            period_of(d("2026-01-20"), Grouping::Week, from, to),
            (from, d("2026-01-25"))
        );
        assert_eq!(
            period_of(d("2026-03-10"), Grouping::Week, from, to),
            (d("2026-03-09"), to)
        );
    }

    #[test]
    fn every_pnl_key_has_a_line_and_lines_are_pnl_keys() {
        let lines: Vec<&str> = LINES.iter().map(|l| l.0).collect();
        for k in PNL_KEYS {
            assert!(lines.contains(k), "{k} has no line");
        }
        for l in &lines {
            assert!(PNL_KEYS.contains(l), "{l} is not a P&L key");
        }
    }

    #[test]
    fn a_computed_line_explains_itself_with_its_inputs() {
        let t = Totals {
            gross_sales: "1800".parse().unwrap(),
            discounts: "100".parse().unwrap(),
            shipping_charged: "50".parse().unwrap(),
            cogs: "620".parse().unwrap(),
            ad_spend: "500".parse().unwrap(),
            ad_spend_meta: "300".parse().unwrap(),
            ad_spend_google: "200".parse().unwrap(),
            shipping_cost: "130".parse().unwrap(),
            ..Totals::default()
        };
        assert_eq!(
            explain("revenue", &t).unwrap(),
            "1800.00 − 100.00 + 50.00 − 0.00 = 1750.00"
        );
        assert_eq!(
            explain("net_profit", &t).unwrap(),
            "1750.00 − 620.00 − 500.00 − 130.00 − 0.00 − 0.00 = 500.00"
        );
        assert_eq!(explain("ad_spend", &t).unwrap(), "300.00 + 200.00 = 500.00");
        assert_eq!(
            explain("net_margin", &Totals::default()).unwrap(),
            "0.00 ÷ 0.00 = — (no revenue)"
        );
        assert_eq!(explain("cogs", &t), None);
    }
}
