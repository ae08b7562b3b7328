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
    write_keys(out, rows, by, KEYS)
}

/// [`write_metrics`] with only `keys`, in their order (a member's sales
/// figures).
pub fn write_keys<W: Write>(
    out: W,
    rows: &[(NaiveDate, Totals)],
    by: Grouping,
    keys: &[&str],
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![period_column(by)];
    header.extend_from_slice(keys);
    w.write_record(header.iter().map(|h| neutralise(h).into_owned()))?;
    for (start, totals) in rows {
        let mut record = vec![start.to_string()];
        record.extend(
            keys.iter()
                .map(|k| value(totals, k).map(|v| v.render()).unwrap_or_default()),
        );
        w.write_record(record.iter().map(|c| neutralise(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// One period of a P&L for [`write_pnl`].
pub struct PnlRow<'a> {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub totals: &'a Totals,
    /// Each recurring expense's share, in the order of the names given.
    pub expenses: &'a [rust_decimal::Decimal],
}

/// A P&L as CSV: one row per period, `period_start`, `period_end`, the P&L
/// keys, then one `expense:<name>` column per recurring expense.
pub fn write_pnl<W: Write>(out: W, expenses: &[String], rows: &[PnlRow<'_>]) -> csv::Result<()> {
    use crate::metrics::keys::{Value, PNL_KEYS};
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = vec!["period_start".into(), "period_end".into()];
    header.extend(PNL_KEYS.iter().map(|k| k.to_string()));
    header.extend(expenses.iter().map(|n| format!("expense:{n}")));
    w.write_record(header.iter().map(|h| neutralise(h).into_owned()))?;
    for r in rows {
        let mut record = vec![r.start.to_string(), r.end.to_string()];
        record.extend(
            PNL_KEYS
                .iter()
                .map(|k| value(r.totals, k).map(|v| v.render()).unwrap_or_default()),
        );
        record.extend(r.expenses.iter().map(|a| Value::Money(*a).render()));
        w.write_record(record.iter().map(|c| neutralise(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// A file name to suggest for an export: `pulseboard-<workspace>-<from>-<to>-<by>.csv`,
/// the workspace name reduced to letters, digits and dashes.
pub fn file_name(workspace: &str, from: NaiveDate, to: NaiveDate, by: &str) -> String {
    let slug = slug(workspace, "workspace");
    format!("pulseboard-{slug}-{from}-{to}-{by}.csv")
}

/// `path`, with `.csv` added when it has no extension at all.
pub fn with_csv_extension(path: std::path::PathBuf) -> std::path::PathBuf {
    with_extension_if_none(path, "csv")
}

/// `path`, with `.ext` added when it has no extension at all.
pub fn with_extension_if_none(path: std::path::PathBuf, ext: &str) -> std::path::PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension(ext)
    }
}

/// A file name to suggest for a saved chart: `pulseboard-<name>.<ext>`, the
/// name reduced to letters, digits and dashes.
pub fn image_file_name(name: &str, ext: &str) -> String {
    format!("pulseboard-{}.{ext}", slug(name, "chart"))
}

/// Letters and digits, lower-cased, everything else one dash.
fn slug(text: &str, fallback: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        fallback.to_string()
    } else {
        slug.to_string()
    }
}

/// Write `bytes` to `path` so that it is either the whole new file or left as
/// it was: a temp file beside it, synced, then renamed over it.
pub fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::path::Path;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.partial",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn a_name_without_extension_gets_csv() {
        use std::path::PathBuf;
        assert_eq!(
            with_csv_extension(PathBuf::from("/t/may")),
            PathBuf::from("/t/may.csv")
        );
        assert_eq!(
            with_csv_extension(PathBuf::from("/t/may.csv")),
            PathBuf::from("/t/may.csv")
        );
        assert_eq!(
            with_csv_extension(PathBuf::from("/t/may.txt")),
            PathBuf::from("/t/may.txt")
        );
    }

    #[test]
    fn suggested_file_names_are_plain() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            file_name(
                "Acme & Co. / India",
                d("2026-10-01"),
                d("2026-10-31"),
                "day"
            ),
            "pulseboard-acme-co-india-2026-10-01-2026-10-31-day.csv"
        );
        assert_eq!(
            file_name("///", d("2026-10-01"), d("2026-10-01"), "week"),
            "pulseboard-workspace-2026-10-01-2026-10-01-week.csv"
        );
    }

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
