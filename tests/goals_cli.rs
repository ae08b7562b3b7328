//! Team members, a member's figures and goals through the CLI, on a team
//! synced from the local Copper and JustCall fakes in America/New_York:
//! pace, expected, projected, status and streak at fixed `--as-of` instants
//! (a plain day, the last DST day, a week across a month's end), history, a
//! target edit that leaves history alone, a ratio goal, and bad input.

mod common;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;
use common::copper_fake::{self, CpActivity, CpState, CpUser, EMAIL_TYPE};
use common::justcall_fake::{self, JcAgent, JcCall, JcState};
use common::{cli, cli_json, unique_secret};
use serde_json::Value;
use std::path::Path;

const OWNER: &str = "owner@acme.example";
/// Ana's calls each day, local time.
const CALL_HOURS: [u32; 4] = [2, 9, 15, 21];
/// Ana's e-mails each day, local time.
const EMAIL_HOURS: [u32; 3] = [8, 13, 18];

fn local(day: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    New_York
        .from_local_datetime(&day.and_hms_opt(h, m, s).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn day_hours(day: NaiveDate) -> i64 {
    (local(day + chrono::Days::new(1), 0, 0, 0) - local(day, 0, 0, 0)).num_hours()
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&New_York).date_naive()
}

/// The most recent day in New York that is not 24 hours long.
fn last_dst_day() -> NaiveDate {
    let mut d = today() - chrono::Days::new(1);
    while day_hours(d) == 24 {
        d = d - chrono::Days::new(1);
    }
    d
}

struct Setup {
    dir: tempfile::TempDir,
    /// The first day with data.
    first: NaiveDate,
}

fn setup() -> Setup {
    let now = Utc::now();
    let first = (today() - chrono::Days::new(69)).min(last_dst_day() - chrono::Days::new(2));
    let key = unique_secret("cpkey");
    let secret = unique_secret("jcsecret");
    let mut cp = CpState::new(&key, OWNER);
    cp.users = vec![
        CpUser {
            id: 1,
            name: "Ana".into(),
            email: "Ana@acme.example".into(),
        },
        CpUser {
            id: 2,
            name: "Bo".into(),
            email: "bo@acme.example".into(),
        },
    ];
    let mut jc = JcState::new(&key, &secret);
    jc.agents = vec![
        JcAgent {
            id: 11,
            name: "Ana".into(),
            email: "ana@ACME.example".into(),
        },
        JcAgent {
            id: 12,
            name: "Bo".into(),
            email: "bo@acme.example".into(),
        },
    ];
    let mut id = 0;
    let mut day = first;
    while day <= today() {
        for h in CALL_HOURS {
            id += 1;
            let at = local(day, h, 0, 0);
            if at <= now {
                jc.calls.push(JcCall {
                    id,
                    agent_email: "ana@ACME.example".into(),
                    at,
                    direction: "Outgoing",
                    kind: "Answered",
                    conversation_time: 100,
                });
            }
        }
        for h in [10, 16] {
            id += 1;
            let at = local(day, h, 0, 0);
            if at <= now {
                jc.calls.push(JcCall {
                    id,
                    agent_email: "bo@acme.example".into(),
                    at,
                    direction: "Incoming",
                    kind: "Missed",
                    conversation_time: 0,
                });
            }
        }
        for h in EMAIL_HOURS {
            id += 1;
            let at = local(day, h, 0, 0);
            if at <= now {
                cp.activities.push(CpActivity {
                    id,
                    type_id: EMAIL_TYPE,
                    category: "user",
                    user_id: Some(1),
                    activity_date: at.timestamp(),
                    raw: None,
                });
            }
        }
        day = day + chrono::Days::new(1);
    }
    let (cp_base, _cp) = copper_fake::start(cp);
    let (jc_base, _jc) = justcall_fake::start(jc);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    cli(p)
        .args([
            "workspace",
            "add",
            "Sales",
            "--timezone",
            "America/New_York",
            "--currency",
            "USD",
        ])
        .assert()
        .success();
    cli(p)
        .args([
            "connect",
            "copper",
            "--workspace",
            "Sales",
            "--email",
            OWNER,
        ])
        .args(["--base-url", &cp_base, "--history-days", "400"])
        .write_stdin(format!(r#"{{"api_key":"{key}"}}"#))
        .assert()
        .success();
    cli(p)
        .args(["connect", "justcall", "--workspace", "Sales"])
        .args(["--base-url", &jc_base, "--history-days", "400"])
        .write_stdin(format!(r#"{{"api_key":"{key}","api_secret":"{secret}"}}"#))
        .assert()
        .success();
    cli(p).arg("sync").assert().success();
    Setup { dir, first }
}

fn json(dir: &Path, args: &[&str]) -> Value {
    cli_json(dir, args)
}

fn add_goal(dir: &Path, args: &[&str]) -> i64 {
    let out = cli(dir)
        .args(["goal", "add", "--workspace", "Sales"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn goal_at(dir: &Path, id: i64, as_of: &str) -> Value {
    let list = json(
        dir,
        &["goals", "--workspace", "Sales", "--as-of", as_of, "--json"],
    );
    list.as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .cloned()
        .unwrap()
}

fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((got - want).abs() < 1e-9, "{got} ≠ {want}");
}

fn stamp(day: NaiveDate, time: &str) -> String {
    format!("{day}T{time}")
}

#[test]
fn members_and_their_figures() {
    let s = setup();
    let members = json(s.dir.path(), &["members", "--workspace", "Sales", "--json"]);
    assert_eq!(
        members,
        serde_json::json!([
            {"email": "ana@acme.example", "name": "Ana", "sources": ["copper", "justcall"], "aliases": [], "hidden": false},
            {"email": "bo@acme.example", "name": "Bo", "sources": ["copper", "justcall"], "aliases": [], "hidden": false}
        ])
    );
    let day = today() - chrono::Days::new(3);
    let rows = json(
        s.dir.path(),
        &[
            "metrics",
            "--workspace",
            "Sales",
            "--member",
            "ANA@acme.example",
            "--format",
            "json",
            "--from",
            &day.to_string(),
            "--to",
            &day.to_string(),
        ],
    );
    let row = &rows[0];
    assert_eq!(row["calls"], 4);
    assert_eq!(row["calls_answered"], 4);
    assert_eq!(row["emails"], 3);
    assert_eq!(row["talk_time_s"], 400);
    assert!(
        row.get("revenue").is_none(),
        "a member has only sales keys: {row}"
    );
    let bo = json(
        s.dir.path(),
        &[
            "metrics",
            "--workspace",
            "Sales",
            "--member",
            "bo@acme.example",
            "--format",
            "json",
            "--from",
            &day.to_string(),
            "--to",
            &day.to_string(),
        ],
    );
    assert_eq!(
        (bo[0]["calls"].as_i64(), bo[0]["calls_missed"].as_i64()),
        (Some(2), Some(2))
    );
    cli(s.dir.path())
        .args([
            "metrics",
            "--workspace",
            "Sales",
            "--member",
            "nobody@acme.example",
        ])
        .args(["--from", &day.to_string(), "--to", &day.to_string()])
        .assert()
        .failure()
        .stderr(predicates::str::contains("not a member"));

    // Rename Ana; merge Bo into her (say, a second address); then hide her.
    cli(s.dir.path())
        .args([
            "member",
            "rename",
            "ana@acme.example",
            "--workspace",
            "Sales",
            "--name",
            "Ana Ortiz",
        ])
        .assert()
        .success();
    cli(s.dir.path())
        .args([
            "member",
            "merge",
            "BO@acme.example",
            "--workspace",
            "Sales",
            "--into",
            "ana@acme.example",
        ])
        .assert()
        .success();
    let members = json(s.dir.path(), &["members", "--workspace", "Sales", "--json"]);
    assert_eq!(members.as_array().unwrap().len(), 1, "{members}");
    assert_eq!(members[0]["name"], "Ana Ortiz");
    assert_eq!(
        members[0]["aliases"],
        serde_json::json!(["bo@acme.example"])
    );
    let both = json(
        s.dir.path(),
        &[
            "metrics",
            "--workspace",
            "Sales",
            "--member",
            "ana@acme.example",
            "--format",
            "json",
            "--from",
            &day.to_string(),
            "--to",
            &day.to_string(),
        ],
    );
    assert_eq!(both[0]["calls"], 6, "her four and the merged address's two");
    cli(s.dir.path())
        .args([
            "member",
            "merge",
            "ana@acme.example",
            "--workspace",
            "Sales",
            "--into",
            "bo@acme.example",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("themselves"));
    cli(s.dir.path())
        .args(["member", "hide", "ana@acme.example", "--workspace", "Sales"])
        .assert()
        .success();
    assert_eq!(
        json(s.dir.path(), &["members", "--workspace", "Sales", "--json"]),
        serde_json::json!([])
    );
    let hidden = json(
        s.dir.path(),
        &[
            "metrics",
            "--workspace",
            "Sales",
            "--member",
            "ana@acme.example",
            "--format",
            "json",
            "--from",
            &day.to_string(),
            "--to",
            &day.to_string(),
        ],
    );
    assert_eq!(hidden[0]["calls"], 6, "a hidden member's history stays");
    let team = json(
        s.dir.path(),
        &[
            "metrics",
            "--workspace",
            "Sales",
            "--format",
            "json",
            "--from",
            &day.to_string(),
            "--to",
            &day.to_string(),
        ],
    );
    assert_eq!(team[0]["calls"], 6, "and so does the workspace's");
}

#[test]
fn a_daily_goal_at_fixed_instants_with_history_streak_and_an_edit() {
    let s = setup();
    let p = s.dir.path();
    let id = add_goal(
        p,
        &[
            "--metric",
            "calls",
            "--period",
            "daily",
            "--target",
            "4",
            "--member",
            "ana@acme.example",
        ],
    );

    // A plain day at noon: half the day gone, two of four calls made.
    let mut d = today() - chrono::Days::new(10);
    while day_hours(d) != 24 {
        d = d - chrono::Days::new(1);
    }
    let g = goal_at(p, id, &stamp(d, "12:00:00"));
    assert_eq!(
        (g["period_start"].as_str(), g["period_end"].as_str()),
        (Some(&*d.to_string()), Some(&*d.to_string()))
    );
    assert_eq!(g["member"], "ana@acme.example");
    close(&g["current"], 2.0);
    close(&g["expected_now"], 2.0);
    close(&g["pace"], 1.0);
    close(&g["projected"], 4.0);
    assert_eq!(g["status"], "ahead");
    assert_eq!(
        g["streak"].as_i64(),
        Some((d - s.first).num_days()),
        "every day before met"
    );

    // The last DST day at noon: 13 of 25 hours gone (or 11 of 23).
    let dst = last_dst_day();
    let hours = day_hours(dst) as f64;
    let gone = if hours > 24.0 { 13.0 } else { 11.0 };
    let g = goal_at(p, id, &stamp(dst, "12:00:00"));
    close(&g["current"], 2.0);
    close(&g["expected_now"], 4.0 * gone / hours);
    close(&g["pace"], 2.0 / (4.0 * gone / hours));
    close(&g["projected"], 2.0 * hours / gone);
    assert_eq!(g["status"], if hours > 24.0 { "on_track" } else { "ahead" });

    // At the day's last second all four are in: met, and the streak counts it.
    let g = goal_at(p, id, &stamp(d, "23:59:59"));
    assert_eq!(g["status"], "met");
    assert_eq!(g["streak"].as_i64(), Some((d - s.first).num_days() + 1));

    // Before the goal existed its first target applies.
    let g = goal_at(p, id, &stamp(s.first, "23:59:59"));
    close(&g["target"], 4.0);

    // History: every finished day, newest first, back to the first day of data.
    let history = json(p, &["goal", "history", &id.to_string(), "--json"]);
    let history = history.as_array().unwrap();
    assert_eq!(history.len() as i64, (today() - s.first).num_days());
    assert_eq!(
        history[0]["period_start"],
        (today() - chrono::Days::new(1)).to_string()
    );
    assert!(history
        .iter()
        .all(|h| h["met"] == true && h["current"] == 4.0 && h["target"] == 4.0));

    // A new target applies from today on; past periods keep theirs.
    cli(p)
        .args(["goal", "edit", &id.to_string(), "--target", "10"])
        .assert()
        .success();
    let now = json(p, &["goals", "--workspace", "Sales", "--json"]);
    close(&now[0]["target"], 10.0);
    let history = json(p, &["goal", "history", &id.to_string(), "--json"]);
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["target"] == 4.0));
    close(&goal_at(p, id, &stamp(d, "12:00:00"))["target"], 4.0);

    cli(p)
        .args(["goal", "remove", &id.to_string()])
        .assert()
        .success();
    assert_eq!(
        json(p, &["goals", "--workspace", "Sales", "--json"]),
        serde_json::json!([])
    );
}

#[test]
fn a_week_across_a_month_end() {
    let s = setup();
    let p = s.dir.path();
    let id = add_goal(
        p,
        &["--metric", "emails", "--period", "weekly", "--target", "20"],
    );
    // The newest finished week with data that spans two months and no DST
    // change. (A week starting on the first day of data counts: on
    // 2026-12-06 that was the only one, Sep 28 – Oct 4.)
    let mut monday =
        today() - chrono::Days::new(u64::from(today().weekday().num_days_from_monday()) + 7);
    loop {
        assert!(
            monday >= s.first,
            "no finished week in the data spans two months without a DST change"
        );
        let sunday = monday + chrono::Days::new(6);
        let hours =
            (local(sunday + chrono::Days::new(1), 0, 0, 0) - local(monday, 0, 0, 0)).num_hours();
        if monday.month() != sunday.month() && hours == 168 {
            break;
        }
        monday = monday - chrono::Days::new(7);
    }
    let sunday = monday + chrono::Days::new(6);
    // Wednesday noon: 2.5 of 7 days gone, 3 + 3 + 1 e-mails sent.
    let g = goal_at(p, id, &stamp(monday + chrono::Days::new(2), "12:00:00"));
    assert_eq!(g["period_start"], monday.to_string());
    assert_eq!(g["period_end"], sunday.to_string());
    assert_eq!(g["member"], Value::Null);
    close(&g["current"], 7.0);
    close(&g["expected_now"], 20.0 * 2.5 / 7.0);
    close(&g["pace"], 7.0 / (20.0 * 2.5 / 7.0));
    close(&g["projected"], 7.0 / (2.5 / 7.0));
    assert_eq!(g["status"], "on_track");
    let g = goal_at(p, id, &stamp(sunday, "23:59:59"));
    close(&g["current"], 21.0);
    assert_eq!(g["status"], "met");
}

#[test]
fn a_ratio_goal_expects_its_target_and_projects_its_figure() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    cli(p).arg("demo").assert().success();
    let out = cli(p)
        .args([
            "goal",
            "add",
            "--workspace",
            "Demo",
            "--metric",
            "aov",
            "--period",
            "monthly",
            "--target",
            "1000",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id: i64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let ws = json(p, &["workspace", "list", "--json"]);
    let tz: chrono_tz::Tz = ws[0]["timezone"].as_str().unwrap().parse().unwrap();
    let yesterday = Utc::now().with_timezone(&tz).date_naive() - chrono::Days::new(1);
    let month_start = yesterday.with_day(1).unwrap();
    let total = json(
        p,
        &[
            "metrics",
            "--workspace",
            "Demo",
            "--by",
            "total",
            "--format",
            "json",
            "--from",
            &month_start.to_string(),
            "--to",
            &yesterday.to_string(),
        ],
    );
    let aov = total[0]["aov"].as_f64().unwrap();
    let list = json(
        p,
        &[
            "goals",
            "--workspace",
            "Demo",
            "--as-of",
            &stamp(yesterday, "23:59:59"),
            "--json",
        ],
    );
    let g = list
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .unwrap();
    close(&g["expected_now"], 1000.0);
    assert!(
        (g["current"].as_f64().unwrap() - aov).abs() < 0.01,
        "{g} against {aov}"
    );
    assert!((g["projected"].as_f64().unwrap() - aov).abs() < 0.01);
    assert!((g["pace"].as_f64().unwrap() - aov / 1000.0).abs() < 1e-5);
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_writes_nothing() {
    let s = setup();
    let p = s.dir.path();
    for (args, says) in [
        (
            vec![
                "--metric",
                "happiness",
                "--period",
                "daily",
                "--target",
                "3",
            ],
            "not a metric",
        ),
        (
            vec!["--metric", "calls", "--period", "yearly", "--target", "3"],
            "not a period",
        ),
        (
            vec!["--metric", "calls", "--period", "daily", "--target", "0"],
            "above 0",
        ),
        (
            vec!["--metric", "calls", "--period", "daily", "--target", "ten"],
            "above 0",
        ),
        (
            vec![
                "--metric",
                "calls",
                "--period",
                "daily",
                "--target",
                "3",
                "--member",
                "zed@acme.example",
            ],
            "not a member",
        ),
        (
            vec![
                "--metric",
                "revenue",
                "--period",
                "daily",
                "--target",
                "3",
                "--member",
                "ana@acme.example",
            ],
            "sales figures",
        ),
    ] {
        cli(p)
            .args(["goal", "add", "--workspace", "Sales"])
            .args(&args)
            .assert()
            .failure()
            .stderr(predicates::str::contains(says));
    }
    assert_eq!(
        json(p, &["goals", "--workspace", "Sales", "--json"]),
        serde_json::json!([])
    );
    cli(p)
        .args(["goals", "--workspace", "Sales", "--as-of", "noon"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("not a local time"));
    cli(p)
        .args(["goal", "edit", "42", "--target", "5"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("no goal with id 42"));
}
