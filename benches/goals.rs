//! Goals benchmark: three years of the demo business (its shop, ads,
//! shipments and sales team) backfilled through the real engine, then 200
//! goals over every kind of metric, period and scope, asked for at once —
//! in the process (`Core::goal_reports`, as the Goals page asks) and as a
//! person would (`pulseboard goals --json`, the process included). The goal
//! the sales issue names: under 50 ms. Run with `cargo bench --bench goals`;
//! `GOALS_BENCH_GOALS` (default 200) and `GOALS_BENCH_DAYS` (default 1095)
//! set the size; `GOALS_BENCH_KEEP=1` keeps the data dir for profiling.

mod common;

use common::{bench_core, env_or, peak_rss_mib};
use pulseboard::connectors::demo::{DemoConfig, DemoSource, DEMO_TEAM_DOMAIN};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::{ConnectionInput, Provider};
use pulseboard::rollups;
use pulseboard::sync::run_connection;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let goals = env_or("GOALS_BENCH_GOALS", 200) as usize;
    let days = env_or("GOALS_BENCH_DAYS", 1095);
    // GOALS_BENCH_KEEP=1 keeps the data dir (its path is printed), to
    // profile `pulseboard goals` against it afterwards.
    let dir = tempfile::tempdir().unwrap();
    let (mut core, ws) = bench_core(dir.path(), Some("35"));
    let id = core
        .connect(ws, Provider::Demo, &ConnectionInput::default())
        .unwrap()
        .id;
    let now = chrono::Utc::now();
    let source = DemoSource::new(DemoConfig {
        seed: 42,
        history_start: now.date_naive() - chrono::Days::new(days),
        now,
        orders_per_day: 60,
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    rt.block_on(run_connection(
        core.store_mut(),
        &dir.path().join("locks"),
        id,
        &source,
        Trigger::Cli,
    ))
    .unwrap();
    rollups::refresh(core.store(), ws).unwrap();
    println!(
        "{days} days of the demo business synced and rolled up in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let metrics = [
        "revenue",
        "orders",
        "net_profit",
        "ad_spend",
        "roas",
        "aov",
        "calls",
        "emails",
        "talk_time_s",
        "leads",
    ];
    let sales = ["calls", "emails", "talk_time_s", "leads"];
    let periods = ["daily", "weekly", "monthly"];
    let reps = ["asha", "vikram", "meera", "rohan"];
    for i in 0..goals {
        let metric = metrics[i % metrics.len()];
        let member = (sales.contains(&metric) && i % 2 == 0)
            .then(|| format!("{}@{DEMO_TEAM_DOMAIN}", reps[i % reps.len()]));
        core.add_goal(
            ws,
            metric,
            periods[(i / metrics.len()) % periods.len()],
            &format!("{}", 10 + i),
            member.as_deref(),
        )
        .unwrap();
    }

    let mut in_process = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let reports = core.goal_reports(ws, None, chrono::Utc::now()).unwrap();
        in_process.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(reports.len(), goals);
    }
    let mut cli = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pulseboard"))
            .args(["goals", "--workspace", "Bench", "--json"])
            .env("PULSEBOARD_DATA_DIR", dir.path())
            .output()
            .unwrap();
        cli.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!(
        "{goals} goals over {days} days: in the process {:.1} ms (median of 5; {:.1}–{:.1}), `pulseboard goals --json` {:.1} ms (median of 5, the process included); goal < 50 ms",
        median(in_process.clone()),
        in_process.iter().cloned().fold(f64::MAX, f64::min),
        in_process.iter().cloned().fold(0.0, f64::max),
        median(cli),
    );
    println!("peak RSS {:.1} MiB", peak_rss_mib());
    if std::env::var_os("GOALS_BENCH_KEEP").is_some() {
        println!("data dir kept: {}", dir.keep().display());
    }
}
