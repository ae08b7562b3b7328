//! Shopify connector benchmark. A year of 100,000 orders (line items,
//! refunds) from the local schema-validating fake, throttling off, and
//! exports that take the time Shopify would: each bulk operation stays
//! RUNNING (its `objectCount` growing) until its lines are written at
//! `SHOPIFY_BENCH_EXPORT_RATE` objects a second (20,000 by default), and up
//! to five run at once, as since API 2026-01. Nothing is answered early or
//! taken out afterwards.
//!
//! A first sync as a user's (the connector's own poll schedule), end to end
//! into SQLite and the daily rollups, against the lower bound: the very bulk
//! queries Pulseboard submitted (read from the fake), run by the simplest
//! client — five at a time, polled every 50 ms, every line downloaded and
//! parsed — plus the other streams (costs, customers) downloaded and parsed
//! alone. Both halves of one run, with CPU (the whole process's: the fake's
//! serving and export writing are in both) and peak RSS.
//!
//! Then a paged sync with the fake's bucket at Shopify's standard limits
//! (2,000 points, 100 a second) against the least time that bucket allows.
//! `SHOPIFY_BENCH_ORDERS` and `SHOPIFY_BENCH_THROTTLED_ORDERS` change the
//! sizes, `SHOPIFY_BENCH_BULK_PAGE` the orders per page of the export.

mod common;

#[path = "../tests/common/serve.rs"]
mod serve;
#[path = "../tests/common/shopify_fake.rs"]
mod shopify_fake;

use chrono::{DateTime, Utc};
use common::{bench_core, connection_input, cpu_seconds, env_or, peak_rss_mib};
use pulseboard::connectors::shopify::{ShopifyConfig, ShopifySource};
use pulseboard::connectors::{BoxSource, Source};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::Provider;
use pulseboard::rollups;
use pulseboard::service::Core;
use pulseboard::sync::run_connection;
use shopify_fake::build_shop;
use std::time::{Duration, Instant};

const TOKEN: &str = "shpat_bench";

fn source(base: &str, history_days: u64, now: DateTime<Utc>) -> BoxSource {
    let mut cfg = ShopifyConfig::new(base, TOKEN);
    // One `now` for both halves: the same spans, so the same exports.
    cfg.now = now;
    cfg.history_days = Some(history_days);
    cfg.bulk_page = env_or("SHOPIFY_BENCH_BULK_PAGE", cfg.bulk_page as u64) as usize;
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

fn main() {
    let orders = env_or("SHOPIFY_BENCH_ORDERS", 100_000);
    let throttled_orders = env_or("SHOPIFY_BENCH_THROTTLED_ORDERS", 400);
    let rate = env_or("SHOPIFY_BENCH_EXPORT_RATE", 20_000) as f64;
    let now = Utc::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

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

    // Pulseboard: a first sync, end to end into SQLite and the rollups.
    let dir = tempfile::tempdir().unwrap();
    let (mut core, ws) = bench_core(dir.path(), Some("40"));
    let connect = |core: &mut Core| {
        core.connect(
            ws,
            Provider::Shopify,
            &connection_input(
                &[("shop", "bench.myshopify.com")],
                &[("access_token", TOKEN)],
            ),
        )
        .unwrap()
        .id
    };
    let id = connect(&mut core);
    let locks = dir.path().join("locks");
    let full = source(&base, 400, now);
    let cpu = cpu_seconds();
    let started = Instant::now();
    let run = rt
        .block_on(run_connection(
            core.store_mut(),
            &locks,
            id,
            &full,
            Trigger::Cli,
        ))
        .unwrap();
    let synced = started.elapsed().as_secs_f64();
    let roll = Instant::now();
    let r = rollups::refresh(core.store(), ws).unwrap();
    let rolled = roll.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    let total = synced + rolled;
    let stored = core.store().record_counts(id).unwrap();
    let queries = shop.lock().unwrap().bulk_full_queries.clone();
    println!(
        "Pulseboard: {} orders ({} records) in {synced:.2} s + rollups of {} days {rolled:.2} s = {total:.2} s ({:.0} orders/s), CPU {cpu:.2} s (the fake's included); {} requests, {} exports; status {}",
        stored.orders,
        run.records_upserted,
        r.days,
        stored.orders as f64 / total,
        run.requests,
        queries.len(),
        run.status.as_str()
    );

    // The lower bound: the same exports by the simplest client, and the
    // other streams (costs, customers) downloaded and parsed alone.
    let cpu_floor = cpu_seconds();
    let started = Instant::now();
    let exported = rt.block_on(minimal_exports(&base, &queries));
    let exports = started.elapsed().as_secs_f64();
    let rest = source(&base, 400, now);
    let started = Instant::now();
    for stream in rest.streams().into_iter().filter(|s| s != "orders") {
        let mut cursor = rest.start_cursor(&stream, None);
        loop {
            let page = rt.block_on(rest.fetch(&stream, cursor.as_deref())).unwrap();
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
    }
    let others = started.elapsed().as_secs_f64();
    let cpu_floor = cpu_seconds() - cpu_floor;
    let floor = exports + others;
    println!(
        "lower bound: the same {} exports five at a time, polled every 50 ms, {exported} lines downloaded and parsed in {exports:.2} s, + costs and customers {others:.2} s = {floor:.2} s, CPU {cpu_floor:.2} s",
        queries.len()
    );
    println!(
        "  end to end ÷ lower bound = {:.2}× (goal ≤ 1.3×); CPU {:.2}× ",
        total / floor,
        cpu / cpu_floor.max(0.01)
    );
    println!(
        "peak RSS {:.1} MiB (the fake's shop included)",
        peak_rss_mib()
    );

    // Throttled: a paged sync at Shopify's standard limits, bucket full at the start.
    let mut small = build_shop(throttled_orders, 20, now, TOKEN);
    small.throttle_standard(2000.0);
    let (tbase, tshop) = shopify_fake::start(small);
    let tid = connect(&mut core);
    let paged = source(&tbase, 30, now);
    let started = Instant::now();
    let run = rt
        .block_on(run_connection(
            core.store_mut(),
            &locks,
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
