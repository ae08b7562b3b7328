//! The dashboard's use case: a range's key figures, each beside the period of
//! equal length before it, with its label, how it is written, and which way
//! it moved and whether that is good news. The UI only draws what this says.

use super::{Core, Result};
use crate::domain::{InvalidInput, WorkspaceId};
use crate::metrics::keys::{value, Value};
use crate::metrics::{Grouping, Totals};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// In the workspace currency.
    Money,
    Count,
    /// A multiple (`2.40×`).
    Ratio,
    Percent,
    Seconds,
}

/// Which way a figure's rise reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Better {
    Higher,
    Lower,
}

/// The dashboard's tiles, in order: key, label, how written, which way is good.
pub(super) const TILES: &[(&str, &str, Kind, Better)] = &[
    ("revenue", "Revenue", Kind::Money, Better::Higher),
    ("orders", "Orders", Kind::Count, Better::Higher),
    ("aov", "Average order", Kind::Money, Better::Higher),
    ("net_profit", "Net profit", Kind::Money, Better::Higher),
    ("net_margin", "Net margin", Kind::Percent, Better::Higher),
    ("ad_spend", "Ad spend", Kind::Money, Better::Higher),
    ("roas", "ROAS", Kind::Ratio, Better::Higher),
    ("poas", "POAS", Kind::Ratio, Better::Higher),
    (
        "new_customers",
        "New customers",
        Kind::Count,
        Better::Higher,
    ),
    ("rto_rate", "RTO rate", Kind::Percent, Better::Lower),
    ("calls", "Calls", Kind::Count, Better::Higher),
    ("talk_time_s", "Talk time", Kind::Seconds, Better::Higher),
];

/// A tile's key, label and kind, by key (the figures a chart may be asked for).
pub(super) fn tile_facts(key: &str) -> Option<(&'static str, &'static str, Kind)> {
    TILES
        .iter()
        .find(|t| t.0 == key)
        .map(|&(key, label, kind, _)| (key, label, kind))
}

/// Which way a figure moved against the period before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
    Flat,
}

/// A figure's change against the period before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// (now − before) ÷ |before|, as a plain decimal (`0.125` is 12.5 %).
    pub ratio: String,
    pub direction: Direction,
    /// Whether the move is good news (a falling RTO rate is).
    pub good: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tile {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// Plain numbers as text (`.` decimals); `None` for an empty ratio.
    pub value: Option<String>,
    pub previous: Option<String>,
    /// `None` when there is nothing to compare with (no figure, or zero before).
    pub change: Option<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    pub currency: String,
    pub timezone: String,
    pub tiles: Vec<Tile>,
    /// Some days' figures are being recomputed (after a cost or a setting
    /// changed): the tiles already show them computed from the records.
    pub recomputing: bool,
}

/// The period of equal length just before `from..=to`.
pub fn previous(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let days = (to - from).num_days().max(0) as u64 + 1;
    (from - Days::new(days), from - Days::new(1))
}

fn number(v: Value) -> Option<Decimal> {
    match v {
        Value::Count(n) => Some(Decimal::from(n)),
        Value::Money(d) | Value::Quantity(d) => Some(d),
        Value::Ratio(r) => r,
    }
}

/// The change from `before` to `now`; `None` without both, or from zero.
pub(super) fn change(
    now: Option<Decimal>,
    before: Option<Decimal>,
    better: Better,
) -> Option<Change> {
    let (now, before) = (now?, before?);
    if before.is_zero() {
        return None;
    }
    let ratio = (now - before) / before.abs();
    let direction = if ratio.is_sign_positive() && !ratio.is_zero() {
        Direction::Up
    } else if ratio.is_zero() {
        Direction::Flat
    } else {
        Direction::Down
    };
    let good = match (direction, better) {
        (Direction::Flat, _) => false,
        (Direction::Up, Better::Higher) | (Direction::Down, Better::Lower) => true,
        _ => false,
    };
    Some(Change {
        ratio: ratio.round_dp(6).normalize().to_string(),
        direction,
        good,
    })
}

/// The tiles for the figures of a range and of the period before it.
pub fn tiles(now: &Totals, before: &Totals) -> Vec<Tile> {
    TILES
        .iter()
        .map(|&(key, label, kind, better)| {
            let (v, p) = (value(now, key), value(before, key));
            let text = |v: Option<Value>| v.map(Value::render).filter(|t| !t.is_empty());
            Tile {
                key,
                label,
                kind,
                change: change(v.and_then(number), p.and_then(number), better),
                value: text(v),
                previous: text(p),
            }
        })
        .collect()
}

/// Parse a day a person or the UI sent, naming the field when it is not one.
pub fn parse_day(field: &str, raw: &str) -> std::result::Result<NaiveDate, InvalidInput> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| InvalidInput::new(field, format!("'{raw}' is not a date (YYYY-MM-DD)")))
}

/// Put a member's sales activity in place of the workspace's.
fn with_member(mut t: Totals, m: &Totals) -> Totals {
    t.emails = m.emails;
    t.crm_calls = m.crm_calls;
    t.leads = m.leads;
    t.calls = m.calls;
    t.calls_answered = m.calls_answered;
    t.calls_missed = m.calls_missed;
    t.talk_time_s = m.talk_time_s;
    t
}

impl Core {
    /// The dashboard of `from..=to`; with `member`, the sales figures are
    /// that member's.
    pub fn dashboard(
        &self,
        workspace: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
        member: Option<&str>,
    ) -> Result<Dashboard> {
        let ws = self.store.workspace(workspace)?;
        let (previous_from, previous_to) = previous(from, to);
        let total = |f, t| -> Result<Totals> {
            Ok(self
                .metrics(ws.id, f, t, Grouping::Total)?
                .into_iter()
                .next()
                .map(|(_, totals)| totals)
                .unwrap_or_default())
        };
        let mut now = total(from, to)?;
        let mut before = total(previous_from, previous_to)?;
        if let Some(m) = member {
            let of = |f, t| -> Result<Totals> {
                Ok(self
                    .member_metrics(ws.id, m, f, t, Grouping::Total)?
                    .into_iter()
                    .next()
                    .map(|(_, totals)| totals)
                    .unwrap_or_default())
            };
            now = with_member(now, &of(from, to)?);
            before = with_member(before, &of(previous_from, previous_to)?);
        }
        Ok(Dashboard {
            from,
            to,
            previous_from,
            previous_to,
            currency: ws.currency,
            timezone: ws.timezone,
            tiles: tiles(&now, &before),
            recomputing: !self.store.pending_rollups(ws.id)?.is_empty(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_period_before_is_as_long_and_ends_the_day_before() {
        assert_eq!(
            previous(d("2026-11-01"), d("2026-11-30")),
            (d("2026-10-02"), d("2026-10-31"))
        );
        assert_eq!(
            previous(d("2026-03-01"), d("2026-03-01")),
            (d("2026-02-28"), d("2026-02-28"))
        );
    }

    #[test]
    fn a_change_says_which_way_and_whether_that_is_good() {
        let dec = |s: &str| Some(s.parse::<Decimal>().unwrap());
        let up = change(dec("112.5"), dec("100"), Better::Higher).unwrap();
        assert_eq!(up.ratio, "0.125");
        assert_eq!((up.direction, up.good), (Direction::Up, true));
        let rto_up = change(dec("0.12"), dec("0.1"), Better::Lower).unwrap();
        assert_eq!((rto_up.direction, rto_up.good), (Direction::Up, false));
        let loss = change(dec("-50"), dec("-100"), Better::Higher).unwrap();
        assert_eq!(loss.ratio, "0.5", "a smaller loss is a rise");
        assert!(loss.good);
        let flat = change(dec("7"), dec("7"), Better::Higher).unwrap();
        assert_eq!((flat.direction, flat.good), (Direction::Flat, false));
        assert_eq!(change(dec("5"), dec("0"), Better::Higher), None);
        assert_eq!(change(None, dec("3"), Better::Higher), None);
    }

    #[test]
    fn every_tile_has_a_label_and_empty_ratios_stay_empty() {
        let t = tiles(&Totals::default(), &Totals::default());
        assert_eq!(t.len(), TILES.len());
        let roas = t.iter().find(|t| t.key == "roas").unwrap();
        assert_eq!((roas.value.as_deref(), roas.change.as_ref()), (None, None));
        let orders = t.iter().find(|t| t.key == "orders").unwrap();
        assert_eq!(orders.value.as_deref(), Some("0"));
        assert!(t.iter().all(|t| !t.label.is_empty()));
    }
}
