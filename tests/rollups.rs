//! Stored daily rollups on a real SQLite file: after a sync they equal a fresh
//! computation from the records, day by day; a later write marks only the days
//! it touches; a setting the figures depend on marks every day.

use chrono::{NaiveDate, TimeZone, Utc};
use pulseboard::connectors::demo::{DemoConfig, DemoSource};
use pulseboard::domain::records::{
    Activity, ActivityKind, AdDay, AdPlatform, Batch, CallOutcome, FinancialStatus, Order,
    OrderLine, Refund, RefundLine, Variant,
};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::{
    ConnectionId, ConnectionInput, ExpenseInput, Provider, WorkspaceId, WorkspaceInput,
};
use pulseboard::metrics::{Grouping, Totals};
use pulseboard::rollups;
use pulseboard::secrets::MemorySecrets;
use pulseboard::service::Core;
use pulseboard::settings::Paths;
use pulseboard::sync::run_connection;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const FIRST: &str = "2026-09-20";
const LAST: &str = "2026-11-14";

struct Setup {
    dir: tempfile::TempDir,
    core: Core,
    ws: WorkspaceId,
    conn: ConnectionId,
}

/// A New York shop (DST ends on 1 November inside the history) with the demo
/// business synced from 20 September to 14 November 2026.
fn synced() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut core = Core::open(
        Paths::under(dir.path().to_path_buf()),
        Arc::new(MemorySecrets::default()),
    )
    .unwrap();
    let ws = core
        .add_workspace(&WorkspaceInput {
            name: "Shop".into(),
            timezone: Some("America/New_York".into()),
            currency: Some("USD".into()),
            default_cogs_percent: Some("30".into()),
            payment_fee_percent: Some("2.9".into()),
            payment_fee_fixed: Some("0.30".into()),
        })
        .unwrap()
        .id;
    let conn = core
        .connect(ws, Provider::Demo, &ConnectionInput::default())
        .unwrap()
        .id;
    let source = DemoSource::new(DemoConfig {
        seed: 7,
        history_start: d(FIRST),
        now: Utc.with_ymd_and_hms(2026, 11, 14, 23, 0, 0).unwrap(),
        orders_per_day: 25,
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let locks = dir.path().join("locks");
    rt.block_on(run_connection(
        core.store_mut(),
        &locks,
        conn,
        &source,
        Trigger::Cli,
    ))
    .unwrap();
    let done = rollups::refresh(core.store(), ws).unwrap();
    assert!(
        done.days >= 56,
        "the backfill's days were computed: {done:?}"
    );
    Setup {
        dir,
        core,
        ws,
        conn,
    }
}

fn stored(s: &Setup, from: &str, to: &str) -> BTreeMap<NaiveDate, Totals> {
    s.core
        .metrics(s.ws, d(from), d(to), Grouping::Day)
        .unwrap()
        .into_iter()
        .collect()
}

fn live(s: &Setup, from: &str, to: &str) -> BTreeMap<NaiveDate, Totals> {
    let ws = s.core.store().workspace(s.ws).unwrap();
    rollups::compute(s.core.store(), &ws, d(from), d(to)).unwrap()
}

fn assert_same(s: &Setup) {
    let a = stored(s, "2026-09-15", "2026-11-20");
    let b = live(s, "2026-09-15", "2026-11-20");
    assert_eq!(a.len(), b.len());
    for (day, t) in &b {
        assert_eq!(
            &a[day], t,
            "stored rollup of {day} differs from the records"
        );
    }
}

fn order(id: &str, at: chrono::DateTime<Utc>, refund_at: Option<chrono::DateTime<Utc>>) -> Order {
    Order {
        name: None,
        legacy_id: None,
        id: id.into(),
        processed_at: Some(at),
        created_at: at,
        test: false,
        financial_status: FinancialStatus::Other,
        customer_id: Some("rollup-test-customer".into()),
        customer_order_count: Some(1),
        discounts: Decimal::ZERO,
        shipping: Decimal::new(500, 2),
        taxes: Decimal::ZERO,
        lines: vec![OrderLine {
            id: "line-1".into(),
            variant_id: None,
            quantity: 2,
            unit_price: Decimal::new(4000, 2),
        }],
        refunds: refund_at
            .map(|t| Refund {
                id: "refund-1".into(),
                created_at: t,
                lines: vec![RefundLine {
                    line_id: "line-1".into(),
                    quantity: 1,
                    subtotal: Decimal::new(4000, 2),
                }],
                shipping: Decimal::ZERO,
            })
            .into_iter()
            .collect(),
    }
}

fn utc_days(days: &[&str]) -> BTreeSet<NaiveDate> {
    days.iter().map(|s| d(s)).collect()
}

/// Store a page of orders on the test's connection, as a sync would.
fn store_orders(s: &mut Setup, orders: Vec<Order>) {
    s.core
        .store_mut()
        .apply_page(s.conn, "orders", &Batch::Orders(orders), None)
        .unwrap();
}

#[test]
fn after_a_sync_the_stored_rollups_equal_the_records_day_by_day() {
    let s = synced();
    assert!(!s.core.store().has_pending_rollups(s.ws).unwrap());
    assert!(s.core.store().rollup_count(s.ws).unwrap() >= 56);
    assert_same(&s);
    let total: Totals = stored(&s, FIRST, LAST)
        .values()
        .fold(Totals::default(), |mut a, t| {
            a.add(t);
            a
        });
    assert!(
        total.orders > 500,
        "the demo business sold: {}",
        total.orders
    );
    assert!(total.refunds > Decimal::ZERO && total.ad_spend > Decimal::ZERO);
}

#[test]
fn a_later_write_marks_and_recomputes_only_the_days_it_touches() {
    let mut s = synced();
    let before = stored(&s, FIRST, LAST);

    // A new order on 10 October (UTC afternoon) refunded on 20 October.
    let placed = Utc.with_ymd_and_hms(2026, 10, 10, 15, 0, 0).unwrap();
    let refunded = Utc.with_ymd_and_hms(2026, 10, 20, 16, 0, 0).unwrap();
    store_orders(&mut s, vec![order("rollup-1", placed, Some(refunded))]);
    let pending = s.core.store().pending_rollups(s.ws).unwrap();
    assert!(!pending.all);
    assert_eq!(pending.utc_days, utc_days(&["2026-10-10", "2026-10-20"]));
    assert!(pending.local_days.is_empty());

    // Each UTC day spans two New York days; the two pairs are recomputed apart.
    let done = rollups::refresh(s.core.store(), s.ws).unwrap();
    assert_eq!(
        done,
        rollups::Refreshed {
            days: 4,
            all: false
        }
    );
    let after = stored(&s, FIRST, LAST);
    let (b, a) = (&before[&d("2026-10-10")], &after[&d("2026-10-10")]);
    assert_eq!(a.orders, b.orders + 1);
    assert_eq!(a.gross_sales, b.gross_sales + Decimal::new(8000, 2));
    assert_eq!(a.new_customers, b.new_customers + 1);
    let (b, a) = (&before[&d("2026-10-20")], &after[&d("2026-10-20")]);
    assert_eq!(a.refunds, b.refunds + Decimal::new(4000, 2));
    assert_eq!(a.units, b.units - 1);
    for day in [d("2026-10-01"), d("2026-10-15"), d("2026-11-05")] {
        assert_eq!(after[&day], before[&day], "{day} was not touched");
    }
    assert_same(&s);

    // An edit moves the order to 12 October: the old day and the new one are
    // marked (and the refund's, rewritten with the order), and 10 October is
    // back to what it was.
    let moved = Utc.with_ymd_and_hms(2026, 10, 12, 15, 0, 0).unwrap();
    store_orders(&mut s, vec![order("rollup-1", moved, Some(refunded))]);
    assert_eq!(
        s.core.store().pending_rollups(s.ws).unwrap().utc_days,
        utc_days(&["2026-10-10", "2026-10-12", "2026-10-20"])
    );
    let after_edit = stored(&s, FIRST, LAST);
    assert_eq!(after_edit[&d("2026-10-10")], before[&d("2026-10-10")]);
    assert_eq!(
        after_edit[&d("2026-10-12")].orders,
        before[&d("2026-10-12")].orders + 1
    );
    assert_same(&s);
}

/// A page can carry an order twice (an edit between two reads of a bulk
/// export): the later copy wins whole, lines and refunds included, and the
/// first copy's lines are not stored twice.
#[test]
fn a_page_with_an_order_twice_keeps_the_later_copy_whole() {
    let mut s = synced();
    let before = s.core.store().record_counts(s.conn).unwrap();
    let placed = Utc.with_ymd_and_hms(2026, 10, 10, 15, 0, 0).unwrap();
    let refunded = Utc.with_ymd_and_hms(2026, 10, 20, 16, 0, 0).unwrap();
    let mut edited = order("twice-1", placed, None);
    edited.lines[0].quantity = 3;
    store_orders(
        &mut s,
        vec![order("twice-1", placed, Some(refunded)), edited],
    );
    let after = s.core.store().record_counts(s.conn).unwrap();
    assert_eq!(after.orders, before.orders + 1);
    assert_eq!(after.order_lines, before.order_lines + 1);
    assert_eq!(
        after.refunds, before.refunds,
        "the later copy has no refund"
    );
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let day = &stored(&s, "2026-10-10", "2026-10-10")[&d("2026-10-10")];
    let without = &live(&s, "2026-10-10", "2026-10-10")[&d("2026-10-10")];
    assert_eq!(day, without);
    assert_same(&s);

    // Stored again in a later page, as an edit is, the lines are replaced too.
    store_orders(&mut s, vec![order("twice-1", placed, Some(refunded))]);
    let again = s.core.store().record_counts(s.conn).unwrap();
    assert_eq!(again.order_lines, before.order_lines + 1);
    assert_eq!(again.refunds, before.refunds + 1);
    rollups::refresh(s.core.store(), s.ws).unwrap();
    assert_same(&s);
}

/// Of a customer's days only the first order's can turn between new and
/// returning, so a write marks the order's own day and the customer's two
/// earliest, not every day the customer ordered on.
#[test]
fn an_earlier_order_moves_the_customers_first_day_and_marks_only_the_first_days() {
    let mut s = synced();
    let at = |day: u32| Utc.with_ymd_and_hms(2026, 10, day, 16, 0, 0).unwrap();
    let of_customer = |id: &str, day: u32, count: u64| Order {
        customer_id: Some("first-day-customer".into()),
        customer_order_count: Some(count),
        ..order(id, at(day), None)
    };
    store_orders(
        &mut s,
        vec![
            of_customer("first-day-5", 5, 3),
            of_customer("first-day-15", 15, 3),
            of_customer("first-day-25", 25, 3),
        ],
    );
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let before = stored(&s, FIRST, LAST);

    // Shopify now reports 4 orders and the fourth is older than the others:
    // 1 October becomes the customer's first day and 5 October a returning one.
    store_orders(&mut s, vec![of_customer("first-day-1", 1, 4)]);
    assert_eq!(
        s.core.store().pending_rollups(s.ws).unwrap().utc_days,
        utc_days(&["2026-10-01", "2026-10-05"]),
        "the new order's day and the customer's two earliest, not 15 or 25 October"
    );
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let after = stored(&s, FIRST, LAST);
    assert_eq!(
        after[&d("2026-10-01")].new_customers,
        before[&d("2026-10-01")].new_customers + 1
    );
    assert_eq!(
        after[&d("2026-10-05")].new_customers,
        before[&d("2026-10-05")].new_customers - 1
    );
    assert_eq!(
        after[&d("2026-10-05")].returning_customers,
        before[&d("2026-10-05")].returning_customers + 1
    );
    assert_same(&s);

    // An edit moves that order to 20 October: its old and new days, and the
    // two earliest after the edit (5 and 15 October); 5 October is the
    // first day again.
    store_orders(&mut s, vec![of_customer("first-day-1", 20, 4)]);
    assert_eq!(
        s.core.store().pending_rollups(s.ws).unwrap().utc_days,
        utc_days(&["2026-10-01", "2026-10-05", "2026-10-15", "2026-10-20"])
    );
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let moved = stored(&s, FIRST, LAST);
    assert_eq!(moved[&d("2026-10-05")], before[&d("2026-10-05")]);
    assert_eq!(
        moved[&d("2026-10-01")].new_customers,
        before[&d("2026-10-01")].new_customers
    );
    assert_same(&s);
}

#[test]
fn a_page_with_two_earlier_orders_of_a_customer_marks_the_old_first_day() {
    let mut s = synced();
    let at = |day: u32| Utc.with_ymd_and_hms(2026, 10, day, 16, 0, 0).unwrap();
    let of_customer = |id: &str, day: u32, count: u64| Order {
        customer_id: Some("two-earlier-customer".into()),
        customer_order_count: Some(count),
        ..order(id, at(day), None)
    };
    store_orders(
        &mut s,
        vec![
            of_customer("two-earlier-5", 5, 3),
            of_customer("two-earlier-15", 15, 3),
            of_customer("two-earlier-25", 25, 3),
        ],
    );
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let before = stored(&s, FIRST, LAST);

    // One page brings two older orders: 5 October stops being the first day
    // though after the page it is not among the customer's two earliest.
    store_orders(
        &mut s,
        vec![
            of_customer("two-earlier-2", 2, 5),
            of_customer("two-earlier-1", 1, 5),
        ],
    );
    assert_eq!(
        s.core.store().pending_rollups(s.ws).unwrap().utc_days,
        utc_days(&["2026-10-01", "2026-10-02", "2026-10-05"])
    );
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let after = stored(&s, FIRST, LAST);
    assert_eq!(
        after[&d("2026-10-05")].new_customers,
        before[&d("2026-10-05")].new_customers - 1
    );
    assert_eq!(
        after[&d("2026-10-05")].returning_customers,
        before[&d("2026-10-05")].returning_customers + 1
    );
    assert_same(&s);
}

#[test]
fn an_ad_row_marks_its_own_reporting_day() {
    let mut s = synced();
    let before = stored(&s, "2026-10-05", "2026-10-05");
    s.core
        .store_mut()
        .apply_page(
            s.conn,
            "ads",
            &Batch::AdDays(vec![AdDay {
                platform: AdPlatform::Google,
                campaign_id: "rollup-campaign".into(),
                date: d("2026-10-05"),
                spend: Decimal::new(12345, 2),
                impressions: 1000,
                clicks: 10,
                reach: 0,
                purchases: Decimal::ONE,
                purchase_value: Decimal::new(5000, 2),
            }]),
            None,
        )
        .unwrap();
    let pending = s.core.store().pending_rollups(s.ws).unwrap();
    assert_eq!(pending.local_days, utc_days(&["2026-10-05"]));
    assert!(pending.utc_days.is_empty() && !pending.all);
    let after = stored(&s, "2026-10-05", "2026-10-05");
    let day = d("2026-10-05");
    assert_eq!(
        after[&day].ad_spend,
        before[&day].ad_spend + Decimal::new(12345, 2)
    );
    assert_eq!(after[&day].clicks, before[&day].clicks + 10);
}

/// A page of variant costs marks the days of every order and refund with a
/// line of a variant whose cost it changes (migration 10 marks them once per
/// page), and nothing for a cost it repeats or a variant no line has.
#[test]
fn a_cost_page_marks_only_the_days_of_the_variants_it_changes() {
    let mut s = synced();
    let at = |day: u32| Utc.with_ymd_and_hms(2026, 10, day, 15, 0, 0).unwrap();
    let mut costed = order("cost-1", at(10), Some(at(20)));
    costed.lines[0].variant_id = Some("rollup-variant".into());
    let mut other = order("cost-2", at(12), None);
    other.lines[0].variant_id = Some("other-variant".into());
    store_orders(&mut s, vec![costed, other]);
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let before = stored(&s, FIRST, LAST);

    let costs = |s: &mut Setup, list: &[(&str, Option<Decimal>)]| {
        let list = list
            .iter()
            .map(|(v, c)| Variant {
                id: v.to_string(),
                unit_cost: *c,
                ..Variant::default()
            })
            .collect();
        s.core
            .store_mut()
            .apply_page(s.conn, "variants", &Batch::Variants(list), None)
            .unwrap();
        s.core.store().pending_rollups(s.ws).unwrap()
    };
    let pending = costs(&mut s, &[("rollup-variant", Some(Decimal::new(1500, 2)))]);
    assert_eq!(pending.utc_days, utc_days(&["2026-10-10", "2026-10-20"]));
    assert!(pending.local_days.is_empty() && !pending.all);
    let after = stored(&s, FIRST, LAST);
    // Two units at 15.00 instead of 30% of 80.00; one refunded on the 20th.
    assert_eq!(
        after[&d("2026-10-10")].cogs,
        before[&d("2026-10-10")].cogs + Decimal::new(600, 2)
    );
    assert_ne!(after[&d("2026-10-20")], before[&d("2026-10-20")]);
    assert_eq!(after[&d("2026-10-12")], before[&d("2026-10-12")]);
    assert_same(&s);
    rollups::refresh(s.core.store(), s.ws).unwrap();

    // The same cost again, and a variant no line has: nothing to recompute.
    let pending = costs(
        &mut s,
        &[
            ("rollup-variant", Some(Decimal::new(1500, 2))),
            ("unsold-variant", Some(Decimal::ONE)),
        ],
    );
    assert!(pending.utc_days.is_empty() && pending.local_days.is_empty());

    // A cost set and taken back within one page still marks its days.
    costs(&mut s, &[("other-variant", Some(Decimal::ONE))]);
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let pending = costs(
        &mut s,
        &[
            ("other-variant", Some(Decimal::TWO)),
            ("other-variant", Some(Decimal::ONE)),
        ],
    );
    assert_eq!(pending.utc_days, utc_days(&["2026-10-12"]));
    assert_same(&s);
}

/// The rollups as stored (no live computation), compared with the records.
fn assert_stored_rows_are_fresh(s: &Setup) {
    assert!(!s.core.store().has_pending_rollups(s.ws).unwrap());
    let rows = s.core.store().rollups(s.ws, d(FIRST), d(LAST)).unwrap();
    let fresh = live(s, FIRST, LAST);
    assert_eq!(
        rows.len(),
        fresh.len(),
        "every day of the history is stored"
    );
    for (day, t) in &fresh {
        assert_eq!(&rows[day], t, "stored rollup of {day}");
    }
}

#[test]
fn settings_the_figures_depend_on_recompute_every_day() {
    let mut s = synced();
    let span = s.core.store().rollups(s.ws, d(FIRST), d(LAST)).unwrap();

    // Time zone: the edit marks every day, and the stored rows are redone at
    // once (the marks are gone, every row equals the records in the new zone).
    s.core
        .edit_workspace(
            s.ws,
            &WorkspaceInput {
                timezone: Some("Asia/Kolkata".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_stored_rows_are_fresh(&s);
    let moved = s.core.store().rollups(s.ws, d(FIRST), d(LAST)).unwrap();
    let changed = span.iter().filter(|(d, t)| moved[*d] != **t).count();
    assert!(
        changed > span.len() * 9 / 10,
        "{changed} of {} days moved",
        span.len()
    );

    // Marks alone: a trigger marks every day for a settings change.
    s.core.store().mark_all_rollups(s.ws).unwrap();
    assert!(s.core.store().pending_rollups(s.ws).unwrap().all);
    let done = rollups::refresh(s.core.store(), s.ws).unwrap();
    assert!(done.all && done.days >= span.len(), "{done:?}");

    // Default COGS %: estimates change on every day with an uncosted line.
    let before = stored(&s, FIRST, LAST);
    s.core
        .edit_workspace(
            s.ws,
            &WorkspaceInput {
                default_cogs_percent: Some("50".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_stored_rows_are_fresh(&s);
    let after = stored(&s, FIRST, LAST);
    let day = before
        .iter()
        .find(|(_, t)| t.cogs_estimated > Decimal::ZERO)
        .map(|(d, _)| *d)
        .expect("a day with estimated costs");
    assert!(after[&day].cogs_estimated > before[&day].cogs_estimated);

    // Fees and a recurring expense.
    s.core
        .edit_workspace(
            s.ws,
            &WorkspaceInput {
                payment_fee_fixed: Some("1.00".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_stored_rows_are_fresh(&s);
    let fees = stored(&s, "2026-10-07", "2026-10-07");
    let t = &fees[&d("2026-10-07")];
    assert_eq!(
        t.payment_fees,
        t.revenue() * Decimal::new(29, 1) / Decimal::ONE_HUNDRED + Decimal::from(t.orders)
    );
    let rent = s
        .core
        .add_expense(
            s.ws,
            &ExpenseInput {
                name: "Rent".into(),
                monthly_amount: "3100".into(),
                start_month: "2026-10".into(),
                end_month: Some("2026-10".into()),
            },
        )
        .unwrap();
    assert_stored_rows_are_fresh(&s);
    let days = stored(&s, "2026-09-30", "2026-11-01");
    assert_eq!(days[&d("2026-09-30")].other_expenses, Decimal::ZERO);
    assert_eq!(days[&d("2026-10-15")].other_expenses, Decimal::from(100));
    assert_eq!(days[&d("2026-11-01")].other_expenses, Decimal::ZERO);
    s.core.remove_expense(rent.id).unwrap();
    assert_stored_rows_are_fresh(&s);
    assert_eq!(
        stored(&s, "2026-10-15", "2026-10-15")[&d("2026-10-15")].other_expenses,
        Decimal::ZERO
    );
}

#[test]
fn removing_the_connection_takes_its_figures_with_it() {
    let mut s = synced();
    s.core.disconnect(s.conn).unwrap();
    assert!(!s.core.store().has_pending_rollups(s.ws).unwrap());
    let rows = s.core.store().rollups(s.ws, d(FIRST), d(LAST)).unwrap();
    assert!(rows.is_empty(), "no records, no stored days");
    let after = stored(&s, FIRST, LAST);
    assert!(after
        .values()
        .all(|t| t.orders == 0 && t.ad_spend.is_zero()));
    drop(s.dir);
}

#[test]
fn reading_never_writes_and_unstored_days_are_computed() {
    let mut s = synced();
    let before = s.core.store().rollup_count(s.ws).unwrap();
    let far = stored(&s, "2020-01-01", "2020-12-31");
    assert_eq!(far.len(), 366);
    assert!(far.values().all(|t| *t == Totals::default()));
    assert_eq!(s.core.store().rollup_count(s.ws).unwrap(), before);

    // A marked day reads right before anything recomputes it.
    let placed = Utc.with_ymd_and_hms(2026, 10, 10, 15, 0, 0).unwrap();
    store_orders(&mut s, vec![order("rollup-2", placed, None)]);
    let day = d("2026-10-10");
    let stale = s.core.store().rollups(s.ws, day, day).unwrap()[&day].orders;
    assert_eq!(
        stored(&s, "2026-10-10", "2026-10-10")[&day].orders,
        stale + 1
    );
    assert!(
        s.core.store().has_pending_rollups(s.ws).unwrap(),
        "still marked"
    );
    assert_same(&s);
}

#[test]
fn in_the_background_a_settings_change_is_recomputed_without_holding_the_caller() {
    let mut s = synced();
    s.core.set_background_rollups(true);
    s.core
        .edit_workspace(
            s.ws,
            &WorkspaceInput {
                timezone: Some("Europe/Berlin".into()),
                ..Default::default()
            },
        )
        .unwrap();
    // Reads are right at once (marked days are computed) …
    assert_same(&s);
    // … and the stored rows catch up on their own.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while s.core.store().has_pending_rollups(s.ws).unwrap() {
        assert!(
            std::time::Instant::now() < deadline,
            "the background recompute finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_stored_rows_are_fresh(&s);
}

/// A page of activities marks the days of the ones it adds or changes
/// (once per page, migration 16), and nothing for one re-read unchanged —
/// Copper reads its trailing month again every sync.
#[test]
fn an_activity_page_marks_only_the_days_it_changes() {
    let mut s = synced();
    rollups::refresh(s.core.store(), s.ws).unwrap();
    let at = |day: u32, h: u32| Utc.with_ymd_and_hms(2026, 10, day, h, 0, 0).unwrap();
    let call = |id: &str, at, talk| Activity {
        id: id.into(),
        kind: ActivityKind::Call(CallOutcome::Answered),
        at,
        talk_time_s: talk,
        member: Some("ana@acme.example".into()),
    };
    let page = |s: &mut Setup, list: Vec<Activity>| {
        s.core
            .store_mut()
            .apply_page(s.conn, "calls", &Batch::Activities(list), None)
            .unwrap();
        let pending = s.core.store().pending_rollups(s.ws).unwrap();
        rollups::refresh(s.core.store(), s.ws).unwrap();
        pending.utc_days
    };
    let before = stored(&s, "2026-10-07", "2026-10-07");
    let list = vec![
        call("c1", at(7, 10), 60),
        call("c2", at(7, 11), 30),
        call("c3", at(8, 9), 5),
    ];
    assert_eq!(
        page(&mut s, list.clone()),
        utc_days(&["2026-10-07", "2026-10-08"])
    );
    let after = stored(&s, "2026-10-07", "2026-10-07");
    let day = d("2026-10-07");
    assert_eq!(after[&day].calls, before[&day].calls + 2);
    assert_eq!(after[&day].talk_time_s, before[&day].talk_time_s + 90);

    assert!(
        page(&mut s, list).is_empty(),
        "a page re-read unchanged marks nothing"
    );
    // One call's talk time filled in later, another moved to the 9th: their
    // old and new days, nothing else.
    let changed = vec![
        call("c1", at(7, 10), 75),
        call("c2", at(7, 11), 30),
        call("c3", at(9, 9), 5),
    ];
    assert_eq!(
        page(&mut s, changed),
        utc_days(&["2026-10-07", "2026-10-08", "2026-10-09"])
    );
    assert_eq!(
        stored(&s, "2026-10-07", "2026-10-07")[&day].talk_time_s,
        before[&day].talk_time_s + 105
    );
    assert_same(&s);
}

/// An ad day re-read unchanged (Meta's and Google's windows re-read weeks
/// every sync) marks nothing; a restated one marks its day.
#[test]
fn an_ad_day_re_read_unchanged_marks_nothing() {
    let mut s = synced();
    let row = |spend| AdDay {
        platform: AdPlatform::Meta,
        campaign_id: "reread-campaign".into(),
        date: d("2026-10-06"),
        spend,
        impressions: 500,
        clicks: 5,
        reach: 400,
        purchases: Decimal::ONE,
        purchase_value: Decimal::new(2000, 2),
    };
    let page = |s: &mut Setup, spend| {
        s.core
            .store_mut()
            .apply_page(s.conn, "ads", &Batch::AdDays(vec![row(spend)]), None)
            .unwrap();
        let pending = s.core.store().pending_rollups(s.ws).unwrap();
        rollups::refresh(s.core.store(), s.ws).unwrap();
        pending.local_days
    };
    rollups::refresh(s.core.store(), s.ws).unwrap();
    assert_eq!(
        page(&mut s, Decimal::new(900, 2)),
        utc_days(&["2026-10-06"])
    );
    assert!(page(&mut s, Decimal::new(900, 2)).is_empty());
    assert_eq!(
        page(&mut s, Decimal::new(950, 2)),
        utc_days(&["2026-10-06"])
    );
    assert_same(&s);
}
