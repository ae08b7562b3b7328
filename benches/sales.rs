//! Sales connectors benchmark: a team of 50 over a year (about 500,000
//! Copper activities and 290,000 JustCall calls) from the local fakes,
//! through the real connectors, engine and SQLite file, then the rollups.
//!
//! 1. Rate limits off (the fakes do not limit, the clients do not pace):
//!    records per second end to end, against the lower bound — the very
//!    requests Pulseboard sent (read back from the fakes' logs), replayed one
//!    after another by a bare HTTP client that parses every reply and stores
//!    nothing. Goal: end to end ≤ 1.5× that.
//! 2. The real limits on (Copper 180 requests per rolling minute, JustCall
//!    90 a minute and 5,400 an hour), on a fresh data dir reading the last
//!    `SALES_BENCH_LIMITED_DAYS` (default 30): wall time against the least
//!    those limits allow for the requests made — every full window waited
//!    out, then the last window's requests at the bare client's speed. Goal:
//!    ≤ 1.1×.
//!
//! CPU is the whole process's (user + sys), the fakes' serving included, for
//! both halves alike. Run with `cargo bench --bench sales`; `SALES_BENCH_REPS`
//! (50), `SALES_BENCH_DAYS` (365) and `SALES_BENCH_LIMITED_DAYS` (30) set
//! the sizes (0 limited days skips part 2).

mod common;

#[path = "../tests/common/copper_fake.rs"]
mod copper_fake;
#[path = "../tests/common/justcall_fake.rs"]
mod justcall_fake;
#[path = "../tests/common/serve.rs"]
mod serve;

use chrono::{Duration as Span, Utc};
use common::{bench_core, connection_input, cpu_seconds, env_or, peak_rss_mib, rss_mib};
use copper_fake::{CpActivity, CpLead, CpState, CpUser, CALL_TYPE, EMAIL_TYPE, NOTE_TYPE};
use justcall_fake::{JcAgent, JcCall, JcState, Limit};
use pulseboard::connectors::copper::{CopperConfig, CopperSource};
use pulseboard::connectors::justcall::{JustcallConfig, JustcallSource};
use pulseboard::connectors::{BoxSource, HttpConfig};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::{Provider, WorkspaceId};
use pulseboard::rollups;
use pulseboard::service::Core;
use pulseboard::sync::run_connection;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret";
const OWNER: &str = "owner@team.example";
const KINDS: [(&str, &str); 6] = [
    ("Outgoing", "Answered"),
    ("Incoming", "Answered"),
    ("Outgoing", "Unanswered"),
    ("Incoming", "Missed"),
    ("Incoming", "Voicemail"),
    ("Outgoing", "Answered"),
];

/// The team and a year of their work, in both fakes.
fn team(reps: i64, days: i64) -> (CpState, JcState) {
    let mut cp = CpState::new(KEY, OWNER);
    let mut jc = JcState::new(KEY, SECRET);
    cp.per_minute = 0;
    let now = Utc::now();
    let start = now - Span::days(days);
    let mut id = 0;
    for r in 0..reps {
        let email = format!("rep{r:02}@team.example");
        cp.users.push(CpUser {
            id: r + 1,
            name: format!("Rep {r}"),
            email: email.clone(),
        });
        jc.agents.push(JcAgent {
            id: 1000 + r,
            name: format!("Rep {r}"),
            email: email.to_uppercase(),
        });
    }
    for d in 0..days {
        let day = start + Span::days(d);
        for r in 0..reps {
            // 27 activities a day: 16 e-mails, 8 calls logged, 3 notes.
            for i in 0..27i64 {
                id += 1;
                let at = day + Span::seconds((i * 1777 + r * 37) % 86_400);
                if at > now {
                    continue;
                }
                cp.activities.push(CpActivity {
                    id,
                    type_id: match i % 9 {
                        0..=4 => EMAIL_TYPE,
                        5 | 6 => CALL_TYPE,
                        7 if i < 18 => EMAIL_TYPE,
                        _ => NOTE_TYPE,
                    },
                    category: "user",
                    user_id: Some(r + 1),
                    activity_date: at.timestamp(),
                    raw: None,
                });
            }
            id += 1;
            let created = day + Span::seconds(3_600 + r * 60);
            if created <= now {
                cp.leads.push(CpLead {
                    id,
                    assignee_id: Some(r + 1),
                    date_created: created.timestamp(),
                    date_modified: created.timestamp(),
                });
            }
            // 16 dialer calls a day.
            for i in 0..16i64 {
                id += 1;
                let at = day + Span::seconds((i * 2963 + r * 53) % 86_400);
                if at > now {
                    continue;
                }
                let (direction, kind) = KINDS[((i + r) % 6) as usize];
                jc.calls.push(JcCall {
                    id,
                    agent_email: format!("rep{r:02}@team.example"),
                    at,
                    direction,
                    kind,
                    conversation_time: if kind == "Answered" {
                        30 + (i * 17) % 600
                    } else {
                        0
                    },
                });
            }
        }
    }
    (cp, jc)
}

fn copper(base: &str, days: u64, paced: bool) -> BoxSource {
    let mut cfg = CopperConfig::new(OWNER, KEY);
    cfg.base = base.into();
    cfg.history_days = days;
    if !paced {
        cfg.http = HttpConfig::default();
    }
    Box::new(CopperSource::new(cfg).unwrap())
}

fn justcall(base: &str, days: u64) -> BoxSource {
    let mut cfg = JustcallConfig::new(KEY, SECRET);
    cfg.base = base.into();
    cfg.history_days = days;
    Box::new(JustcallSource::new(cfg).unwrap())
}

/// A Core with the two connections, in `dir`.
fn workspace(dir: &Path) -> (Core, WorkspaceId, [pulseboard::domain::ConnectionId; 2]) {
    let (mut core, ws) = bench_core(dir, None);
    let cp = core
        .connect(
            ws,
            Provider::Copper,
            &connection_input(&[("email", OWNER)], &[("api_key", KEY)]),
        )
        .unwrap()
        .id;
    let jc = core
        .connect(
            ws,
            Provider::Justcall,
            &connection_input(&[], &[("api_key", KEY), ("api_secret", SECRET)]),
        )
        .unwrap()
        .id;
    (core, ws, [cp, jc])
}

/// One request to replay: method, URL, JSON body for a POST.
type Replay = (bool, String, Option<Value>);

/// Send `requests` one after another as the simplest client would, parse
/// every reply; returns the rows read and the seconds it took.
fn replay(
    rt: &tokio::runtime::Runtime,
    requests: &[Replay],
    auth: &[(&str, String)],
) -> (usize, f64) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let rows = rt.block_on(async {
        let mut rows = 0;
        for (post, url, body) in requests {
            let mut req = if *post {
                client.post(url).json(body.as_ref().unwrap())
            } else {
                client.get(url)
            };
            for (k, v) in auth {
                req = req.header(*k, v);
            }
            let bytes = req.send().await.unwrap().bytes().await.unwrap();
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            rows += match &v {
                Value::Array(a) => a.len(),
                other => other
                    .get("data")
                    .and_then(Value::as_array)
                    .map_or(1, Vec::len),
            };
        }
        rows
    });
    (rows, started.elapsed().as_secs_f64())
}

fn copper_requests(base: &str, state: &copper_fake::Shared, from: usize) -> Vec<Replay> {
    state.lock().unwrap().requests[from..]
        .iter()
        .map(|(path, body)| {
            (
                !body.is_null(),
                format!("{base}{path}"),
                Some(body.clone()).filter(|b| !b.is_null()),
            )
        })
        .collect()
}

fn justcall_requests(base: &str, state: &justcall_fake::Shared, from: usize) -> Vec<Replay> {
    state.lock().unwrap().requests[from..]
        .iter()
        .map(|(path, query)| {
            let url = reqwest::Url::parse_with_params(&format!("{base}/v2.1/{path}"), query.iter())
                .unwrap();
            (false, url.to_string(), None)
        })
        .collect()
}

fn copper_auth() -> Vec<(&'static str, String)> {
    vec![
        ("X-PW-AccessToken", KEY.into()),
        ("X-PW-Application", "developer_api".into()),
        ("X-PW-UserEmail", OWNER.into()),
    ]
}

fn justcall_auth() -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("{KEY}:{SECRET}"))]
}

fn main() {
    let reps = env_or("SALES_BENCH_REPS", 50) as i64;
    let days = env_or("SALES_BENCH_DAYS", 365);
    let limited_days = env_or("SALES_BENCH_LIMITED_DAYS", 30);
    let (cp_state, jc_state) = team(reps, days as i64);
    println!(
        "{reps} reps × {days} days: {} Copper activities (of them {} e-mails and calls), {} leads, {} JustCall calls",
        cp_state.activities.len(),
        cp_state.activities.iter().filter(|a| a.type_id != NOTE_TYPE).count(),
        cp_state.leads.len(),
        jc_state.calls.len()
    );
    let (cp_base, cp) = copper_fake::start(cp_state);
    let (jc_base, jc) = justcall_fake::start(jc_state);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("RSS with the fakes loaded {:.1} MiB", rss_mib());

    // 1. Limits off.
    let dir = tempfile::tempdir().unwrap();
    let (mut core, ws, [cp_id, jc_id]) = workspace(dir.path());
    let locks = dir.path().join("locks");
    let mut per_request = [0.0f64; 2];
    for (i, (name, id)) in [("Copper", cp_id), ("JustCall", jc_id)]
        .into_iter()
        .enumerate()
    {
        let sent_before = if i == 0 {
            cp.lock().unwrap().requests.len()
        } else {
            jc.lock().unwrap().requests.len()
        };
        let source = if i == 0 {
            copper(&cp_base, days, false)
        } else {
            justcall(&jc_base, days)
        };
        let cpu = cpu_seconds();
        let started = Instant::now();
        let run = rt
            .block_on(run_connection(
                core.store_mut(),
                &locks,
                id,
                &source,
                Trigger::Cli,
            ))
            .unwrap();
        let synced = started.elapsed().as_secs_f64();
        let roll = Instant::now();
        let r = rollups::refresh(core.store(), ws).unwrap();
        let total = synced + roll.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let (requests, auth) = if i == 0 {
            (copper_requests(&cp_base, &cp, sent_before), copper_auth())
        } else {
            (
                justcall_requests(&jc_base, &jc, sent_before),
                justcall_auth(),
            )
        };
        let bare_cpu = cpu_seconds();
        let (rows, bare) = replay(&rt, &requests, &auth);
        let bare_cpu = cpu_seconds() - bare_cpu;
        per_request[i] = bare / requests.len() as f64;
        println!(
            "{name}, limits off: {} records in {synced:.2} s + rollups of {} days {:.2} s = {:.0} records/s end to end, CPU {cpu:.2} s; {} requests, status {}",
            run.records_upserted,
            r.days,
            total - synced,
            run.records_upserted as f64 / total,
            run.requests,
            run.status.as_str()
        );
        println!(
            "  lower bound: the same {} requests replayed by a bare client, {rows} rows parsed in {bare:.2} s ({:.0} rows/s), CPU {bare_cpu:.2} s",
            requests.len(),
            rows as f64 / bare
        );
        println!(
            "  end to end ÷ lower bound = {:.2}× (goal ≤ 1.5×)",
            total / bare
        );
    }
    println!(
        "peak RSS so far {:.1} MiB (the fakes' year of rows included)",
        peak_rss_mib()
    );
    drop(core);

    // 2. The real limits on.
    if limited_days == 0 {
        return;
    }
    {
        let mut s = cp.lock().unwrap();
        s.per_minute = 180;
        s.window = Duration::from_secs(60);
    }
    jc.lock().unwrap().limits = Some((Limit::new(5_400, 3_600), Limit::new(90, 60)));
    let dir = tempfile::tempdir().unwrap();
    let (mut core, _ws, [cp_id, jc_id]) = workspace(dir.path());
    let locks = dir.path().join("locks");
    for (i, (name, id, per_window)) in [("Copper", cp_id, 180usize), ("JustCall", jc_id, 90)]
        .into_iter()
        .enumerate()
    {
        let (sent_before, throttled_before) = if i == 0 {
            let s = cp.lock().unwrap();
            (s.requests.len(), s.throttled)
        } else {
            let s = jc.lock().unwrap();
            (s.requests.len(), s.throttled)
        };
        let source = if i == 0 {
            copper(&cp_base, limited_days, true)
        } else {
            justcall(&jc_base, limited_days)
        };
        let started = Instant::now();
        let run = rt
            .block_on(run_connection(
                core.store_mut(),
                &locks,
                id,
                &source,
                Trigger::Cli,
            ))
            .unwrap();
        let wall = started.elapsed().as_secs_f64();
        let (sent, throttled) = if i == 0 {
            let s = cp.lock().unwrap();
            (
                s.requests.len() - sent_before,
                s.throttled - throttled_before,
            )
        } else {
            let s = jc.lock().unwrap();
            (
                s.requests.len() - sent_before,
                s.throttled - throttled_before,
            )
        };
        // Every full window waited out, then the last window's requests at
        // the bare client's pace.
        let full_windows = (sent.max(1) - 1) / per_window;
        let last = sent - full_windows * per_window;
        let least = full_windows as f64 * 60.0 + last as f64 * per_request[i];
        println!(
            "{name}, limits on, {limited_days} days: {} records, {sent} requests ({throttled} answered 429) in {wall:.1} s; the least the limits allow {least:.1} s ({full_windows} full windows of {per_window} + {last} requests); ratio {:.3}× (goal ≤ 1.1×); status {}",
            run.records_upserted,
            wall / least,
            run.status.as_str()
        );
    }
    println!(
        "peak RSS {:.1} MiB (the fakes' year of rows included)",
        peak_rss_mib()
    );
}
