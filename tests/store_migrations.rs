//! Migrations on a fresh file and on files left at every earlier version.

use pulseboard::domain::{ConnectionId, Provider, WorkspaceId};
use pulseboard::store::{NewConnection, NewWorkspace, Store, StoreError, SCHEMA_VERSION};
use rust_decimal::Decimal;

fn workspace(name: &str) -> NewWorkspace<'_> {
    NewWorkspace {
        name,
        timezone: "Asia/Kolkata",
        currency: "INR",
        default_cogs_percent: Some(Decimal::from(40)),
        payment_fee_percent: Decimal::new(2, 0),
        payment_fee_fixed: Decimal::new(300, 2),
        timezone_chosen: true,
        currency_chosen: true,
    }
}

#[test]
fn a_fresh_file_opens_at_the_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("pulseboard.sqlite3")).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_file_at_the_previous_version_upgrades_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pulseboard.sqlite3");
    let (ws_id, conn_id, install_id, tables_before) = {
        let mut old = Store::open_at(&path, SCHEMA_VERSION - 1).unwrap();
        assert_eq!(old.schema_version().unwrap(), SCHEMA_VERSION - 1);
        let ws = old.create_workspace(&workspace("Acme")).unwrap();
        let mut settings = serde_json::Map::new();
        settings.insert("shop".into(), "acme.myshopify.com".into());
        let id = old
            .insert_connection::<StoreError>(
                &NewConnection {
                    workspace_id: ws.id,
                    provider: Provider::Shopify,
                    display_name: "Acme shop".into(),
                    settings,
                    base_url: Some("http://127.0.0.1:9".into()),
                    schedule: "0 * * * *".into(),
                },
                |_| Ok(()),
            )
            .unwrap();
        (
            ws.id,
            id,
            old.install_id().unwrap(),
            old.table_names().unwrap(),
        )
    };

    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        store.install_id().unwrap(),
        install_id,
        "the keychain namespace survives"
    );
    let ws = store.workspace(ws_id).unwrap();
    assert_eq!(
        (ws.name.as_str(), ws.payment_fee_fixed),
        ("Acme", Decimal::new(300, 2))
    );
    let c = store.connection(conn_id).unwrap();
    assert_eq!(c.display_name, "Acme shop");
    assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:9"));
    // The old tables are kept; the last migration's columns work.
    let tables_after = store.table_names().unwrap();
    assert!(tables_before.iter().all(|t| tables_after.contains(t)));
    assert!(store.shipments(ws_id, 10).unwrap().is_empty());
    // Tables of every version work on the upgraded file.
    store
        .add_expense(ws_id, "Rent", Decimal::from(30000), "2026-01", None)
        .unwrap();
    assert_eq!(store.expenses(ws_id).unwrap().len(), 1);
}

#[test]
fn a_file_from_before_rollups_marks_every_workspace_for_a_full_recompute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pulseboard.sqlite3");
    let ws = {
        let mut old = Store::open_at(&path, 3).unwrap();
        old.create_workspace(&workspace("Acme")).unwrap().id
    };
    let store = Store::open(&path).unwrap();
    assert!(store.pending_rollups(ws).unwrap().all);
    assert_eq!(store.rollup_count(ws).unwrap(), 0);
}

#[test]
fn every_earlier_version_upgrades() {
    for from in 0..SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        drop(Store::open_at(&path, from).unwrap());
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            SCHEMA_VERSION,
            "from version {from}"
        );
    }
}

#[test]
fn foreign_keys_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db")).unwrap();
    let err = store
        .insert_connection::<StoreError>(
            &NewConnection {
                workspace_id: WorkspaceId(77),
                provider: Provider::Demo,
                display_name: "x".into(),
                settings: Default::default(),
                base_url: None,
                schedule: "*/5 * * * *".into(),
            },
            |_| Ok(()),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::WorkspaceNotFound(_)), "{err}");
    assert!(matches!(
        store.connection(ConnectionId(1)),
        Err(StoreError::ConnectionNotFound(1))
    ));
}

/// Version 19 rebuilds order_lines as a WITHOUT ROWID table: a file from
/// version 18 keeps its lines, the figures read them, and a changed cost
/// still finds the days of its variant's lines.
#[test]
fn order_lines_move_to_a_table_keyed_by_their_key_and_keep_every_line() {
    use pulseboard::domain::records::{Batch, FinancialStatus, Order, OrderLine, Variant};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pulseboard.sqlite3");
    let at = chrono::DateTime::parse_from_rfc3339("2026-05-04T06:00:00Z")
        .unwrap()
        .to_utc();
    let (ws, conn) = {
        let mut old = Store::open_at(&path, 18).unwrap();
        let ws = old.create_workspace(&workspace("Acme")).unwrap();
        let conn = old
            .insert_connection::<StoreError>(
                &NewConnection {
                    workspace_id: ws.id,
                    provider: Provider::Demo,
                    display_name: "Demo".into(),
                    settings: Default::default(),
                    base_url: None,
                    schedule: "0 * * * *".into(),
                },
                |_| Ok(()),
            )
            .unwrap();
        let line = |id: &str, variant: &str, n: i64| OrderLine {
            id: id.into(),
            variant_id: Some(variant.into()),
            quantity: n,
            unit_price: Decimal::from(100),
        };
        let order = Order {
            id: "o1".into(),
            name: None,
            legacy_id: None,
            processed_at: Some(at),
            created_at: at,
            test: false,
            financial_status: FinancialStatus::Other,
            customer_id: None,
            customer_order_count: None,
            discounts: Decimal::ZERO,
            shipping: Decimal::ZERO,
            taxes: Decimal::ZERO,
            lines: vec![line("l1", "V1", 2), line("l2", "V2", 1)],
            refunds: vec![],
        };
        old.apply_page(conn, "orders", &Batch::Orders(vec![order]), None)
            .unwrap();
        (ws.id, conn)
    };
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let ws = store.workspace(ws).unwrap();
    pulseboard::rollups::refresh(&store, ws.id).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
    let figures = pulseboard::rollups::compute(&store, &ws, day, day).unwrap();
    assert_eq!(
        (figures[&day].units, figures[&day].gross_sales),
        (3, Decimal::from(300))
    );
    // A cost for V1 marks the order's day through the rebuilt table.
    let v1 = Variant {
        id: "V1".into(),
        unit_cost: Some(Decimal::from(30)),
        ..Variant::default()
    };
    store
        .apply_page(conn, "variants", &Batch::Variants(vec![v1]), None)
        .unwrap();
    let pending = store.pending_rollups(ws.id).unwrap();
    assert_eq!(pending.utc_days.into_iter().collect::<Vec<_>>(), [day]);
    pulseboard::rollups::refresh(&store, ws.id).unwrap();
    let figures = pulseboard::rollups::compute(&store, &ws, day, day).unwrap();
    // 2 × 30 entered by the shop + 40% of 100 estimated for V2.
    assert_eq!(figures[&day].cogs, Decimal::from(100));
}
