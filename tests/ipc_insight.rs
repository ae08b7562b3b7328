//! The dashboard's charts and the P&L through IPC, as the window asks for
//! them (mock runtime, the real capability file), on the demo business.

mod ipc_support;

use ipc_support::{harness, Harness};
use serde_json::{json, Value};

/// The harness with the demo workspace made and synced; its id.
fn demo() -> (Harness, i64) {
    let h = harness();
    let made = h.ok("create_demo", json!({}));
    let ws = made["id"].as_i64().expect("the demo workspace's id");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while h.ok("get_sync_status", json!({}))["syncing"] == true {
        assert!(
            std::time::Instant::now() < deadline,
            "the demo's sync did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (h, ws)
}

fn charts(
    h: &Harness,
    ws: i64,
    from: &str,
    to: &str,
    metric: Value,
    theme: &str,
) -> Result<Value, Value> {
    h.invoke(
        "dashboard_charts",
        json!({"workspaceId": ws, "from": from, "to": to, "metric": metric, "theme": theme, "width": 900}),
    )
}

#[test]
fn the_dashboard_charts_and_the_pnl_of_the_demo() {
    let (h, ws) = demo();
    let today = chrono::Local::now().date_naive();
    let from = (today - chrono::Days::new(29)).to_string();
    let to = today.to_string();

    let c = charts(&h, ws, &from, &to, Value::Null, "light").unwrap();
    assert_eq!(c["by"], "day");
    let trend = c["trend"].as_str().unwrap();
    assert!(trend.starts_with("<svg") && trend.contains(r#"width="900""#));
    for word in ["Revenue", "Net profit", "Ad spend", "₹"] {
        assert!(trend.contains(word), "{word}");
    }
    assert!(c["waterfall"].as_str().unwrap().contains("Net profit"));
    assert!(c["marketing"].as_str().unwrap().contains("Break-even"));
    assert!(c["shipping"].as_str().unwrap().contains("RTO rate"));
    let sparks = c["sparklines"].as_array().unwrap();
    assert_eq!(sparks.len(), 12);
    assert_eq!(sparks[0][0], "revenue");
    assert!(sparks
        .iter()
        .all(|s| s[1].as_str().unwrap().contains("<polyline")));

    // A tile's figure as the main chart; the dark palette; weeks past 120 days.
    let orders = charts(&h, ws, &from, &to, json!("orders"), "dark").unwrap();
    let trend = orders["trend"].as_str().unwrap();
    assert!(trend.contains("Orders") && !trend.contains("Net profit"));
    assert!(trend.contains("#6EA2FF"));
    let long_from = (today - chrono::Days::new(199)).to_string();
    assert_eq!(
        charts(&h, ws, &long_from, &to, Value::Null, "light").unwrap()["by"],
        "week"
    );

    // Bad asks are refused with the field named.
    let bad = charts(&h, ws, &from, &to, json!("taxes"), "light").unwrap_err();
    assert_eq!(
        (bad["code"].as_str(), bad["field"].as_str()),
        (Some("invalid_input"), Some("metric"))
    );
    let bad = charts(&h, ws, &from, &to, Value::Null, "sepia").unwrap_err();
    assert_eq!(bad["field"], "theme");
    let bad = charts(&h, ws, &to, &from, Value::Null, "light").unwrap_err();
    assert_eq!(bad["field"], "from");

    // The P&L for the page: columns and lines, each with its definition.
    let p = h.ok(
        "pnl",
        json!({"workspaceId": ws, "from": from, "to": to, "by": "month"}),
    );
    let columns = p["columns"].as_array().unwrap();
    assert!(
        columns.len() >= 3,
        "a month or two, the total and the range before"
    );
    assert_eq!(columns[columns.len() - 2], json!([from, to]));
    let lines = p["lines"].as_array().unwrap();
    let line = |key: &str| lines.iter().find(|l| l["key"] == key).unwrap().clone();
    let net = line("net_profit");
    assert_eq!(net["strong"], true);
    assert!(net["definition"]
        .as_str()
        .unwrap()
        .contains("Revenue − cost of goods"));
    let explained = net["explained"][columns.len() - 2].as_str().unwrap();
    assert!(
        explained.ends_with(net["cells"][columns.len() - 2].as_str().unwrap()),
        "{explained}"
    );
    assert!(lines
        .iter()
        .any(|l| l["key"] == "expense" && l["label"] == "Warehouse rent"));
    let bad = h
        .invoke(
            "pnl",
            json!({"workspaceId": ws, "from": from, "to": to, "by": "day"}),
        )
        .unwrap_err();
    assert_eq!(bad["field"], "by");
}

#[test]
fn saving_a_chart_refuses_what_is_not_one() {
    let h = harness();
    for (format, data) in [
        ("svg", "<html>"),
        ("png", "bm90IGEgcG5n"),
        ("gif", "<svg/>"),
    ] {
        let e = h
            .invoke(
                "save_chart",
                json!({"name": "trend", "format": format, "data": data}),
            )
            .unwrap_err();
        assert_eq!(e["code"], "invalid_input", "{format}");
    }
}

#[test]
fn costs_and_products_through_ipc() {
    let (h, ws) = demo();
    let costs = h.ok("list_costs", json!({"workspaceId": ws, "missing": false}));
    let costs = costs.as_array().unwrap();
    assert_eq!(costs.len(), 40);
    let first = &costs[0];
    let variant = first["variant_id"].as_str().unwrap();
    let missing = h.ok("list_costs", json!({"workspaceId": ws, "missing": true}));
    assert_eq!(missing.as_array().unwrap().len(), 8);

    // A cost as a person types it; a bad one is refused next to its field.
    h.ok(
        "set_cost",
        json!({"workspaceId": ws, "variantId": variant, "cost": "₹ 12,50", "from": null}),
    );
    let after = h.ok("list_costs", json!({"workspaceId": ws, "missing": false}));
    let row = after
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variant_id"] == variant)
        .unwrap()
        .clone();
    assert_eq!(
        (row["your_cost"].as_str(), row["cost_source"].as_str()),
        (Some("12.5"), Some("yours"))
    );
    for (cost, from, field) in [
        ("abc", Value::Null, "cost"),
        ("-3", Value::Null, "cost"),
        ("5", json!("1/9/2026"), "from"),
    ] {
        let e = h
            .invoke(
                "set_cost",
                json!({"workspaceId": ws, "variantId": variant, "cost": cost, "from": from}),
            )
            .unwrap_err();
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some("invalid_input"), Some(field)),
            "{cost}"
        );
    }
    let e = h
        .invoke(
            "set_cost",
            json!({"workspaceId": ws, "variantId": "nope", "cost": "1", "from": null}),
        )
        .unwrap_err();
    assert_eq!(e["field"], "variant");
    // Removing it puts the shop's cost back in use.
    h.ok(
        "set_cost",
        json!({"workspaceId": ws, "variantId": variant, "cost": null, "from": null}),
    );
    let back = h.ok("list_costs", json!({"workspaceId": ws, "missing": false}));
    let row = back
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variant_id"] == variant)
        .unwrap()
        .clone();
    assert_eq!(row["your_cost"], Value::Null);

    // A cost file the window picked, previewed, then applied.
    let file = h.dir.path().join("costs.csv");
    std::fs::write(
        &file,
        format!(
            "sku,cost\n{},99\nNOPE-1,5\n",
            first["sku"].as_str().unwrap()
        ),
    )
    .unwrap();
    let refused = h.ok(
        "apply_cost_file",
        json!({"workspaceId": ws, "path": file.display().to_string()}),
    );
    assert_eq!(
        (refused["applied"].as_bool(), refused["refused"].as_u64()),
        (Some(false), Some(1))
    );
    std::fs::write(
        &file,
        format!("sku,cost\n{},99\n", first["sku"].as_str().unwrap()),
    )
    .unwrap();
    let applied = h.ok(
        "apply_cost_file",
        json!({"workspaceId": ws, "path": file.display().to_string()}),
    );
    assert_eq!(applied["applied"], true);
    let e = h
        .invoke(
            "apply_cost_file",
            json!({"workspaceId": ws, "path": "/nonexistent.csv"}),
        )
        .unwrap_err();
    assert_eq!(e["code"], "import");

    let today = chrono::Local::now().date_naive();
    let from = (today - chrono::Days::new(29)).to_string();
    let products = h.ok(
        "products",
        json!({"workspaceId": ws, "from": from, "to": today.to_string()}),
    );
    assert_eq!(products.as_array().unwrap().len(), 20);
    assert!(products[0]["gross_profit"].as_str().is_some());
    let d = h.ok(
        "dashboard",
        json!({"workspaceId": ws, "from": from, "to": today.to_string(), "member": null}),
    );
    assert!(d["recomputing"].is_boolean());
}
