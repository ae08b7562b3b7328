//! Daily rollups: every workspace day's figures, stored so a dashboard range is
//! a lookup, not a recomputation. The store's triggers mark the days a write
//! touched; [`refresh`] recomputes just those (or every day, after a setting the
//! figures depend on changed) from the records, with the pure `metrics` module,
//! inside one write transaction. [`read`] never writes: it takes the stored
//! days and computes the few that are marked or were never stored.

use crate::domain::{ConnectionId, Workspace, WorkspaceId};
use crate::metrics::{self, Totals};
use crate::store::{Store, StoreError};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Marked days closer than this are recomputed as one range (one load of the
/// records instead of several).
const MERGE_GAP_DAYS: i64 = 7;
/// No range is longer than this, so recomputing years holds about a month of
/// records per thread in memory at a time, not all of them. (At 62 days the
/// recompute after a 50,000-order backfill was its process's peak: 82 MiB
/// against 60 MiB at 31, for the same CPU; the Shopify bench, 2026-12-06.)
const MAX_RANGE_DAYS: i64 = 31;
/// Threads that compute ranges at once, at most (each holds one range's
/// records).
const MAX_THREADS: usize = 4;

/// What a refresh recomputed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Days whose rollups were written.
    pub days: usize,
    /// Whether every day was recomputed (a setting changed).
    pub all: bool,
}

pub fn timezone(ws: &Workspace) -> Result<Tz, StoreError> {
    ws.timezone
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("workspace time zone '{}'", ws.timezone)))
}

/// The figures of the local days `from..=to`, computed from the stored records.
pub fn compute(
    store: &Store,
    ws: &Workspace,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, Totals>, StoreError> {
    compute_with(store, ws, from, to, None)
}

/// The figures of the local day `day` from the records stamped up to the
/// instant `until` (an order booked, a refund, a shipment or an activity
/// after it is left out; ad days have no time of day and count whole).
pub fn compute_until(
    store: &Store,
    ws: &Workspace,
    day: NaiveDate,
    until: chrono::DateTime<chrono::Utc>,
) -> Result<Totals, StoreError> {
    Ok(compute_with(store, ws, day, day, Some(until))?
        .remove(&day)
        .unwrap_or_default())
}

fn compute_with(
    store: &Store,
    ws: &Workspace,
    from: NaiveDate,
    to: NaiveDate,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<BTreeMap<NaiveDate, Totals>, StoreError> {
    let tz = timezone(ws)?;
    let connections: Vec<ConnectionId> = store
        .connections(Some(ws.id))?
        .iter()
        .map(|c| c.id)
        .collect();
    // Wide enough for any zone's offset; days outside the range are dropped.
    let utc = |d: NaiveDate| format!("{d}T00:00:00Z");
    let from_utc = utc(from - Days::new(2));
    let to_utc = utc(to + Days::new(2));
    let mut loaded = store.metric_records(&connections, &from_utc, &to_utc, from, to)?;
    if let Some(until) = until {
        loaded
            .orders
            .retain(|o| o.processed_at.unwrap_or(o.created_at) <= until);
        for o in &mut loaded.orders {
            o.refunds.retain(|r| r.created_at <= until);
        }
        loaded.shipments.retain(|s| s.created_at <= until);
        loaded.activities.retain(|a| a.at <= until);
    }
    let expenses = store.expenses(ws.id)?;
    let settings = metrics::Settings {
        timezone: tz,
        default_cogs_percent: ws.default_cogs_percent,
        payment_fee_percent: ws.payment_fee_percent,
        payment_fee_fixed: ws.payment_fee_fixed,
        expenses: &expenses,
        costs: &loaded.costs,
    };
    let records = metrics::Records {
        orders: &loaded.orders,
        ads: &loaded.ads,
        shipments: &loaded.shipments,
        activities: &loaded.activities,
        customers: Some(&loaded.customers),
    };
    Ok(metrics::daily(records, &settings, from, to))
}

/// Each order line's figures over `from..=to` by variant (metrics.md,
/// Products), from the same records the daily figures are computed from.
pub fn line_figures(
    store: &Store,
    ws: &Workspace,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<
    std::collections::HashMap<metrics::products::LineKey, metrics::products::LineTotals>,
    StoreError,
> {
    let tz = timezone(ws)?;
    let connections: Vec<ConnectionId> = store
        .connections(Some(ws.id))?
        .iter()
        .map(|c| c.id)
        .collect();
    let costs = store.variant_costs(&connections)?;
    let settings = metrics::Settings {
        timezone: tz,
        default_cogs_percent: ws.default_cogs_percent,
        payment_fee_percent: ws.payment_fee_percent,
        payment_fee_fixed: ws.payment_fee_fixed,
        expenses: &[],
        costs: &costs,
    };
    let mut lines = metrics::products::ByLine::new(&settings, from, to);
    let utc = |d: NaiveDate| format!("{d}T00:00:00Z");
    // Orders are read as a stream: a year of them is never held at once.
    store.each_order(
        &connections,
        &utc(from - Days::new(2)),
        &utc(to + Days::new(2)),
        &mut |o| lines.add(o),
    )?;
    Ok(lines.finish())
}

/// One member's sales activity by local day over `from..=to`, from the
/// records (only the activity figures are filled in), up to `until` when
/// given. The member is one person known by any of `emails`.
pub fn member_days(
    store: &Store,
    ws: &Workspace,
    emails: &[String],
    from: NaiveDate,
    to: NaiveDate,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<BTreeMap<NaiveDate, Totals>, StoreError> {
    let tz = timezone(ws)?;
    let connections: Vec<ConnectionId> = store
        .connections(Some(ws.id))?
        .iter()
        .map(|c| c.id)
        .collect();
    let utc = |d: NaiveDate| format!("{d}T00:00:00Z");
    let mut activities = store.member_activities(
        &connections,
        emails,
        &utc(from - Days::new(2)),
        &utc(to + Days::new(2)),
    )?;
    if let Some(until) = until {
        activities.retain(|a| a.at <= until);
    }
    let mut days: BTreeMap<NaiveDate, Totals> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, Totals::default()))
        .collect();
    for a in &activities {
        if let Some(t) = days.get_mut(&metrics::local_day(a.at, tz)) {
            metrics::add_activities(t, a.kind, 1, a.talk_time_s);
        }
    }
    Ok(days)
}

/// Group sorted days into ranges, joining days at most `gap` days apart, and
/// no range longer than [`MAX_RANGE_DAYS`].
pub fn ranges(days: &BTreeSet<NaiveDate>, gap: i64) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some((start, end))
                if (d - *end).num_days() <= gap && (d - *start).num_days() < MAX_RANGE_DAYS =>
            {
                *end = d
            }
            _ => out.push((d, d)),
        }
    }
    out
}

/// Compute and store the rollups of these days. Called inside a write
/// transaction that has changed no record.
fn write_days(
    store: &Store,
    ws: &Workspace,
    days: &BTreeSet<NaiveDate>,
) -> Result<usize, StoreError> {
    let mut written = 0;
    for computed in compute_ranges(store, ws, &ranges(days, MERGE_GAP_DAYS))? {
        written += computed.len();
        store.put_rollups(ws.id, &computed)?;
    }
    Ok(written)
}

/// The figures of some days.
type Figures = BTreeMap<NaiveDate, Totals>;

/// The figures of each range, in order. Several ranges (a year recomputed)
/// are shared out among the cores: the others read through handles of their
/// own. `store` holds the write lock and has changed no record, so every
/// handle reads the same records it would.
fn compute_ranges(
    store: &Store,
    ws: &Workspace,
    ranges: &[(NaiveDate, NaiveDate)],
) -> Result<Vec<Figures>, StoreError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(ranges.len());
    if threads <= 1 {
        return ranges
            .iter()
            .map(|&(from, to)| compute(store, ws, from, to))
            .collect();
    }
    let next = AtomicUsize::new(0);
    // Each worker takes the next range not taken yet, until none is left.
    let work = |s: &Store| -> Result<Vec<(usize, Figures)>, StoreError> {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(from, to)) = ranges.get(i) else {
                return Ok(done);
            };
            done.push((i, compute(s, ws, from, to)?));
        }
    };
    let readers = (1..threads)
        .map(|_| store.reader())
        .collect::<Result<Vec<Store>, StoreError>>()?;
    let mut all = std::thread::scope(|scope| {
        let helpers: Vec<_> = readers
            .into_iter()
            .map(|reader| scope.spawn(move || work(&reader)))
            .collect();
        let mut all = work(store)?;
        for h in helpers {
            all.extend(h.join().expect("a rollup thread panicked")?);
        }
        Ok::<_, StoreError>(all)
    })?;
    // Back in the ranges' order.
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, computed)| computed).collect())
}

/// Recompute the days the triggers marked for this workspace, and clear the
/// marks, in one write transaction. Cheap when nothing is marked.
pub fn refresh(store: &Store, workspace: WorkspaceId) -> Result<Refreshed, StoreError> {
    if !store.has_pending_rollups(workspace)? {
        return Ok(Refreshed::default());
    }
    store.in_write_transaction(|s| {
        let pending = s.pending_rollups(workspace)?;
        let ws = s.workspace(workspace)?;
        let tz = timezone(&ws)?;
        let days: BTreeSet<NaiveDate> = if pending.all {
            s.delete_rollups(workspace)?;
            match s.record_span(workspace)? {
                // A day either side covers every zone's offset from UTC.
                Some((first, last)) => (first - Days::new(1))
                    .iter_days()
                    .take_while(|d| *d <= last + Days::new(1))
                    .collect(),
                None => BTreeSet::new(),
            }
        } else {
            let mut days = pending.local_days.clone();
            for utc_day in &pending.utc_days {
                days.extend(metrics::local_days_of_utc_day(*utc_day, tz));
            }
            days
        };
        let written = write_days(s, &ws, &days)?;
        s.clear_pending_rollups(workspace)?;
        tracing::debug!(%workspace, days = written, all = pending.all, "rollups recomputed");
        Ok(Refreshed {
            days: written,
            all: pending.all,
        })
    })
}

/// The daily figures of `from..=to`, without writing anything (so a read never
/// waits on a sync that is writing): the stored rollups, except for days that
/// are marked for recomputing or were never computed, which are computed from
/// the records — all in one read transaction, so they agree with each other.
pub fn read(
    store: &Store,
    workspace: WorkspaceId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, Totals>, StoreError> {
    store.in_read_transaction(|s| {
        let ws = s.workspace(workspace)?;
        let pending = s.pending_rollups(workspace)?;
        let mut days = if pending.all {
            BTreeMap::new()
        } else {
            s.rollups(workspace, from, to)?
        };
        let tz = timezone(&ws)?;
        let mut stale: BTreeSet<NaiveDate> = pending.local_days.clone();
        for utc_day in &pending.utc_days {
            stale.extend(metrics::local_days_of_utc_day(*utc_day, tz));
        }
        let live: BTreeSet<NaiveDate> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| stale.contains(d) || !days.contains_key(d))
            .collect();
        for (a, b) in ranges(&live, MERGE_GAP_DAYS) {
            for (day, totals) in compute(s, &ws, a, b)? {
                if live.contains(&day) {
                    days.insert(day, totals);
                }
            }
        }
        Ok(days)
    })
}

/// Recompute every day of the workspace now, as after a settings change.
pub fn recompute_all(store: &Store, workspace: WorkspaceId) -> Result<Refreshed, StoreError> {
    store.mark_all_rollups(workspace)?;
    refresh(store, workspace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_join_near_days_and_split_far_ones() {
        let days: BTreeSet<NaiveDate> = ["2026-01-01", "2026-01-02", "2026-01-05", "2026-02-01"]
            .iter()
            .map(|s| d(s))
            .collect();
        assert_eq!(
            ranges(&days, 7),
            vec![
                (d("2026-01-01"), d("2026-01-05")),
                (d("2026-02-01"), d("2026-02-01"))
            ]
        );
        assert_eq!(ranges(&BTreeSet::new(), 7), vec![]);
        let year: BTreeSet<NaiveDate> = d("2026-01-01").iter_days().take(365).collect();
        let split = ranges(&year, 7);
        // A year in ranges of 31 days at most: twelve.
        assert_eq!(split.len(), 12);
        assert!(split
            .iter()
            .all(|(a, b)| (*b - *a).num_days() < MAX_RANGE_DAYS));
        assert_eq!(split.first().unwrap().0, d("2026-01-01"));
        assert_eq!(split.last().unwrap().1, d("2026-12-31"));
    }
}
