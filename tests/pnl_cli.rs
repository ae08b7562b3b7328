//! `pulseboard pnl` on a real data dir: the worked example of
//! shared/metrics.md with a recurring expense, and the demo business, whose
//! P&L must say what `pulseboard metrics` says.

mod common;

use common::example::worked_example;
use common::{cli, cli_json};
use predicates::str::contains;
use pulseboard::domain::WorkspaceId;
use pulseboard::store::Store;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::path::Path;

fn pnl_json(dir: &Path, workspace: &str, from: &str, to: &str, by: &str) -> Vec<Value> {
    cli_json(
        dir,
        &[
            "pnl",
            "--workspace",
            workspace,
            "--from",
            from,
            "--to",
            to,
            "--by",
            by,
            "--format",
            "json",
        ],
    )
}

fn dec(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

#[test]
fn the_worked_example_as_a_pnl_with_a_recurring_expense() {
    let dir = worked_example();
    let mut store = Store::open(&dir.path().join("pulseboard.sqlite3")).unwrap();
    // 3,100 a month from March: 100.00 a day of March.
    store
        .add_expense(
            WorkspaceId(1),
            "Rent",
            "3100".parse().unwrap(),
            "2026-03",
            None,
        )
        .unwrap();
    drop(store);

    let periods = pnl_json(dir.path(), "Example", "2026-02-20", "2026-03-12", "month");
    assert_eq!(periods.len(), 2, "{periods:#?}");
    let keys: Vec<&str> = periods[1]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "period_start",
            "period_end",
            "gross_sales",
            "discounts",
            "refunds",
            "shipping_charged",
            "revenue",
            "cogs",
            "cogs_estimated",
            "gross_profit",
            "ad_spend",
            "ad_spend_meta",
            "ad_spend_google",
            "shipping_cost",
            "payment_fees",
            "other_expenses",
            "net_profit",
            "gross_margin",
            "net_margin",
            "expenses"
        ]
    );
    // Periods are cut to the range, oldest first.
    assert_eq!(
        (&periods[0]["period_start"], &periods[0]["period_end"]),
        (&json!("2026-02-20"), &json!("2026-02-28"))
    );
    assert_eq!(
        (&periods[1]["period_start"], &periods[1]["period_end"]),
        (&json!("2026-03-01"), &json!("2026-03-12"))
    );
    assert_eq!(periods[0]["revenue"], json!(0.0));
    assert_eq!(
        periods[0]["gross_margin"],
        Value::Null,
        "no revenue: an empty ratio"
    );
    assert_eq!(
        periods[0]["expenses"],
        json!([{"name": "Rent", "amount": 0.0}])
    );

    // March 10 to 12 of the worked example, and 12 days of rent.
    let march = &periods[1];
    for (key, want) in [
        ("gross_sales", "1800"),
        ("discounts", "100"),
        ("refunds", "450"),
        ("shipping_charged", "50"),
        ("revenue", "1300"),
        ("cogs", "470"),
        ("cogs_estimated", "320"),
        ("gross_profit", "830"),
        ("ad_spend", "500"),
        ("ad_spend_meta", "300"),
        ("ad_spend_google", "200"),
        ("shipping_cost", "130"),
        ("payment_fees", "0"),
        ("other_expenses", "1200"),
        ("net_profit", "-1000"),
    ] {
        assert_eq!(dec(&march[key]), want.parse::<Decimal>().unwrap(), "{key}");
    }
    assert_eq!(
        dec(&march["net_margin"]),
        "-0.769231".parse::<Decimal>().unwrap()
    );
    assert_eq!(
        march["expenses"],
        json!([{"name": "Rent", "amount": 1200.0}])
    );

    // The same by week: ISO weeks cut to the range.
    let weeks = pnl_json(dir.path(), "Example", "2026-02-20", "2026-03-12", "week");
    let spans: Vec<(String, String)> = weeks
        .iter()
        .map(|w| {
            (
                w["period_start"].as_str().unwrap().into(),
                w["period_end"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("2026-02-20".into(), "2026-02-22".into()),
            ("2026-02-23".into(), "2026-03-01".into()),
            ("2026-03-02".into(), "2026-03-08".into()),
            ("2026-03-09".into(), "2026-03-12".into()),
        ]
    );
    assert_eq!(
        weeks[1]["expenses"],
        json!([{"name": "Rent", "amount": 100.0}])
    );
    assert_eq!(
        dec(&weeks[3]["net_profit"]),
        "-200".parse::<Decimal>().unwrap()
    );

    // CSV: the periods as rows, the expense as a column of its own.
    let csv = cli(dir.path())
        .args([
            "pnl",
            "--workspace",
            "Example",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-12",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "period_start,period_end,gross_sales,discounts,refunds,shipping_charged,revenue,cogs,\
         cogs_estimated,gross_profit,ad_spend,ad_spend_meta,ad_spend_google,shipping_cost,\
         payment_fees,other_expenses,net_profit,gross_margin,net_margin,expense:Rent"
    );
    assert_eq!(
        lines.next().unwrap(),
        "2026-03-01,2026-03-12,1800.00,100.00,450.00,50.00,1300.00,470.00,320.00,830.00,\
         500.00,300.00,200.00,130.00,0.00,1200.00,-1000.00,0.638462,-0.769231,1200.00"
    );
    assert_eq!(lines.next(), None);

    // The table: lines down, periods and the total across.
    cli(dir.path())
        .args([
            "pnl",
            "--workspace",
            "Example",
            "--from",
            "2026-02-20",
            "--to",
            "2026-03-12",
        ])
        .assert()
        .success()
        .stdout(contains("P&L (INR)"))
        .stdout(contains("2026-02-20…2026-02-28"))
        .stdout(contains("2026-03-01…2026-03-12"))
        .stdout(contains("  Rent"))
        .stdout(contains("-1000.00"));
}

#[test]
fn bad_pnl_requests_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args(["workspace", "add", "Shop"])
        .assert()
        .success();
    let base = ["pnl", "--workspace", "Shop"];
    cli(dir.path())
        .args(base)
        .args(["--from", "2026-03-01", "--to", "2026-02-01"])
        .assert()
        .code(2)
        .stderr(contains("is after"));
    cli(dir.path())
        .args(base)
        .args(["--from", "2026-03-01", "--to", "2026-03-31", "--by", "day"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'day' for '--by"));
    cli(dir.path())
        .args(base)
        .args(["--from", "1 March", "--to", "2026-03-31"])
        .assert()
        .code(2)
        .stderr(contains("YYYY-MM-DD"));
    cli(dir.path())
        .args([
            "pnl",
            "--workspace",
            "Nope",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
        ])
        .assert()
        .failure()
        .stderr(contains("Nope"));
}

/// The demo's P&L by month is `pulseboard metrics --by month` line for line,
/// Meta and Google add up to the ad spend, and the expenses' printed shares to
/// the printed other expenses, in every month.
#[test]
fn the_demo_pnl_agrees_with_the_metrics_to_the_cent() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path()).arg("demo").assert().success();
    // The demo's history starts in September 2026.
    let (from, to) = ("2026-09-01", "2026-11-30");
    let pnl = pnl_json(dir.path(), "Demo", from, to, "month");
    let out = cli(dir.path())
        .args([
            "metrics",
            "--workspace",
            "Demo",
            "--from",
            from,
            "--to",
            to,
            "--by",
            "month",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let metrics: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pnl.len(), 3);
    assert_eq!(metrics.len(), 3);
    for (p, m) in pnl.iter().zip(&metrics) {
        assert_eq!(p["period_start"], m["period_start"]);
        for key in [
            "gross_sales",
            "discounts",
            "refunds",
            "shipping_charged",
            "revenue",
            "cogs",
            "cogs_estimated",
            "gross_profit",
            "ad_spend",
            "shipping_cost",
            "payment_fees",
            "other_expenses",
            "net_profit",
            "gross_margin",
            "net_margin",
        ] {
            assert_eq!(p[key], m[key], "{key} of {}", p["period_start"]);
        }
        assert!(dec(&p["ad_spend"]) > Decimal::ZERO);
        assert_eq!(
            dec(&p["ad_spend_meta"]) + dec(&p["ad_spend_google"]),
            dec(&p["ad_spend"])
        );
        let shares: Decimal = p["expenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| dec(&e["amount"]))
            .sum();
        assert!(!p["expenses"].as_array().unwrap().is_empty());
        assert_eq!(shares, dec(&p["other_expenses"]), "{}", p["period_start"]);
    }
}
