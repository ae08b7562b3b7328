//! The Shiprocket connector against a local fake (tests/common/shiprocket_fake.rs)
//! through the CLI, the real keychain and SQLite, over HTTP on 127.0.0.1:
//! shipments and their metrics, the 45-day re-read, the login token kept and
//! renewed, a wrong password, and shipments linked to Shopify orders.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::shiprocket_fake::{self, SrOrder, SrState};
use common::shopify_fake::{self, FakeLine, FakeOrder, ShopState};
use common::{cli, daily_metrics, open_store, sync_all as sync, unique_secret};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;
const STATUSES: [&str; 6] = [
    "DELIVERED",
    "IN TRANSIT",
    "RTO INITIATED",
    "UNDELIVERED",
    "NEW",
    "RTO DELIVERED",
];

fn sr_orders(now: DateTime<Utc>) -> Vec<SrOrder> {
    (0..90u64)
        .map(|i| SrOrder {
            id: 500_000 + i,
            shipment_id: 800_000 + i,
            channel_order_id: match i {
                0 => "1001".into(),       // a Shopify order name without '#'
                1 => "#1002".into(),      // with it
                2 => "5550007003".into(), // a Shopify order's numeric id (its name is "#1003")
                _ => format!("X-{i}"),    // not from Shopify
            },
            created_at: now - Duration::hours(16 * i as i64 + 3),
            status: STATUSES[i as usize % STATUSES.len()],
            freight: Decimal::new(4500 + (i as i64 * 37) % 3000, 2),
            rto_freight: if STATUSES[i as usize % STATUSES.len()].starts_with("RTO") {
                Decimal::new(4000, 2)
            } else {
                Decimal::ZERO
            },
            awb: format!("AWB{i:06}"),
            courier: "Delhivery".into(),
        })
        .collect()
}

#[derive(Debug, Default, PartialEq)]
struct Day {
    shipments: i64,
    delivered: i64,
    rto: i64,
    cost: Decimal,
}

fn expected(orders: &[SrOrder]) -> BTreeMap<NaiveDate, Day> {
    let mut out: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    for o in orders {
        let d = out
            .entry(o.created_at.with_timezone(&ZONE).date_naive())
            .or_default();
        d.shipments += 1;
        d.delivered += (o.status == "DELIVERED") as i64;
        d.rto += o.status.starts_with("RTO") as i64;
        d.cost += o.freight + o.rto_freight;
    }
    out
}

fn check_metrics(dir: &Path, orders: &[SrOrder]) {
    let want = expected(orders);
    let (from, to) = (*want.keys().next().unwrap(), *want.keys().last().unwrap());
    let got = daily_metrics(dir, "Ship", from, to);
    for (d, e) in &want {
        let g = &got[d];
        assert_eq!(g["shipments"].as_i64(), Some(e.shipments), "{d}");
        assert_eq!(g["delivered"].as_i64(), Some(e.delivered), "{d}");
        assert_eq!(g["rto"].as_i64(), Some(e.rto), "{d}");
        let cost: Decimal = g["shipping_cost"].to_string().parse().unwrap();
        assert_eq!(cost, e.cost.round_dp(2), "{d} shipping_cost");
    }
}

/// An order numbered `number` ("#<number>") with the numeric id `id`.
fn shop_order(id: u64, number: u64, now: DateTime<Utc>) -> FakeOrder {
    FakeOrder {
        id,
        number,
        created_at: now - Duration::days(2),
        processed_at: now - Duration::days(2),
        updated_at: now - Duration::days(2) + Duration::seconds(number as i64),
        cancelled_at: None,
        test: false,
        status: "PAID",
        discounts: Decimal::ZERO,
        shipping: Decimal::ZERO,
        tax: Decimal::ZERO,
        customer: None,
        lines: vec![FakeLine {
            id: id * 10,
            variant: None,
            quantity: 1,
            price: Decimal::new(999, 0),
        }],
        refunds: vec![],
    }
}

/// A workspace "Ship" in India's zone and currency, with a Shiprocket
/// connection for the API user api@example.com at `base`, added by the CLI.
fn add_shiprocket(dir: &std::path::Path, base: &str, password: &str) {
    cli(dir)
        .args([
            "workspace",
            "add",
            "Ship",
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
            "shiprocket",
            "--workspace",
            "Ship",
            "--email",
            "api@example.com",
            "--base-url",
            base,
        ])
        .write_stdin(serde_json::json!({ "password": password }).to_string())
        .assert()
        .success();
}

#[test]
fn shipments_sync_their_metrics_match_and_the_token_is_kept_then_renewed() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let password = unique_secret("sr-pass-");
    let (sr_base, sr) = shiprocket_fake::start(SrState {
        email: "api@example.com".into(),
        password: password.clone(),
        orders: sr_orders(now),
        ..Default::default()
    });
    // A Shopify shop in the same workspace, for the links.
    let shop_token = unique_secret("shpat_");
    let mut shop = ShopState::new(&shop_token, now);
    shop.orders = vec![
        shop_order(5_550_001_001, 1001, now),
        shop_order(5_550_001_002, 1002, now),
        shop_order(5_550_007_003, 1003, now),
    ];
    let (shop_base, _shop) = shopify_fake::start(shop);

    add_shiprocket(dir.path(), &sr_base, &password);
    cli(dir.path())
        .args([
            "connect",
            "shopify",
            "--workspace",
            "Ship",
            "--shop",
            "s.myshopify.com",
            "--history-days",
            "10",
            "--base-url",
            &shop_base,
        ])
        .write_stdin(format!(r#"{{"access_token":"{shop_token}"}}"#))
        .assert()
        .success();

    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    let orders = sr.lock().unwrap().orders.clone();
    check_metrics(dir.path(), &orders);
    {
        let s = sr.lock().unwrap();
        assert_eq!(s.logins, 1);
        // 90 × 16 h ≈ 60 days from 365 back: 13 windows of ≤ 30 days, 90 details.
        let lists = s
            .requests
            .iter()
            .filter(|r| r.starts_with("GET orders?"))
            .count();
        assert_eq!(lists, 13, "{:?}", s.requests);
    }

    // Links to the Shopify orders, by name with or without '#', or numeric id.
    let out = cli(dir.path())
        .args([
            "shipments",
            "--workspace",
            "Ship",
            "--limit",
            "200",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let link = |sid: u64| {
        rows.iter()
            .find(|r| r["id"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(sid))
            .unwrap()["order"]
            .clone()
    };
    assert_eq!(link(800_000), "#1001");
    assert_eq!(link(800_001), "#1002");
    assert_eq!(link(800_002), "#1003");
    assert_eq!(
        link(800_003),
        Value::Null,
        "not a Shopify order: unlinked, still counted"
    );
    assert_eq!(rows.len(), 90);

    // Statuses change for weeks: a shipment 40 days old is read again, one 50 days old is not.
    let (recent, old) = {
        let mut s = sr.lock().unwrap();
        s.requests.clear();
        let age = |o: &SrOrder| (now - o.created_at).num_days();
        let recent = s
            .orders
            .iter()
            .position(|o| age(o) == 40 && o.status != "RTO DELIVERED")
            .unwrap();
        let old = s
            .orders
            .iter()
            .position(|o| age(o) >= 50 && age(o) < 55 && o.status != "RTO DELIVERED")
            .unwrap();
        s.orders[recent].status = "RTO DELIVERED";
        s.orders[old].status = "RTO DELIVERED";
        (recent, old)
    };
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    {
        let s = sr.lock().unwrap();
        assert_eq!(s.logins, 1, "the kept token was used, no new login");
        let lists: Vec<&String> = s
            .requests
            .iter()
            .filter(|r| r.starts_with("GET orders?"))
            .collect();
        assert_eq!(lists.len(), 2, "45 days in two windows: {lists:?}");
    }
    let mut want = sr.lock().unwrap().orders.clone();
    want[old].status = orders[old].status; // not re-read: still as first stored
    let _ = recent;
    check_metrics(dir.path(), &want);

    // The token expires: the next sync logs in again and carries on, and keeps the new one.
    sr.lock().unwrap().tokens.clear();
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    assert_eq!(sr.lock().unwrap().logins, 2);
    let (ok, text) = sync(dir.path());
    assert!(ok, "{text}");
    assert_eq!(
        sr.lock().unwrap().logins,
        2,
        "the renewed token was kept in the keychain"
    );
    // The token is in the keychain, never in the database.
    let token = sr.lock().unwrap().tokens[0].clone();
    assert!(common::files_containing(dir.path(), token.as_bytes()).is_empty());
}

#[test]
fn a_wrong_password_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _sr) = shiprocket_fake::start(SrState {
        email: "api@example.com".into(),
        password: "right".into(),
        ..Default::default()
    });
    add_shiprocket(dir.path(), &base, "wrong");
    let (ok, text) = sync(dir.path());
    assert!(!ok, "{text}");
    let store = open_store(dir.path());
    let c = store.connections(None).unwrap().remove(0);
    assert_eq!(c.status.as_str(), "needs_attention");
    assert!(c
        .last_error
        .unwrap_or_default()
        .contains("e-mail and password"));
}
