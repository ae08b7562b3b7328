//! Date windows: split a range into pieces a vendor accepts, and start an
//! incremental read a lookback before the cursor where sources restate.

use chrono::{Days, NaiveDate};

/// `from..=to` in consecutive windows of at most `max_days` days each.
pub fn split(from: NaiveDate, to: NaiveDate, max_days: u64) -> Vec<(NaiveDate, NaiveDate)> {
    assert!(max_days >= 1, "a window holds at least one day");
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = (start + Days::new(max_days - 1)).min(to);
        out.push((start, end));
        start = end + Days::new(1);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn windows_cover_the_range_exactly() {
        let w = split(d("2026-01-01"), d("2026-03-01"), 30);
        assert_eq!(
            w,
            [
                (d("2026-01-01"), d("2026-01-30")),
                (d("2026-01-31"), d("2026-03-01")),
            ]
        );
        assert_eq!(
            split(d("2026-01-05"), d("2026-01-05"), 30),
            [(d("2026-01-05"), d("2026-01-05"))]
        );
        assert!(
            split(d("2026-01-05"), d("2026-01-04"), 30).is_empty(),
            "from after to: nothing to read"
        );
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
}
