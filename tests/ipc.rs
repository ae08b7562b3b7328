//! IPC commands through Tauri's mock runtime, with the app's real context, so the
//! capability file's grants are what allows (or refuses) each call. Secrets go to
//! an in-memory store here; the keychain itself is covered by tests/keychain.rs.

mod ipc_support;

use ipc_support::harness;
use serde_json::{json, Value};

const TOKEN: &str = "shpat_ipc_secret_value_9f8e";

#[test]
fn add_list_edit_remove_a_connection_without_leaking_the_secret() {
    let h = harness();
    let ws = h.workspace();
    let added = h.ok(
        "add_connection",
        json!({"workspaceId": ws, "provider": "shopify",
               "input": {"settings": {"shop": "Acme.myshopify.com"}, "secrets": {"access_token": TOKEN}}}),
    );
    assert_eq!(added["display_name"], "Shopify · acme.myshopify.com");
    assert_eq!(added["status"], "new");
    assert!(!added.to_string().contains(TOKEN));
    assert_eq!(h.secrets.len(), 1);

    let id = added["id"].as_i64().unwrap();
    let listed = h.ok("list_connections", json!({"workspaceId": ws}));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(TOKEN));

    let detail = h.ok("get_connection", json!({"id": id}));
    assert_eq!(detail["secret_hint"], "••••9f8e");
    assert!(!detail.to_string().contains(TOKEN), "{detail}");

    let edited = h.ok(
        "update_connection",
        json!({"id": id, "input": {"display_name": "Main shop", "settings": {"shop": "acme.myshopify.com"}, "secrets": {"access_token": ""}, "schedule": "*/20 * * * *"}}),
    );
    assert_eq!(edited["display_name"], "Main shop");
    assert_eq!(edited["schedule"], "*/20 * * * *");
    assert_eq!(
        h.ok("get_connection", json!({"id": id}))["secret_hint"],
        "••••9f8e",
        "an empty secret keeps the stored one"
    );

    let disabled = h.ok(
        "set_connection_enabled",
        json!({"id": id, "enabled": false}),
    );
    assert_eq!(disabled["enabled"], false);

    h.ok("remove_connection", json!({"id": id}));
    assert!(h.secrets.is_empty());
    assert_eq!(
        h.ok("list_connections", json!({"workspaceId": ws})),
        json!([])
    );
}

#[test]
fn errors_cross_ipc_as_code_message_and_field() {
    let h = harness();
    let ws = h.workspace();
    let err = h
        .invoke(
            "add_connection",
            json!({"workspaceId": ws, "provider": "shopify", "input": {"settings": {"shop": "nope"}, "secrets": {"access_token": "x"}}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["field"], "shop");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("your-store.myshopify.com"));

    let err = h
        .invoke(
            "add_connection",
            json!({"workspaceId": ws, "provider": "myspace", "input": {}}),
        )
        .unwrap_err();
    assert_eq!(err["field"], "provider");

    let err = h
        .invoke("remove_connection", json!({"id": 99}))
        .unwrap_err();
    assert_eq!(err["code"], "not_found");

    let err = h
        .invoke("create_workspace", json!({"input": {"name": "acme"}}))
        .unwrap_err();
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("conflict"), Some("name"))
    );

    let err = h
        .invoke("set_ui_page", json!({"page": "../etc"}))
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(h.secrets.is_empty());
}

#[test]
fn workspaces_settings_and_ui_state() {
    let h = harness();
    let ws = h.workspace();
    let updated = h.ok(
        "update_workspace",
        json!({"id": ws, "input": {"name": "", "default_cogs_percent": "40", "payment_fee_percent": "2.9", "payment_fee_fixed": "0.30"}}),
    );
    assert_eq!(updated["default_cogs_percent"], "40");
    assert_eq!(updated["payment_fee_fixed"], "0.3");
    assert_eq!(updated["name"], "Acme", "an empty name keeps the old one");

    let second = h.ok("create_workspace", json!({"input": {"name": "Beta"}}));
    h.ok("set_active_workspace", json!({"id": second["id"]}));
    let list = h.ok("list_workspaces", json!({}));
    let active: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["name"], "Beta");

    assert_eq!(h.ok("get_ui_state", json!({}))["page"], "dashboard");
    h.ok("set_ui_page", json!({"page": "settings"}));
    h.ok("set_sync_paused", json!({"paused": true}));
    let ui = h.ok("get_ui_state", json!({}));
    assert_eq!(
        (ui["page"].as_str(), ui["sync_paused"].as_bool()),
        (Some("settings"), Some(true))
    );

    let info = h.ok("app_info", json!({}));
    assert!(info["data_dir"].as_str().unwrap().ends_with("data"));
    assert!(info["log_dir"].as_str().unwrap().ends_with("logs"));
    assert_eq!(info["schema_version"], pulseboard::store::SCHEMA_VERSION);

    let providers = h.ok("list_providers", json!({}));
    let names: Vec<_> = providers
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "shopify",
            "meta_ads",
            "google_ads",
            "shiprocket",
            "copper",
            "justcall",
            "demo"
        ]
    );
    let google = &providers[2];
    let secret_keys: Vec<_> = google["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        secret_keys,
        [
            "client_id",
            "client_secret",
            "refresh_token",
            "developer_token"
        ]
    );
}

#[test]
fn recurring_expenses() {
    let h = harness();
    let ws = h.workspace();
    let added = h.ok(
        "add_expense",
        json!({"workspaceId": ws, "input": {"name": "Rent", "monthly_amount": "30000.50", "start_month": "2026-01", "end_month": ""}}),
    );
    assert_eq!(
        added["monthly_amount"], "30000.5",
        "amounts are stored exactly, normalised"
    );
    assert_eq!(added["end_month"], Value::Null);
    let err = h
        .invoke(
            "add_expense",
            json!({"workspaceId": ws, "input": {"name": "Tools", "monthly_amount": "10", "start_month": "2026-05", "end_month": "2026-04"}}),
        )
        .unwrap_err();
    assert_eq!(err["field"], "end_month");
    let err = h
        .invoke("add_expense", json!({"workspaceId": 999, "input": {"name": "X", "monthly_amount": "1", "start_month": "2026-01"}}))
        .unwrap_err();
    assert_eq!(err["code"], "not_found");
    assert_eq!(
        h.ok("list_expenses", json!({"workspaceId": ws}))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    h.ok("remove_expense", json!({"id": added["id"]}));
    assert_eq!(h.ok("list_expenses", json!({"workspaceId": ws})), json!([]));
    assert_eq!(
        h.invoke("remove_expense", json!({"id": added["id"]}))
            .unwrap_err()["code"],
        "not_found"
    );
}

#[test]
fn sync_now_runs_in_the_background_and_is_recorded() {
    let h = harness();
    let ws = h.workspace();
    h.ok(
        "add_connection",
        json!({"workspaceId": ws, "provider": "demo", "input": {}}),
    );
    assert_eq!(h.ok("list_runs", json!({})), json!([]));
    assert_eq!(h.ok("sync_now", json!({"connectionId": null})), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while h.ok("get_sync_status", json!({}))["syncing"] == true {
        assert!(
            std::time::Instant::now() < deadline,
            "the sync did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let runs = h.ok("list_runs", json!({"connectionId": null, "limit": 10}));
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "manual");
    assert_eq!(runs[0]["connection_name"], "Demo data");
    assert!(runs[0]["records_upserted"].as_u64().unwrap() > 1000);
    let listed = h.ok("list_connections", json!({"workspaceId": ws}));
    assert_eq!(listed[0]["status"], "ok");
    assert_eq!(
        h.invoke("sync_now", json!({"connectionId": 99}))
            .unwrap_err()["code"],
        "not_found"
    );
}

#[test]
fn back_up_now_and_a_restore_while_a_sync_runs_waits_for_it_then_swaps_the_file() {
    let h = harness();
    let ws = h.workspace();
    assert_eq!(h.ok("list_backups", json!({})), json!([]));
    let taken = h.ok("back_up_now", json!({}));
    assert_eq!(taken["kind"], "manual");
    assert!(taken["size"].as_u64().unwrap() > 0);
    let backup = taken["path"].as_str().unwrap().to_string();
    assert_eq!(h.ok("list_backups", json!({}))[0]["path"], backup.as_str());

    // After the backup: a connection, synced. The restore is asked for while
    // the sync runs; it waits for it, and nothing of it survives.
    h.ok(
        "add_connection",
        json!({"workspaceId": ws, "provider": "demo", "input": {}}),
    );
    assert_eq!(h.ok("sync_now", json!({"connectionId": null})), 1);
    let done = h.ok("restore_backup", json!({"path": backup}));
    assert_eq!(done["replaced_damaged"], false);
    assert_eq!(done["need_credentials"], json!([]));
    assert_eq!(h.ok("get_sync_status", json!({}))["syncing"], false);
    assert_eq!(
        h.ok("list_connections", json!({"workspaceId": ws})),
        json!([])
    );
    assert_eq!(
        h.ok("list_runs", json!({"connectionId": null, "limit": 10})),
        json!([])
    );

    // The file replaced is a backup of its own; restoring it brings the
    // connection and its run back, and the core works on that file.
    let replaced = done["replaced"].as_str().unwrap();
    let kinds: Vec<Value> = h
        .ok("list_backups", json!({}))
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].clone())
        .collect();
    assert!(kinds.contains(&json!("before-restore")), "{kinds:?}");
    h.ok("restore_backup", json!({"path": replaced}));
    let listed = h.ok("list_connections", json!({"workspaceId": ws}));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let runs = h.ok("list_runs", json!({"connectionId": null, "limit": 10}));
    assert_eq!(runs[0]["status"], "succeeded");

    // A file that is not a backup is refused, and the app goes on with its own.
    let text = h.dir.path().join("notes.txt");
    std::fs::write(&text, "x".repeat(5000)).unwrap();
    let refused = h
        .invoke("restore_backup", json!({"path": text}))
        .unwrap_err();
    assert_eq!(refused["code"], "backup");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("not an SQLite database"),
        "{refused}"
    );
    assert_eq!(
        h.ok("list_connections", json!({"workspaceId": ws}))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn dashboard_tiles_compare_with_the_period_before() {
    use pulseboard::domain::records::{Batch, FinancialStatus, Order, OrderLine};
    let h = harness();
    let ws = h.workspace();
    h.ok(
        "add_connection",
        json!({"workspaceId": ws, "provider": "demo", "input": {}}),
    );
    let order = |id: &str, at: &str, price: i64| Order {
        name: None,
        legacy_id: None,
        id: id.into(),
        processed_at: Some(at.parse().unwrap()),
        created_at: at.parse().unwrap(),
        test: false,
        financial_status: FinancialStatus::Other,
        customer_id: None,
        customer_order_count: None,
        discounts: Default::default(),
        shipping: Default::default(),
        taxes: Default::default(),
        lines: vec![OrderLine {
            id: format!("{id}-l"),
            variant_id: None,
            quantity: 1,
            unit_price: price.into(),
        }],
        refunds: vec![],
    };
    // Kolkata days: the 8th (previous period) and the 11th (the range).
    let mut store =
        pulseboard::store::Store::open(&h.dir.path().join("data/pulseboard.sqlite3")).unwrap();
    let batch = Batch::Orders(vec![
        order("a", "2026-03-08T06:00:00Z", 400),
        order("b", "2026-03-11T06:00:00Z", 500),
    ]);
    store
        .apply_page(pulseboard::domain::ConnectionId(1), "orders", &batch, None)
        .unwrap();

    let d = h.ok(
        "dashboard",
        json!({"workspaceId": ws, "from": "2026-03-10", "to": "2026-03-12"}),
    );
    assert_eq!(
        (d["previous_from"].as_str(), d["previous_to"].as_str()),
        (Some("2026-03-07"), Some("2026-03-09"))
    );
    assert_eq!(d["currency"], "INR");
    let tiles = d["tiles"].as_array().unwrap();
    let keys: Vec<&str> = tiles.iter().map(|t| t["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "revenue",
            "orders",
            "aov",
            "net_profit",
            "net_margin",
            "ad_spend",
            "roas",
            "poas",
            "new_customers",
            "rto_rate",
            "calls",
            "talk_time_s"
        ]
    );
    let tile = |k: &str| tiles.iter().find(|t| t["key"] == k).unwrap();
    assert_eq!(
        (
            tile("revenue")["value"].as_str(),
            tile("revenue")["previous"].as_str()
        ),
        (Some("500.00"), Some("400.00"))
    );
    assert_eq!(tile("orders")["value"], "1");
    assert_eq!(
        tile("roas")["value"],
        Value::Null,
        "no ad spend: an empty ratio"
    );
    let err = h
        .invoke(
            "dashboard",
            json!({"workspaceId": ws, "from": "2026-03-12", "to": "2026-03-10"}),
        )
        .unwrap_err();
    assert_eq!(err["field"], "from");
    let err = h
        .invoke(
            "dashboard",
            json!({"workspaceId": ws, "from": "soon", "to": "2026-03-10"}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
}

#[test]
fn create_demo_makes_the_demo_once_and_syncs_it() {
    let h = harness();
    let ws = h.ok("create_demo", json!({}));
    assert_eq!(
        (
            ws["name"].as_str(),
            ws["active"].as_bool(),
            ws["currency"].as_str()
        ),
        (Some("Demo"), Some(true), Some("INR"))
    );
    let again = h.ok("create_demo", json!({}));
    assert_eq!(
        again["id"], ws["id"],
        "the same workspace, not a second one"
    );
    let connections = h.ok("list_connections", json!({"workspaceId": ws["id"]}));
    assert_eq!(connections.as_array().unwrap().len(), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while h.ok("get_sync_status", json!({}))["syncing"] == true {
        assert!(
            std::time::Instant::now() < deadline,
            "the demo sync did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let runs = h.ok("list_runs", json!({}));
    assert!(runs
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["status"] == "succeeded"));
    assert_eq!(
        h.ok("list_expenses", json!({"workspaceId": ws["id"]}))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn unknown_commands_are_refused() {
    let h = harness();
    assert!(h
        .invoke("plugin:fs|read_file", json!({"path": "/etc/passwd"}))
        .is_err());
    assert!(h.invoke("no_such_command", json!({})).is_err());
    // Our own commands, but from a page that is not the app's: refused.
    let err = h
        .invoke_from("https://example.com", "list_workspaces", json!({}))
        .unwrap_err();
    assert!(err.as_str().unwrap().contains("not allowed"), "{err}");
}

/// The capability grants exactly the commands build.rs declares: none missing
/// (the UI would fail) and none extra; of Tauri's own, only event listening.
#[test]
fn the_capability_grants_exactly_the_declared_commands() {
    let root = env!("CARGO_MANIFEST_DIR");
    let build = std::fs::read_to_string(format!("{root}/src-tauri/build.rs")).unwrap();
    let start = build.find("const COMMANDS").unwrap();
    let block = &build[start..build[start..].find("];").unwrap() + start];
    let mut declared: Vec<String> = block
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    let cap: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/capabilities/main-window.json")).unwrap(),
    )
    .unwrap();
    let mut granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    // Beyond our commands, only listening to events (the sync-progress bars).
    let core: Vec<String> = granted
        .iter()
        .filter(|p| p.starts_with("core:"))
        .cloned()
        .collect();
    assert_eq!(
        core,
        ["core:event:allow-listen", "core:event:allow-unlisten"],
        "no other core permission"
    );
    granted.retain(|p| !p.starts_with("core:"));
    // The start-up error window's one command is its own capability's alone.
    let startup: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/capabilities/startup-window.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(startup["windows"], json!(["startup-error"]));
    assert_eq!(startup["permissions"], json!(["allow-restore-at-start"]));
    declared.retain(|p| p != "allow-restore-at-start");
    declared.sort();
    granted.sort();
    assert_eq!(declared, granted);

    // And every declared command is registered with the handler: called with
    // no arguments it may refuse them, but it must not be unknown.
    let h = harness();
    for permission in &declared {
        let cmd = permission.trim_start_matches("allow-").replace('-', "_");
        if let Err(e) = h.invoke(&cmd, json!({})) {
            assert!(!e.to_string().contains("not found"), "{cmd}: {e}");
        }
    }
    assert_eq!(cap["windows"], json!(["main"]));
}
