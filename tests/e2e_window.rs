//! End to end in the real app window under Xvfb, driven over WebDriver:
//! add a connection through the form, see it listed, and find its secret in
//! the keychain and nowhere on disk; then back up and restore in Settings. Needs DISPLAY, a session bus with an
//! unlocked keyring, and tauri-driver: `./dev.sh test` sets all three up.

mod common;

use common::webdriver::{Driver, Session};
use common::{bin, cli, connection_ids, files_containing, unique_secret};
use pulseboard::domain::ConnectionId;
use pulseboard::secrets::{Keychain, SecretKey, SecretStore};
use pulseboard::store::Store;

#[test]
fn add_a_connection_through_the_form() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args([
            "workspace",
            "add",
            "E2E Shop",
            "--timezone",
            "Europe/Berlin",
            "--currency",
            "EUR",
        ])
        .assert()
        .success();
    let driver = Driver::start(&[("PULSEBOARD_DATA_DIR", dir.path())]);
    let s = Session::new(&driver, &bin());

    s.wait_for_text("#workspace-select", "E2E Shop");
    s.click(r#"#nav a[data-page="connections"]"#);
    s.wait_for_text("#page h1", "Connections");
    s.click("#add-connection");
    s.click(r#"#provider option[value="shopify"]"#);

    // A bad shop domain is refused next to its field, and nothing is saved.
    let token = unique_secret("shpat_e2e_");
    s.type_into("#field-shop", "not a shop");
    s.type_into("#field-access_token", &token);
    s.click("#connection-save");
    s.wait_for_text(".field-error", "your-store.myshopify.com");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    s.screenshot(&shots.join("e2e-form-error.png"));

    s.type_into("#field-shop", "e2e-shop.myshopify.com");
    s.type_into("#field-access_token", &token);
    s.click("#connection-save");
    let table = s.wait_for_text("#connections-table", "Shopify · e2e-shop.myshopify.com");
    assert!(table.contains("Not synced yet"), "{table}");
    assert!(!table.contains(&token));

    // The CLI reads the same data dir while the app has it open.
    let ids = connection_ids(dir.path());
    assert_eq!(ids.len(), 1);
    let id = ids[0];

    // The secret is in the keychain...
    let install_id = Store::open(&dir.path().join("pulseboard.sqlite3"))
        .unwrap()
        .install_id()
        .unwrap();
    let stored = Keychain::default()
        .get(&SecretKey::connection(&install_id, ConnectionId(id)))
        .unwrap()
        .expect("the form's secret reached the keychain");
    assert_eq!(stored.0["access_token"], token);
    // ...and not in the database, its WAL (open now, the app holds it) or the logs.
    assert!(
        dir.path().join("pulseboard.sqlite3-wal").exists(),
        "the WAL is there to be scanned"
    );
    assert!(files_containing(dir.path(), token.as_bytes()).is_empty());

    // Nor in any IPC reply the page can get.
    let replies = s.execute_async(
        "const inv = window.__TAURI__.core.invoke;
         Promise.all([inv('list_connections', {workspaceId: null}), inv('get_connection', {id: 1})])
           .then(r => done(JSON.stringify(r)), e => done('error: ' + JSON.stringify(e)));",
    );
    let replies = replies.as_str().unwrap();
    assert!(
        replies.contains("e2e-shop.myshopify.com") && replies.contains("••••"),
        "{replies}"
    );
    assert!(!replies.contains(&token));

    s.screenshot(&shots.join("e2e-connections.png"));

    // Settings → Backups: the app took its daily and weekly backups when it
    // started; Back up now adds a manual one; Restore (asked twice) swaps the
    // file and keeps the one it replaced.
    s.click(r#"#nav a[data-page="settings"]"#);
    s.wait_for_text("#backups", "Weekly");
    s.click("#back-up-now");
    s.wait_for_text("#backup-list", "Manual");
    s.click(r#"#backup-list tr[data-kind="manual"] button"#);
    s.wait_for_text(
        r#"#backup-list tr[data-kind="manual"] button"#,
        "Confirm restore",
    );
    s.click(r#"#backup-list tr[data-kind="manual"] button"#);
    s.wait_for_text("#backup-list", "Before a restore");
    s.screenshot(&shots.join("e2e-backups.png"));
    let kinds: Vec<String> = serde_json::from_slice::<serde_json::Value>(
        &cli(dir.path())
            .args(["backups", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap()
    .as_array()
    .unwrap()
    .iter()
    .map(|b| b["kind"].as_str().unwrap().to_string())
    .collect();
    for kind in ["daily", "weekly", "manual", "before-restore"] {
        assert!(kinds.contains(&kind.to_string()), "{kinds:?}");
    }
    // The restored file is the app's now: the connection is still listed.
    s.click(r#"#nav a[data-page="connections"]"#);
    s.wait_for_text("#connections-table", "Shopify · e2e-shop.myshopify.com");
    s.close();

    cli(dir.path())
        .args(["disconnect", &id.to_string()])
        .assert()
        .success();
}
