//! The demo's bookmark: the start of the next UTC day to read (RFC 3339).
//! Ads and shipments restate, so a run starts a lookback before it.

use crate::connectors::window;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// The day a bookmark names.
pub fn day(raw: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.date_naive())
}

/// The start of `day`, UTC.
pub fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
}

/// The bookmark of the start of `day`.
pub fn encode(day: NaiveDate) -> String {
    midnight(day).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where a run starts a stream: `lookback` days before the stored bookmark,
/// never before the history's start; an unreadable bookmark starts over.
pub fn start(stored: &str, lookback: u64, history_start: NaiveDate) -> Option<String> {
    let from = window::start_with_lookback(Some(day(stored)?), lookback, history_start);
    Some(encode(from))
}
