//! Ad connectors benchmark: five years × 200 campaigns of daily rows from the
//! local Meta and Google fakes (throttling off), through the real connector,
//! engine and SQLite file, then the daily rollups. Reports rows per second end
//! to end, peak RSS, and what the next sync's re-read window costs in
//! requests. Run with `cargo bench --bench ads`; `ADS_BENCH_YEARS` and
//! `ADS_BENCH_CAMPAIGNS` change the size.

mod common;

#[allow(dead_code)]
#[path = "../tests/common/google_fake.rs"]
mod google_fake;
#[allow(dead_code)]
#[path = "../tests/common/meta_fake.rs"]
mod meta_fake;
#[path = "../tests/common/serve.rs"]
mod serve;

use chrono::{Days, Utc};
use common::{bench_core, connection_input, env_or, peak_rss_mib};
use google_fake::{GoogleFake, GoogleRow};
use meta_fake::{MetaFake, MetaRow};
use pulseboard::connectors::google::{GoogleConfig, GoogleSource};
use pulseboard::connectors::meta::{MetaConfig, MetaSource};
use pulseboard::connectors::HttpConfig;
use pulseboard::connectors::{BoxSource, Source};
use pulseboard::domain::run::Trigger;
use pulseboard::domain::Provider;
use pulseboard::rollups;
use pulseboard::sync::run_connection;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

fn main() {
    let years = env_or("ADS_BENCH_YEARS", 5);
    let campaigns = env_or("ADS_BENCH_CAMPAIGNS", 200) as usize;
    let today = Utc::now().date_naive();
    let days = years * 365;
    let earliest = today - Days::new(days - 1);

    let meta = MetaFake::start("act_42", "EAAbench");
    let google = GoogleFake::start("1234567890");
    meta.with(|s| {
        for d in 0..days {
            let date = today - Days::new(d);
            for c in 0..campaigns {
                let k = ((d as usize * 31 + c * 17) % 97) as i64;
                s.rows.insert(
                    (date, format!("{c:08}")),
                    MetaRow {
                        campaign_name: format!("Campaign {c}"),
                        spend: Decimal::new(1000 + k * 137, 2),
                        impressions: 1000 + k * 50,
                        reach: 800 + k * 40,
                        clicks: 40 + k,
                        inline_link_clicks: 20 + k / 2,
                        purchases: Some((Decimal::from(k % 5), Decimal::new(k * 1999, 2))),
                    },
                );
            }
        }
    });
    google.with(|s| {
        for d in 0..days {
            let date = today - Days::new(d);
            for c in 0..campaigns {
                let k = ((d as usize * 13 + c * 29) % 89) as i64;
                s.rows.insert(
                    (date, format!("{}", 900_000 + c)),
                    GoogleRow {
                        name: format!("Campaign {c}"),
                        cost_micros: 5_000_000 + k * 123_457,
                        impressions: 500 + k * 20,
                        clicks: 10 + k,
                        conversions: (k % 4) as f64 * 0.5,
                        conversions_value: (k * 25) as f64 + 0.25,
                    },
                );
            }
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let (mut core, ws) = bench_core(dir.path(), None);
    let meta_id = core
        .connect(
            ws,
            Provider::MetaAds,
            &connection_input(&[("ad_account", "act_42")], &[("access_token", "EAAbench")]),
        )
        .unwrap()
        .id;
    let google_id = core
        .connect(
            ws,
            Provider::GoogleAds,
            &connection_input(
                &[("customer_id", "1234567890")],
                &[
                    ("client_id", "c"),
                    ("client_secret", "s"),
                    ("refresh_token", "r"),
                    ("developer_token", "d"),
                ],
            ),
        )
        .unwrap()
        .id;
    let locks = dir.path().join("locks");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let meta_source = || {
        let mut cfg = MetaConfig::new("act_42", "EAAbench", today);
        cfg.base = meta.base.clone();
        cfg.earliest = earliest;
        cfg.poll = Duration::from_millis(10);
        Box::new(MetaSource::new(cfg).unwrap()) as BoxSource
    };
    let google_source = || {
        let s = google.state.lock().unwrap();
        Box::new(
            GoogleSource::new(GoogleConfig {
                base: google.base.clone(),
                token_url: format!("{}/token", google.base),
                customer_id: "1234567890".into(),
                login_customer_id: None,
                client_id: s.client_id.clone(),
                client_secret: s.client_secret.clone(),
                refresh_token: s.refresh_token.clone(),
                developer_token: s.developer_token.clone(),
                lookback_days: 30,
                earliest,
                today,
                window_days: 90,
                fields: pulseboard::connectors::google::FIELDS
                    .iter()
                    .map(|f| f.to_string())
                    .collect(),
                http: HttpConfig::default(),
            })
            .unwrap(),
        ) as BoxSource
    };

    let rss_now = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0;
    println!("{years} years × {campaigns} campaigns per platform ({} rows each); RSS with the fakes loaded {rss_now:.1} MiB", days as usize * campaigns);
    for (name, id, make) in [
        ("Meta", meta_id, &meta_source as &dyn Fn() -> BoxSource),
        (
            "Google",
            google_id,
            &google_source as &dyn Fn() -> BoxSource,
        ),
    ] {
        // The lower bound: the same pages downloaded and parsed, nothing stored.
        let bare = make();
        let started = Instant::now();
        let mut cursor = bare.start_cursor(&bare.streams()[0], None);
        let mut parsed = 0usize;
        loop {
            let page = rt
                .block_on(bare.fetch(&bare.streams()[0], cursor.as_deref()))
                .unwrap();
            parsed += page.batch.len();
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        let floor = started.elapsed().as_secs_f64();
        println!(
            "{name}: download and parse only: {parsed} rows in {floor:.2} s = {:.0} rows/s",
            parsed as f64 / floor
        );

        let source = make();
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
        let rolled = roll.elapsed().as_secs_f64();
        let total = synced + rolled;
        println!(
            "{name}: {} rows in {synced:.2} s + rollups of {} days {rolled:.2} s = {:.0} rows/s end to end; {} requests; status {}",
            run.records_upserted,
            r.days,
            run.records_upserted as f64 / total,
            run.requests,
            run.status.as_str()
        );
        println!(
            "  end to end takes {:.2}× the download-and-parse time",
            total / floor
        );
        let again = make();
        let run = rt
            .block_on(run_connection(
                core.store_mut(),
                &locks,
                id,
                &again,
                Trigger::Cli,
            ))
            .unwrap();
        println!(
            "  the next sync re-reads its window: {} rows in {} requests",
            run.records_upserted, run.requests
        );
    }
    println!(
        "peak RSS {:.1} MiB (the fakes' rows included)",
        peak_rss_mib()
    );
}
