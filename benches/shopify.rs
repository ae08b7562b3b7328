//! Shopify connector benchmark: what a new user waits for.
//!
//! A shop of `SHOPIFY_BENCH_ORDERS` orders (50,000 by default) over a year,
//! with line items and refunds, from the local schema-validating fake (in
//! this process, on 127.0.0.1), throttling off, and exports that take the
//! time Shopify would: each bulk operation stays RUNNING (its `objectCount`
//! growing) until its lines are written at `SHOPIFY_BENCH_EXPORT_RATE`
//! objects a second (20,000 by default), up to five at once, as since API
//! 2026-01. Nothing is answered early or taken out afterwards.
//!
//! Pulseboard's half is `pulseboard sync` on a fresh data dir, run as a user
//! runs it: its own process (the release binary), its own keychain entry
//! (so run this in a D-Bus session with a keyring: `./dev.sh bench shopify`),
//! its wall time from spawn to exit, and the kernel's account of its CPU
//! (user + sys) and peak RSS through GNU time. The fake's work is not in
//! those figures.
//!
//! The lower bound is the same work by the simplest client, also a process
//! of its own (this binary, started again with `SHOPIFY_BENCH_FLOOR` set):
//! the very bulk queries Pulseboard submitted (read from the fake), five at
//! a time, polled every 50 ms, each file downloaded and every line parsed,
//! plus the other streams (costs, customers) fetched page by page. Both
//! halves are run `SHOPIFY_BENCH_RUNS` times (3) and their medians compared.
//!
//! Then an unchanged shop: `pulseboard sync` again, the process included.
//! Then a paged sync with the fake's bucket at Shopify's standard limits
//! (2,000 points, 100 a second) against the least time that bucket allows
//! (`SHOPIFY_BENCH_THROTTLED_ORDERS`, 400).
//!
//! `SHOPIFY_BENCH_WRAP` runs each first sync under a profiler's command line
//! (`perf record -o sync.perf --`); its figures then include the profiler.

mod common;

#[path = "../tests/common/serve.rs"]
mod serve;
#[path = "../tests/common/shopify_fake.rs"]
mod shopify_fake;

use chrono::{DateTime, Utc};
use common::{bench_core, connection_input, env_or};
use pulseboard::connectors::shopify::{ShopifyConfig, ShopifySource};
use pulseboard::connectors::{BoxSource, Source};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::Provider;
use pulseboard::sync::run_connection;
use shopify_fake::build_shop;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "shpat_bench";

fn source(base: &str, history_days: u64, now: DateTime<Utc>) -> BoxSource {
    let mut cfg = ShopifyConfig::new(base, TOKEN);
    // One `now` for both halves: the same spans, so the same exports.
    cfg.now = now;
    cfg.history_days = Some(history_days);
    Box::new(ShopifySource::new(cfg).unwrap())
}

/// The simplest client doing the same exports: submit `queries`, five at a
/// time (as Shopify allows since 2026-01), poll each every 50 ms, download
/// each file when it is done and parse every line. Returns the lines read.
async fn minimal_exports(base: &str, queries: &[String]) -> usize {
    let client = reqwest::Client::new();
    let url = format!("{base}/admin/api/2026-10/graphql.json");
    let gql = |query: &'static str, variables: serde_json::Value| {
        client
            .post(&url)
            .header("X-Shopify-Access-Token", TOKEN)
            .json(&serde_json::json!({"query": query, "variables": variables}))
            .send()
    };
    let mut waiting: std::collections::VecDeque<&String> = queries.iter().collect();
    let mut running: Vec<String> = Vec::new();
    let mut lines = 0;
    while !waiting.is_empty() || !running.is_empty() {
        while running.len() < 5 {
            let Some(q) = waiting.pop_front() else { break };
            let reply: serde_json::Value = gql(
                "mutation Run($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { message } } }",
                serde_json::json!({"q": q}),
            )
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
            let id = reply
                .pointer("/data/bulkOperationRunQuery/bulkOperation/id")
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("the fake refused an export: {reply}"));
            running.push(id.to_string());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut still = Vec::new();
        for id in running {
            let reply: serde_json::Value = gql(
                "query Poll($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }",
                serde_json::json!({"id": id}),
            )
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
            match reply.pointer("/data/node/status").and_then(|v| v.as_str()) {
                Some("COMPLETED") => {
                    if let Some(file) = reply.pointer("/data/node/url").and_then(|v| v.as_str()) {
                        let body = client
                            .get(file)
                            .send()
                            .await
                            .unwrap()
                            .bytes()
                            .await
                            .unwrap();
                        for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                            let _: serde_json::Value = serde_json::from_slice(line).unwrap();
                            lines += 1;
                        }
                    }
                }
                Some("RUNNING" | "CREATED") => still.push(id),
                other => panic!("export {id} ended as {other:?}"),
            }
        }
        running = still;
    }
    lines
}

/// What one process cost, by the kernel's account of it.
struct Cost {
    wall: f64,
    cpu: f64,
    /// Its peak RSS, in MiB.
    peak_rss: f64,
    stdout: String,
}

/// Run `cmd` to its end under GNU time, which waits for it and reads its
/// CPU (user + sys) and peak RSS from the kernel. (Read here with
/// `getrusage`, a child's peak would be this process's: a child started
/// with `posix_spawn` shares this process's memory until it execs, and the
/// kernel keeps that high-water mark. GNU time's own child is forked from
/// a small process.) The wall time is from spawn to exit.
fn measure(cmd: &Command, stdin: Option<&str>) -> Cost {
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut timed = Command::new("/usr/bin/time");
    timed.args(["-f", "%U %S %M", "-o"]).arg(report.path());
    let mut timed = run_under(timed, cmd);
    let started = Instant::now();
    let mut child = timed
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .spawn()
        .expect("GNU time (the Debian package `time`) runs the command");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{cmd:?} failed: {}", out.status);
    let text = std::fs::read_to_string(report.path()).unwrap();
    let f: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(f.len(), 3, "GNU time said {text:?}");
    Cost {
        wall,
        cpu: f[0] + f[1],
        peak_rss: f[2] / 1024.0,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// `pulseboard` on `dir`, as a user runs it.
fn pulseboard(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulseboard"));
    cmd.env("PULSEBOARD_DATA_DIR", dir)
        .env_remove("PULSEBOARD_LOG")
        .args(args);
    cmd
}

/// `cmd` under `SHOPIFY_BENCH_WRAP` when set (a profiler's command line,
/// such as `perf record -o sync.perf --`), to see where a sync's time goes.
fn profiled(cmd: Command) -> Command {
    let Ok(wrap) = std::env::var("SHOPIFY_BENCH_WRAP") else {
        return cmd;
    };
    let mut words = wrap.split_whitespace();
    let mut outer = Command::new(words.next().expect("SHOPIFY_BENCH_WRAP names a command"));
    outer.args(words);
    run_under(outer, &cmd)
}

/// `outer` running `cmd`: its program and arguments after `outer`'s, and
/// its changes to the environment.
fn run_under(mut outer: Command, cmd: &Command) -> Command {
    outer.arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => outer.env(k, v),
            None => outer.env_remove(k),
        };
    }
    outer
}

/// A fresh data dir with a workspace and the shop connected to the fake.
fn new_user(base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    measure(
        &pulseboard(
            p,
            &[
                "workspace",
                "add",
                "Bench",
                "--timezone",
                "Asia/Kolkata",
                "--currency",
                "INR",
                "--default-cogs-percent",
                "40",
            ],
        ),
        None,
    );
    measure(
        &pulseboard(
            p,
            &[
                "connect",
                "shopify",
                "--workspace",
                "Bench",
                "--shop",
                "bench.myshopify.com",
                "--history-days",
                "400",
                "--base-url",
                base,
            ],
        ),
        Some(&format!("{{\"access_token\":\"{TOKEN}\"}}")),
    );
    dir
}

/// What the lower bound's process is told: the fake, the queries, and the
/// instant the other streams are read up to.
#[derive(serde::Serialize, serde::Deserialize)]
struct FloorJob {
    base: String,
    queries: Vec<String>,
    now: DateTime<Utc>,
}

/// The lower bound's process: the exports, then the other streams.
fn floor_main(job: &str) {
    let job: FloorJob = serde_json::from_str(&std::fs::read_to_string(job).unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let lines = rt.block_on(minimal_exports(&job.base, &job.queries));
    let rest = source(&job.base, 400, job.now);
    let mut others = 0;
    for stream in rest.streams().into_iter().filter(|s| s != "orders") {
        let mut cursor = rest.start_cursor(&stream, None);
        loop {
            let page = rt.block_on(rest.fetch(&stream, cursor.as_deref())).unwrap();
            others += 1;
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
    }
    println!("{lines} lines, {others} other pages");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    if let Ok(job) = std::env::var("SHOPIFY_BENCH_FLOOR") {
        return floor_main(&job);
    }
    let orders = env_or("SHOPIFY_BENCH_ORDERS", 50_000);
    let runs = env_or("SHOPIFY_BENCH_RUNS", 3).max(1) as usize;
    let throttled_orders = env_or("SHOPIFY_BENCH_THROTTLED_ORDERS", 400);
    let rate = env_or("SHOPIFY_BENCH_EXPORT_RATE", 20_000) as f64;
    let now = Utc::now();

    let built = Instant::now();
    let mut big = build_shop(orders, 365, now, TOKEN);
    // Exports take the time Shopify would, polls see them RUNNING until
    // then: nothing is answered early, nothing is taken out afterwards.
    big.export_rate = Some(rate);
    let (base, shop) = shopify_fake::start(big);
    let (lines, refunds) = {
        let s = shop.lock().unwrap();
        (
            s.orders.iter().map(|o| o.lines.len()).sum::<usize>(),
            s.orders.iter().map(|o| o.refunds.len()).sum::<usize>(),
        )
    };
    println!(
        "{orders} orders, {lines} line items, {refunds} refunds over 365 days; fake built in {:.1} s; exports written at {rate:.0} objects a second",
        built.elapsed().as_secs_f64()
    );

    let (mut ours, mut floors, mut unchanged) = (vec![], vec![], vec![]);
    for run in 1..=runs {
        // Pulseboard: a new user's first sync, end to end into SQLite and
        // the daily rollups.
        let dir = new_user(&base);
        let first = shop.lock().unwrap().bulk_full_queries.len();
        let sync = measure(&profiled(pulseboard(dir.path(), &["sync"])), None);
        let queries = shop.lock().unwrap().bulk_full_queries[first..].to_vec();
        let stored = measure(
            &pulseboard(
                dir.path(),
                &[
                    "metrics",
                    "--workspace",
                    "Bench",
                    "--from",
                    &(now - chrono::Duration::days(400))
                        .format("%Y-%m-%d")
                        .to_string(),
                    "--to",
                    &now.format("%Y-%m-%d").to_string(),
                    "--by",
                    "total",
                    "--format",
                    "json",
                ],
            ),
            None,
        );
        let total: serde_json::Value = serde_json::from_str(&stored.stdout).unwrap();
        let counted = total[0]["orders"].as_u64().unwrap_or(0);
        println!(
            "run {run}: pulseboard sync {:.2} s, CPU {:.2} s, peak RSS {:.1} MiB; {counted} orders in the figures, {} exports",
            sync.wall,
            sync.cpu,
            sync.peak_rss,
            queries.len()
        );
        ours.push(sync);

        // The lower bound: the same exports by the simplest client.
        let job = dir.path().join("floor.json");
        std::fs::write(
            &job,
            serde_json::to_string(&FloorJob {
                base: base.clone(),
                queries,
                now,
            })
            .unwrap(),
        )
        .unwrap();
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.env("SHOPIFY_BENCH_FLOOR", &job);
        let floor = measure(&cmd, None);
        println!(
            "run {run}: simplest client {:.2} s, CPU {:.2} s, peak RSS {:.1} MiB; {}",
            floor.wall,
            floor.cpu,
            floor.peak_rss,
            floor.stdout.trim()
        );
        floors.push(floor);

        // An unchanged shop: the next sync, the process included.
        for _ in 0..3 {
            unchanged.push(measure(&pulseboard(dir.path(), &["sync"]), None).wall);
        }
    }
    let wall = median(ours.iter().map(|c| c.wall).collect());
    let cpu = median(ours.iter().map(|c| c.cpu).collect());
    let floor_wall = median(floors.iter().map(|c| c.wall).collect());
    let floor_cpu = median(floors.iter().map(|c| c.cpu).collect());
    let rss = median(ours.iter().map(|c| c.peak_rss).collect());
    let floor_rss = median(floors.iter().map(|c| c.peak_rss).collect());
    println!("medians of {runs} runs, {orders} orders:");
    println!(
        "  wall: pulseboard sync {wall:.2} s ÷ simplest client {floor_wall:.2} s = {:.2}× (goal ≤ 1.3×)",
        wall / floor_wall
    );
    println!(
        "  CPU (user+sys): {cpu:.2} s (goal ≤ 1.8 s) ÷ simplest client {floor_cpu:.2} s = {:.2}×",
        cpu / floor_cpu.max(0.01)
    );
    println!(
        "  peak RSS: pulseboard sync {rss:.1} MiB (goal ≤ 80 MiB) ÷ simplest client {floor_rss:.1} MiB = {:.2}×",
        rss / floor_rss.max(0.1)
    );
    println!(
        "  unchanged shop, pulseboard sync: {:.3} s median of {} (goal ≤ 0.15 s)",
        median(unchanged.clone()),
        unchanged.len()
    );

    // Throttled: a paged sync at Shopify's standard limits, bucket full at the start.
    let dir = tempfile::tempdir().unwrap();
    let (mut core, ws) = bench_core(dir.path(), Some("40"));
    let mut small = build_shop(throttled_orders, 20, now, TOKEN);
    small.throttle_standard(2000.0);
    let (tbase, tshop) = shopify_fake::start(small);
    let tid = core
        .connect(
            ws,
            Provider::Shopify,
            &connection_input(
                &[("shop", "bench.myshopify.com")],
                &[("access_token", TOKEN)],
            ),
        )
        .unwrap()
        .id;
    let paged = source(&tbase, 30, now);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let run = rt
        .block_on(run_connection(
            core.store_mut(),
            &dir.path().join("locks"),
            tid,
            &paged,
            Trigger::Cli,
        ))
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let s = tshop.lock().unwrap();
    // The same queries sent back to back, each as soon as the bucket held
    // its requested cost (the fake works this out as it serves them).
    let least = s.least_secs;
    println!(
        "throttled (2,000 points, 100/s): {throttled_orders} orders paged in {wall:.1} s, {} requests, {} THROTTLED replies; {:.0} points spent, the bucket allows them in {least:.1} s at least: {:.2}× the least; status {}",
        run.requests,
        s.throttled,
        s.spent,
        wall / least.max(0.001),
        run.status.as_str()
    );
}
