//! The Meta Ads and Google Ads connectors against local fakes that behave like
//! the real APIs (tests/common/meta_fake.rs, google_fake.rs), over real HTTP on
//! 127.0.0.1: through the CLI with the real keychain and SQLite file, and the
//! sources on their own for what only their config can provoke.

mod common;

use chrono::{Days, NaiveDate, Utc};
use common::google_fake::{GoogleFake, GoogleRow};
use common::meta_fake::{MetaFake, MetaRow};
use common::{cli, daily_metrics, open_store, unique_secret};
use pulseboard::connectors::google::{self, GoogleConfig, GoogleSource};
use pulseboard::connectors::meta::{self, MetaConfig, MetaSource};
use pulseboard::connectors::{FetchError, HttpConfig, Source};
use pulseboard::domain::records::Batch;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const ACCOUNT: &str = "act_1234567";
const CUSTOMER: &str = "1234567890";
const CAMPAIGNS: usize = 25;
const DAYS: u64 = 90;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A day on which every campaign of both platforms spent nothing.
fn zero_day() -> NaiveDate {
    today() - Days::new(45)
}

fn meta_rows(days: u64, campaigns: usize) -> BTreeMap<(NaiveDate, String), MetaRow> {
    let mut rows = BTreeMap::new();
    for d in 0..days {
        let date = today() - Days::new(d);
        for c in 0..campaigns {
            let k = (d as i64 * 31 + c as i64 * 17) % 97;
            let zero = date == zero_day();
            rows.insert(
                (date, format!("2385{c:05}")),
                MetaRow {
                    campaign_name: format!("Meta campaign {c}"),
                    spend: if zero {
                        Decimal::ZERO
                    } else {
                        Decimal::new(1000 + k * 137, 2)
                    },
                    impressions: if zero { 0 } else { 1000 + k * 50 },
                    reach: if zero { 0 } else { 800 + k * 40 },
                    clicks: if zero { 0 } else { 40 + k },
                    inline_link_clicks: if zero { 0 } else { 20 + k / 2 },
                    purchases: (!zero && k % 3 != 0)
                        .then(|| (Decimal::from(k % 5), Decimal::new(k * 1999, 2))),
                },
            );
        }
    }
    rows
}

fn google_rows(days: u64, campaigns: usize) -> BTreeMap<(NaiveDate, String), GoogleRow> {
    let mut rows = BTreeMap::new();
    for d in 0..days {
        let date = today() - Days::new(d);
        for c in 0..campaigns {
            let k = (d as i64 * 13 + c as i64 * 29) % 89;
            let zero = date == zero_day();
            rows.insert(
                (date, format!("{}", 900_000 + c)),
                GoogleRow {
                    name: format!("Google campaign {c}"),
                    cost_micros: if zero { 0 } else { 5_000_000 + k * 123_457 },
                    impressions: if zero { 0 } else { 500 + k * 20 },
                    clicks: if zero { 0 } else { 10 + k },
                    conversions: if zero { 0.0 } else { (k % 4) as f64 * 0.5 },
                    conversions_value: if zero { 0.0 } else { (k * 25) as f64 + 0.25 },
                },
            );
        }
    }
    rows
}

/// What metrics.md says the ad figures of a day are, from the fakes' rows.
#[derive(Debug, Default, Clone, PartialEq)]
struct Expected {
    spend: Decimal,
    impressions: i64,
    clicks: i64,
    purchase_value: Decimal,
}

fn expected(
    meta: &BTreeMap<(NaiveDate, String), MetaRow>,
    google: &BTreeMap<(NaiveDate, String), GoogleRow>,
) -> BTreeMap<NaiveDate, Expected> {
    let mut out: BTreeMap<NaiveDate, Expected> = BTreeMap::new();
    for ((d, _), r) in meta {
        let e = out.entry(*d).or_default();
        e.spend += r.spend;
        e.impressions += r.impressions;
        e.clicks += r.inline_link_clicks;
        e.purchase_value += r.purchases.map(|p| p.1).unwrap_or_default();
    }
    for ((d, _), r) in google {
        let e = out.entry(*d).or_default();
        e.spend += Decimal::new(r.cost_micros, 6);
        e.impressions += r.impressions;
        e.clicks += r.clicks;
        e.purchase_value += Decimal::try_from(r.conversions_value).unwrap();
    }
    out
}

fn num(v: &Value) -> Option<Decimal> {
    match v {
        Value::Null => None,
        other => Some(other.to_string().parse().unwrap()),
    }
}

fn ratio(n: Decimal, d: Decimal) -> Option<Decimal> {
    (!d.is_zero()).then(|| (n / d).round_dp(6).normalize())
}

fn setup_cli(dir: &Path, meta: &MetaFake, google: &GoogleFake, token: &str) {
    cli(dir)
        .args([
            "workspace",
            "add",
            "Ads",
            "--timezone",
            "Asia/Kolkata",
            "--currency",
            "INR",
        ])
        .assert()
        .success();
    cli(dir)
        .args([
            "connect",
            "meta_ads",
            "--workspace",
            "Ads",
            "--ad-account",
            ACCOUNT,
            "--base-url",
            &meta.base,
        ])
        .write_stdin(format!(r#"{{"access_token":"{token}"}}"#))
        .assert()
        .success();
    cli(dir)
        .args([
            "connect",
            "google_ads",
            "--workspace",
            "Ads",
            "--customer-id",
            "123-456-7890",
            "--token-url",
            &format!("{}/token", google.base),
            "--base-url",
            &google.base,
        ])
        .write_stdin(google.secrets_json())
        .assert()
        .success();
}

fn metrics_json(dir: &Path, from: NaiveDate, to: NaiveDate) -> BTreeMap<NaiveDate, Value> {
    daily_metrics(dir, "Ads", from, to)
}

fn ad_rows(dir: &Path) -> Vec<u64> {
    let store = open_store(dir);
    store
        .connections(None)
        .unwrap()
        .iter()
        .map(|c| store.record_counts(c.id).unwrap().ad_days)
        .collect()
}

#[test]
fn ninety_days_of_25_campaigns_sync_exactly_and_the_ad_metrics_match() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("EAAmeta");
    let meta = MetaFake::start(ACCOUNT, &token);
    let google = GoogleFake::start(CUSTOMER);
    meta.with(|s| s.rows = meta_rows(DAYS, CAMPAIGNS));
    google.with(|s| s.rows = google_rows(DAYS, CAMPAIGNS));
    setup_cli(dir.path(), &meta, &google, &token);

    let out = cli(dir.path()).arg("sync").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Meta Ads") && stdout.contains("succeeded"),
        "{stdout}"
    );
    let n = DAYS * CAMPAIGNS as u64;
    assert_eq!(ad_rows(dir.path()), [n, n], "every fixture row, once");

    let want = expected(
        &meta.with(|s| s.rows.clone()),
        &google.with(|s| s.rows.clone()),
    );
    let got = metrics_json(dir.path(), today() - Days::new(DAYS - 1), today());
    assert_eq!(got.len(), DAYS as usize);
    for (day, e) in &want {
        let g = &got[day];
        assert_eq!(
            num(&g["ad_spend"]),
            Some(e.spend.round_dp(2)),
            "{day} ad_spend"
        );
        assert_eq!(g["impressions"].as_i64(), Some(e.impressions), "{day}");
        assert_eq!(g["clicks"].as_i64(), Some(e.clicks), "{day}");
        assert_eq!(num(&g["cpc"]), ratio(e.spend, e.clicks.into()), "{day} cpc");
        assert_eq!(
            num(&g["ctr"]),
            ratio(e.clicks.into(), e.impressions.into()),
            "{day} ctr"
        );
        assert_eq!(
            num(&g["cpm"]),
            ratio(e.spend * Decimal::ONE_THOUSAND, e.impressions.into()),
            "{day} cpm"
        );
        assert_eq!(
            num(&g["platform_roas"]),
            ratio(e.purchase_value, e.spend),
            "{day} platform_roas"
        );
    }
    // The zero-spend day: its ratios are empty, not 0.
    let z = &got[&zero_day()];
    assert_eq!(num(&z["ad_spend"]), Some(Decimal::ZERO));
    for key in ["cpc", "ctr", "cpm", "platform_roas", "roas", "poas"] {
        assert_eq!(z[key], Value::Null, "{key} on a zero-spend day");
    }
    // The token never reached the database or the logs.
    assert!(common::files_containing(dir.path(), token.as_bytes()).is_empty());
}

#[test]
fn a_restated_day_inside_the_lookback_is_picked_up_and_one_outside_stays() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("EAAmeta");
    let meta = MetaFake::start(ACCOUNT, &token);
    let google = GoogleFake::start(CUSTOMER);
    meta.with(|s| s.rows = meta_rows(DAYS, 5));
    google.with(|s| s.rows = google_rows(DAYS, 5));
    setup_cli(dir.path(), &meta, &google, &token);
    cli(dir.path()).arg("sync").assert().success();

    let (inside, outside) = (today() - Days::new(10), today() - Days::new(40));
    let before = metrics_json(dir.path(), outside, inside);
    let spend = |m: &BTreeMap<NaiveDate, Value>, d: NaiveDate| num(&m[&d]["ad_spend"]).unwrap();
    meta.with(|s| {
        for d in [inside, outside] {
            s.rows.get_mut(&(d, "238500000".to_string())).unwrap().spend += Decimal::new(5000, 2);
        }
    });
    google.with(|s| {
        for d in [inside, outside] {
            s.rows
                .get_mut(&(d, "900000".to_string()))
                .unwrap()
                .cost_micros += 7_000_000;
        }
    });
    // Google's re-read window set to 15 days (Meta keeps its default 28).
    cli(dir.path())
        .args(["connection", "edit", "2", "--lookback-days", "15"])
        .assert()
        .success();
    let meta_before = meta.with(|s| s.insights_requests());
    let google_before = google.with(|s| s.queries.len());
    cli(dir.path()).arg("sync").assert().success();
    let after = metrics_json(dir.path(), outside, inside);
    assert_eq!(
        spend(&after, inside),
        spend(&before, inside) + Decimal::new(5700, 2)
    );
    assert_eq!(
        spend(&after, outside),
        spend(&before, outside),
        "outside the re-read window"
    );
    // The re-read costs one request per window: 28 days of Meta, 15 of Google.
    assert_eq!(meta.with(|s| s.insights_requests()) - meta_before, 1);
    assert_eq!(google.with(|s| s.queries.len()) - google_before, 1);
    let q = google.with(|s| s.queries.last().cloned().unwrap());
    let window = format!("BETWEEN '{}' AND '{}'", today() - Days::new(15), today());
    assert!(q.contains(&window), "{q}");
    let r = meta.with(|s| s.requests.last().cloned().unwrap());
    let since = format!("%22since%22%3A%22{}%22", today() - Days::new(28));
    assert!(r.contains(&since), "{r}");

    // A window outside 1–90 days is refused, and nothing changes.
    let out = cli(dir.path())
        .args(["connection", "edit", "1", "--lookback-days", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a number of days from 1 to 90"));
}

fn meta_source(fake: &MetaFake, token: &str) -> MetaSource {
    let mut cfg = MetaConfig::new(ACCOUNT, token, today());
    cfg.base = fake.base.clone();
    cfg.earliest = today() - Days::new(DAYS - 1);
    cfg.page_limit = 100;
    cfg.poll = Duration::from_millis(100);
    MetaSource::new(cfg).unwrap()
}

/// A source's config for the fake's credentials: 90 days in 30-day windows.
fn google_config(fake: &GoogleFake) -> GoogleConfig {
    let s = fake.state.lock().unwrap();
    GoogleConfig {
        base: fake.base.clone(),
        token_url: format!("{}/token", fake.base),
        customer_id: CUSTOMER.into(),
        login_customer_id: None,
        client_id: s.client_id.clone(),
        client_secret: s.client_secret.clone(),
        refresh_token: s.refresh_token.clone(),
        developer_token: s.developer_token.clone(),
        lookback_days: 30,
        earliest: today() - Days::new(DAYS - 1),
        today: today(),
        window_days: 30,
        fields: pulseboard::connectors::google::FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect(),
        http: HttpConfig::default(),
    }
}

fn google_source(fake: &GoogleFake) -> GoogleSource {
    GoogleSource::new(google_config(fake)).unwrap()
}

/// Read every page of a source's stream from `cursor` to the end.
async fn read_all<F, Fut>(mut fetch: F) -> Result<usize, FetchError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<pulseboard::connectors::Page, FetchError>>,
{
    let mut cursor = None;
    let mut rows = 0;
    loop {
        let page = fetch(cursor.clone()).await?;
        if let Batch::AdDays(d) = &page.batch {
            rows += d.len();
        }
        cursor = page.cursor;
        if !page.more {
            return Ok(rows);
        }
    }
}

#[tokio::test]
async fn meta_throttled_mid_sync_pauses_for_the_headers_time_and_does_not_restart() {
    let token = unique_secret("EAAmeta");
    let fake = MetaFake::start(ACCOUNT, &token);
    fake.with(|s| {
        s.rows = meta_rows(DAYS, CAMPAIGNS);
        s.throttle_at = vec![4];
        s.throttle_reset_secs = 2;
    });
    let src = meta_source(&fake, &token);
    let started = Instant::now();
    let rows = read_all(|c| {
        let src = &src;
        async move { src.fetch(meta::STREAM, c.as_deref()).await }
    })
    .await
    .unwrap();
    assert_eq!(rows, DAYS as usize * CAMPAIGNS);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "paused {:?}",
        started.elapsed()
    );
    // 90 days × 25 campaigns in 31-day windows of 100-row pages: 23 pages,
    // plus the one throttled request repeated — nothing read twice.
    let pages = (0..3)
        .map(|w| (25 * [31, 31, 28][w] as usize).div_ceil(100))
        .sum::<usize>();
    assert_eq!(fake.with(|s| s.insights_requests()), pages + 1);
    assert_eq!(fake.with(|s| s.throttled), 1);
    assert_eq!(src.requests(), pages as u64 + 1);
}

#[tokio::test]
async fn meta_reads_a_long_backlog_through_async_report_runs() {
    let token = unique_secret("EAAmeta");
    let fake = MetaFake::start(ACCOUNT, &token);
    fake.with(|s| s.rows = meta_rows(200, 3));
    let mut cfg = MetaConfig::new(ACCOUNT, &token, today());
    cfg.base = fake.base.clone();
    cfg.earliest = today() - Days::new(199);
    cfg.poll = Duration::from_millis(50);
    let src = MetaSource::new(cfg).unwrap();
    let rows = read_all(|c| {
        let src = &src;
        async move { src.fetch(meta::STREAM, c.as_deref()).await }
    })
    .await
    .unwrap();
    assert_eq!(rows, 600);
    // A report run that ends as "Job Failed" fails the stream, saying so.
    fake.with(|s| s.reports_fail = true);
    let mut cfg = MetaConfig::new(ACCOUNT, &token, today());
    cfg.base = fake.base.clone();
    cfg.earliest = today() - Days::new(199);
    cfg.poll = Duration::from_millis(50);
    let err = MetaSource::new(cfg)
        .unwrap()
        .fetch(meta::STREAM, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ended as 'Job Failed'"), "{err}");
    fake.with(|s| s.reports_fail = false);
    let posts = fake.with(|s| s.requests.iter().filter(|r| r.starts_with("POST")).count());
    assert!(posts >= 1, "a report run was started");
    assert!(
        fake.with(|s| s.report_polls) >= 2 * posts,
        "each was polled until complete"
    );
}

#[tokio::test]
async fn meta_expired_token_and_misspelt_field_fail_clearly() {
    let token = unique_secret("EAAmeta");
    let fake = MetaFake::start(ACCOUNT, &token);
    fake.with(|s| s.rows = meta_rows(5, 2));
    fake.with(|s| s.token_expired = true);
    let err = meta_source(&fake, &token)
        .fetch(meta::STREAM, None)
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(err.to_string().contains("code 190"), "{err}");
    assert!(
        !err.to_string().contains(&token),
        "the token is never in an error"
    );

    fake.with(|s| s.token_expired = false);
    let mut cfg = MetaConfig::new(ACCOUNT, &token, today());
    cfg.base = fake.base.clone();
    cfg.fields.push("inline_link_clikcs".into());
    let err = MetaSource::new(cfg)
        .unwrap()
        .fetch(meta::STREAM, None)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Fatal { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("inline_link_clikcs is not valid for fields param"),
        "{err}"
    );
}

#[tokio::test]
async fn google_quota_errors_wait_their_retry_delay_and_tokens_renew_mid_sync() {
    let fake = GoogleFake::start(CUSTOMER);
    fake.with(|s| {
        s.rows = google_rows(DAYS, CAMPAIGNS);
        s.exhaust_at = vec![2];
        s.retry_delay_secs = 2;
        // Each access token works for two requests only: it expires mid-sync.
        s.token_uses = Some(2);
    });
    let src = google_source(&fake);
    let rows = read_all(|c| {
        let src = &src;
        async move { src.fetch(google::STREAM, c.as_deref()).await }
    })
    .await
    .unwrap();
    assert_eq!(rows, DAYS as usize * CAMPAIGNS);
    let (queries, waited) = fake.with(|s| {
        let at = s.exhausted_at[0];
        let next = s.request_times.iter().find(|t| **t > at).copied().unwrap();
        (s.queries.len(), next - at)
    });
    assert!(
        waited >= Duration::from_secs(2),
        "waited {waited:?} before repeating"
    );
    // Three 30-day windows, the one repeated after the quota error; nothing else re-read.
    assert_eq!(queries, 4);
    assert!(src.token_requests() >= 2, "the access token was renewed");
}

#[tokio::test]
async fn google_revoked_refresh_token_and_misspelt_field_fail_clearly() {
    let fake = GoogleFake::start(CUSTOMER);
    fake.with(|s| s.revoked = true);
    let err = google_source(&fake)
        .fetch(google::STREAM, None)
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(err.to_string().contains("reconnect Google"), "{err}");
    let secret = fake.with(|s| s.refresh_token.clone());
    assert!(!err.to_string().contains(&secret));

    fake.with(|s| s.revoked = false);
    let src = GoogleSource::new(GoogleConfig {
        earliest: today(),
        fields: vec![
            "campaign.id".into(),
            "segments.date".into(),
            "metrics.cost_micro".into(),
        ],
        ..google_config(&fake)
    })
    .unwrap();
    let err = src.fetch(google::STREAM, None).await.unwrap_err();
    assert!(matches!(err, FetchError::Fatal { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("unrecognized field 'metrics.cost_micro'"),
        "{err}"
    );
}

#[test]
fn an_expired_meta_token_parks_the_connection_and_the_other_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("EAAmeta");
    let meta = MetaFake::start(ACCOUNT, &token);
    let google = GoogleFake::start(CUSTOMER);
    meta.with(|s| {
        s.rows = meta_rows(10, 2);
        s.token_expired = true;
    });
    google.with(|s| s.rows = google_rows(10, 2));
    setup_cli(dir.path(), &meta, &google, &token);
    let out = cli(dir.path()).arg("sync").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Meta Ads") && stdout.contains("failed"),
        "{stdout}"
    );
    assert!(stdout.contains("code 190"), "{stdout}");
    let list = cli(dir.path())
        .args(["connections", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let status: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["needs_attention", "ok"]);
    assert_eq!(ad_rows(dir.path()), [0, 20]);
}

#[test]
fn test_connection_reads_the_account_and_warns_about_zone_currency_and_token_end() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("EAAmeta");
    let meta = MetaFake::start(ACCOUNT, &token);
    let google = GoogleFake::start(CUSTOMER);
    let ends = Utc::now() + chrono::Duration::days(3);
    meta.with(|s| {
        s.account_timezone = "America/New_York".into();
        s.account_currency = "USD".into();
        s.token_expires_at = ends.timestamp();
    });
    setup_cli(dir.path(), &meta, &google, &token);

    let out = cli(dir.path())
        .args(["connection", "test", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("connected to 'Acme Ads' (USD, America/New_York)"),
        "{stdout}"
    );
    assert!(stdout.contains("warning: The account reports its days in America/New_York; this workspace uses Asia/Kolkata"), "{stdout}");
    assert!(
        stdout.contains("warning: The account spends in USD"),
        "{stdout}"
    );
    assert!(stdout.contains("days left"), "{stdout}");

    let out = cli(dir.path())
        .args(["connection", "test", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("connected to 'Acme Google Ads' (INR, Asia/Kolkata)"),
        "{stdout}"
    );
    assert!(!stdout.contains("warning"), "{stdout}");

    // What was learned is kept (never the token).
    let store = open_store(dir.path());
    let facts = store
        .account_facts(pulseboard::domain::ConnectionId(1))
        .unwrap()
        .unwrap();
    assert_eq!(facts.timezone.as_deref(), Some("America/New_York"));
    assert!(facts.token_expires_at.is_some());
    drop(store);
    assert!(common::files_containing(dir.path(), token.as_bytes()).is_empty());

    // A token the platform refuses: the test fails plainly, exit 1.
    meta.with(|s| s.token_expired = true);
    let out = cli(dir.path())
        .args(["connection", "test", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("code 190"));
}

#[tokio::test]
async fn meta_slows_down_when_usage_nears_the_limit() {
    let token = unique_secret("EAAmeta");
    let fake = MetaFake::start(ACCOUNT, &token);
    fake.with(|s| {
        s.rows = meta_rows(DAYS, CAMPAIGNS);
        s.near_limit_at = vec![2];
    });
    let src = meta_source(&fake, &token);
    read_all(|c| {
        let src = &src;
        async move { src.fetch(meta::STREAM, c.as_deref()).await }
    })
    .await
    .unwrap();
    let times = fake.with(|s| s.times.clone());
    assert!(
        times[2] - times[1] >= Duration::from_secs(1),
        "after a 96% reply it waited the reset time"
    );
    assert!(
        times[1] - times[0] < Duration::from_secs(1),
        "no wait before that"
    );
    assert_eq!(fake.with(|s| s.throttled), 0, "it never hit the limit");
}

#[tokio::test]
async fn google_permission_denied_says_to_check_the_login_customer_id() {
    let fake = GoogleFake::start("5555555555");
    let err = google_source(&fake)
        .fetch(google::STREAM, None)
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("PERMISSION_DENIED") && text.contains("login customer id"),
        "{text}"
    );
}

#[test]
fn once_the_account_zone_is_known_its_own_today_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("EAAmeta");
    let meta = MetaFake::start(ACCOUNT, &token);
    let google = GoogleFake::start(CUSTOMER);
    // UTC+14: its today is always a day or so ahead of most of the world.
    meta.with(|s| s.account_timezone = "Pacific/Kiritimati".into());
    setup_cli(dir.path(), &meta, &google, &token);
    cli(dir.path())
        .args(["connection", "test", "1"])
        .assert()
        .success();
    cli(dir.path())
        .args(["sync", "--connection", "1"])
        .assert()
        .success();
    let theirs = Utc::now()
        .with_timezone(&"Pacific/Kiritimati".parse::<chrono_tz::Tz>().unwrap())
        .date_naive();
    let last = meta.with(|s| {
        s.requests
            .iter()
            .rev()
            .find(|r| r.contains("time_range"))
            .cloned()
            .unwrap()
    });
    let until = format!("%22until%22%3A%22{theirs}%22");
    assert!(last.contains(&until), "reads up to {theirs}: {last}");
}
