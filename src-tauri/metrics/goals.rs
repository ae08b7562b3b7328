//! Pure: a goal's periods and its standing at an instant, exactly as
//! `shared/metrics.md` (Goals) defines them. A period is local to the
//! workspace zone — a day, an ISO week from Monday 00:00, a calendar month —
//! and its length is its real length in seconds (a DST day is 23 or 25
//! hours).
//!
//! Where the spec is silent: while nothing is expected yet (the first
//! instant of a period, or a ratio with no figure), `pace` is empty and the
//! goal is `on_track`, not `behind` — no one is behind on a period that has
//! not started.

use super::keys::{value, Value};
use super::Totals;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;

pub use crate::domain::goals::Period;

/// One period of a goal: its local days (both inclusive) and its instants
/// (start inclusive, end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Local midnight of `day` in `tz` (the first instant of the day, also on a
/// day whose midnight a DST change skips).
pub fn midnight(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut t = day.and_hms_opt(0, 0, 0).expect("midnight");
    loop {
        if let Some(at) = tz.from_local_datetime(&t).earliest() {
            return at.with_timezone(&Utc);
        }
        t += chrono::Duration::minutes(15);
    }
}

/// The period of `period` that holds the local day `day`.
pub fn span_of_day(period: Period, day: NaiveDate, tz: Tz) -> Span {
    let first_day = match period {
        Period::Daily => day,
        Period::Weekly => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
        Period::Monthly => day.with_day(1).expect("the first of the month"),
    };
    let next = match period {
        Period::Daily => first_day + Days::new(1),
        Period::Weekly => first_day + Days::new(7),
        Period::Monthly => first_day + Months::new(1),
    };
    Span {
        first_day,
        last_day: next - Days::new(1),
        start: midnight(first_day, tz),
        end: midnight(next, tz),
    }
}

/// The period that holds the instant `at`.
pub fn span_at(period: Period, at: DateTime<Utc>, tz: Tz) -> Span {
    span_of_day(period, at.with_timezone(&tz).date_naive(), tz)
}

/// The period just before `s`.
pub fn before(period: Period, s: &Span, tz: Tz) -> Span {
    span_of_day(period, s.first_day - Days::new(1), tz)
}

/// How much of the period has passed at `now`, in 0..=1, by real seconds.
pub fn elapsed(s: &Span, now: DateTime<Utc>) -> Decimal {
    let total = (s.end - s.start).num_milliseconds();
    let passed = (now - s.start).num_milliseconds().clamp(0, total);
    Decimal::from(passed) / Decimal::from(total)
}

/// Whether `metric` is additive (summed over days) or a ratio (recomputed
/// from the sums); `None` for a key metrics.md does not define.
pub fn is_additive(metric: &str) -> Option<bool> {
    value(&Totals::default(), metric).map(|v| !matches!(v, Value::Ratio(_)))
}

/// A metric's figure over summed totals: its number, or `None` for an empty
/// ratio.
pub fn figure(t: &Totals, metric: &str) -> Option<Decimal> {
    match value(t, metric)? {
        Value::Count(n) => Some(Decimal::from(n)),
        Value::Money(d) | Value::Quantity(d) => Some(d),
        Value::Ratio(r) => r,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    Ahead,
    OnTrack,
    Behind,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Ahead => "ahead",
            Self::OnTrack => "on_track",
            Self::Behind => "behind",
        }
    }
}

/// Where a goal stands at an instant of its period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub current: Option<Decimal>,
    pub expected_now: Option<Decimal>,
    pub pace: Option<Decimal>,
    pub projected: Option<Decimal>,
    pub status: Status,
}

/// The standing of a goal with `target`, given the figure so far and how much
/// of the period has passed (metrics.md, Goals).
pub fn standing(
    current: Option<Decimal>,
    target: Decimal,
    elapsed: Decimal,
    additive: bool,
) -> Standing {
    let expected_now = if additive {
        Some(target * elapsed)
    } else {
        Some(target)
    };
    let pace = match (current, expected_now) {
        (Some(c), Some(e)) if !e.is_zero() => Some(c / e),
        _ => None,
    };
    let projected = if additive {
        current.filter(|_| !elapsed.is_zero()).map(|c| c / elapsed)
    } else {
        current
    };
    let status = match (current, pace) {
        (Some(c), _) if c >= target => Status::Met,
        (_, Some(p)) if p >= Decimal::ONE => Status::Ahead,
        (_, Some(p)) if p >= Decimal::new(95, 2) => Status::OnTrack,
        // Nothing expected yet: not behind.
        (_, None) => Status::OnTrack,
        _ => Status::Behind,
    };
    Standing {
        current,
        expected_now,
        pace,
        projected,
        status,
    }
}

/// How many periods in a row met their target, ending with the current one
/// if it is met and otherwise with the one before it. `past` is newest first.
pub fn streak(current_met: bool, past: &[bool]) -> u32 {
    let run = past.iter().take_while(|m| **m).count() as u32;
    run + u32::from(current_met)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_local_and_a_dst_day_is_25_hours() {
        let day = span_of_day(Period::Daily, d("2026-11-01"), New_York);
        assert_eq!(day.start, t("2026-11-01T04:00:00Z"));
        assert_eq!(day.end, t("2026-11-02T05:00:00Z"));
        assert_eq!((day.end - day.start).num_hours(), 25);
        let spring = span_of_day(Period::Daily, d("2026-03-08"), New_York);
        assert_eq!((spring.end - spring.start).num_hours(), 23);
        let week = span_at(Period::Weekly, t("2026-12-02T15:00:00Z"), New_York);
        assert_eq!(
            (week.first_day, week.last_day),
            (d("2026-11-30"), d("2026-12-06"))
        );
        let month = span_of_day(Period::Monthly, d("2026-02-14"), New_York);
        assert_eq!(
            (month.first_day, month.last_day),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(
            before(Period::Weekly, &week, New_York).first_day,
            d("2026-11-23")
        );
        // A week that spans the month's end is one week.
        let across = span_of_day(Period::Weekly, d("2026-09-30"), New_York);
        assert_eq!(
            (across.first_day, across.last_day),
            (d("2026-09-28"), d("2026-10-04"))
        );
    }

    #[test]
    fn elapsed_counts_real_seconds() {
        let day = span_of_day(Period::Daily, d("2026-11-01"), New_York);
        // Noon local on the 25-hour day is 13 hours in (the 1 am hour twice).
        let noon = New_York
            .with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(elapsed(&day, noon), Decimal::from(13) / Decimal::from(25));
        assert_eq!(
            elapsed(&day, day.start - chrono::Duration::hours(1)),
            Decimal::ZERO
        );
        assert_eq!(
            elapsed(&day, day.end + chrono::Duration::hours(1)),
            Decimal::ONE
        );
    }

    #[test]
    fn standing_follows_the_spec() {
        // Additive: 40 of 100 at 0.5 → expected 50, pace 0.8, projected 80.
        let s = standing(Some(dec("40")), dec("100"), dec("0.5"), true);
        assert_eq!(s.expected_now, Some(dec("50")));
        assert_eq!(s.pace, Some(dec("0.8")));
        assert_eq!(s.projected, Some(dec("80")));
        assert_eq!(s.status, Status::Behind);
        assert_eq!(
            standing(Some(dec("48")), dec("100"), dec("0.5"), true).status,
            Status::OnTrack
        );
        assert_eq!(
            standing(Some(dec("50")), dec("100"), dec("0.5"), true).status,
            Status::Ahead
        );
        assert_eq!(
            standing(Some(dec("100")), dec("100"), dec("0.2"), true).status,
            Status::Met
        );
        // At the period's first instant nothing is expected: not behind.
        let start = standing(Some(dec("0")), dec("100"), Decimal::ZERO, true);
        assert_eq!(
            (start.pace, start.projected, start.status),
            (None, None, Status::OnTrack)
        );
        // A ratio: expected is the target, projected the figure itself.
        let r = standing(Some(dec("2.4")), dec("3"), dec("0.5"), false);
        assert_eq!(
            (r.expected_now, r.pace, r.projected),
            (Some(dec("3")), Some(dec("0.8")), Some(dec("2.4")))
        );
        assert_eq!(r.status, Status::Behind);
        assert_eq!(
            standing(None, dec("3"), dec("0.5"), false).status,
            Status::OnTrack
        );
    }

    #[test]
    fn a_streak_ends_with_the_current_period_only_when_it_is_met() {
        assert_eq!(streak(true, &[true, true, false, true]), 3);
        assert_eq!(streak(false, &[true, true, false]), 2);
        assert_eq!(streak(false, &[false, true]), 0);
        assert_eq!(streak(true, &[]), 1);
    }

    #[test]
    fn metrics_are_additive_or_ratios() {
        assert_eq!(is_additive("revenue"), Some(true));
        assert_eq!(is_additive("calls"), Some(true));
        assert_eq!(is_additive("roas"), Some(false));
        assert_eq!(is_additive("net_margin"), Some(false));
        assert_eq!(is_additive("happiness"), None);
        assert_eq!("weekly".parse::<Period>(), Ok(Period::Weekly));
        assert!("yearly".parse::<Period>().is_err());
    }
}
