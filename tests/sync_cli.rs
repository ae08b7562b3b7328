//! `pulseboard demo`, `sync` and `runs` end to end: the built-in demo source
//! through the real engine into a real SQLite file, including a sync killed
//! with SIGKILL halfway and resumed.

mod common;

use common::{cli, std_cli};
use predicates::str::contains;
use std::process::Stdio;
use std::time::Duration;

fn yesterday() -> String {
    (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string()
}

fn history_start() -> String {
    (chrono::Utc::now().date_naive()
        - chrono::Days::new(pulseboard::connectors::demo::DEMO_HISTORY_DAYS))
    .to_string()
}

/// The totals of every closed day (the demo's today is still changing).
fn past_totals(dir: &std::path::Path) -> serde_json::Value {
    let out = cli(dir)
        .args([
            "metrics",
            "--workspace",
            "Demo",
            "--by",
            "total",
            "--format",
            "json",
        ])
        .args(["--from", &history_start(), "--to", &yesterday()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn demo_creates_a_workspace_syncs_and_resyncs_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .arg("demo")
        .assert()
        .success()
        .stdout(contains("Created the 'Demo' workspace"))
        .stdout(contains("Demo data: succeeded"))
        .stdout(contains("  orders: "))
        .stdout(contains("  activities: "));
    let first = past_totals(dir.path());
    let orders = first[0]["orders"].as_i64().unwrap();
    assert!(
        orders > 3000,
        "90 days of a real-looking shop: {orders} orders"
    );
    assert!(first[0]["revenue"].as_f64().unwrap() > 0.0);
    assert!(
        first[0]["cogs_estimated"].as_f64().unwrap() > 0.0,
        "some costs are estimated"
    );
    assert!(first[0]["refunds"].as_f64().unwrap() > 0.0);
    assert!(first[0]["new_customers"].as_i64().unwrap() > 0);
    assert!(first[0]["returning_customers"].as_i64().unwrap() > 0);
    assert!(first[0]["rto"].as_i64().unwrap() > 0);
    assert!(first[0]["calls"].as_i64().unwrap() > 0);
    assert!(first[0]["other_expenses"].as_f64().unwrap() > 0.0);

    // Again: the demo workspace is reused and the past does not change or double.
    cli(dir.path())
        .arg("demo")
        .assert()
        .success()
        .stdout(contains("Demo data: succeeded"))
        .stdout(contains("  orders: "))
        .stdout(contains("  activities: "));
    cli(dir.path())
        .args(["sync", "--workspace", "Demo"])
        .assert()
        .success();
    assert_eq!(past_totals(dir.path()), first);

    let out = cli(dir.path()).args(["runs", "--json"]).output().unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs
        .iter()
        .all(|r| r["status"] == "succeeded" && r["trigger"] == "cli"));
    let streams: Vec<&str> = runs[0]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stream"].as_str().unwrap())
        .collect();
    assert_eq!(
        streams,
        [
            "variant_costs",
            "orders",
            "ad_days",
            "shipments",
            "users",
            "activities",
            "pipelines",
            "opportunities"
        ]
    );
    assert!(
        runs[0]["records_fetched"].as_u64().unwrap()
            < runs[2]["records_fetched"].as_u64().unwrap() / 5,
        "a later sync reads only the recent days, not the whole history"
    );
}

#[test]
fn a_sync_killed_halfway_resumes_to_exactly_the_source() {
    // A clean sync, for reference.
    let clean = tempfile::tempdir().unwrap();
    cli(clean.path()).arg("demo").assert().success();
    let want = past_totals(clean.path());

    let dir = tempfile::tempdir().unwrap();
    let mut child = std_cli(dir.path())
        .arg("demo")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some pages are committed, then kill without warning.
    let db = dir.path().join("pulseboard.sqlite3");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let committed = pulseboard::store::Store::open(&db).ok().and_then(|s| {
            s.cursor(pulseboard::domain::ConnectionId(1), "orders")
                .ok()
                .flatten()
        });
        if committed.is_some() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sync never committed a page"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "killed mid-sync (if this fails, the sync finished too fast to test)"
    );

    // The interrupted run is recorded as such by the next one, which resumes.
    cli(dir.path()).args(["sync"]).assert().success();
    let out = cli(dir.path()).args(["runs", "--json"]).output().unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[1]["status"], "cancelled");
    assert_eq!(
        past_totals(dir.path()),
        want,
        "nothing lost, nothing duplicated"
    );
}

#[test]
fn a_connection_that_cannot_sync_fails_the_sync_clearly_and_the_rest_go_on() {
    // A Copper account that refuses the key it was given.
    let (copper, _state) = common::copper_fake::start(common::copper_fake::CpState::new(
        "the_real_key",
        "owner@acme.example",
    ));
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args(["workspace", "add", "Acme"])
        .assert()
        .success();
    cli(dir.path())
        .args(["connect", "demo", "--workspace", "Acme"])
        .write_stdin("")
        .assert()
        .success();
    cli(dir.path())
        .args([
            "connect",
            "copper",
            "--workspace",
            "Acme",
            "--email",
            "owner@acme.example",
            "--base-url",
            &copper,
        ])
        .write_stdin(r#"{"api_key":"a_wrong_key"}"#)
        .assert()
        .success();

    // The demo syncs; Copper refuses the key: exit 1, said plainly.
    cli(dir.path())
        .args(["sync"])
        .assert()
        .code(1)
        .stdout(contains("Demo data: succeeded"))
        .stdout(contains("  orders: "))
        .stdout(contains("  activities: "))
        .stdout(contains("Copper CRM · owner@acme.example: failed"))
        .stdout(contains("Copper refused the API key"))
        .stderr(contains("1 connection(s) did not sync"));

    // Disabled connections are left out; an explicit id is synced even so.
    cli(dir.path())
        .args(["connection", "disable", "2"])
        .assert()
        .success();
    cli(dir.path()).args(["sync"]).assert().success();
    cli(dir.path())
        .args(["connection", "disable", "1"])
        .assert()
        .success();
    cli(dir.path())
        .args(["sync"])
        .assert()
        .success()
        .stdout(contains("Nothing to sync"));
    cli(dir.path())
        .args(["sync", "--connection", "1"])
        .assert()
        .success();
    cli(dir.path())
        .args(["sync", "--connection", "9"])
        .assert()
        .code(1)
        .stderr(contains("no connection with id 9"));
    cli(dir.path())
        .args(["sync", "--workspace", "Nope"])
        .assert()
        .code(1)
        .stderr(contains("no workspace named 'Nope'"));
    cli(dir.path()).args(["disconnect", "2"]).assert().success();
}
