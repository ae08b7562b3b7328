//! The worked example of shared/metrics.md in a real data dir: workspace
//! Asia/Kolkata, INR, COGS 40%, its orders, costs, ads and shipments stored
//! through the same page upsert the sync engine uses.

use super::cli;
use chrono::{DateTime, NaiveDate, Utc};
use pulseboard::domain::records::*;
use pulseboard::domain::ConnectionId;
use pulseboard::store::Store;
use rust_decimal::Decimal;
use std::str::FromStr;

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn order(id: &str, at: &str, customer: Option<(&str, u64)>, lines: Vec<OrderLine>) -> Order {
    Order {
        name: None,
        legacy_id: None,
        id: id.into(),
        processed_at: Some(t(at)),
        created_at: t(at),
        test: false,
        financial_status: FinancialStatus::Other,
        customer_id: customer.map(|(c, _)| c.to_string()),
        customer_order_count: customer.map(|(_, n)| n),
        discounts: Decimal::ZERO,
        shipping: Decimal::ZERO,
        taxes: Decimal::ZERO,
        lines,
        refunds: vec![],
    }
}

/// A data dir with the worked example: workspace Asia/Kolkata, INR, COGS 40%.
pub fn worked_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args([
            "workspace",
            "add",
            "Example",
            "--timezone",
            "Asia/Kolkata",
            "--currency",
            "INR",
            "--default-cogs-percent",
            "40",
        ])
        .assert()
        .success();
    cli(dir.path())
        .args(["connect", "demo", "--workspace", "Example"])
        .write_stdin("")
        .assert()
        .success();

    let mut o1001 = order(
        "1001",
        "2026-03-09T19:00:00Z",
        Some(("A", 1)),
        vec![OrderLine {
            id: "L1".into(),
            variant_id: Some("V1".into()),
            quantity: 2,
            unit_price: d("500.00"),
        }],
    );
    o1001.discounts = d("100.00");
    o1001.shipping = d("50.00");
    o1001.taxes = d("90.00");
    o1001.refunds = vec![Refund {
        id: "R1".into(),
        created_at: t("2026-03-12T06:00:00Z"),
        lines: vec![RefundLine {
            line_id: "L1".into(),
            quantity: 1,
            subtotal: d("450.00"),
        }],
        shipping: Decimal::ZERO,
    }];
    let o1002 = order(
        "1002",
        "2026-03-10T10:00:00Z",
        Some(("B", 3)),
        vec![OrderLine {
            id: "L2".into(),
            variant_id: Some("V2".into()),
            quantity: 1,
            unit_price: d("800.00"),
        }],
    );
    let mut o1003 = order(
        "1003",
        "2026-03-10T18:29:59Z",
        None,
        vec![OrderLine {
            id: "L3".into(),
            variant_id: Some("V2".into()),
            quantity: 1,
            unit_price: d("999.00"),
        }],
    );
    o1003.test = true;
    let o1004 = order("1004", "2026-03-10T18:30:00Z", None, vec![]);
    let ad = |platform, spend: &str, impressions, clicks| AdDay {
        platform,
        date: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        campaign_id: format!("{platform:?}"),
        spend: d(spend),
        impressions,
        clicks,
        reach: 0,
        purchases: Decimal::ZERO,
        purchase_value: Decimal::ZERO,
    };
    let ship = |id: &str, status, freight: &str| Shipment {
        awb: None,
        courier: None,
        order_ref: None,
        id: id.into(),
        created_at: t("2026-03-10T06:00:00Z"),
        status,
        freight: d(freight),
    };

    let mut store = Store::open(&dir.path().join("pulseboard.sqlite3")).unwrap();
    let c = ConnectionId(1);
    store
        .apply_page(
            c,
            "orders",
            &Batch::Orders(vec![o1001, o1002, o1003, o1004]),
            Some("x"),
        )
        .unwrap();
    store
        .apply_page(
            c,
            "costs",
            &Batch::Variants(vec![
                Variant {
                    id: "V1".into(),
                    unit_cost: Some(d("150.00")),
                    sku: Some("A-1".into()),
                    product: Some("Alpha".into()),
                    ..Variant::default()
                },
                Variant {
                    id: "V2".into(),
                    sku: Some("B-2".into()),
                    product: Some("Beta".into()),
                    ..Variant::default()
                },
            ]),
            None,
        )
        .unwrap();
    store
        .apply_page(
            c,
            "ads",
            &Batch::AdDays(vec![
                ad(AdPlatform::Meta, "300.00", 20000, 400),
                ad(AdPlatform::Google, "200", 5000, 100),
            ]),
            None,
        )
        .unwrap();
    store
        .apply_page(
            c,
            "shipments",
            &Batch::Shipments(vec![
                ship("S1", ShipmentStatus::Delivered, "60.00"),
                ship("S2", ShipmentStatus::Rto, "70.00"),
            ]),
            None,
        )
        .unwrap();
    dir
}
