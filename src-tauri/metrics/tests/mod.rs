//! Table-driven checks of every rule in shared/metrics.md, starting with its
//! worked example, day by day and over the range.

use super::*;
use crate::domain::records::{FinancialStatus, OrderLine, Refund, RefundLine};
use crate::domain::WorkspaceId;
use std::str::FromStr;

mod costs;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn order(id: &str, at: &str, customer: Option<(&str, u64)>, lines: Vec<OrderLine>) -> Order {
    Order {
        name: None,
        legacy_id: None,
        id: id.into(),
        processed_at: Some(t(at)),
        created_at: t(at),
        test: false,
        financial_status: FinancialStatus::Other,
        customer_id: customer.map(|(c, _)| c.to_string()),
        customer_order_count: customer.map(|(_, n)| n),
        discounts: Decimal::ZERO,
        shipping: Decimal::ZERO,
        taxes: Decimal::ZERO,
        lines,
        refunds: vec![],
    }
}

fn line(id: &str, variant: &str, quantity: i64, price: &str) -> OrderLine {
    OrderLine {
        id: id.into(),
        variant_id: Some(variant.into()),
        quantity,
        unit_price: d(price),
    }
}

fn ad(platform: AdPlatform, date: &str, spend: &str, impressions: i64, clicks: i64) -> AdDay {
    AdDay {
        platform,
        date: day(date),
        campaign_id: "c1".into(),
        spend: d(spend),
        impressions,
        clicks,
        reach: 0,
        purchases: Decimal::ZERO,
        purchase_value: Decimal::ZERO,
    }
}

fn shipment(id: &str, at: &str, status: ShipmentStatus, freight: &str) -> Shipment {
    Shipment {
        awb: None,
        courier: None,
        order_ref: None,
        id: id.into(),
        created_at: t(at),
        status,
        freight: d(freight),
    }
}

/// The worked example of metrics.md, as records.
fn worked_example() -> (
    Vec<Order>,
    Vec<AdDay>,
    Vec<Shipment>,
    HashMap<String, VariantCost>,
) {
    let mut o1001 = order(
        "1001",
        "2026-03-09T19:00:00Z",
        Some(("A", 1)),
        vec![line("L1", "V1", 2, "500.00")],
    );
    o1001.discounts = d("100.00");
    o1001.shipping = d("50.00");
    o1001.taxes = d("90.00");
    o1001.refunds = vec![Refund {
        id: "R1".into(),
        created_at: t("2026-03-12T06:00:00Z"),
        lines: vec![RefundLine {
            line_id: "L1".into(),
            quantity: 1,
            subtotal: d("450.00"),
        }],
        shipping: Decimal::ZERO,
    }];
    let o1002 = order(
        "1002",
        "2026-03-10T10:00:00Z",
        Some(("B", 3)),
        vec![line("L2", "V2", 1, "800.00")],
    );
    let mut o1003 = order(
        "1003",
        "2026-03-10T18:29:59Z",
        None,
        vec![line("L3", "V2", 1, "999.00")],
    );
    o1003.test = true;
    // #1004 is on the 11th local; the example's range totals leave it no value.
    let o1004 = order("1004", "2026-03-10T18:30:00Z", None, vec![]);
    let google = AdDay {
        spend: Decimal::new(200_000_000, 0) / Decimal::new(1_000_000, 0),
        ..ad(AdPlatform::Google, "2026-03-10", "0", 5000, 100)
    };
    let ads = vec![
        ad(AdPlatform::Meta, "2026-03-10", "300.00", 20000, 400),
        google,
    ];
    let shipments = vec![
        shipment(
            "S1",
            "2026-03-10T04:00:00Z",
            ShipmentStatus::Delivered,
            "60.00",
        ),
        shipment("S2", "2026-03-10T12:00:00Z", ShipmentStatus::Rto, "70.00"),
    ];
    let costs = HashMap::from([(
        "V1".to_string(),
        VariantCost {
            entered: vec![(None, d("150.00"))],
            shopify: None,
        },
    )]);
    (vec![o1001, o1002, o1003, o1004], ads, shipments, costs)
}

fn settings<'a>(
    tz: &str,
    costs: &'a HashMap<String, VariantCost>,
    expenses: &'a [RecurringExpense],
) -> Settings<'a> {
    Settings {
        timezone: tz.parse().unwrap(),
        default_cogs_percent: Some(d("40")),
        payment_fee_percent: Decimal::ZERO,
        payment_fee_fixed: Decimal::ZERO,
        expenses,
        costs,
    }
}

#[test]
fn worked_example_day_by_day() {
    let (orders, ads, shipments, costs) = worked_example();
    let s = settings("Asia/Kolkata", &costs, &[]);
    let records = Records {
        orders: &orders,
        ads: &ads,
        shipments: &shipments,
        activities: &[],
        customers: None,
    };
    let days = daily(records, &s, day("2026-03-09"), day("2026-03-12"));

    let tenth = &days[&day("2026-03-10")];
    assert_eq!(tenth.orders, 2);
    assert_eq!(tenth.gross_sales, d("1800.00"));
    assert_eq!(tenth.discounts, d("100.00"));
    assert_eq!(tenth.shipping_charged, d("50.00"));
    assert_eq!(tenth.taxes, d("90.00"));
    assert_eq!(tenth.revenue(), d("1750.00"));
    assert_eq!(tenth.aov(), Some(d("875")));
    assert_eq!(tenth.units, 3);
    assert_eq!(tenth.cogs, d("620.00"));
    assert_eq!(tenth.cogs_estimated, d("320.00"));
    assert_eq!(tenth.ad_spend, d("500.00"));
    assert_eq!(
        (tenth.ad_spend_meta, tenth.ad_spend_google),
        (d("300.00"), d("200.00"))
    );
    assert_eq!(tenth.shipping_cost, d("130.00"));
    assert_eq!(tenth.gross_profit(), d("1130.00"));
    assert_eq!(tenth.net_profit(), d("500.00"));
    assert_eq!(tenth.net_margin().unwrap().round_dp(4), d("0.2857"));
    assert_eq!(tenth.roas(), Some(d("3.5")));
    assert_eq!(tenth.poas(), Some(d("2.26")));
    assert_eq!(tenth.cpp(), Some(d("250")));
    assert_eq!(tenth.impressions, 25000);
    assert_eq!(tenth.clicks, 500);
    assert_eq!(tenth.cpc(), Some(d("1")));
    assert_eq!(tenth.ctr(), Some(d("0.02")));
    assert_eq!(tenth.cpm(), Some(d("20")));
    assert_eq!((tenth.new_customers, tenth.returning_customers), (1, 1));
    assert_eq!(tenth.returning_rate(), Some(d("0.5")));
    assert_eq!(tenth.shipments, 2);
    assert_eq!(tenth.delivery_rate(), Some(d("0.5")));
    assert_eq!(tenth.rto_rate(), Some(d("0.5")));

    // 23:30 UTC on the 9th is the 10th in Kolkata: nothing lands on the 9th.
    assert_eq!(days[&day("2026-03-09")], Totals::default());
    // #1004 at 18:30 UTC is 00:00 on the 11th local.
    assert_eq!(days[&day("2026-03-11")].orders, 1);

    let twelfth = &days[&day("2026-03-12")];
    assert_eq!(twelfth.orders, 0);
    assert_eq!(twelfth.refunds, d("450.00"));
    assert_eq!(twelfth.revenue(), d("-450.00"));
    assert_eq!(twelfth.units, -1);
    assert_eq!(twelfth.cogs, d("-150.00"));
    assert_eq!(twelfth.aov(), None);
}

#[test]
fn worked_example_over_the_range() {
    let (orders, ads, shipments, costs) = worked_example();
    let s = settings("Asia/Kolkata", &costs, &[]);
    let records = Records {
        orders: &orders,
        ads: &ads,
        shipments: &shipments,
        activities: &[],
        customers: None,
    };
    let days = daily(records, &s, day("2026-03-10"), day("2026-03-12"));
    let total = group(&days, Grouping::Total);
    assert_eq!(total.len(), 1);
    let total = &total[&day("2026-03-10")];
    assert_eq!(total.revenue(), d("1300.00"));
    assert_eq!(total.cogs, d("470.00"));
    assert_eq!(total.gross_profit(), d("830.00"));
    assert_eq!(total.roas(), Some(d("2.6")), "recomputed from the sums");
}

#[test]
fn day_boundaries_follow_new_york_dst() {
    let costs = HashMap::new();
    let s = settings("America/New_York", &costs, &[]);
    let at = |id: &str, ts: &str| order(id, ts, None, vec![line("L", "V", 1, "10")]);
    let orders = vec![
        at("a", "2026-03-08T04:59:59Z"), // 23:59:59 EST, Mar 7
        at("b", "2026-03-08T05:00:00Z"), // 00:00 EST, Mar 8 (a 23-hour day)
        at("c", "2026-03-09T03:59:59Z"), // 23:59:59 EDT, Mar 8
        at("d", "2026-03-09T04:00:00Z"), // 00:00 EDT, Mar 9
        at("e", "2026-11-01T03:59:59Z"), // 23:59:59 EDT, Oct 31
        at("f", "2026-11-01T04:00:00Z"), // 00:00 EDT, Nov 1 (a 25-hour day)
        at("g", "2026-11-02T04:59:59Z"), // 23:59:59 EST, Nov 1
        at("h", "2026-11-02T05:00:00Z"), // 00:00 EST, Nov 2
    ];
    let records = Records {
        orders: &orders,
        ..Default::default()
    };
    let spring = daily(records, &s, day("2026-03-07"), day("2026-03-09"));
    let counts: Vec<i64> = spring.values().map(|t| t.orders).collect();
    assert_eq!(counts, [1, 2, 1]);
    let autumn = daily(records, &s, day("2026-10-31"), day("2026-11-02"));
    let counts: Vec<i64> = autumn.values().map(|t| t.orders).collect();
    assert_eq!(counts, [1, 2, 1]);
}

#[test]
fn empty_denominators_give_empty_ratios_not_zero() {
    let t = Totals::default();
    for r in [
        t.aov(),
        t.gross_margin(),
        t.net_margin(),
        t.roas(),
        t.platform_roas(),
        t.poas(),
        t.cpp(),
        t.cpc(),
        t.ctr(),
        t.cpm(),
        t.returning_rate(),
        t.delivery_rate(),
        t.rto_rate(),
    ] {
        assert_eq!(r, None);
    }
    // Spend with no clicks or impressions: cpc, ctr, cpm stay empty.
    let spend_only = Totals {
        ad_spend: d("10"),
        ..Default::default()
    };
    assert_eq!(
        (spend_only.cpc(), spend_only.ctr(), spend_only.cpm()),
        (None, None, None)
    );
    assert_eq!(
        spend_only.roas(),
        Some(Decimal::ZERO),
        "revenue 0 over spend 10 is a real 0"
    );
}

#[test]
fn period_ratios_come_from_sums_not_averages() {
    let mut a = Totals {
        orders: 1,
        gross_sales: d("100"),
        ad_spend: d("10"),
        clicks: 10,
        impressions: 1000,
        ..Default::default()
    };
    let b = Totals {
        orders: 3,
        gross_sales: d("900"),
        ad_spend: d("90"),
        clicks: 10,
        impressions: 1000,
        ..Default::default()
    };
    // Averages of the daily ratios would give aov 200 and cpc 5.
    a.add(&b);
    assert_eq!(a.aov(), Some(d("250")));
    assert_eq!(a.cpc(), Some(d("5")));
    assert_eq!(a.roas(), Some(d("10")));
}

#[test]
fn weeks_start_on_monday_and_months_are_calendar_months() {
    let mut days = BTreeMap::new();
    for (i, date) in day("2026-03-28").iter_days().take(10).enumerate() {
        days.insert(
            date,
            Totals {
                orders: i as i64 + 1,
                ..Default::default()
            },
        );
    }
    let weeks = group(&days, Grouping::Week);
    // Sat 28 Mar, Sun 29 Mar | Mon 30 Mar … Sun 5 Apr | Mon 6 Apr
    let keys: Vec<String> = weeks.keys().map(|k| k.to_string()).collect();
    assert_eq!(keys, ["2026-03-23", "2026-03-30", "2026-04-06"]);
    assert_eq!(weeks[&day("2026-03-23")].orders, 1 + 2);
    let months = group(&days, Grouping::Month);
    assert_eq!(months[&day("2026-03-01")].orders, 1 + 2 + 3 + 4);
    assert_eq!(months[&day("2026-04-01")].orders, 5 + 6 + 7 + 8 + 9 + 10);
}

#[test]
fn which_orders_count() {
    let costs = HashMap::new();
    let s = settings("UTC", &costs, &[]);
    let mut voided = order(
        "v",
        "2026-05-01T10:00:00Z",
        None,
        vec![line("L", "V", 1, "50")],
    );
    voided.financial_status = FinancialStatus::Voided;
    // Cancelled but paid: counts on its day; its refund on the refund's day.
    let mut paid_cancelled = order(
        "p",
        "2026-05-01T11:00:00Z",
        None,
        vec![line("L", "V", 1, "70")],
    );
    paid_cancelled.refunds = vec![Refund {
        id: "r".into(),
        created_at: t("2026-05-03T09:00:00Z"),
        lines: vec![RefundLine {
            line_id: "L".into(),
            quantity: 1,
            subtotal: d("70"),
        }],
        shipping: d("5"),
    }];
    let orders = vec![voided, paid_cancelled];
    let days = daily(
        Records {
            orders: &orders,
            ..Default::default()
        },
        &s,
        day("2026-05-01"),
        day("2026-05-03"),
    );
    assert_eq!(days[&day("2026-05-01")].orders, 1);
    assert_eq!(days[&day("2026-05-01")].revenue(), d("70"));
    assert_eq!(
        days[&day("2026-05-03")].refunds,
        d("75"),
        "refunded shipping counts, tax does not"
    );
}

#[test]
fn customers_are_new_only_when_their_first_order_is_known() {
    let costs = HashMap::new();
    let s = settings("UTC", &costs, &[]);
    let l = || vec![line("L", "V", 1, "10")];
    let orders = vec![
        // C: Shopify says 2 orders, both stored → the first is new, the second returning.
        order("c1", "2026-05-01T10:00:00Z", Some(("C", 2)), l()),
        order("c2", "2026-05-02T10:00:00Z", Some(("C", 2)), l()),
        // D: Shopify says 5, 1 stored → older orders are missing → returning.
        order("d1", "2026-05-01T11:00:00Z", Some(("D", 5)), l()),
        // E: two orders the same day, both stored: new once, not also returning.
        order("e1", "2026-05-02T08:00:00Z", Some(("E", 2)), l()),
        order("e2", "2026-05-02T09:00:00Z", Some(("E", 2)), l()),
    ];
    let days = daily(
        Records {
            orders: &orders,
            ..Default::default()
        },
        &s,
        day("2026-05-01"),
        day("2026-05-02"),
    );
    let first = &days[&day("2026-05-01")];
    assert_eq!((first.new_customers, first.returning_customers), (1, 1));
    let second = &days[&day("2026-05-02")];
    assert_eq!((second.new_customers, second.returning_customers), (1, 1));
    assert_eq!(second.customers(), 2);
}

#[test]
fn a_range_with_the_customers_histories_counts_like_all_their_orders() {
    let costs = HashMap::new();
    let s = settings("UTC", &costs, &[]);
    let l = || vec![line("L", "V", 1, "10")];
    let all = vec![
        // C's first order lies before the range; two on one second tie by id.
        order("c1", "2026-04-20T10:00:00Z", Some(("C", 3)), l()),
        order("c3", "2026-05-01T10:00:00Z", Some(("C", 3)), l()),
        order("c2", "2026-05-01T10:00:00Z", Some(("C", 3)), l()),
        // F: both orders in range, both on one second: "f1" < "f2" is first.
        order("f2", "2026-05-02T07:00:00Z", Some(("F", 2)), l()),
        order("f1", "2026-05-02T07:00:00Z", Some(("F", 2)), l()),
        // G: never reported by the shop → returning.
        order("g1", "2026-05-02T07:00:00Z", None, l()),
        // J: the shop says 2 but 3 are stored (one before the range): not
        // knowable, so returning, though the range alone holds exactly 2.
        order("j0", "2026-04-01T10:00:00Z", Some(("J", 2)), l()),
        order("j1", "2026-05-01T12:00:00Z", Some(("J", 2)), l()),
        order("j2", "2026-05-02T12:00:00Z", Some(("J", 2)), l()),
    ];
    let mut g = all[5].clone();
    g.customer_id = Some("G".into());
    let mut all = all;
    all[5] = g;
    let histories = customer_histories(&all);
    assert_eq!(histories["C"].first_order, "c1");
    assert_eq!(histories["C"].stored, 3);
    assert_eq!(histories["F"].first_order, "f1");
    assert_eq!(histories["G"].reported, None);
    let (from, to) = (day("2026-05-01"), day("2026-05-02"));
    let whole = daily(
        Records {
            orders: &all,
            ..Default::default()
        },
        &s,
        from,
        to,
    );
    let in_range: Vec<Order> = all
        .iter()
        .filter(|o| o.booked_at() >= t("2026-05-01T00:00:00Z"))
        .cloned()
        .collect();
    let ranged = daily(
        Records {
            orders: &in_range,
            customers: Some(&histories),
            ..Default::default()
        },
        &s,
        from,
        to,
    );
    assert_eq!(whole, ranged);
    let may1 = &ranged[&day("2026-05-01")];
    assert_eq!((may1.new_customers, may1.returning_customers), (0, 2));
    let may2 = &ranged[&day("2026-05-02")];
    assert_eq!((may2.new_customers, may2.returning_customers), (1, 2));
    // Without the histories the range alone would call J new on May 1.
    let blind = daily(
        Records {
            orders: &in_range,
            ..Default::default()
        },
        &s,
        from,
        to,
    );
    assert_eq!(blind[&day("2026-05-01")].new_customers, 1);
}

#[test]
fn payment_fees_and_expenses() {
    let costs = HashMap::new();
    let expenses = vec![RecurringExpense {
        id: 1,
        workspace_id: WorkspaceId(1),
        name: "Rent".into(),
        monthly_amount: d("3100"),
        start_month: "2026-03".into(),
        end_month: Some("2026-03".into()),
    }];
    let mut s = settings("UTC", &costs, &expenses);
    s.payment_fee_percent = d("2");
    s.payment_fee_fixed = d("0.30");
    let orders = vec![order(
        "o",
        "2026-03-05T10:00:00Z",
        None,
        vec![line("L", "V", 1, "100")],
    )];
    let days = daily(
        Records {
            orders: &orders,
            ..Default::default()
        },
        &s,
        day("2026-03-01"),
        day("2026-04-01"),
    );
    let fifth = &days[&day("2026-03-05")];
    assert_eq!(fifth.payment_fees, d("2.30"));
    assert_eq!(fifth.other_expenses, d("100"), "3100 over March's 31 days");
    assert_eq!(
        days[&day("2026-04-01")].other_expenses,
        Decimal::ZERO,
        "the expense ended in March"
    );
    let march: Decimal = days
        .iter()
        .filter(|(k, _)| k.month() == 3)
        .map(|(_, t)| t.other_expenses)
        .sum();
    assert_eq!(march, d("3100"));
}

#[test]
fn sales_activity_and_shipping_states() {
    let costs = HashMap::new();
    let s = settings("Asia/Kolkata", &costs, &[]);
    let act = |id: &str, kind, at: &str, secs| Activity {
        id: id.into(),
        kind,
        at: t(at),
        talk_time_s: secs,
        member: None,
    };
    let activities = vec![
        act("1", ActivityKind::Email, "2026-06-01T05:00:00Z", 0),
        act("2", ActivityKind::CrmCall, "2026-06-01T05:00:00Z", 0),
        act("3", ActivityKind::Lead, "2026-06-01T05:00:00Z", 0),
        act(
            "4",
            ActivityKind::Call(CallOutcome::Answered),
            "2026-06-01T05:00:00Z",
            125,
        ),
        act(
            "5",
            ActivityKind::Call(CallOutcome::Missed),
            "2026-06-01T18:29:00Z",
            0,
        ),
        act(
            "6",
            ActivityKind::Call(CallOutcome::Answered),
            "2026-06-01T18:30:00Z",
            60,
        ), // the 2nd local
    ];
    let shipments = vec![
        shipment("a", "2026-06-01T05:00:00Z", ShipmentStatus::InTransit, "40"),
        shipment("b", "2026-06-01T05:00:00Z", ShipmentStatus::Ndr, "40"),
        shipment("c", "2026-06-01T05:00:00Z", ShipmentStatus::Other, "0"),
    ];
    let days = daily(
        Records {
            activities: &activities,
            shipments: &shipments,
            ..Default::default()
        },
        &s,
        day("2026-06-01"),
        day("2026-06-02"),
    );
    let t1 = &days[&day("2026-06-01")];
    assert_eq!((t1.emails, t1.crm_calls, t1.leads), (1, 1, 1));
    assert_eq!(
        (t1.calls, t1.calls_answered, t1.calls_missed, t1.talk_time_s),
        (2, 1, 1, 125)
    );
    assert_eq!(
        (t1.shipments, t1.in_transit, t1.ndr, t1.delivered, t1.rto),
        (3, 1, 1, 0, 0)
    );
    assert_eq!(t1.delivery_rate(), Some(Decimal::ZERO));
    assert_eq!(days[&day("2026-06-02")].calls, 1);
}
