//! Date windows, the one place their arithmetic lives: where a window ends,
//! where an incremental read starts (a lookback before the cursor, or a
//! trailing re-read before today, where sources restate), and the shared
//! date-window bookmark. Every date-windowed source (Meta, Google,
//! Shiprocket, the demo) uses these.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// The last day of the window of at most `max_days` days that starts at
/// `from`, never after `today`.
pub fn end(from: NaiveDate, max_days: u64, today: NaiveDate) -> NaiveDate {
    assert!(max_days >= 1, "a window holds at least one day");
    (from + Days::new(max_days - 1)).min(today)
}

/// Where an incremental read starts: `lookback_days` before the last day read
/// (sources restate recent days), never before `earliest`; with no cursor yet,
/// `earliest` itself.
pub fn start_with_lookback(
    cursor: Option<NaiveDate>,
    lookback_days: u64,
    earliest: NaiveDate,
) -> NaiveDate {
    match cursor {
        Some(last) => (last - Days::new(lookback_days)).max(earliest),
        None => earliest,
    }
}

/// Where a read that re-reads the last `trailing_days` before `today` starts:
/// the cursor, or the start of that trailing window when it is earlier (a
/// status that changes for weeks), never before `earliest`.
pub fn start_with_trailing(
    cursor: Option<NaiveDate>,
    trailing_days: u64,
    earliest: NaiveDate,
    today: NaiveDate,
) -> NaiveDate {
    match cursor {
        Some(from) => from.min(today - Days::new(trailing_days)).max(earliest),
        None => earliest,
    }
}

/// A date-windowed stream's bookmark. Every day before `from` has been read; within a
/// run, `after` and `report` say where the paging of the current window
/// stands. Those two are never carried into the next run (platforms expire
/// them), and neither is a URL, so no token ever lands in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCursor {
    pub from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

impl WindowCursor {
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
                Self::at(start_with_lookback(
                    Some(c.from.min(today)),
                    lookback,
                    earliest,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_window_ends_after_its_days_or_today() {
        assert_eq!(end(d("2026-01-01"), 30, d("2026-12-01")), d("2026-01-30"));
        assert_eq!(end(d("2026-01-31"), 30, d("2026-02-10")), d("2026-02-10"));
        assert_eq!(end(d("2026-01-05"), 1, d("2026-12-01")), d("2026-01-05"));
    }

    #[test]
    fn lookback_is_clamped() {
        assert_eq!(
            start_with_lookback(Some(d("2026-03-30")), 28, d("2026-01-01")),
            d("2026-03-02")
        );
        assert_eq!(
            start_with_lookback(Some(d("2026-01-10")), 28, d("2026-01-01")),
            d("2026-01-01")
        );
        assert_eq!(
            start_with_lookback(None, 28, d("2025-11-01")),
            d("2025-11-01")
        );
    }

    #[test]
    fn a_trailing_window_reaches_back_from_today() {
        let (earliest, today) = (d("2025-12-01"), d("2026-12-01"));
        assert_eq!(
            start_with_trailing(Some(d("2026-12-02")), 45, earliest, today),
            d("2026-10-17")
        );
        assert_eq!(
            start_with_trailing(Some(d("2026-09-01")), 45, earliest, today),
            d("2026-09-01"),
            "a cursor further back is kept"
        );
        assert_eq!(start_with_trailing(None, 45, earliest, today), earliest);
    }

    #[test]
    fn a_run_restarts_a_lookback_before_the_bookmark() {
        let (earliest, today) = (d("2025-11-01"), d("2026-11-22"));
        assert_eq!(
            WindowCursor::restart(None, 28, earliest, today),
            WindowCursor::at(earliest)
        );
        let stored = WindowCursor {
            from: d("2026-11-23"),
            after: Some("abc".into()),
            report: Some("r1".into()),
        }
        .encode();
        assert_eq!(
            WindowCursor::restart(Some(&stored), 28, earliest, today),
            WindowCursor::at(d("2026-10-25"))
        );
        let old = WindowCursor::at(d("2025-11-10")).encode();
        assert_eq!(
            WindowCursor::restart(Some(&old), 28, earliest, today).from,
            earliest
        );
        assert_eq!(
            WindowCursor::restart(Some("garbage"), 28, earliest, today).from,
            earliest
        );
    }
}
