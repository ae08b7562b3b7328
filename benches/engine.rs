//! Engine benchmark: one year of the demo business (about 100k orders with
//! their lines, refunds, ad rows, shipments and activities) backfilled through
//! the real engine into a fresh SQLite file, and its daily rollups; two older
//! years from a second shop; then a recompute of all rollups for the three
//! years, a one-year metrics query and a three-year CSV export by day. Run with `cargo bench --bench engine`.
//! `ENGINE_BENCH_ORDERS_PER_DAY` (default 230) sets the size.

mod common;

use common::{bench_core, env_or, peak_rss_mib};
use pulseboard::connectors::demo::{DemoConfig, DemoSource};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::{ConnectionInput, Provider};
use pulseboard::metrics::Grouping;
use pulseboard::rollups;
use pulseboard::sync::run_connection;
use std::time::Instant;

fn main() {
    let per_day = env_or("ENGINE_BENCH_ORDERS_PER_DAY", 230) as u32;
    let dir = tempfile::tempdir().unwrap();
    let (mut core, ws) = bench_core(dir.path(), Some("35"));
    let id = core
        .connect(ws, Provider::Demo, &ConnectionInput::default())
        .unwrap()
        .id;
    let now = chrono::Utc::now();
    let source = DemoSource::new(DemoConfig {
        seed: 42,
        history_start: now.date_naive() - chrono::Days::new(365),
        now,
        orders_per_day: per_day,
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let run = rt
        .block_on(run_connection(
            core.store_mut(),
            &dir.path().join("locks"),
            id,
            &source,
            Trigger::Cli,
        ))
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let counts = core.store().record_counts(id).unwrap();
    println!("backfill, one year ({per_day} weekday orders a day, growing):");
    println!(
        "  {} records ({} orders, {} lines, {} refunds, {} ad rows, {} shipments, {} activities) in {secs:.2} s",
        run.records_upserted,
        counts.orders,
        counts.order_lines,
        counts.refunds,
        counts.ad_days,
        counts.shipments,
        counts.activities
    );
    println!(
        "  {:.0} records/s, {:.0} orders/s; peak RSS {:.1} MiB",
        run.records_upserted as f64 / secs,
        counts.orders as f64 / secs,
        peak_rss_mib()
    );
    let db = std::fs::metadata(dir.path().join("pulseboard.sqlite3"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("  database {:.1} MiB", db as f64 / 1048576.0);

    let started = Instant::now();
    let touched = rollups::refresh(core.store(), ws).unwrap();
    println!(
        "  then daily rollups for the {} days it touched: {:.0} ms",
        touched.days,
        started.elapsed().as_secs_f64() * 1000.0
    );

    // Two more years before that, from a second demo shop in the same
    // workspace, so the workspace holds three years.
    let older = core
        .connect(ws, Provider::Demo, &ConnectionInput::default())
        .unwrap()
        .id;
    let year_ago_utc = now - chrono::Duration::days(365);
    let older_source = DemoSource::new(DemoConfig {
        seed: 43,
        history_start: now.date_naive() - chrono::Days::new(3 * 365),
        now: year_ago_utc,
        orders_per_day: per_day,
    });
    let started = Instant::now();
    let run = rt
        .block_on(run_connection(
            core.store_mut(),
            &dir.path().join("locks"),
            older,
            &older_source,
            Trigger::Cli,
        ))
        .unwrap();
    println!(
        "backfill, the two years before (second shop): {} records in {:.2} s",
        run.records_upserted,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let all = rollups::recompute_all(core.store(), ws).unwrap();
    println!(
        "rollups, recompute all ({} days, three years): {:.0} ms",
        all.days,
        started.elapsed().as_secs_f64() * 1000.0
    );

    let to = now.date_naive();
    let year_ago = to - chrono::Days::new(364);
    let started = Instant::now();
    let days = core.metrics(ws, year_ago, to, Grouping::Day).unwrap();
    println!(
        "metrics, one year by day, from rollups: {} rows in {:.1} ms",
        days.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let workspace = core.store().workspace(ws).unwrap();
    let started = Instant::now();
    let live = rollups::compute(core.store(), &workspace, year_ago, to).unwrap();
    println!(
        "  (the same year computed from the records: {} rows in {:.0} ms)",
        live.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );

    let three_years = to - chrono::Days::new(3 * 365 - 1);
    let started = Instant::now();
    let rows = core.metrics(ws, three_years, to, Grouping::Day).unwrap();
    let mut csv = Vec::new();
    pulseboard::export::write_metrics(&mut csv, &rows, Grouping::Day).unwrap();
    println!(
        "CSV export, three years by day: {} rows, {:.1} KiB in {:.1} ms",
        rows.len(),
        csv.len() as f64 / 1024.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
    println!("peak RSS overall {:.1} MiB", peak_rss_mib());
}
