//! The Copper and JustCall connectors against local fakes
//! (tests/common/copper_fake.rs, justcall_fake.rs) through the CLI, the real
//! keychain and SQLite, over HTTP on 127.0.0.1: a team's e-mails, CRM calls,
//! leads and dialer calls land on the right local days (America/New_York,
//! across a DST change), a call logged late is picked up and one deleted
//! goes, re-syncs cost a fraction of the backfill, rate limits are waited
//! out, a wrong secret parks only its connection, bad rows are skipped and
//! counted.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;
use common::copper_fake::{self, CpActivity, CpLead, CpState, CpUser, CALL_TYPE, EMAIL_TYPE};
use common::copper_fake::{MEETING_TYPE, NOTE_TYPE};
use common::justcall_fake::{self, JcAgent, JcCall, JcState};
use common::{cli, cli_json, daily_metrics, files_containing, sync_all as sync, unique_secret};
use std::collections::BTreeMap;
use std::path::Path;

const KEYS: [&str; 7] = [
    "emails",
    "crm_calls",
    "leads",
    "calls",
    "calls_answered",
    "calls_missed",
    "talk_time_s",
];
const OWNER: &str = "owner@acme.example";

/// The most recent day in New York whose length is not 24 hours.
fn last_dst_day(now: DateTime<Utc>) -> NaiveDate {
    let mut day = now.with_timezone(&New_York).date_naive();
    loop {
        day = day - chrono::Days::new(1);
        let start = New_York
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
            .unwrap();
        let next = day + chrono::Days::new(1);
        let end = New_York
            .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap())
            .unwrap();
        if end - start != Duration::hours(24) {
            return day;
        }
    }
}

/// An instant at a local wall time in New York.
fn local(day: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    New_York
        .from_local_datetime(&day.and_hms_opt(h, m, s).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

struct Team {
    copper: CpState,
    justcall: JcState,
    /// The days the test wrote, and what each key should say on them.
    days: BTreeMap<NaiveDate, [i64; 7]>,
    /// The same per member, by lower-case e-mail.
    members: BTreeMap<String, BTreeMap<NaiveDate, [i64; 7]>>,
}

fn add(days: &mut BTreeMap<NaiveDate, [i64; 7]>, at: DateTime<Utc>, key: usize, n: i64) {
    days.entry(at.with_timezone(&New_York).date_naive())
        .or_insert([0; 7])[key] += n;
}

/// Count for the workspace, and for `member` when there is one.
fn count(
    days: &mut BTreeMap<NaiveDate, [i64; 7]>,
    members: &mut BTreeMap<String, BTreeMap<NaiveDate, [i64; 7]>>,
    member: Option<&str>,
    at: DateTime<Utc>,
    key: usize,
    n: i64,
) {
    add(days, at, key, n);
    if let Some(m) = member {
        add(members.entry(m.to_lowercase()).or_default(), at, key, n);
    }
}

fn copper_email(user: Option<i64>) -> Option<&'static str> {
    match user? {
        1 => Some("ana@acme.example"),
        2 => Some("bo@acme.example"),
        3 => Some("cy@acme.example"),
        5 => Some("eve@acme.example"),
        _ => None,
    }
}

/// Five people: Ana in both sources (her e-mail in another case in each),
/// Bo and Cy only in Copper, Dee only in JustCall, Eve in both.
fn team(now: DateTime<Utc>, key: &str, secret: &str) -> Team {
    let mut cp = CpState::new(key, OWNER);
    let mut jc = JcState::new(key, secret);
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
        CpUser {
            id: 3,
            name: "Cy".into(),
            email: "cy@acme.example".into(),
        },
        CpUser {
            id: 5,
            name: "Eve".into(),
            email: "eve@acme.example".into(),
        },
    ];
    jc.agents = vec![
        JcAgent {
            id: 11,
            name: "Ana".into(),
            email: "ana@ACME.example".into(),
        },
        JcAgent {
            id: 14,
            name: "Dee".into(),
            email: "dee@acme.example".into(),
        },
        JcAgent {
            id: 15,
            name: "Eve".into(),
            email: "eve@acme.example".into(),
        },
    ];
    let mut days = BTreeMap::new();
    let mut members = BTreeMap::new();
    let mut id = 1000;
    let mut next = || {
        id += 1;
        id
    };
    let types = [EMAIL_TYPE, CALL_TYPE, NOTE_TYPE, MEETING_TYPE];
    let kinds = [
        ("Incoming", "Answered"),
        ("Outgoing", "Answered"),
        ("Incoming", "Missed"),
        ("Incoming", "Voicemail"),
        ("Incoming", "Abandoned"),
        ("Incoming", "Busy"),
        ("Outgoing", "Unanswered"),
        ("Outgoing", "Failed"),
    ];
    let jc_emails = ["ana@ACME.example", "dee@acme.example", "eve@acme.example"];
    for d in 0..90i64 {
        let base = now - Duration::days(d) - Duration::hours(3);
        for i in 0..(d % 5 + 2) {
            let at = base - Duration::minutes(37 * i);
            let type_id = types[((d + i) % 4) as usize];
            let user = [Some(1), Some(2), Some(3), Some(5), None][((d * 3 + i) % 5) as usize];
            cp.activities.push(CpActivity {
                id: next(),
                type_id,
                category: "user",
                user_id: user,
                activity_date: at.timestamp(),
                raw: None,
            });
            let who = copper_email(user);
            match type_id {
                EMAIL_TYPE => count(&mut days, &mut members, who, at, 0, 1),
                CALL_TYPE => count(&mut days, &mut members, who, at, 1, 1),
                _ => {} // notes and meetings count nowhere
            }
        }
        if d % 3 == 0 {
            let created = base - Duration::hours(1);
            let assignee = if d % 2 == 0 { Some(2) } else { None };
            cp.leads.push(CpLead {
                id: next(),
                assignee_id: assignee,
                date_created: created.timestamp(),
                date_modified: (created + Duration::hours(2))
                    .timestamp()
                    .min(now.timestamp()),
            });
            count(
                &mut days,
                &mut members,
                copper_email(assignee),
                created,
                2,
                1,
            );
        }
        for i in 0..(d % 4 + 1) {
            let at = base - Duration::minutes(53 * i + 11);
            let (direction, kind) = kinds[((d + i) % 8) as usize];
            let talk = if kind == "Answered" {
                60 + 7 * d + i
            } else {
                0
            };
            let agent = jc_emails[((d + i) % 3) as usize];
            jc.calls.push(JcCall {
                id: next(),
                agent_email: agent.into(),
                at,
                direction,
                kind,
                conversation_time: talk,
            });
            let who = Some(agent);
            count(&mut days, &mut members, who, at, 3, 1);
            count(
                &mut days,
                &mut members,
                who,
                at,
                4,
                (kind == "Answered") as i64,
            );
            let missed =
                direction == "Incoming" && matches!(kind, "Missed" | "Voicemail" | "Abandoned");
            count(&mut days, &mut members, who, at, 5, missed as i64);
            count(&mut days, &mut members, who, at, 6, talk);
        }
    }
    // The edges of a day, on the last DST day and a plain one: 23:59:59 is
    // that day's, 00:00:00 the next's.
    let dst = last_dst_day(now);
    let plain = now.with_timezone(&New_York).date_naive() - chrono::Days::new(20);
    for day in [dst, plain] {
        for (h, m, s) in [(23, 59, 59), (0, 0, 0)] {
            let at = local(day, h, m, s);
            cp.activities.push(CpActivity {
                id: next(),
                type_id: EMAIL_TYPE,
                category: "user",
                user_id: Some(1),
                activity_date: at.timestamp(),
                raw: None,
            });
            count(&mut days, &mut members, Some("ana@acme.example"), at, 0, 1);
            jc.calls.push(JcCall {
                id: next(),
                agent_email: "eve@acme.example".into(),
                at,
                direction: "Outgoing",
                kind: "Answered",
                conversation_time: 30,
            });
            let eve = Some("eve@acme.example");
            count(&mut days, &mut members, eve, at, 3, 1);
            count(&mut days, &mut members, eve, at, 4, 1);
            count(&mut days, &mut members, eve, at, 6, 30);
        }
    }
    Team {
        copper: cp,
        justcall: jc,
        days,
        members,
    }
}

/// A workspace "Sales" in New York with a Copper and a JustCall connection
/// reading `history` days, through the CLI.
fn connect(dir: &Path, copper: &str, justcall: &str, key: &str, secret: &str, history: &str) {
    cli(dir)
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
    cli(dir)
        .args([
            "connect",
            "copper",
            "--workspace",
            "Sales",
            "--email",
            OWNER,
        ])
        .args(["--base-url", copper, "--history-days", history])
        .write_stdin(format!(r#"{{"api_key":"{key}"}}"#))
        .assert()
        .success();
    cli(dir)
        .args(["connect", "justcall", "--workspace", "Sales"])
        .args(["--base-url", justcall, "--history-days", history])
        .write_stdin(format!(r#"{{"api_key":"{key}","api_secret":"{secret}"}}"#))
        .assert()
        .success();
}

fn check(dir: &Path, want: &BTreeMap<NaiveDate, [i64; 7]>) {
    let (from, to) = (*want.keys().next().unwrap(), *want.keys().last().unwrap());
    let got = daily_metrics(dir, "Sales", from, to);
    let mut day = from;
    while day <= to {
        let expected = want.get(&day).copied().unwrap_or([0; 7]);
        let row = &got[&day];
        for (i, key) in KEYS.iter().enumerate() {
            assert_eq!(row[key].as_i64(), Some(expected[i]), "{day} {key}: {row}");
        }
        day = day + chrono::Days::new(1);
    }
}

/// Each member's seven sales keys, day by day, through `metrics --member`.
fn check_members(dir: &Path, members: &BTreeMap<String, BTreeMap<NaiveDate, [i64; 7]>>) {
    for (email, want) in members {
        let (from, to) = (*want.keys().next().unwrap(), *want.keys().last().unwrap());
        // In another case than stored: members match case-insensitively.
        let asked = email.to_uppercase();
        let (from, to) = (from.to_string(), to.to_string());
        let rows: Vec<serde_json::Value> = cli_json(
            dir,
            &[
                "metrics",
                "--workspace",
                "Sales",
                "--member",
                &asked,
                "--format",
                "json",
                "--from",
                &from,
                "--to",
                &to,
            ],
        );
        for row in rows {
            let day: NaiveDate = row["date"].as_str().unwrap().parse().unwrap();
            let expected = want.get(&day).copied().unwrap_or([0; 7]);
            for (i, key) in KEYS.iter().enumerate() {
                assert_eq!(row[key].as_i64(), Some(expected[i]), "{email} {day} {key}");
            }
        }
    }
}

fn setup(
    history: &str,
) -> (
    tempfile::TempDir,
    Team,
    copper_fake::Shared,
    justcall_fake::Shared,
    String,
) {
    let now = Utc::now();
    let key = unique_secret("cpkey");
    let secret = unique_secret("jcsecret");
    let t = team(now, &key, &secret);
    let want = t.days.clone();
    let (cp_base, cp) = copper_fake::start(t.copper);
    let (jc_base, jc) = justcall_fake::start(t.justcall);
    let dir = tempfile::tempdir().unwrap();
    connect(dir.path(), &cp_base, &jc_base, &key, &secret, history);
    let team = Team {
        copper: CpState::new("", ""),
        justcall: JcState::new("", ""),
        days: want,
        members: t.members,
    };
    (dir, team, cp, jc, secret)
}

#[test]
fn a_team_s_activity_lands_on_its_local_days_and_re_syncs_are_cheap() {
    let (dir, team, cp, jc, secret) = setup("400");
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");
    check(dir.path(), &team.days);
    assert_eq!(team.members.len(), 5, "ana, bo, cy, dee, eve");
    check_members(dir.path(), &team.members);
    let backfill = cp.lock().unwrap().requests.len();

    // An unchanged account costs a handful of requests.
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");
    let unchanged: Vec<String> = cp.lock().unwrap().requests[backfill..]
        .iter()
        .map(|(path, _)| path.trim_start_matches("/developer_api/v1/").to_string())
        .collect();
    // The team, the activity types, the 30-day re-read and today (two
    // windows), and one page each of leads, pipelines and opportunities.
    assert_eq!(
        unchanged,
        [
            "users/search",
            "activity_types",
            "activities/search",
            "activities/search",
            "leads/search",
            "pipelines",
            "opportunities/search"
        ],
        "an unchanged Copper account"
    );

    // A call logged five days late is picked up; an e-mail deleted in Copper
    // goes; a lead changes owner.
    let mut want = team.days.clone();
    let late = Utc::now() - Duration::days(5);
    let gone = {
        let mut s = cp.lock().unwrap();
        s.activities.push(CpActivity {
            id: 99_001,
            type_id: CALL_TYPE,
            category: "user",
            user_id: Some(3),
            activity_date: late.timestamp(),
            raw: None,
        });
        let i = s
            .activities
            .iter()
            .rposition(|a| {
                a.type_id == EMAIL_TYPE
                    && a.activity_date > (Utc::now() - Duration::days(10)).timestamp()
            })
            .unwrap();
        s.activities.remove(i)
    };
    add(&mut want, late, 1, 1);
    add(
        &mut want,
        DateTime::from_timestamp(gone.activity_date, 0).unwrap(),
        0,
        -1,
    );
    let before = cp.lock().unwrap().requests.len();
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");
    check(dir.path(), &want);
    let resync = cp.lock().unwrap().requests.len() - before;
    assert!(
        resync * 2 < backfill,
        "a re-sync took {resync} requests, the backfill {backfill}"
    );

    // Members: the people of both sources, stored with lower-case e-mails.
    let store = common::open_store(dir.path());
    let people = store.member_emails().unwrap();
    assert!(
        people.contains(&"ana@acme.example".to_string()),
        "{people:?}"
    );
    assert!(
        people.contains(&"dee@acme.example".to_string()),
        "{people:?}"
    );
    assert!(
        !people.iter().any(|e| e.chars().any(char::is_uppercase)),
        "{people:?}"
    );

    // JustCall was never asked for a range over 30 days, pages from 0.
    let s = jc.lock().unwrap();
    assert!(s
        .requests
        .iter()
        .any(|(p, q)| p == "calls" && q.get("page").map(String::as_str) == Some("0")));
    drop(s);
    assert!(
        files_containing(dir.path(), secret.as_bytes()).is_empty(),
        "the secret is on disk"
    );
}

#[test]
fn rate_limits_are_waited_out_and_nothing_is_skipped() {
    let (dir, team, cp, jc, _) = setup("90");
    {
        let mut s = cp.lock().unwrap();
        s.per_minute = 6;
        s.window = std::time::Duration::from_secs(3);
    }
    jc.lock().unwrap().throttle_next = 2;
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");
    assert!(
        cp.lock().unwrap().throttled > 0,
        "Copper's limit was never reached"
    );
    assert_eq!(jc.lock().unwrap().throttled, 2);
    let want: BTreeMap<_, _> = team
        .days
        .into_iter()
        .filter(|(d, _)| {
            *d >= (Utc::now() - Duration::days(89))
                .with_timezone(&New_York)
                .date_naive()
        })
        .collect();
    check(dir.path(), &want);
}

#[test]
fn a_wrong_justcall_secret_parks_it_while_copper_carries_on() {
    let (dir, _team, cp, jc, secret) = setup("90");
    jc.lock().unwrap().api_secret = "rotated".into();
    let (ok, out) = sync(dir.path());
    assert!(!ok, "{out}");
    assert!(
        out.contains("JustCall refused the API key and secret"),
        "{out}"
    );
    let out = cli(dir.path())
        .args(["connections", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["status"], "ok", "Copper synced");
    assert_eq!(list[1]["status"], "needs_attention");
    assert!(cp.lock().unwrap().count("activities/search") > 0);
    assert!(files_containing(dir.path(), secret.as_bytes()).is_empty());
}

#[test]
fn bad_rows_are_skipped_and_counted_and_a_500_mid_paging_is_retried() {
    let (dir, team, cp, jc, _) = setup("90");
    {
        let mut s = cp.lock().unwrap();
        s.activities.push(CpActivity {
            id: 77_001,
            type_id: EMAIL_TYPE,
            category: "user",
            user_id: Some(1),
            activity_date: Utc::now().timestamp() - 3600,
            raw: Some(serde_json::json!({"id": 77_001, "type": {"id": EMAIL_TYPE, "category": "user"}, "activity_date": "yesterday"})),
        });
        s.fail_request = Some(5);
    }
    {
        let mut s = jc.lock().unwrap();
        s.calls.push(JcCall {
            id: 88_001,
            agent_email: "dee@acme.example".into(),
            at: Utc::now() - Duration::hours(2),
            direction: "Incoming",
            kind: "Teleported",
            conversation_time: 0,
        });
        s.fail_request = Some(3);
    }
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");
    assert!(
        out.contains("activities: ") && out.contains("1 skipped"),
        "{out}"
    );
    let want: BTreeMap<_, _> = team
        .days
        .into_iter()
        .filter(|(d, _)| {
            *d >= (Utc::now() - Duration::days(89))
                .with_timezone(&New_York)
                .date_naive()
        })
        .collect();
    check(dir.path(), &want);
    let runs = cli(dir.path()).args(["runs", "--json"]).output().unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    let skipped: Vec<i64> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["records_skipped"].as_i64().unwrap())
        .collect();
    assert_eq!(skipped, [1, 1], "one bad row in each source");
}

#[test]
fn test_connection_counts_the_people_and_an_account_without_an_e_mail_type_still_syncs_its_calls() {
    let (dir, team, cp, _jc, _) = setup("90");
    cli(dir.path())
        .args(["connection", "test", "1"])
        .assert()
        .success()
        .stdout(predicates::str::contains("4 users"));
    cli(dir.path())
        .args(["connection", "test", "2"])
        .assert()
        .success()
        .stdout(predicates::str::contains("3 users"));
    cp.lock().unwrap().has_email_type = false;
    let (ok, out) = sync(dir.path());
    assert!(ok, "{out}");
    let want: BTreeMap<_, _> = team
        .days
        .into_iter()
        .filter(|(d, _)| {
            *d >= (Utc::now() - Duration::days(89))
                .with_timezone(&New_York)
                .date_naive()
        })
        .map(|(d, mut k)| {
            k[0] = 0;
            (d, k)
        })
        .collect();
    check(dir.path(), &want);
}

#[test]
fn a_plan_gated_copper_stream_is_skipped_with_a_warning_and_the_others_sync() {
    let (dir, team, cp, _jc, _) = setup("90");
    cp.lock().unwrap().forbidden = vec!["leads/search"];
    let (ok, out) = sync(dir.path());
    assert!(!ok, "a partial run is not a success: {out}");
    assert!(
        out.contains("Copper CRM · owner@acme.example: partial"),
        "{out}"
    );
    assert!(
        out.contains("leads: ") && out.contains("may not read it"),
        "{out}"
    );
    let out = cli(dir.path())
        .args(["connections", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(
        list[0]["status"], "needs_attention",
        "a 403 is not bad credentials"
    );
    // E-mails and CRM calls are all there; leads are not.
    let want: BTreeMap<_, _> = team
        .days
        .into_iter()
        .filter(|(d, _)| {
            *d >= (Utc::now() - Duration::days(89))
                .with_timezone(&New_York)
                .date_naive()
        })
        .map(|(d, mut k)| {
            k[2] = 0;
            (d, k)
        })
        .collect();
    check(dir.path(), &want);
}
