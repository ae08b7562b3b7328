//! Copper's opportunities and pipelines against the local fake
//! (tests/common/copper_fake.rs), through the CLI, the keychain and SQLite:
//! open opportunities per stage now (an old open deal too, however long ago
//! it last changed), stage moves on their local days in America/New_York,
//! a move seen by the next sync, one member's share of the pipeline.

mod common;

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;
use common::copper_fake::{self, CpOpportunity, CpPipeline, CpState, CpUser};
use common::{cli, cli_json, sync_all as sync, unique_secret};
use serde_json::Value;
use std::path::Path;

const OWNER: &str = "owner@acme.example";

fn local(day: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    New_York
        .from_local_datetime(&day.and_hms_opt(h, m, s).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&New_York).date_naive()
}

fn opportunity(
    id: i64,
    assignee: Option<i64>,
    stage: i64,
    status: &'static str,
    value: Option<f64>,
    created: DateTime<Utc>,
    moved: DateTime<Utc>,
) -> CpOpportunity {
    CpOpportunity {
        id,
        name: format!("Deal {id}"),
        assignee_id: assignee,
        pipeline_id: if stage < 20 { 1 } else { 2 },
        stage_id: stage,
        status,
        monetary_value: value,
        date_stage_changed: moved.timestamp(),
        date_created: created.timestamp(),
        date_modified: moved.timestamp(),
    }
}

fn pipeline(dir: &Path, extra: &[&str]) -> Value {
    let to = today();
    let from = to - Days::new(29);
    let (from, to) = (from.to_string(), to.to_string());
    let args = [
        "pipeline",
        "--workspace",
        "Sales",
        "--json",
        "--from",
        &from,
        "--to",
        &to,
    ];
    cli_json(dir, &[&args[..], extra].concat())
}

/// (pipeline, stage, open, open value) of every stage.
fn stages(view: &Value) -> Vec<(String, String, u64, String)> {
    view["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["pipeline"].as_str().unwrap().to_string(),
                s["stage"].as_str().unwrap().to_string(),
                s["open"].as_u64().unwrap(),
                s["open_value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The days with stage moves, and how many.
fn moves(view: &Value) -> Vec<(NaiveDate, u64)> {
    view["moves"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["moves"].as_u64().unwrap() > 0)
        .map(|d| {
            (
                d["day"].as_str().unwrap().parse().unwrap(),
                d["moves"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn row(p: &str, s: &str, open: u64, value: &str) -> (String, String, u64, String) {
    (p.into(), s.into(), open, value.into())
}

#[test]
fn the_pipeline_shows_open_deals_per_stage_and_stage_moves_per_local_day() {
    let key = unique_secret("cpkey");
    let mut cp = CpState::new(&key, OWNER);
    cp.users = vec![
        CpUser {
            id: 1,
            name: "Ana".into(),
            email: "Ana@Acme.example".into(),
        },
        CpUser {
            id: 2,
            name: "Bo".into(),
            email: "bo@acme.example".into(),
        },
    ];
    cp.pipelines = vec![
        CpPipeline {
            id: 1,
            name: "Sales".into(),
            stages: vec![
                (11, "Qualified".into()),
                (12, "Proposal".into()),
                (13, "Negotiation".into()),
            ],
        },
        CpPipeline {
            id: 2,
            name: "Renewals".into(),
            stages: vec![(21, "Due".into())],
        },
    ];
    let t = today();
    let old = Utc::now() - Duration::days(200);
    let d10 = t - Days::new(10);
    let d5 = t - Days::new(5);
    let d3 = t - Days::new(3);
    cp.opportunities = vec![
        // Open for 200 days in its first stage, never moved: past the
        // 90-day history, still in the pipeline.
        opportunity(1, Some(1), 11, "Open", Some(1000.0), old, old),
        // Moved at the last second of a local day, and at its first.
        opportunity(
            2,
            Some(2),
            12,
            "Open",
            Some(2500.5),
            old,
            local(d10, 23, 59, 59),
        ),
        opportunity(3, Some(1), 13, "Won", Some(5000.0), old, local(d3, 0, 0, 0)),
        // Unassigned, without a value.
        opportunity(4, None, 12, "Open", None, old, local(d5, 12, 0, 0)),
    ];
    let (base, fake) = copper_fake::start(cp);
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args([
            "workspace",
            "add",
            "Sales",
            "--timezone",
            "America/New_York",
        ])
        .args(["--currency", "USD"])
        .assert()
        .success();
    cli(dir.path())
        .args([
            "connect",
            "copper",
            "--workspace",
            "Sales",
            "--email",
            OWNER,
        ])
        .args(["--base-url", &base, "--history-days", "90"])
        .write_stdin(format!(r#"{{"api_key":"{key}"}}"#))
        .assert()
        .success();
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");

    let view = pipeline(dir.path(), &[]);
    assert_eq!(
        stages(&view),
        [
            row("Renewals", "Due", 0, "0"),
            row("Sales", "Qualified", 1, "1000"),
            row("Sales", "Proposal", 2, "2500.5"),
            row("Sales", "Negotiation", 0, "0"),
        ],
        "won deals are not open; empty stages are listed"
    );
    assert_eq!(moves(&view), [(d10, 1), (d5, 1), (d3, 1)]);
    assert_eq!(view["moves"].as_array().unwrap().len(), 30, "every day");

    // Deal 1 moves on; the next sync sees it.
    {
        let mut s = fake.lock().unwrap();
        let now = Utc::now().timestamp();
        let o = &mut s.opportunities[0];
        o.stage_id = 12;
        o.date_stage_changed = now;
        o.date_modified = now;
    }
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");
    let view = pipeline(dir.path(), &[]);
    assert_eq!(stages(&view)[1], row("Sales", "Qualified", 0, "0"));
    assert_eq!(stages(&view)[2], row("Sales", "Proposal", 3, "3500.5"));
    assert_eq!(moves(&view), [(d10, 1), (d5, 1), (d3, 1), (t, 1)]);

    // One member's share: Ana's deals only, found by any case of her e-mail.
    let ana = pipeline(dir.path(), &["--member", "ANA@acme.example"]);
    assert_eq!(stages(&ana)[2], row("Sales", "Proposal", 1, "1000"));
    assert_eq!(moves(&ana), [(d3, 1), (t, 1)]);

    // Opportunities are not leads (metrics.md).
    let store = common::open_store(dir.path());
    let counts = store
        .record_counts(store.connections(None).unwrap()[0].id)
        .unwrap();
    assert_eq!(
        counts.activities, 0,
        "no lead, no activity came from a deal"
    );

    // An unknown member is a clear error, not an empty pipeline.
    let out = cli(dir.path())
        .args([
            "pipeline",
            "--workspace",
            "Sales",
            "--member",
            "who@x.example",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a member"));
}
