//! JustCall's bookmarks:
//! - `users`: the page being read (0-based); every run lists the team again.
//! - `calls`: a window of call start times (UTC, both ends included, never
//!   longer than [`super::JustcallConfig::window_days`], so never the 90 days
//!   JustCall refuses), its page (0-based) and the last call id read, which
//!   JustCall takes to page without duplicates. Consecutive windows overlap by
//!   a day and a new run steps back a few hours, because JustCall reads the
//!   range in the account's own clock and fills durations in after a call.

use super::JustcallConfig;
use chrono::{DateTime, Duration as Span, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pages {
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calls {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub page: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_id: Option<i64>,
}

pub fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_str(raw).ok()
}

pub fn encode<T: Serialize>(c: &T) -> String {
    serde_json::to_string(c).expect("a cursor serialises")
}

/// The window that starts at `from`.
pub fn window(from: DateTime<Utc>, cfg: &JustcallConfig) -> Calls {
    Calls {
        from,
        to: (from + Span::days(cfg.window_days as i64)).min(cfg.now),
        page: 0,
        last_id: None,
    }
}

fn earliest(cfg: &JustcallConfig) -> DateTime<Utc> {
    cfg.now - Span::days(cfg.history_days as i64)
}

/// Where a run starts: a window it was paging goes on; a finished one
/// starts again a few hours back; the history's start the first time.
pub fn start(stored: Option<&str>, cfg: &JustcallConfig) -> Calls {
    match stored.and_then(parse::<Calls>) {
        Some(c) if c.page > 0 => c,
        Some(c) => window((c.from - cfg.overlap).max(earliest(cfg)), cfg),
        None => window(earliest(cfg), cfg),
    }
}

/// After a window is read: the next one, a day into this one, or `None`
/// when this one reached the run's now.
pub fn after(c: &Calls, cfg: &JustcallConfig) -> Option<Calls> {
    (c.to < cfg.now).then(|| window(c.to - Span::days(1), cfg))
}

/// How JustCall takes a time: `yyyy-mm-dd hh:mm:ss`.
pub fn justcall_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn cfg() -> JustcallConfig {
        let mut c = JustcallConfig::new("k", "s");
        c.now = t("2026-11-30T12:00:00Z");
        c
    }

    #[test]
    fn windows_are_at_most_thirty_days_and_overlap_by_a_day() {
        let c = cfg();
        let first = start(None, &c);
        assert_eq!(first.from, t("2026-09-01T12:00:00Z"));
        assert_eq!(first.to, t("2026-10-01T12:00:00Z"));
        let second = after(&first, &c).unwrap();
        assert_eq!(second.from, t("2026-09-30T12:00:00Z"));
        let mut w = first;
        let mut n = 1;
        while let Some(next) = after(&w, &c) {
            assert!(next.to - next.from <= Span::days(30));
            w = next;
            n += 1;
        }
        assert_eq!(w.to, c.now);
        assert_eq!(n, 4, "90 days in 30-day windows overlapping a day");
    }

    #[test]
    fn a_new_run_steps_back_hours_not_days() {
        let c = cfg();
        let done = encode(&Calls {
            from: t("2026-11-30T10:00:00Z"),
            to: t("2026-11-30T10:00:00Z"),
            page: 0,
            last_id: None,
        });
        let again = start(Some(&done), &c);
        assert_eq!(again.from, t("2026-11-29T19:00:00Z"));
        assert_eq!(again.to, c.now);
        let paging = Calls {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-11-20T00:00:00Z"),
            page: 3,
            last_id: Some(77),
        };
        assert_eq!(start(Some(&encode(&paging)), &c), paging);
    }
}
