//! CSV writers. Periods as rows, canonical metric keys as the header, plain
//! numbers with `.` decimals, empty cells for empty ratios, UTF-8. A text cell
//! that a spreadsheet would run as a formula is neutralised.

use crate::metrics::keys::{value, KEYS};
use crate::metrics::{Grouping, Totals};
use chrono::NaiveDate;
use std::io::Write;

/// The first column's name: `date` for days, `period_start` otherwise.
pub fn period_column(by: Grouping) -> &'static str {
    match by {
        Grouping::Day => "date",
        _ => "period_start",
    }
}

/// A cell a spreadsheet would treat as a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a leading `'`. Plain numbers, negative ones
/// included, are left as numbers.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.parse::<rust_decimal::Decimal>().is_ok() && !cell.starts_with('+');
    if risky && !number {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

pub fn write_metrics<W: Write>(
    out: W,
    rows: &[(NaiveDate, Totals)],
    by: Grouping,
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![period_column(by)];
    header.extend_from_slice(KEYS);
    w.write_record(header.iter().map(|h| neutralise(h).into_owned()))?;
    for (start, totals) in rows {
        let mut record = vec![start.to_string()];
        record.extend(
            KEYS.iter()
                .map(|k| value(totals, k).map(|v| v.render()).unwrap_or_default()),
        );
        w.write_record(record.iter().map(|c| neutralise(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1+1"), "'+1+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("-450.00"), "-450.00");
        assert_eq!(neutralise("2026-03-10"), "2026-03-10");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn header_rows_and_empty_ratios() {
        let t = Totals {
            orders: 0,
            refunds: Decimal::new(45000, 2),
            ..Default::default()
        };
        let mut buf = Vec::new();
        write_metrics(
            &mut buf,
            &[(NaiveDate::from_ymd_opt(2026, 3, 12).unwrap(), t)],
            Grouping::Day,
        )
        .unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header[0], "date");
        assert_eq!(header.len(), KEYS.len() + 1);
        let row: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |k: &str| row[header.iter().position(|h| *h == k).unwrap()];
        assert_eq!(col("date"), "2026-03-12");
        assert_eq!(col("revenue"), "-450.00");
        assert_eq!(col("aov"), "", "an empty ratio is an empty cell");
        assert_eq!(col("orders"), "0");
    }
}
