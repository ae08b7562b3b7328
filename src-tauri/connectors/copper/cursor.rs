//! Copper's bookmarks, one shape per stream:
//! - `users`: the page being read; every run lists the whole team again.
//! - `activities`: a window of activity days (UTC, `to` exclusive) and its
//!   page; page 0 is the window's end, where what Copper no longer lists is
//!   deleted. Activities can only be searched by activity date and people log
//!   them late, so every run re-reads the trailing lookback before today and
//!   starts a window at its first page.
//! - `leads` and `opportunities`: everything modified before `since` is
//!   stored; `page` and `max` say where a pass stands. A new run steps back a
//!   small overlap.
//! - `pipelines`: one request, every run.

use super::CopperConfig;
use crate::connectors::window;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pages {
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modified {
    /// Unix seconds.
    pub since: i64,
    pub page: u32,
    /// The newest `date_modified` seen in this pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

pub fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_str(raw).ok()
}

pub fn encode<T: Serialize>(c: &T) -> String {
    serde_json::to_string(c).expect("a cursor serialises")
}

/// The last activity day a window of `cfg.window_days` from `from` covers
/// (exclusive), never past today.
pub fn window_to(from: NaiveDate, cfg: &CopperConfig) -> NaiveDate {
    window::end(from, cfg.window_days, today(cfg)) + Days::new(1)
}

pub fn today(cfg: &CopperConfig) -> NaiveDate {
    cfg.now.date_naive()
}

/// Where a run starts the activities: the trailing lookback before today (or
/// the stored window, when that is earlier), at a window's first page.
pub fn start_activities(stored: Option<&str>, cfg: &CopperConfig) -> Window {
    let earliest = today(cfg) - Days::new(cfg.history_days);
    let from = window::start_with_trailing(
        stored.and_then(parse::<Window>).map(|w| w.from),
        cfg.lookback_days,
        earliest,
        today(cfg),
    );
    Window {
        from,
        to: window_to(from, cfg),
        page: 1,
    }
}

/// Where a run starts the leads: the stored pass as it stood, or a finished
/// one less the overlap; the history's start the first time.
pub fn start_leads(stored: Option<&str>, cfg: &CopperConfig) -> Modified {
    let history = (cfg.now - chrono::Duration::days(cfg.history_days as i64)).timestamp();
    start_modified(stored, cfg, history)
}

/// Where a run starts the opportunities: as the leads, but the first time
/// from the beginning — a deal still open sits in the pipeline however long
/// ago it last changed, so the history's limit does not apply.
pub fn start_opportunities(stored: Option<&str>, cfg: &CopperConfig) -> Modified {
    start_modified(stored, cfg, 0)
}

fn start_modified(stored: Option<&str>, cfg: &CopperConfig, first: i64) -> Modified {
    match stored.and_then(parse::<Modified>) {
        Some(m) if m.page > 1 => m,
        Some(m) => Modified {
            since: m.since - cfg.overlap.num_seconds(),
            page: 1,
            max: None,
        },
        None => Modified {
            since: first,
            page: 1,
            max: None,
        },
    }
}

/// The start of a UTC day, as Unix seconds.
pub fn day_start(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
}

pub fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> CopperConfig {
        let mut c = CopperConfig::new("owner@acme.example", "key");
        c.now = "2026-11-30T15:00:00Z".parse().unwrap();
        c
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_run_re_reads_the_trailing_lookback_from_a_window_start() {
        let c = cfg();
        let first = start_activities(None, &c);
        assert_eq!((first.from, first.page), (d("2026-09-01"), 1));
        assert_eq!(first.to, d("2026-10-01"), "30 days, `to` exclusive");
        let done = encode(&Window {
            from: d("2026-11-30"),
            to: d("2026-12-01"),
            page: 3,
        });
        let again = start_activities(Some(&done), &c);
        assert_eq!((again.from, again.page), (d("2026-10-31"), 1));
        assert_eq!(again.to, d("2026-11-30"), "30 days");
        assert_eq!(
            window_to(d("2026-11-30"), &c),
            d("2026-12-01"),
            "today's window ends with today, never past it"
        );
    }

    #[test]
    fn a_leads_pass_resumes_or_steps_back_the_overlap() {
        let c = cfg();
        let mid = Modified {
            since: 1_000_000,
            page: 4,
            max: Some(1_000_500),
        };
        assert_eq!(start_leads(Some(&encode(&mid)), &c), mid);
        let done = Modified {
            since: 1_000_500,
            page: 1,
            max: None,
        };
        assert_eq!(start_leads(Some(&encode(&done)), &c).since, 1_000_500 - 600);
        assert_eq!(
            start_leads(None, &c).since,
            c.now.timestamp() - 90 * 86_400,
            "leads: the history"
        );
        assert_eq!(
            start_opportunities(None, &c).since,
            0,
            "an open deal counts however old its last change"
        );
        assert_eq!(start_opportunities(Some(&encode(&mid)), &c), mid);
    }
}
