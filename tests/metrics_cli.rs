//! `pulseboard metrics` and `pulseboard export` on a real data dir holding the
//! worked example of shared/metrics.md, stored through the same page upsert
//! the sync engine uses.

mod common;

use common::example::worked_example;
use common::{cli, cli_json};
use predicates::str::contains;
use serde_json::Value;

fn json(dir: &std::path::Path, args: &[&str]) -> Vec<Value> {
    let metrics = ["metrics", "--workspace", "Example", "--format", "json"];
    cli_json(dir, &[&metrics[..], args].concat())
}

#[test]
fn the_worked_example_through_the_cli() {
    let dir = worked_example();
    let days = json(dir.path(), &["--from", "2026-03-10", "--to", "2026-03-12"]);
    assert_eq!(days.len(), 3);
    let tenth = &days[0];
    assert_eq!(tenth["date"], "2026-03-10");
    let keys: Vec<&String> = tenth.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "date");
    assert_eq!(
        keys.len(),
        pulseboard::metrics::keys::KEYS.len() + 1,
        "every key, in canonical order"
    );
    for (key, want) in [
        ("orders", 2.0),
        ("gross_sales", 1800.0),
        ("discounts", 100.0),
        ("shipping_charged", 50.0),
        ("taxes", 90.0),
        ("revenue", 1750.0),
        ("aov", 875.0),
        ("cogs", 620.0),
        ("cogs_estimated", 320.0),
        ("ad_spend", 500.0),
        ("shipping_cost", 130.0),
        ("gross_profit", 1130.0),
        ("net_profit", 500.0),
        ("net_margin", 0.285714),
        ("roas", 3.5),
        ("poas", 2.26),
        ("cpp", 250.0),
        ("impressions", 25000.0),
        ("clicks", 500.0),
        ("cpc", 1.0),
        ("ctr", 0.02),
        ("cpm", 20.0),
        ("new_customers", 1.0),
        ("returning_customers", 1.0),
        ("returning_rate", 0.5),
        ("shipments", 2.0),
        ("delivery_rate", 0.5),
        ("rto_rate", 0.5),
    ] {
        assert_eq!(tenth[key].as_f64(), Some(want), "{key} on the 10th");
    }
    let twelfth = &days[2];
    assert_eq!(twelfth["orders"], 0);
    assert_eq!(twelfth["refunds"].as_f64(), Some(450.0));
    assert_eq!(twelfth["revenue"].as_f64(), Some(-450.0));
    assert_eq!(twelfth["units"], -1);
    assert_eq!(twelfth["cogs"].as_f64(), Some(-150.0));
    assert_eq!(twelfth["aov"], Value::Null, "an empty ratio is null");

    let total = json(
        dir.path(),
        &[
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-12",
            "--by",
            "total",
        ],
    );
    assert_eq!(total.len(), 1);
    assert_eq!(total[0]["period_start"], "2026-03-10");
    assert_eq!(total[0]["revenue"].as_f64(), Some(1300.0));
    assert_eq!(total[0]["cogs"].as_f64(), Some(470.0));
    assert_eq!(total[0]["gross_profit"].as_f64(), Some(830.0));
    assert_eq!(total[0]["roas"].as_f64(), Some(2.6));
}

#[test]
fn export_writes_the_whole_file_or_nothing() {
    let dir = worked_example();
    let out = dir.path().join("march.csv");
    cli(dir.path())
        .args([
            "export",
            "--workspace",
            "Example",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().clone();
    assert_eq!(&header[0], "date");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 31);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let tenth = &rows[9];
    assert_eq!(
        (
            &tenth[col("date")],
            &tenth[col("revenue")],
            &tenth[col("net_margin")]
        ),
        ("2026-03-10", "1750.00", "0.285714")
    );
    assert_eq!(
        &rows[11][col("revenue")],
        "-450.00",
        "negative numbers stay numbers"
    );
    assert_eq!(&rows[0][col("aov")], "", "an empty ratio is an empty cell");

    let weekly = cli(dir.path())
        .args([
            "export",
            "--workspace",
            "Example",
            "--from",
            "2026-03-09",
            "--to",
            "2026-03-15",
            "--by",
            "week",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(weekly.stdout).unwrap();
    assert!(text.starts_with("period_start,orders,"), "{text}");
    assert_eq!(
        text.lines().count(),
        2,
        "one ISO week: Monday 9 to Sunday 15"
    );

    // An unwritable path: a clear error, and nothing (not even a partial file) left.
    cli(dir.path())
        .args([
            "export",
            "--workspace",
            "Example",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--out",
        ])
        .arg(dir.path().join("no-such-folder/out.csv"))
        .assert()
        .code(1)
        .stderr(contains("cannot write"));
    assert!(!dir.path().join("no-such-folder").exists());
}

#[test]
fn bad_ranges_are_refused() {
    let dir = worked_example();
    for (args, code, message) in [
        (
            vec!["--from", "2026-03-12", "--to", "2026-03-10"],
            2,
            "is after",
        ),
        (
            vec!["--from", "2026-02-30", "--to", "2026-03-10"],
            2,
            "is not a date",
        ),
        (
            vec!["--from", "10/03/2026", "--to", "2026-03-10"],
            2,
            "YYYY-MM-DD",
        ),
    ] {
        cli(dir.path())
            .args(["metrics", "--workspace", "Example"])
            .args(&args)
            .assert()
            .code(code)
            .stderr(contains(message));
    }
    cli(dir.path())
        .args([
            "metrics",
            "--workspace",
            "Nope",
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-10",
        ])
        .assert()
        .code(1)
        .stderr(contains("no workspace named 'Nope'"));
}
