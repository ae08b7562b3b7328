//! `pulseboard costs`, `costs import` and `products` on a real data dir: the
//! worked example of shared/metrics.md (whose variants have SKUs A-1 and
//! B-2), and the demo business, whose products must add up to its figures.

mod common;

use common::example::worked_example;
use common::{cli, cli_json};
use predicates::str::contains;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::path::Path;

fn run_json(dir: &Path, args: &[&str]) -> Vec<Value> {
    cli_json(dir, args)
}

fn dec(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

/// The worked example's figures for one local day.
fn day(dir: &Path, d: &str) -> Value {
    run_json(
        dir,
        &[
            "metrics",
            "--workspace",
            "Example",
            "--from",
            d,
            "--to",
            d,
            "--format",
            "json",
        ],
    )
    .remove(0)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn products_of_the_worked_example_add_up_to_its_figures() {
    let dir = worked_example();
    let rows = run_json(
        dir.path(),
        &[
            "products",
            "--workspace",
            "Example",
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-12",
            "--json",
        ],
    );
    // #1001 (Alpha: 2 × 500, discount 100, shipping 50, one unit refunded for
    // 450) and #1002 (Beta: 800, cost estimated at 40%); #1003 is a test order.
    assert_eq!(
        rows,
        vec![
            json!({"product": "Beta", "units": 1, "revenue": 800.0, "refunds": 0.0, "cogs": 320.0,
                   "gross_profit": 480.0, "margin": 0.6, "refund_rate": 0}),
            json!({"product": "Alpha", "units": 1, "revenue": 500.0, "refunds": 450.0, "cogs": 150.0,
                   "gross_profit": 350.0, "margin": 0.7, "refund_rate": 0.5}),
        ]
    );
    let total = run_json(
        dir.path(),
        &[
            "metrics",
            "--workspace",
            "Example",
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-12",
            "--by",
            "total",
            "--format",
            "json",
        ],
    );
    let sum = |k: &str| rows.iter().map(|r| dec(&r[k])).sum::<Decimal>();
    assert_eq!(sum("revenue"), dec(&total[0]["revenue"]));
    assert_eq!(sum("cogs"), dec(&total[0]["cogs"]));
    assert_eq!(sum("gross_profit"), dec(&total[0]["gross_profit"]));
    cli(dir.path())
        .args([
            "products",
            "--workspace",
            "Example",
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-12",
        ])
        .assert()
        .success()
        .stdout(contains("Alpha"))
        .stdout(contains("70.0%"));
}

#[test]
fn a_cost_file_is_previewed_then_applied_whole_and_changes_that_days_figures() {
    let dir = worked_example();
    let p = dir.path();
    let costs = run_json(p, &["costs", "--workspace", "Example", "--json"]);
    assert_eq!(costs.len(), 2);
    assert_eq!(costs[0]["sku"], "A-1");
    assert_eq!(
        (
            costs[0]["cost_in_use"].clone(),
            costs[0]["cost_source"].clone()
        ),
        (json!(150.0), json!("shopify"))
    );
    assert_eq!(
        costs[1]["cost_source"], "estimate",
        "a default COGS % is set; no price is listed"
    );
    assert_eq!(costs[1]["cost_in_use"], Value::Null);
    let missing = run_json(
        p,
        &["costs", "--workspace", "Example", "--missing", "--json"],
    );
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["sku"], "B-2");

    let before = day(p, "2026-03-10");
    assert_eq!(
        (dec(&before["cogs"]), dec(&before["net_profit"])),
        ("620".parse().unwrap(), "500".parse().unwrap())
    );

    // A bad line refuses the whole file: nothing is written.
    let bad = write(
        p,
        "bad.csv",
        "sku,cost\nB-2,500\nZ-9,10\nA-1,twelve\n".as_bytes(),
    );
    cli(p)
        .args(["costs", "import", &bad, "--workspace", "Example"])
        .assert()
        .code(1)
        .stdout(contains("no variant has SKU Z-9"))
        .stdout(contains("'twelve' is not a number"))
        .stderr(contains("2 lines of"))
        .stderr(contains("nothing was written"));
    assert_eq!(day(p, "2026-03-10"), before);

    // A clean file with a BOM, `;` and a comma decimal: a dry run writes nothing.
    let good = write(
        p,
        "good.csv",
        "\u{feff}SKU;Cost;Effective_from\nB-2;₹500,00;\nA-1;200;2026-03-11\n".as_bytes(),
    );
    cli(p)
        .args([
            "costs",
            "import",
            &good,
            "--workspace",
            "Example",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(contains("Beta"))
        .stdout(contains("new"))
        .stderr(contains("Dry run: 2 costs would be written"));
    assert_eq!(day(p, "2026-03-10"), before);

    cli(p)
        .args(["costs", "import", &good, "--workspace", "Example"])
        .assert()
        .success()
        .stderr(contains("Applied 2 costs"));
    // B-2 now costs 500 from the beginning: the 10th's COGS is 2 × 150 + 500.
    // A-1's new cost starts on the 11th, so #1001 (the 10th) keeps 150, and
    // its refund on the 12th takes back the 150 it was sold at.
    let after = day(p, "2026-03-10");
    assert_eq!(dec(&after["cogs"]), "800".parse::<Decimal>().unwrap());
    assert_eq!(dec(&after["cogs_estimated"]), Decimal::ZERO);
    assert_eq!(dec(&after["net_profit"]), "320".parse::<Decimal>().unwrap());
    assert_eq!(
        dec(&day(p, "2026-03-12")["cogs"]),
        "-150".parse::<Decimal>().unwrap()
    );
    let costs = run_json(p, &["costs", "--workspace", "Example", "--json"]);
    assert_eq!(
        (
            costs[1]["your_cost"].clone(),
            costs[1]["cost_source"].clone()
        ),
        (json!(500.0), json!("yours"))
    );
    assert_eq!(costs[0]["effective_from"], "2026-03-11");
    assert_eq!(costs[0]["cost_source"], "yours");

    // The same file again changes nothing and says so.
    cli(p)
        .args([
            "costs",
            "import",
            &good,
            "--workspace",
            "Example",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(contains("same"));
}

#[test]
fn files_that_cannot_be_read_are_refused_with_the_reason() {
    let dir = worked_example();
    let p = dir.path();
    for (name, bytes, said) in [
        ("empty.csv", b"".to_vec(), "the file is empty"),
        (
            "latin1.csv",
            b"A-1,10\nB-2,caf\xe9\n".to_vec(),
            "line 2 is not UTF-8 text",
        ),
        (
            "big.csv",
            vec![b'x'; 21 * 1024 * 1024],
            "a cost file can be at most 20 MB",
        ),
    ] {
        let file = write(p, name, &bytes);
        cli(p)
            .args(["costs", "import", &file, "--workspace", "Example"])
            .assert()
            .code(1)
            .stderr(contains(said));
    }
    cli(p)
        .args([
            "costs",
            "import",
            "/nonexistent/costs.csv",
            "--workspace",
            "Example",
        ])
        .assert()
        .code(1)
        .stderr(contains("cannot read /nonexistent/costs.csv"));
    cli(p)
        .args(["costs"])
        .assert()
        .code(2)
        .stderr(contains("--workspace"));
}

/// The demo's variants have SKUs and some have no cost in the shop; its
/// products add up to its figures to the cent.
#[test]
fn the_demo_costs_and_products() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    cli(p).arg("demo").assert().success();
    let costs = run_json(p, &["costs", "--workspace", "Demo", "--json"]);
    assert_eq!(costs.len(), 40);
    assert!(costs
        .iter()
        .all(|c| c["sku"].as_str().is_some_and(|s| s.starts_with("DS-"))));
    let estimated = costs
        .iter()
        .filter(|c| c["cost_source"] == "estimate")
        .count();
    assert_eq!(estimated, 8, "one in five has no cost in the shop");
    assert!(
        costs
            .iter()
            .map(|c| c["units"].as_i64().unwrap())
            .sum::<i64>()
            > 1000
    );

    let (from, to) = ("2026-10-01", "2026-10-31");
    let rows = run_json(
        p,
        &[
            "products",
            "--workspace",
            "Demo",
            "--from",
            from,
            "--to",
            to,
            "--json",
        ],
    );
    assert_eq!(rows.len(), 20);
    let total = run_json(
        p,
        &[
            "metrics",
            "--workspace",
            "Demo",
            "--from",
            from,
            "--to",
            to,
            "--by",
            "total",
            "--format",
            "json",
        ],
    );
    for key in ["revenue", "cogs", "gross_profit", "refunds"] {
        let sum: Decimal = rows.iter().map(|r| dec(&r[key])).sum();
        assert_eq!(sum, dec(&total[0][key]), "{key}");
    }
    let units: i64 = rows.iter().map(|r| r["units"].as_i64().unwrap()).sum();
    assert_eq!(units, total[0]["units"].as_i64().unwrap());
}

/// Entering a cost marks exactly the days it can change: those of the
/// orders with a line of its variant booked from the day before its first
/// day on (a UTC day covers two local ones), and of their refunds.
#[test]
fn entering_a_cost_marks_only_the_days_it_can_change() {
    use pulseboard::domain::WorkspaceId;
    use pulseboard::store::{CostEntry, Store};
    let dir = worked_example();
    let mut store = Store::open(&dir.path().join("pulseboard.sqlite3")).unwrap();
    let ws = WorkspaceId(1);
    pulseboard::rollups::refresh(&store, ws).unwrap();
    let entry = |from: &str| CostEntry {
        variant_id: "V1".into(),
        from: Some(from.parse().unwrap()),
        cost: Some("99".parse().unwrap()),
    };
    // #1001 is booked 2026-03-09T19:00Z: a cost from the 11th cannot touch it.
    store.set_entered_costs(ws, &[entry("2026-03-11")]).unwrap();
    let pending = store.pending_rollups(ws).unwrap();
    assert!(pending.utc_days.is_empty() && !pending.all, "{pending:?}");
    // From the 10th (its local day): its UTC day and its refund's.
    store.set_entered_costs(ws, &[entry("2026-03-10")]).unwrap();
    let days: Vec<String> = store
        .pending_rollups(ws)
        .unwrap()
        .utc_days
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(days, ["2026-03-09", "2026-03-12"]);

    // More than a hundred variants at once: every day is recomputed instead.
    pulseboard::rollups::refresh(&store, ws).unwrap();
    let many: Vec<CostEntry> = (0..101)
        .map(|i| CostEntry {
            variant_id: format!("X{i}"),
            from: None,
            cost: Some("1".parse().unwrap()),
        })
        .collect();
    store.set_entered_costs(ws, &many).unwrap();
    assert!(store.pending_rollups(ws).unwrap().all);
}
