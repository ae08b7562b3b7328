//! Insight benchmark (issue 17): three years of the demo business at about
//! 100,000 orders a year, backfilled through the real engine, then what a
//! person waits for on the dashboard, the P&L, the Products and the Costs
//! pages, each in the process as the window asks for it:
//!
//! * the trend chart's SVG for three years by day (goal < 50 ms), and the
//!   whole dashboard's charts for the same range as drawn (weekly);
//! * the P&L for three years by month (goal < 100 ms);
//! * the Products table for the last year (goal < 300 ms);
//! * a cost file of 10,000 SKUs read, matched, written in one transaction
//!   and every day it changes recomputed before it returns (goal < 2 s).
//!
//! Each figure is the median of 5 runs, with the CPU seconds of those runs
//! beside it; peak RSS at the end. Run with `cargo bench --bench insight`;
//! `INSIGHT_BENCH_DAYS` (default 1095) and `INSIGHT_BENCH_ORDERS` (orders a
//! day at the start, default 126: about 100,000 in the last year, as the demo grows 40% a year) set the size;
//! `INSIGHT_BENCH_KEEP=1` keeps the data dir (workspace "Bench") for profiling.

mod common;

use common::{bench_core, cpu_seconds, env_or, peak_rss_mib};
use pulseboard::charts::{self, Frame, Series, Theme, Trend, Unit};
use pulseboard::connectors::demo::{DemoConfig, DemoSource};
use pulseboard::domain::records::{Batch, Variant};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::{ConnectionInput, Provider};
use pulseboard::metrics::keys::{value, Value};
use pulseboard::metrics::Grouping;
use pulseboard::rollups;
use pulseboard::service::charts::ChartRequest;
use pulseboard::sync::run_connection;
use rust_decimal::prelude::ToPrimitive;
use std::time::Instant;

/// Run `f` five times: the median milliseconds, and the CPU seconds of all five.
fn measure<T>(mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let cpu = cpu_seconds();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (times[2], cpu_seconds() - cpu, last.unwrap())
}

fn main() {
    let days = env_or("INSIGHT_BENCH_DAYS", 1095);
    let per_day = env_or("INSIGHT_BENCH_ORDERS", 126) as u32;
    let dir = tempfile::tempdir().unwrap();
    let (mut core, ws) = bench_core(dir.path(), Some("35"));
    let id = core
        .connect(ws, Provider::Demo, &ConnectionInput::default())
        .unwrap()
        .id;
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let source = DemoSource::new(DemoConfig {
        seed: 7,
        history_start: today - chrono::Days::new(days),
        now,
        orders_per_day: per_day,
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
    let (from, to) = (today - chrono::Days::new(days - 1), today);
    let year_from = today - chrono::Days::new(364);
    let year = core.metrics(ws, year_from, to, Grouping::Total).unwrap();
    println!(
        "{days} days of the demo synced and rolled up in {:.1} s; the last year holds {} orders",
        started.elapsed().as_secs_f64(),
        year[0].1.orders
    );

    // The trend chart by day: three series and the period before, 1,095 points each.
    let daily = core.metrics(ws, from, to, Grouping::Day).unwrap();
    let (before_from, before_to) = (from - chrono::Days::new(days), from - chrono::Days::new(1));
    let before = core
        .metrics(ws, before_from, before_to, Grouping::Day)
        .unwrap();
    let series =
        |name: &str, rows: &[(chrono::NaiveDate, pulseboard::metrics::Totals)], key: &str| Series {
            name: name.into(),
            points: rows
                .iter()
                .map(|(_, t)| match value(t, key) {
                    Some(Value::Money(d)) => d.to_f64(),
                    _ => None,
                })
                .collect(),
        };
    let trend = Trend {
        periods: daily.iter().map(|(d, _)| *d).collect(),
        weekly: false,
        series: vec![
            series("Revenue", &daily, "revenue"),
            series("Net profit", &daily, "net_profit"),
            series("Ad spend", &daily, "ad_spend"),
        ],
        previous: vec![series("Revenue", &before, "revenue")],
        unit: Unit::Money("₹".into()),
        reference: None,
    };
    let (draw_ms, draw_cpu, svg) =
        measure(|| charts::trend(&trend, Frame::new(1000, 300, Theme::Light)).unwrap());
    let (read_ms, read_cpu, _) = measure(|| core.metrics(ws, from, to, Grouping::Day).unwrap());
    println!(
        "trend chart, {} days by day: drawn in {draw_ms:.1} ms (CPU {draw_cpu:.2} s for 5), {} KB of SVG; its figures read in {read_ms:.1} ms (CPU {read_cpu:.2} s for 5); goal < 50 ms",
        daily.len(),
        svg.len() / 1024
    );
    let request = ChartRequest {
        from,
        to,
        metric: None,
        theme: Theme::Light,
        width: 1000,
    };
    let (all_ms, all_cpu, charts) = measure(|| core.dashboard_charts(ws, &request).unwrap());
    println!(
        "every dashboard chart for {days} days (by {}, 17 SVGs, the period before read too): {all_ms:.1} ms (CPU {all_cpu:.2} s for 5)",
        charts.by
    );

    let (pnl_ms, pnl_cpu, pnl) = measure(|| core.pnl(ws, from, to, Grouping::Month).unwrap());
    println!(
        "P&L, {days} days by month ({} columns): {pnl_ms:.1} ms (CPU {pnl_cpu:.2} s for 5); goal < 100 ms",
        pnl.periods.len()
    );

    let (products_ms, products_cpu, rows) = measure(|| core.products(ws, year_from, to).unwrap());
    println!(
        "Products, the last year ({} orders, {} products): {products_ms:.1} ms (CPU {products_cpu:.2} s for 5); goal < 300 ms",
        year[0].1.orders,
        rows.len()
    );

    // What a change of every sold variant's cost must redo at least: every
    // day's figures recomputed from the records.
    let (full_ms, full_cpu, _) = measure(|| rollups::recompute_all(core.store(), ws).unwrap());
    println!("for scale: recomputing all {days} days' figures takes {full_ms:.0} ms (CPU {full_cpu:.2} s for 5)");

    // 10,000 SKUs: the demo's 40 variants and 9,960 more the shop lists.
    let extra: Vec<Variant> = (0..9_960)
        .map(|i| Variant {
            id: format!("X{i:05}"),
            sku: Some(format!("BULK-{i:05}")),
            product: Some(format!("Bulk product {}", i / 4)),
            price: Some(rust_decimal::Decimal::from(100 + i % 900)),
            ..Variant::default()
        })
        .collect();
    core.store_mut()
        .apply_page(id, "variants", &Batch::Variants(extra), None)
        .unwrap();
    let skus: Vec<String> = core
        .costs(ws, false)
        .unwrap()
        .into_iter()
        .filter_map(|r| r.sku)
        .collect();
    assert_eq!(skus.len(), 10_000);
    let mut times = Vec::new();
    let cpu = cpu_seconds();
    for run in 0..5 {
        let mut file = String::from("sku,cost\n");
        for (i, sku) in skus.iter().enumerate() {
            file.push_str(&format!("{sku},{}.{:02}\n", 10 + (i + run) % 500, run));
        }
        let t = Instant::now();
        let done = core.import_costs(ws, file.as_bytes(), true).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(done.applied && done.writes == 10_000);
        assert!(
            core.store().pending_rollups(ws).unwrap().is_empty(),
            "recomputed before it returned"
        );
    }
    let import_cpu = cpu_seconds() - cpu;
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "cost import of 10,000 SKUs, applied and every changed day of {days} recomputed: {:.0} ms (median of 5; CPU {import_cpu:.2} s for 5); goal < 2 s",
        times[2]
    );
    println!("peak RSS {:.1} MiB", peak_rss_mib());
    if std::env::var_os("INSIGHT_BENCH_KEEP").is_some() {
        println!("data dir kept: {}", dir.keep().display());
    }
}
