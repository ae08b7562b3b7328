//! Shopify connector benchmark. A year of 100,000 orders (line items,
//! refunds) from the local schema-validating fake, throttling off: a first
//! sync through a bulk export, end to end into SQLite and the daily rollups,
//! against only downloading and parsing the same exports (the lower bound).
//! The backfill comes in spans of updates, one export each; the sync stores
//! one span while the next is downloaded and parsed on another thread.
//! Shopify's own work is left out of both figures: the fake answers the
//! first poll of an export with COMPLETED, the time it spends writing the
//! exports during the lower bound is taken out (and printed), and the sync
//! gets the same exports again without the fake writing them anew (were the
//! fake's writing taken out there, it would also take out the storing done
//! meanwhile).
//! Then a paged sync with the fake's bucket at Shopify's standard limits
//! (2,000 points, 100 a second) against the least time that bucket allows.
//! Run with `cargo bench --bench shopify`; `SHOPIFY_BENCH_ORDERS` and
//! `SHOPIFY_BENCH_THROTTLED_ORDERS` change the sizes, `SHOPIFY_BENCH_BULK_PAGE`
//! the orders per page of the export (the connector's default otherwise).

mod common;

#[path = "../tests/common/serve.rs"]
mod serve;
#[path = "../tests/common/shopify_fake.rs"]
mod shopify_fake;

use chrono::{DateTime, Utc};
use common::{bench_core, connection_input, env_or, peak_rss_mib};
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

/// Seconds the fake spent writing bulk exports since the last call. That
/// stands for Shopify's own work, so it is taken out of both timings.
fn take_export_time(shop: &shopify_fake::Shared) -> f64 {
    let mut s = shop.lock().unwrap();
    std::mem::take(&mut s.export_time).as_secs_f64()
}

fn source(base: &str, history_days: u64, now: DateTime<Utc>) -> BoxSource {
    let mut cfg = ShopifyConfig::new(base, TOKEN);
    // One `now` for both runs: the same spans, so the same exports.
    cfg.now = now;
    cfg.history_days = Some(history_days);
    cfg.bulk_poll = Duration::from_millis(20);
    cfg.bulk_page = env_or("SHOPIFY_BENCH_BULK_PAGE", cfg.bulk_page as u64) as usize;
    Box::new(ShopifySource::new(cfg).unwrap())
}

fn main() {
    let orders = env_or("SHOPIFY_BENCH_ORDERS", 100_000);
    let throttled_orders = env_or("SHOPIFY_BENCH_THROTTLED_ORDERS", 400);
    let now = Utc::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let built = Instant::now();
    let mut big = build_shop(orders, 365, now, TOKEN);
    big.bulk_polls = 0;
    big.reuse_exports = true;
    let (base, shop) = shopify_fake::start(big);
    let (lines, refunds) = {
        let s = shop.lock().unwrap();
        (
            s.orders.iter().map(|o| o.lines.len()).sum::<usize>(),
            s.orders.iter().map(|o| o.refunds.len()).sum::<usize>(),
        )
    };
    println!(
        "{orders} orders, {lines} line items, {refunds} refunds over 365 days; fake built in {:.1} s",
        built.elapsed().as_secs_f64()
    );

    // The lower bound: every stream the sync reads (costs, the orders' bulk
    // export, customers) downloaded and parsed, nothing stored.
    let bare = source(&base, 400, now);
    let started = Instant::now();
    let mut parsed = 0usize;
    for stream in bare.streams() {
        let mut cursor = bare.start_cursor(&stream, None);
        loop {
            let page = rt.block_on(bare.fetch(&stream, cursor.as_deref())).unwrap();
            if stream == "orders" {
                parsed += page.batch.len();
            }
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
    }
    let floor_wall = started.elapsed().as_secs_f64();
    let export_floor = take_export_time(&shop);
    let floor = floor_wall - export_floor;
    println!(
        "download and parse only (costs, bulk export, customers): {parsed} orders in {floor_wall:.2} s, of which the fake wrote the export {export_floor:.2} s; Pulseboard's part {floor:.2} s = {:.0} orders/s; {} requests",
        parsed as f64 / floor,
        bare.requests()
    );

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
    let export_full = take_export_time(&shop);
    // Nothing taken out: the exports were written during the lower bound.
    // (Should the fake write one anew here, it is counted in, and printed.)
    let total = synced + rolled;
    let stored = core.store().record_counts(id).unwrap();
    println!(
        "end to end: {} orders ({} records) in {synced:.2} s (the fake wrote exports anew for {export_full:.2} s of it) + rollups of {} days {rolled:.2} s; Pulseboard's part {total:.2} s = {:.0} orders/s; {} requests; status {}",
        stored.orders,
        run.records_upserted,
        r.days,
        stored.orders as f64 / total,
        run.requests,
        run.status.as_str()
    );
    println!(
        "  end to end takes {:.2}× the download-and-parse time",
        total / floor
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
