//! What the two ad connectors share: a date-window bookmark that re-reads a
//! lookback (platforms restate recent days), and exact decimals from the
//! numbers they send.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ad stream's bookmark. Every day before `from` has been read; within a
/// run, `after` and `report` say where the paging of the current window
/// stands. Those two are never carried into the next run (platforms expire
/// them), and neither is a URL, so no token ever lands in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdCursor {
    pub from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

impl AdCursor {
    pub fn at(from: NaiveDate) -> Self {
        Self {
            from,
            after: None,
            report: None,
        }
    }

    /// The bookmark in `raw`, or `earliest` when there is none (or it is unreadable).
    pub fn parse(raw: Option<&str>, earliest: NaiveDate) -> Self {
        raw.and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_else(|| Self::at(earliest))
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a cursor serialises")
    }

    /// Where a run starts: `lookback` days before the stored bookmark (never
    /// after `today`, never before `earliest`), with no paging state.
    pub fn restart(
        stored: Option<&str>,
        lookback: u64,
        earliest: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        match stored {
            None => Self::at(earliest),
            Some(_) => {
                let c = Self::parse(stored, earliest);
                Self::at((c.from.min(today) - Days::new(lookback)).max(earliest))
            }
        }
    }
}

/// A decimal the platform sent as a JSON string or number.
pub fn decimal(v: &serde_json::Value, what: &str) -> Result<Decimal, String> {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => return Ok(Decimal::ZERO),
        other => return Err(format!("{what}: {other} is not a number")),
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("{what}: '{text}' is not a number"))
}

/// A whole number the platform sent as a JSON string or number.
pub fn integer(v: &serde_json::Value, what: &str) -> Result<i64, String> {
    match v {
        serde_json::Value::String(s) => s
            .parse()
            .map_err(|_| format!("{what}: '{s}' is not a whole number")),
        serde_json::Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("{what}: {n} is not a whole number")),
        serde_json::Value::Null => Ok(0),
        other => Err(format!("{what}: {other} is not a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_run_restarts_a_lookback_before_the_bookmark() {
        let (earliest, today) = (d("2025-11-01"), d("2026-11-22"));
        assert_eq!(
            AdCursor::restart(None, 28, earliest, today),
            AdCursor::at(earliest)
        );
        let stored = AdCursor {
            from: d("2026-11-23"),
            after: Some("abc".into()),
            report: Some("r1".into()),
        }
        .encode();
        assert_eq!(
            AdCursor::restart(Some(&stored), 28, earliest, today),
            AdCursor::at(d("2026-10-25"))
        );
        let old = AdCursor::at(d("2025-11-10")).encode();
        assert_eq!(
            AdCursor::restart(Some(&old), 28, earliest, today).from,
            earliest
        );
        assert_eq!(
            AdCursor::restart(Some("garbage"), 28, earliest, today).from,
            earliest
        );
    }

    #[test]
    fn numbers_arrive_as_strings_or_numbers() {
        use serde_json::json;
        assert_eq!(
            decimal(&json!("12.50"), "spend").unwrap(),
            Decimal::new(1250, 2)
        );
        assert_eq!(
            decimal(&json!(540.0), "value").unwrap(),
            Decimal::new(540, 0)
        );
        assert_eq!(decimal(&json!(1e-3), "x").unwrap(), Decimal::new(1, 3));
        assert!(decimal(&json!("abc"), "spend").is_err());
        assert_eq!(integer(&json!("12345"), "impressions").unwrap(), 12345);
        assert!(integer(&json!("1.5"), "clicks").is_err());
    }
}
