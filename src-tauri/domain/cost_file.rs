//! A file of unit costs as people export them from inventory tools and
//! spreadsheets — `sku,cost[,effective_from]` — read into lines, each with
//! what is wrong with it. Nothing here is written anywhere: the caller shows
//! the lines and applies them only when none has a problem.
//!
//! What is accepted: a UTF-8 file, with or without a byte-order mark; `,`,
//! `;` or tab between fields (as the first line uses); a header line naming
//! the columns (`sku`, `cost`/`unit_cost`, `effective_from`/`from`) or none;
//! a cost with a currency symbol or code around it (`₹450`, `450 INR`), with
//! a decimal comma (`12,50`) or thousands separators (`1,234.50`,
//! `1.234,50`); a day as `YYYY-MM-DD`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The largest file read: 10,000 SKUs take about 300 KB.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// Why a file as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty; it needs a line per SKU: sku,cost[,effective_from]")]
    Empty,
    #[error(
        "the file is {0} MB; a cost file can be at most 20 MB (10,000 SKUs take about 300 KB)"
    )]
    TooLarge(usize),
    #[error("line {0} is not UTF-8 text; save the file as UTF-8 (in Excel: CSV UTF-8)")]
    NotUtf8(usize),
    #[error("line {line}: {reason}")]
    Unreadable { line: usize, reason: String },
}

/// One line of the file: what it says, or what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    /// 1-based, as an editor shows it.
    pub line: usize,
    pub sku: String,
    pub cost: Option<Decimal>,
    pub from: Option<NaiveDate>,
    pub problem: Option<String>,
}

/// A cost as written in a file or a form, to a decimal: see the module's notes.
pub fn parse_cost(raw: &str) -> Result<Decimal, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("no cost".into());
    }
    // A currency symbol or code before or after the number (`Rs.` with its dot).
    let is_currency = |c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+'));
    let start = text.find(|c: char| !is_currency(c)).unwrap_or(text.len());
    let mut core = &text[start..];
    if start > 0 && text[..start].trim_end().ends_with(char::is_alphabetic) {
        if let Some(rest) = core.strip_prefix('.') {
            if rest.starts_with(char::is_whitespace)
                || text[..start].ends_with(char::is_alphabetic)
                    && !rest.starts_with(|c: char| c.is_ascii_digit())
            {
                core = rest;
            }
        }
    }
    let core = core
        .trim_start()
        .trim_end_matches(|c: char| is_currency(c) || c.is_whitespace());
    let core = core.trim_end_matches('.').trim();
    let (dots, commas) = (core.matches('.').count(), core.matches(',').count());
    let plain: String = match (dots, commas) {
        (_, 0) if dots <= 1 => core.to_string(),
        (0, 1) => core.replace(',', "."),
        (0, _) => core.replace(',', ""),
        (_, 0) => core.replace('.', ""),
        _ => {
            // Both: the last one is the decimal separator.
            let (thousands, decimal) = if core.rfind('.') > core.rfind(',') {
                (',', '.')
            } else {
                ('.', ',')
            };
            if core.matches(decimal).count() > 1 {
                return Err(format!("'{text}' is not a number"));
            }
            core.replace(thousands, "").replace(decimal, ".")
        }
    };
    let value: Decimal = plain
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("a cost cannot be negative ({text})"));
    }
    Ok(value.normalize())
}

/// A day as `YYYY-MM-DD`; empty is none.
pub fn parse_from(raw: &str) -> Result<Option<NaiveDate>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("'{text}' is not a day; write it as YYYY-MM-DD"))
}

/// Read a cost file: its lines, each with its problem if it has one, or why
/// the file as a whole cannot be read.
pub fn read(bytes: &[u8]) -> Result<Vec<CostLine>, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge(bytes.len().div_ceil(1024 * 1024)));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        FileError::NotUtf8(
            bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1,
        )
    })?;
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(FileError::Empty)?;
    let delimiter = if first.contains(';') {
        b';'
    } else if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // Column positions: sku, cost, effective_from.
    let mut columns = (0usize, 1usize, Some(2usize));
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<(String, Option<NaiveDate>), usize> =
        Default::default();
    // (byte offset, newlines before it) of the last record's start.
    let mut counted = (0usize, 0usize);
    for (i, record) in reader.records().enumerate() {
        // A record's position may be where blank lines before it start;
        // lines are counted from the last record on, not from the file's start.
        let mut line_at = |byte: u64| {
            let mut at = (byte as usize).min(text.len());
            while matches!(text.as_bytes().get(at), Some(b'\n' | b'\r')) {
                at += 1;
            }
            if at >= counted.0 {
                counted.1 += text.as_bytes()[counted.0..at]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted.0 = at;
            }
            counted.1 + 1
        };
        let record = record.map_err(|e| FileError::Unreadable {
            line: e.position().map_or(i + 1, |p| line_at(p.byte())),
            reason: e.to_string(),
        })?;
        let line = record.position().map_or(i + 1, |p| line_at(p.byte()));
        let fields: Vec<&str> = record.iter().map(str::trim).collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if out.is_empty() && seen.is_empty() && fields[0].eq_ignore_ascii_case("sku") {
            let find = |names: &[&str]| {
                fields
                    .iter()
                    .position(|f| names.iter().any(|n| f.eq_ignore_ascii_case(n)))
            };
            columns = (
                0,
                find(&["cost", "unit_cost", "unit cost"]).unwrap_or(1),
                find(&["effective_from", "from", "effective from"]),
            );
            seen.insert((String::new(), None), 0);
            continue;
        }
        let field = |i: Option<usize>| i.and_then(|i| fields.get(i).copied()).unwrap_or("");
        let mut problems = Vec::new();
        if fields.len() < 2 || fields.len() > 3 {
            problems.push(format!(
                "{} field{}; expected sku,cost[,effective_from]",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" }
            ));
        }
        let sku = field(Some(columns.0)).to_string();
        if sku.is_empty() {
            problems.push("no SKU".into());
        }
        let cost = match parse_cost(field(Some(columns.1))) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.push(e);
                None
            }
        };
        let from = match parse_from(field(columns.2)) {
            Ok(d) => d,
            Err(e) => {
                problems.push(e);
                None
            }
        };
        if !sku.is_empty() {
            if let Some(earlier) = seen.insert((sku.clone(), from), line) {
                problems.push(format!(
                    "SKU {sku}{} is also on line {earlier}",
                    from.map(|d| format!(" from {d}")).unwrap_or_default()
                ));
            }
        }
        out.push(CostLine {
            line,
            sku,
            cost,
            from,
            problem: (!problems.is_empty()).then(|| problems.join("; ")),
        });
    }
    if out.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn costs_as_people_write_them() {
        for (raw, want) in [
            ("450", "450"),
            ("450.50", "450.5"),
            ("₹450", "450"),
            ("$ 12.99", "12.99"),
            ("12,50", "12.5"),
            ("450 INR", "450"),
            ("Rs. 1,234.50", "1234.5"),
            ("1.234,50 €", "1234.5"),
            ("1,234,567", "1234567"),
            ("0", "0"),
        ] {
            assert_eq!(parse_cost(raw), Ok(d(want)), "{raw}");
        }
        for raw in ["", "abc", "12x4", "1.2.3,4,5", "-5"] {
            assert!(parse_cost(raw).is_err(), "{raw}");
        }
        assert_eq!(
            parse_cost("-5").unwrap_err(),
            "a cost cannot be negative (-5)"
        );
    }

    #[test]
    fn a_file_with_a_bom_semicolons_a_header_and_bad_lines() {
        let file = "\u{feff}SKU;Cost;Effective_from\nA-1;12,50;\nB-2;₹1.234,00;2026-09-01\n\n;5;\nC-3;twelve;\nA-1;13;\nD-4;5;01/09/2026\n";
        let lines = read(file.as_bytes()).unwrap();
        assert_eq!(lines.len(), 6);
        assert_eq!(
            (lines[0].line, lines[0].sku.as_str(), lines[0].cost),
            (2, "A-1", Some(d("12.5")))
        );
        assert_eq!(lines[1].from, Some("2026-09-01".parse().unwrap()));
        assert_eq!(lines[1].cost, Some(d("1234")));
        assert_eq!(lines[2].problem.as_deref(), Some("no SKU"));
        assert_eq!(lines[2].line, 5);
        assert_eq!(
            lines[3].problem.as_deref(),
            Some("'twelve' is not a number")
        );
        assert_eq!(
            lines[4].problem.as_deref(),
            Some("SKU A-1 is also on line 2")
        );
        assert_eq!(
            lines[5].problem.as_deref(),
            Some("'01/09/2026' is not a day; write it as YYYY-MM-DD")
        );
        assert!(lines[0].problem.is_none() && lines[1].problem.is_none());
    }

    #[test]
    fn files_that_cannot_be_read_say_why() {
        assert_eq!(read(b""), Err(FileError::Empty));
        assert_eq!(read(b"\xEF\xBB\xBF\n  \n"), Err(FileError::Empty));
        assert_eq!(read(b"sku,cost\n"), Err(FileError::Empty));
        assert_eq!(read(b"A,1\nB,2\nC,\xff\xfe\n"), Err(FileError::NotUtf8(3)));
        assert_eq!(
            read(&vec![b'a'; MAX_BYTES + 1]),
            Err(FileError::TooLarge(21))
        );
        // No header: sku and cost by position; a comma-separated file.
        let lines = read(b"A-1,12.5\nB-2,7,2026-10-01\n").unwrap();
        assert_eq!(lines[1].from, Some("2026-10-01".parse().unwrap()));
        let four = read(b"A-1,1,2026-01-01,x\n").unwrap();
        assert!(four[0].problem.as_deref().unwrap().contains("4 fields"));
    }
}
