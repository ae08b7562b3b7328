//! Unit costs (entered, from a day on; the shop's; the estimate) and the
//! recurring expenses' shares, on the helpers of the metrics tests.

use super::*;

#[test]
fn unit_costs_entered_then_shopify_then_estimate_then_missing() {
    let costs = HashMap::from([
        (
            "entered".to_string(),
            VariantCost {
                entered: vec![(None, d("3"))],
                shopify: Some(d("9")),
            },
        ),
        (
            "shopify".to_string(),
            VariantCost {
                entered: vec![],
                shopify: Some(d("4")),
            },
        ),
    ]);
    let orders = vec![order(
        "o",
        "2026-05-01T10:00:00Z",
        None,
        vec![
            line("1", "entered", 1, "100"),
            line("2", "shopify", 1, "100"),
            line("3", "unknown", 2, "100"),
        ],
    )];
    let records = Records {
        orders: &orders,
        ..Default::default()
    };
    let mut s = settings("UTC", &costs, &[]);
    let with_estimate = daily(records, &s, day("2026-05-01"), day("2026-05-01"));
    let t = &with_estimate[&day("2026-05-01")];
    assert_eq!((t.cogs, t.cogs_estimated), (d("87"), d("80")));
    s.default_cogs_percent = None;
    let without = daily(records, &s, day("2026-05-01"), day("2026-05-01"));
    let t = &without[&day("2026-05-01")];
    assert_eq!(
        (t.cogs, t.cogs_estimated),
        (d("7"), Decimal::ZERO),
        "no default: missing costs count 0"
    );
}

/// A cost entered "from 2026-03-29" applies to orders booked from that local
/// day on (Europe/Berlin, the day its clocks go forward); older orders keep
/// the cost in force then, and a refund takes back the cost its sale was
/// booked at, not the one in force on the refund's day.
#[test]
fn an_entered_cost_applies_from_its_day_and_a_refund_takes_back_the_cost_of_its_sale() {
    let costs = HashMap::from([(
        "V".to_string(),
        VariantCost {
            entered: vec![(None, d("10")), (Some(day("2026-03-29")), d("12"))],
            shopify: Some(d("99")),
        },
    )]);
    // 22:59:59Z on the 28th is 23:59:59 in Berlin (UTC+1): the old cost.
    let mut before = order(
        "a",
        "2026-03-28T22:59:59Z",
        None,
        vec![line("1", "V", 2, "50")],
    );
    before.refunds = vec![Refund {
        id: "r".into(),
        created_at: t("2026-03-30T10:00:00Z"),
        lines: vec![RefundLine {
            line_id: "1".into(),
            quantity: 1,
            subtotal: d("50"),
        }],
        shipping: Decimal::ZERO,
    }];
    // 23:00:00Z on the 28th is midnight of the 29th in Berlin: the new cost.
    let after = order(
        "b",
        "2026-03-28T23:00:00Z",
        None,
        vec![line("1", "V", 1, "50")],
    );
    let orders = vec![before, after];
    let s = settings("Europe/Berlin", &costs, &[]);
    let days = daily(
        Records {
            orders: &orders,
            ..Default::default()
        },
        &s,
        day("2026-03-28"),
        day("2026-03-30"),
    );
    assert_eq!(
        days[&day("2026-03-28")].cogs,
        d("20"),
        "2 × the cost before"
    );
    assert_eq!(
        days[&day("2026-03-29")].cogs,
        d("12"),
        "1 × the cost from the 29th"
    );
    assert_eq!(
        days[&day("2026-03-30")].cogs,
        d("-10"),
        "the refund takes back 10, not 12"
    );
    assert_eq!(costs["V"].entered_on(day("2026-01-01")), Some(d("10")));
    let later_only = VariantCost {
        entered: vec![(Some(day("2026-03-29")), d("12"))],
        shopify: None,
    };
    assert_eq!(
        later_only.entered_on(day("2026-03-28")),
        None,
        "no entered cost before its day"
    );
}

#[test]
fn expense_shares_add_up_to_other_expenses_and_print_to_the_same_cents() {
    use crate::domain::{RecurringExpense, WorkspaceId};
    let e = |name: &str, amount: &str, from: &str, to: Option<&str>| RecurringExpense {
        id: 0,
        workspace_id: WorkspaceId(1),
        name: name.into(),
        monthly_amount: d(amount),
        start_month: from.into(),
        end_month: to.map(Into::into),
    };
    let list = [
        e("Rent", "1000", "2026-01", None),
        e("Tools", "100", "2026-02", Some("2026-02")),
        e("Ads agency", "333.33", "2026-03", None),
    ];
    // 2026-01-20..2026-03-10: Rent 12/31 + 1 + 10/31 of 1000; Tools all of
    // February; the agency 10/31 of March.
    let (from, to) = (day("2026-01-20"), day("2026-03-10"));
    let shares = expense_shares(from, to, &list);
    let by_day: Decimal = from
        .iter_days()
        .take_while(|x| *x <= to)
        .map(|x| expenses_on(x, &list))
        .sum();
    let sum: Decimal = shares.iter().sum();
    assert!((sum - by_day).abs() < d("0.000000001"), "{sum} vs {by_day}");
    assert_eq!(
        shares[1].round_dp(2),
        d("100"),
        "28 × (100 ÷ 28) is a hair under 100"
    );
    let printed = cents_summing_to(&shares, by_day);
    assert_eq!(
        printed.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["1709.68", "100.00", "107.52"]
    );
    let total = keys::Value::Money(by_day).render();
    assert_eq!(total, "1917.20");
    assert_eq!(printed.iter().sum::<Decimal>().to_string(), total);

    // Three equal thirds of a cent-odd total: the cent left goes to the first.
    let third = d("10") / d("3");
    assert_eq!(
        cents_summing_to(&[third, third, third], d("10")),
        [d("3.34"), d("3.33"), d("3.33")]
    );
    assert!(cents_summing_to(&[], Decimal::ZERO).is_empty());
}
