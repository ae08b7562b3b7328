//! The Shopify connector against a local fake of the GraphQL Admin API
//! 2026-10 (tests/common/shopify_fake.rs) that validates every query against
//! the real schema, charges query costs and throttles like Shopify: through
//! the CLI, the real keychain and the SQLite file, over HTTP on 127.0.0.1.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use common::shopify_fake::{self, build_shop, FakeLine, FakeOrder, FakeRefund, Shared, ShopState};
use common::{cli, cli_json, daily_metrics, open_store, sync_all as sync, unique_secret};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

const ZONE: Tz = chrono_tz::Asia::Kolkata;

/// The figures metrics.md defines, computed here from the fake's own orders
/// (default COGS 40 %), for every local day.
#[derive(Debug, Default, Clone, PartialEq)]
struct Day {
    orders: i64,
    gross_sales: Decimal,
    discounts: Decimal,
    shipping_charged: Decimal,
    taxes: Decimal,
    refunds: Decimal,
    units: i64,
    cogs: Decimal,
    new_customers: i64,
    returning_customers: i64,
}

fn expected(s: &ShopState) -> BTreeMap<NaiveDate, Day> {
    let cost: HashMap<u64, Decimal> = s
        .items
        .iter()
        .filter_map(|i| Some((i.variant, i.cost?)))
        .collect();
    let unit_cost = |l: &FakeLine| {
        l.variant
            .and_then(|v| cost.get(&v).copied())
            .unwrap_or_else(|| l.price * Decimal::new(40, 2))
    };
    let day = |t: DateTime<Utc>| t.with_timezone(&ZONE).date_naive();
    // Stored orders: all but the malformed ones.
    let stored: Vec<&FakeOrder> = s
        .orders
        .iter()
        .filter(|o| !s.malformed.contains(&o.id))
        .collect();
    let reported = s.customers();
    let mut by_customer: HashMap<u64, Vec<&FakeOrder>> = HashMap::new();
    for o in &stored {
        if let Some(c) = o.customer {
            by_customer.entry(c).or_default().push(o);
        }
    }
    let firsts: HashMap<u64, u64> = by_customer
        .iter()
        .filter(|(c, list)| reported[c].0 == list.len() as u64)
        .map(|(c, list)| (*c, list.iter().min_by_key(|o| o.processed_at).unwrap().id))
        .collect();
    let mut out: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    let mut new_seen = HashSet::new();
    let mut returning_seen = HashSet::new();
    for o in stored.iter().filter(|o| !o.test && o.status != "VOIDED") {
        let d = day(o.processed_at);
        let t = out.entry(d).or_default();
        t.orders += 1;
        t.discounts += o.discounts;
        t.shipping_charged += o.shipping;
        t.taxes += o.tax;
        for l in &o.lines {
            t.gross_sales += l.price * Decimal::from(l.quantity);
            t.units += l.quantity;
            t.cogs += unit_cost(l) * Decimal::from(l.quantity);
        }
        if let Some(c) = o.customer {
            if firsts.get(&c) == Some(&o.id) {
                new_seen.insert((d, c));
            } else {
                returning_seen.insert((d, c));
            }
        }
        for r in &o.refunds {
            let t = out.entry(day(r.created_at)).or_default();
            t.refunds += r.shipping.iter().copied().sum::<Decimal>();
            for (line, q, sub) in &r.lines {
                t.refunds += *sub;
                t.units -= q;
                let l = o.lines.iter().find(|l| l.id == *line).unwrap();
                t.cogs -= unit_cost(l) * Decimal::from(*q);
            }
        }
    }
    for (d, _) in &new_seen {
        out.entry(*d).or_default().new_customers += 1;
    }
    for (d, c) in &returning_seen {
        if !new_seen.contains(&(*d, *c)) {
            out.entry(*d).or_default().returning_customers += 1;
        }
    }
    out
}

fn num(v: &Value) -> Decimal {
    v.to_string()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {v}"))
}

fn metrics(dir: &Path, from: NaiveDate, to: NaiveDate) -> BTreeMap<NaiveDate, Value> {
    daily_metrics(dir, "Shop", from, to)
}

fn assert_metrics_match(dir: &Path, shop: &Shared) {
    let want = expected(&shop.lock().unwrap());
    let (from, to) = (*want.keys().next().unwrap(), *want.keys().last().unwrap());
    let got = metrics(dir, from, to);
    for (d, e) in &want {
        let g = &got[d];
        let revenue = e.gross_sales - e.discounts + e.shipping_charged - e.refunds;
        let checks: [(&str, Decimal, Decimal); 9] = [
            (
                "gross_sales",
                num(&g["gross_sales"]),
                e.gross_sales.round_dp(2),
            ),
            ("discounts", num(&g["discounts"]), e.discounts.round_dp(2)),
            (
                "shipping_charged",
                num(&g["shipping_charged"]),
                e.shipping_charged.round_dp(2),
            ),
            ("taxes", num(&g["taxes"]), e.taxes.round_dp(2)),
            ("refunds", num(&g["refunds"]), e.refunds.round_dp(2)),
            ("revenue", num(&g["revenue"]), revenue.round_dp(2)),
            ("cogs", num(&g["cogs"]), e.cogs.round_dp(2)),
            ("units", num(&g["units"]), e.units.into()),
            ("orders", num(&g["orders"]), e.orders.into()),
        ];
        for (key, got, want) in checks {
            assert_eq!(got, want, "{d} {key}");
        }
        assert_eq!(
            g["new_customers"].as_i64(),
            Some(e.new_customers),
            "{d} new_customers"
        );
        assert_eq!(
            g["returning_customers"].as_i64(),
            Some(e.returning_customers),
            "{d} returning_customers"
        );
    }
}

/// A workspace without a zone or currency of its own, and a Shopify connection to the fake.
fn connect(dir: &Path, base: &str, token: &str, history: &str) {
    cli(dir)
        .args(["workspace", "add", "Shop", "--default-cogs-percent", "40"])
        .assert()
        .success();
    cli(dir)
        .args([
            "connect",
            "shopify",
            "--workspace",
            "Shop",
            "--shop",
            "test-shop.myshopify.com",
            "--history-days",
            history,
            "--base-url",
            base,
        ])
        .write_stdin(format!(r#"{{"access_token":"{token}"}}"#))
        .assert()
        .success();
}

fn counts(dir: &Path) -> pulseboard::store::RecordCounts {
    let s = open_store(dir);
    let c = s.connections(None).unwrap();
    s.record_counts(c[0].id).unwrap()
}

fn last_run(dir: &Path) -> pulseboard::domain::run::Run {
    open_store(dir).runs(None, 1).unwrap().remove(0)
}

#[test]
fn ten_thousand_orders_sync_exactly_then_only_37_changed_orders_are_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("shpat_");
    let now = Utc::now();
    let mut shop = build_shop(10_000, 25, now, &token);
    let malformed = 1000 + 4321;
    shop.malformed.insert(malformed);
    // A 500 in the middle of the page run: retried, nothing lost.
    shop.fail_at = vec![300];
    let (base, shop) = shopify_fake::start(shop);
    connect(dir.path(), &base, &token, "30");

    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    {
        let s = shop.lock().unwrap();
        let lines: usize = s
            .orders
            .iter()
            .filter(|o| o.id != malformed)
            .map(|o| o.lines.len())
            .sum();
        let refunds: usize = s
            .orders
            .iter()
            .filter(|o| o.id != malformed)
            .map(|o| o.refunds.len())
            .sum();
        let c = counts(dir.path());
        assert_eq!(c.orders, 9_999, "every order but the malformed one");
        assert_eq!(c.order_lines as usize, lines);
        assert_eq!(c.refunds as usize, refunds);
        assert_eq!(c.variant_costs, 300);
        assert_eq!(s.bulk_started, 0, "30 days are read page by page");
        assert!(s.max_requested_cost <= 1000.0, "{}", s.max_requested_cost);
        assert!(
            s.operations.iter().any(|o| o == "Rest"),
            "long nested lists are followed"
        );
    }
    let run = last_run(dir.path());
    let orders = run.streams.iter().find(|s| s.stream == "orders").unwrap();
    assert_eq!(orders.skipped, 1, "{run:?}");
    assert_eq!(
        orders.examples[0].id.as_deref(),
        Some(format!("gid://shopify/Order/{malformed}").as_str())
    );
    assert!(
        orders.examples[0].reason.contains("totalTaxSet"),
        "{:?}",
        orders.examples
    );
    // The workspace took the shop's zone and currency.
    let ws = open_store(dir.path()).workspace_by_name("Shop").unwrap();
    assert_eq!(
        (ws.timezone.as_str(), ws.currency.as_str()),
        ("Asia/Kolkata", "INR")
    );
    assert_metrics_match(dir.path(), &shop);

    // An unchanged shop costs one request per stream.
    shop.lock().unwrap().clear_log();
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    assert_eq!(
        shop.lock().unwrap().operations,
        ["Costs", "Products", "Orders", "Customers"]
    );

    // 37 orders change: refunds, edits, cancellations (one of them the newest).
    let before = metrics(
        dir.path(),
        (now - Duration::days(26)).date_naive(),
        now.with_timezone(&ZONE).date_naive(),
    );
    let mut touched: HashSet<NaiveDate> = HashSet::new();
    let changed: Vec<u64> = {
        let mut s = shop.lock().unwrap();
        s.clear_log();
        let eligible = |o: &FakeOrder| {
            o.lines.len() <= 10
                && !o.test
                && o.status != "VOIDED"
                && o.refunds.is_empty()
                && o.id != malformed
        };
        let candidates: Vec<usize> = (0..9_999).filter(|&i| eligible(&s.orders[i])).collect();
        let picks: Vec<usize> = (0..36)
            .map(|k| candidates[40 + k * 230])
            .chain([9_999])
            .collect();
        let mut ids = vec![];
        for (k, &i) in picks.iter().enumerate() {
            let o = &mut s.orders[i];
            assert!(eligible(o));
            let at = now - Duration::minutes(20) + Duration::seconds(k as i64);
            match k % 3 {
                0 => o.refunds.push(FakeRefund {
                    id: o.id * 10 + 1,
                    created_at: at,
                    lines: vec![(o.lines[0].id, 1, o.lines[0].price)],
                    shipping: vec![],
                }),
                1 => o.lines[0].quantity += 2,
                _ => {
                    o.status = "VOIDED";
                    o.cancelled_at = Some(at);
                }
            }
            o.updated_at = at;
            ids.push(o.id);
            // A refund moves the day it is made; an edit or a cancellation the order's own day.
            touched.insert(
                if k % 3 == 0 { at } else { o.processed_at }
                    .with_timezone(&ZONE)
                    .date_naive(),
            );
        }
        ids
    };
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    {
        let s = shop.lock().unwrap();
        let mut served = s.served_orders.clone();
        served.sort();
        let mut want = changed.clone();
        want.sort();
        assert_eq!(served, want, "only the changed orders are fetched");
        assert_eq!(
            s.operations,
            [
                "Costs",
                "Products",
                "Orders",
                "Orders",
                "Orders",
                "Orders",
                "Customers"
            ],
            "37 orders in pages of 12"
        );
    }
    assert_metrics_match(dir.path(), &shop);
    let after = metrics(
        dir.path(),
        (now - Duration::days(26)).date_naive(),
        now.with_timezone(&ZONE).date_naive(),
    );
    for d in &touched {
        assert_ne!(
            before[d]["revenue"].to_string() + &before[d]["units"].to_string(),
            after[d]["revenue"].to_string() + &after[d]["units"].to_string(),
            "{d} changed"
        );
    }
}

/// The product named on each variant the Costs page lists, by variant id.
fn product_names(dir: &Path) -> BTreeMap<String, String> {
    let rows: Vec<Value> = cli_json(dir, &["costs", "--workspace", "Shop", "--json"]);
    rows.iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap().to_string();
            (text("variant_id"), text("product"))
        })
        .collect()
}

#[test]
fn a_product_renamed_in_the_shop_is_renamed_on_every_variant_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("shpat_");
    let now = Utc::now();
    let shop = build_shop(40, 20, now, &token);
    let product = shop.items[0].product;
    let variant = format!("gid://shopify/ProductVariant/{}", shop.items[0].variant);
    let siblings = shop.items.iter().filter(|i| i.product == product).count();
    let (base, shop) = shopify_fake::start(shop);
    connect(dir.path(), &base, &token, "30");
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    let before = product_names(dir.path());
    assert_eq!(before[&variant], format!("Product {product}"));

    // Renamed in Shopify: the product changes, its inventory items do not.
    shop.lock()
        .unwrap()
        .renamed
        .insert(product, ("Linen shirt".into(), now + Duration::seconds(5)));
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    let after = product_names(dir.path());
    let renamed: Vec<&String> = after
        .iter()
        .filter(|(_, p)| p.as_str() == "Linen shirt")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(renamed.len(), siblings, "every variant of it: {after:?}");
    assert!(renamed.contains(&&variant));
    for (s, p) in &after {
        if !renamed.contains(&s) {
            assert_eq!(p, &before[s], "{s}: another product keeps its name");
        }
    }
    let run = last_run(dir.path());
    let products = run.streams.iter().find(|s| s.stream == "products").unwrap();
    // The renamed one, and the newest before it, which the bookmark's
    // overlap re-reads; not the other 99.
    assert_eq!(products.fetched, 2, "{run:?}");
}

fn connection_status(dir: &Path) -> (String, Option<String>) {
    let c = open_store(dir).connections(None).unwrap().remove(0);
    (c.status.as_str().to_string(), c.last_error)
}

#[test]
fn a_sync_against_a_nearly_empty_bucket_waits_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("shpat_");
    let mut shop = build_shop(40, 20, Utc::now(), &token);
    // Standard limits, 50 of 2,000 points left; another app empties the
    // bucket again before the fourth request, unknown to us.
    shop.throttle_standard(50.0);
    shop.drain_at = vec![4];
    let (base, shop) = shopify_fake::start(shop);
    connect(dir.path(), &base, &token, "30");
    let started = std::time::Instant::now();
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    let s = shop.lock().unwrap();
    assert_eq!(counts(dir.path()).orders, 40);
    assert_eq!(
        s.throttled, 1,
        "only the drained bucket surprised us; the replies' throttleStatus paced the rest"
    );
    assert_eq!(
        s.max_throttled_in_a_row, 1,
        "never two THROTTLED replies in a row"
    );
    // The orders query asks 974 points of a bucket holding about 50: it waited.
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_long_backfill_goes_through_a_bulk_operation_which_may_fail_or_wait_for_another() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("shpat_");
    let shop = build_shop(600, 200, Utc::now(), &token);
    let (base, shop) = shopify_fake::start(shop);
    connect(dir.path(), &base, &token, "all");

    // The export fails: the stream says so, nothing half-stored.
    shop.lock().unwrap().bulk_fail = true;
    let (ok, text) = sync(dir.path());
    assert!(!ok, "{text}");
    assert!(text.contains("FAILED"), "{text}");
    assert_eq!(counts(dir.path()).orders, 0);

    // Another app's bulk query is running: wait for it, then export.
    {
        let mut s = shop.lock().unwrap();
        s.bulk_fail = false;
        s.other_bulk_polls = 2;
        s.clear_log();
    }
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    let s = shop.lock().unwrap();
    assert_eq!(
        s.other_bulk_polls, 0,
        "it waited for the other operation to end"
    );
    // Every order came through exports (splitting the backfill into spans
    // asks only for the oldest `updatedAt`, no order).
    assert!(s.served_orders.is_empty(), "no order was read page by page");
    // Every span's export is started at once (five at a time since
    // 2026-01): the failed run's five, then five spans.
    assert_eq!(
        s.bulk_started,
        5 + 5,
        "the failed run's exports, then five spans"
    );
    let lines: usize = s.orders.iter().map(|o| o.lines.len()).sum();
    let refund_count: usize = s.orders.iter().map(|o| o.refunds.len()).sum();
    let c = counts(dir.path());
    assert_eq!(
        (c.orders, c.order_lines as usize, c.refunds as usize),
        (600, lines, refund_count)
    );
    let requests = s.requests;
    drop(s);
    // Five exports of about five requests each (start, three polls, the
    // download), against 50 pages of 12 orders page by page.
    assert!(requests < 40, "{requests} requests for 600 orders");
    assert_metrics_match(dir.path(), &shop);
}

#[test]
fn a_backfill_reads_spans_of_updates_one_export_each_and_resumes_at_the_span_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("shpat_");
    let shop = build_shop(600, 200, Utc::now(), &token);
    let (base, shop) = shopify_fake::start(shop);
    connect(dir.path(), &base, &token, "all");

    // The five spans' exports start at once, and the third one fails: the
    // first two are read and stored in turn, then the stream stops.
    shop.lock().unwrap().bulk_fail_nth = Some(3);
    let (ok, text) = sync(dir.path());
    assert!(!ok, "{text}");
    assert!(text.contains("FAILED"), "{text}");
    let (first_two, failed) = {
        let s = shop.lock().unwrap();
        assert_eq!(s.bulk_queries.len(), 5, "{:?}", s.bulk_queries);
        (s.bulk_queries[..2].to_vec(), s.bulk_queries[2].clone())
    };
    // Each span starts where the one before it ended.
    let bounds = |q: &str| -> (String, Option<String>) {
        let mut parts = q.split(" AND ");
        let from = parts
            .next()
            .unwrap()
            .trim_start_matches("updated_at:>=")
            .to_string();
        let to = parts
            .next()
            .map(|t| t.trim_start_matches("updated_at:<").to_string());
        (from, to)
    };
    let (_, end1) = bounds(&first_two[0]);
    let (start2, end2) = bounds(&first_two[1]);
    let (start3, _) = bounds(&failed);
    assert_eq!(end1.as_deref(), Some(start2.as_str()));
    assert_eq!(end2.as_deref(), Some(start3.as_str()));
    // The two spans read are stored whole, nothing of the failed one.
    let until = chrono::DateTime::parse_from_rfc3339(start3.trim_matches('\'')).unwrap();
    let expected = shop
        .lock()
        .unwrap()
        .orders
        .iter()
        .filter(|o| o.updated_at < until)
        .count() as u64;
    assert!(expected > 0 && expected < 600, "{expected}");
    assert_eq!(counts(dir.path()).orders, expected);

    // The next sync goes on at the failed span, and reads up to now.
    shop.lock().unwrap().bulk_fail_nth = None;
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    let s = shop.lock().unwrap();
    // The failed span and the two after it, started at once again.
    assert_eq!(s.bulk_queries.len(), 8, "{:?}", s.bulk_queries);
    assert_eq!(s.bulk_queries[5], failed, "the same span again");
    assert_eq!(
        bounds(&s.bulk_queries[7]).1,
        None,
        "the last span is open-ended"
    );
    drop(s);
    assert_eq!(counts(dir.path()).orders, 600);
    assert_metrics_match(dir.path(), &shop);
}

#[test]
fn a_span_whose_export_ends_first_is_read_first_stored_in_turn_and_a_kill_between_resumes_exactly()
{
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("shpat_");
    let shop = build_shop(600, 200, Utc::now(), &token);
    let (base, shop) = shopify_fake::start(shop);
    connect(dir.path(), &base, &token, "all");

    // The first span's export runs on; the second's ends first.
    shop.lock().unwrap().bulk_hold_nth = Some(1);
    let mut child = common::std_cli(dir.path())
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let second = 1001; // the fake's id of the second export started
    let waited = std::time::Instant::now();
    while !shop.lock().unwrap().bulk_files_served.contains(&second) {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(60),
            "the second span's file was never read while the first export ran"
        );
        assert!(child.try_wait().unwrap().is_none(), "the sync ended early");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Read, not stored: the first span is not, and the cursor may not pass it.
    assert!(!shop.lock().unwrap().bulk_files_served.contains(&1000));
    assert_eq!(counts(dir.path()).orders, 0);
    // Killed without warning between the two.
    child.kill().unwrap();
    child.wait().unwrap();

    // The next sync reads from the first span on, to exactly the shop.
    shop.lock().unwrap().bulk_hold_nth = None;
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    assert_eq!(counts(dir.path()).orders, 600);
    assert_metrics_match(dir.path(), &shop);
}

/// A backlog of more orders than five spans should each hold is cut into
/// more spans (by `ordersCount`), so a span's orders, held until its file
/// is read to the end, stay few whatever the shop's size.
#[test]
fn a_large_backlog_is_cut_into_as_many_spans_as_its_size_asks() {
    use pulseboard::connectors::shopify::{ShopifyConfig, ShopifySource};
    use pulseboard::domain::connection_input::BTreeMapSecret;
    use pulseboard::domain::{ConnectionInput, Provider, WorkspaceInput};
    let token = unique_secret("shpat_");
    let now = Utc::now();
    let (base, shop) = shopify_fake::start(build_shop(600, 200, now, &token));
    let dir = tempfile::tempdir().unwrap();
    let mut core = pulseboard::service::Core::open(
        pulseboard::settings::Paths::under(dir.path().to_path_buf()),
        std::sync::Arc::new(pulseboard::secrets::MemorySecrets::default()),
    )
    .unwrap();
    let ws = core
        .add_workspace(&WorkspaceInput {
            name: "Shop".into(),
            timezone: Some("Asia/Kolkata".into()),
            currency: Some("INR".into()),
            default_cogs_percent: Some("40".into()),
            ..Default::default()
        })
        .unwrap()
        .id;
    let input = ConnectionInput {
        settings: [("shop".to_string(), "test-shop.myshopify.com".to_string())].into(),
        secrets: BTreeMapSecret([("access_token".to_string(), token.clone())].into()),
        ..Default::default()
    };
    let id = core.connect(ws, Provider::Shopify, &input).unwrap().id;
    let mut cfg = ShopifyConfig::new(&base, &token);
    cfg.now = now;
    cfg.history_days = None;
    cfg.bulk_over_days = 1;
    cfg.bulk_span_orders = 100;
    let source = ShopifySource::new(cfg).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = rt
        .block_on(pulseboard::sync::run_connection(
            core.store_mut(),
            &dir.path().join("locks"),
            id,
            &source,
            pulseboard::domain::run::Trigger::Cli,
        ))
        .unwrap();
    assert_eq!(run.status.as_str(), "succeeded");
    pulseboard::rollups::refresh(core.store(), ws).unwrap();
    // 600 orders, 100 a span: six exports, not five.
    assert_eq!(shop.lock().unwrap().bulk_queries.len(), 6);
    assert_eq!(counts(dir.path()).orders, 600);
    assert_metrics_match(dir.path(), &shop);
}

#[test]
fn a_revoked_token_or_a_missing_scope_needs_attention_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("shpat_");
    let mut shop = build_shop(30, 10, Utc::now(), &token);
    shop.scopes
        .retain(|s| s != "read_customers" && s != "read_all_orders");
    let (base, shop) = shopify_fake::start(shop);
    connect(dir.path(), &base, &token, "30");

    let out = cli(dir.path())
        .args(["connection", "test", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("'Test Shop' (INR, Asia/Kolkata)"), "{text}");
    assert!(
        text.contains("read_all_orders") && text.contains("60 days"),
        "{text}"
    );
    assert!(text.contains("read_customers"), "{text}");

    let (ok, text) = sync(dir.path());
    assert!(!ok, "{text}");
    let (status, error) = connection_status(dir.path());
    assert_eq!(status, "needs_attention");
    assert!(
        error.as_deref().unwrap_or("").contains("`read_customers`"),
        "{error:?}"
    );
    assert_eq!(
        counts(dir.path()).orders,
        30,
        "orders and costs came before the refused stream"
    );

    // The token is revoked; a new one is pasted.
    shop.lock().unwrap().scopes.push("read_customers".into());
    let new_token = unique_secret("shpat_");
    shop.lock().unwrap().token = new_token.clone();
    cli(dir.path())
        .args(["connection", "edit", "1", "--secrets"])
        .write_stdin(format!(r#"{{"access_token":"{token}"}}"#))
        .assert()
        .success();
    let (ok, text) = sync(dir.path());
    assert!(!ok, "{text}");
    let (status, error) = connection_status(dir.path());
    assert_eq!(status, "needs_attention");
    assert!(
        error.as_deref().unwrap_or("").contains("revoked or wrong"),
        "{error:?}"
    );
    assert!(!error.unwrap().contains(&token), "no token in the message");
    cli(dir.path())
        .args(["connection", "edit", "1", "--secrets"])
        .write_stdin(format!(r#"{{"access_token":"{new_token}"}}"#))
        .assert()
        .success();
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
}
