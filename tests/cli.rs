//! The headless CLI end to end: the real binary, a real SQLite file in a temp
//! data dir, and the real keychain (Secret Service in CI).

mod common;

use common::{cli, connection_ids, file_count, files_containing, unique_secret};
use predicates::str::contains;
use pulseboard::domain::ConnectionId;
use pulseboard::secrets::{Keychain, SecretKey, SecretStore};
use pulseboard::store::Store;

fn data_dir_with_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args([
            "workspace",
            "add",
            "Acme",
            "--timezone",
            "Asia/Kolkata",
            "--currency",
            "INR",
        ])
        .assert()
        .success()
        .stdout(contains("Added workspace 'Acme'"));
    dir
}

fn keychain_entry(
    data_dir: &std::path::Path,
    id: i64,
) -> Option<pulseboard::domain::connection_input::SecretFields> {
    let install_id = Store::open(&data_dir.join("pulseboard.sqlite3"))
        .unwrap()
        .install_id()
        .unwrap();
    Keychain::default()
        .get(&SecretKey::connection(&install_id, ConnectionId(id)))
        .unwrap()
}

#[test]
fn connect_and_disconnect_keep_the_secret_in_the_keychain_only() {
    let dir = data_dir_with_workspace();
    let token = unique_secret("shpat_");
    cli(dir.path())
        .args([
            "connect",
            "shopify",
            "--workspace",
            "acme",
            "--shop",
            "acme.myshopify.com",
        ])
        .write_stdin(format!(r#"{{"access_token":"{token}"}}"#))
        .assert()
        .success()
        .stdout(contains("Connected shopify as id 1"));

    let listed = cli(dir.path())
        .args(["connections", "--json"])
        .assert()
        .success();
    let out = String::from_utf8(listed.get_output().stdout.clone()).unwrap();
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["provider"], "shopify");
    assert_eq!(list[0]["settings"]["shop"], "acme.myshopify.com");
    assert_eq!(list[0]["schedule"], "0 * * * *");
    assert!(
        !out.contains(&token),
        "the listing must not show the secret"
    );

    let stored = keychain_entry(dir.path(), 1).expect("the secret is in the keychain");
    assert_eq!(stored.0["access_token"], token);

    // Nowhere on disk: not the database, not the logs. (SQLite folds the WAL
    // back in when the CLI exits; the end-to-end test scans it while the app
    // holds it open.)
    assert!(dir.path().join("pulseboard.sqlite3").exists());
    assert!(
        file_count(&dir.path().join("logs")) >= 1,
        "a log file was written and is scanned"
    );
    assert_eq!(
        files_containing(dir.path(), token.as_bytes()),
        Vec::<std::path::PathBuf>::new()
    );

    cli(dir.path())
        .args(["disconnect", "1"])
        .assert()
        .success()
        .stdout(contains("Removed connection 1"));
    assert!(connection_ids(dir.path()).is_empty());
    assert_eq!(
        keychain_entry(dir.path(), 1),
        None,
        "removing a connection removes its secret"
    );
    assert_eq!(
        files_containing(dir.path(), token.as_bytes()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn every_provider_connects_with_its_flags_and_fields() {
    let dir = data_dir_with_workspace();
    let cases: &[(&[&str], &str)] = &[
        (
            &["meta_ads", "--ad-account", "act_123"],
            r#"{"access_token":"EAAx"}"#,
        ),
        (
            &[
                "google_ads",
                "--customer-id",
                "123-456-7890",
                "--login-customer-id",
                "1112223333",
                "--token-url",
                "http://127.0.0.1:9/token",
            ],
            r#"{"client_id":"a","client_secret":"b","refresh_token":"c","developer_token":"d"}"#,
        ),
        (
            &["shiprocket", "--email", "api@example.com"],
            r#"{"password":"p"}"#,
        ),
        (
            &["copper", "--email", "me@example.com"],
            r#"{"api_key":"k"}"#,
        ),
        (&["justcall"], r#"{"api_key":"k","api_secret":"s"}"#),
        (&["demo"], ""),
    ];
    for (args, stdin) in cases {
        cli(dir.path())
            .arg("connect")
            .args(*args)
            .args([
                "--workspace",
                "Acme",
                "--base-url",
                "http://127.0.0.1:8080/",
                "--schedule",
                "*/15 * * * *",
            ])
            .write_stdin(*stdin)
            .assert()
            .success();
    }
    let out = cli(dir.path())
        .args(["connections", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), cases.len());
    let google = list.iter().find(|c| c["provider"] == "google_ads").unwrap();
    assert_eq!(
        google["settings"]["customer_id"], "1234567890",
        "hyphens are stripped"
    );
    assert_eq!(google["base_url"], "http://127.0.0.1:8080");
    assert_eq!(google["schedule"], "*/15 * * * *");
    for c in list {
        cli(dir.path())
            .args(["disconnect", &c["id"].to_string()])
            .assert()
            .success();
    }
}

/// Each bad input fails with its exit code and a message naming the problem,
/// and leaves no connection (and so no keychain entry) behind.
#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let dir = data_dir_with_workspace();
    let ok_token = r#"{"access_token":"shpat_x"}"#;
    let cases: &[(&[&str], &str, i32, &str)] = &[
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Acme",
                "--shop",
                "acme.myshopify.com",
                "--schedule",
                "every hour",
            ],
            ok_token,
            2,
            "not a cron expression",
        ),
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Acme",
                "--shop",
                "acme.myshopify.com",
                "--schedule",
                "61 * * * *",
            ],
            ok_token,
            2,
            "not a valid cron expression",
        ),
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Acme",
                "--shop",
                "acme.myshopify.com",
                "--base-url",
                "ftp://x",
            ],
            ok_token,
            2,
            "base_url",
        ),
        (
            &["connect", "bogus", "--workspace", "Acme"],
            "{}",
            2,
            "unrecognized subcommand 'bogus'",
        ),
        (
            &["connect", "shopify", "--workspace", "Acme", "--shop", ""],
            ok_token,
            2,
            "Shop domain is required",
        ),
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Acme",
                "--shop",
                "acme.com",
            ],
            ok_token,
            2,
            "not a shop domain",
        ),
        (
            &[
                "connect",
                "meta_ads",
                "--workspace",
                "Acme",
                "--ad-account",
                "act_x1",
            ],
            ok_token,
            2,
            "not an ad account id",
        ),
        (
            &[
                "connect",
                "google_ads",
                "--workspace",
                "Acme",
                "--customer-id",
                "12",
            ],
            "{}",
            2,
            "not a Google Ads customer id",
        ),
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Nope",
                "--shop",
                "acme.myshopify.com",
            ],
            ok_token,
            1,
            "no workspace named 'Nope'",
        ),
        (
            &["connect", "justcall", "--workspace", "Acme"],
            r#"{"api_key":"k"}"#,
            2,
            "API secret is required",
        ),
        (
            &["connect", "justcall", "--workspace", "Acme"],
            r#"{"api_key":"k","api_secret":"s","extra":"x"}"#,
            2,
            "extra: is not a field",
        ),
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Acme",
                "--shop",
                "acme.myshopify.com",
            ],
            "{not json",
            2,
            "not valid JSON",
        ),
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Acme",
                "--shop",
                "acme.myshopify.com",
            ],
            "",
            2,
            "expected the secret fields on standard input",
        ),
        (
            &[
                "connect",
                "shopify",
                "--workspace",
                "Acme",
                "--shop",
                "acme.myshopify.com",
            ],
            r#"{"access_token":5}"#,
            2,
            "must be a JSON string",
        ),
        (&["disconnect", "42"], "", 1, "no connection with id 42"),
        (&["disconnect", "abc"], "", 2, "invalid value 'abc'"),
        (&["workspace", "add", "Acme"], "", 1, "already exists"),
        (
            &["workspace", "add", "X", "--timezone", "Mars/Base"],
            "",
            2,
            "not an IANA time zone",
        ),
        (
            &["workspace", "add", "X", "--currency", "ZZZ"],
            "",
            2,
            "not an ISO 4217 currency",
        ),
        (
            &["workspace", "add", "X", "--default-cogs-percent", "140"],
            "",
            2,
            "outside 0–100",
        ),
        (
            &["workspace", "edit", "Nope", "--currency", "EUR"],
            "",
            1,
            "no workspace named 'Nope'",
        ),
    ];
    for (args, stdin, code, message) in cases {
        cli(dir.path())
            .args(*args)
            .write_stdin(*stdin)
            .assert()
            .code(*code)
            .stderr(contains(*message));
    }
    assert!(
        connection_ids(dir.path()).is_empty(),
        "no bad input left a connection"
    );
    let out = cli(dir.path())
        .args(["workspace", "list", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "no bad input left a workspace"
    );
}

#[test]
fn without_a_keychain_connect_fails_clearly_and_stores_nothing() {
    let dir = data_dir_with_workspace();
    cli(dir.path())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/pulseboard-test-bus",
        )
        .args([
            "connect",
            "shopify",
            "--workspace",
            "Acme",
            "--shop",
            "acme.myshopify.com",
        ])
        .write_stdin(r#"{"access_token":"shpat_nokeychain"}"#)
        .assert()
        .code(1)
        .stderr(contains("keychain is not available"))
        .stderr(contains("gnome-keyring"));
    assert!(connection_ids(dir.path()).is_empty());
    assert!(
        files_containing(dir.path(), b"shpat_nokeychain").is_empty(),
        "no plaintext fallback"
    );
}

#[test]
fn an_unusable_data_dir_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    cli(&file.join("data"))
        .args(["workspace", "list"])
        .assert()
        .code(1)
        .stderr(contains("cannot create the folder"))
        .stderr(contains("PULSEBOARD_DATA_DIR"));
}

#[test]
fn workspace_edit_changes_only_given_fields() {
    let dir = data_dir_with_workspace();
    cli(dir.path())
        .args([
            "workspace",
            "edit",
            "Acme",
            "--default-cogs-percent",
            "40",
            "--payment-fee-percent",
            "2.9",
            "--payment-fee-fixed",
            "0.30",
        ])
        .assert()
        .success();
    cli(dir.path())
        .args([
            "workspace",
            "edit",
            "acme",
            "--name",
            "Acme Ltd",
            "--currency",
            "eur",
        ])
        .assert()
        .success();
    let out = cli(dir.path())
        .args(["workspace", "list", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ws = &list[0];
    assert_eq!(ws["name"], "Acme Ltd");
    assert_eq!(ws["currency"], "EUR");
    assert_eq!(ws["timezone"], "Asia/Kolkata");
    assert_eq!(ws["default_cogs_percent"], "40");
    assert_eq!(ws["payment_fee_percent"], "2.9");
    assert_eq!(ws["payment_fee_fixed"], "0.3");
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["workspace", "--help"],
        vec!["workspace", "add", "--help"],
        vec!["workspace", "edit", "--help"],
        vec!["workspace", "list", "--help"],
        vec!["connect", "--help"],
        vec!["connect", "shopify", "--help"],
        vec!["connect", "google_ads", "--help"],
        vec!["connections", "--help"],
        vec!["connection", "edit", "--help"],
        vec!["connection", "enable", "--help"],
        vec!["connection", "disable", "--help"],
        vec!["disconnect", "--help"],
    ] {
        cli(dir.path())
            .args(&args)
            .assert()
            .success()
            .stdout(contains("Usage:"));
    }
    assert_eq!(file_count(dir.path()), 0, "help writes nothing");
}

#[test]
fn edit_enable_disable_and_rotate_a_secret() {
    let dir = data_dir_with_workspace();
    let first = unique_secret("shpat_first_");
    cli(dir.path())
        .args([
            "connect",
            "shopify",
            "--workspace",
            "Acme",
            "--shop",
            "acme.myshopify.com",
            "--name",
            "Main",
        ])
        .write_stdin(format!(r#"{{"access_token":"{first}"}}"#))
        .assert()
        .success();

    cli(dir.path())
        .args([
            "connection",
            "edit",
            "1",
            "--schedule",
            "*/20 * * * *",
            "--base-url",
            "http://127.0.0.1:9999",
        ])
        .assert()
        .success()
        .stdout(contains("syncing on '*/20 * * * *'"));
    cli(dir.path())
        .args(["connection", "disable", "1"])
        .assert()
        .success();
    let out = cli(dir.path())
        .args(["connections", "--json"])
        .output()
        .unwrap();
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        c[0]["display_name"], "Main",
        "an edit without --name keeps the name"
    );
    assert_eq!(c[0]["schedule"], "*/20 * * * *");
    assert_eq!(c[0]["base_url"], "http://127.0.0.1:9999");
    assert_eq!(c[0]["enabled"], false);
    assert_eq!(c[0]["settings"]["shop"], "acme.myshopify.com");
    assert_eq!(
        keychain_entry(dir.path(), 1).unwrap().0["access_token"],
        first,
        "no --secrets keeps the secret"
    );

    let second = unique_secret("shpat_second_");
    cli(dir.path())
        .args(["connection", "edit", "1", "--secrets", "--base-url", ""])
        .write_stdin(format!(r#"{{"access_token":"{second}"}}"#))
        .assert()
        .success();
    cli(dir.path())
        .args(["connection", "enable", "1"])
        .assert()
        .success();
    let out = cli(dir.path())
        .args(["connections", "--json"])
        .output()
        .unwrap();
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (c[0]["enabled"].as_bool(), c[0]["base_url"].as_str()),
        (Some(true), None)
    );
    assert_eq!(
        keychain_entry(dir.path(), 1).unwrap().0["access_token"],
        second
    );
    assert!(files_containing(dir.path(), second.as_bytes()).is_empty());

    for (args, stdin, code, message) in [
        (
            vec!["connection", "edit", "1", "--ad-account", "act_1"],
            "",
            2,
            "ad_account: is not a field of a Shopify connection",
        ),
        (
            vec!["connection", "edit", "1", "--schedule", "nope"],
            "",
            2,
            "not a cron expression",
        ),
        (
            vec!["connection", "edit", "1", "--secrets"],
            "{}",
            2,
            "at least one secret field",
        ),
        (
            vec!["connection", "edit", "1", "--secrets"],
            r#"{"token":"x"}"#,
            2,
            "token: is not a field",
        ),
        (
            vec!["connection", "edit", "7"],
            "",
            1,
            "no connection with id 7",
        ),
        (
            vec!["connection", "enable", "7"],
            "",
            1,
            "no connection with id 7",
        ),
    ] {
        cli(dir.path())
            .args(&args)
            .write_stdin(stdin)
            .assert()
            .code(code)
            .stderr(contains(message));
    }
    assert_eq!(
        keychain_entry(dir.path(), 1).unwrap().0["access_token"],
        second,
        "refused edits change nothing"
    );
    cli(dir.path()).args(["disconnect", "1"]).assert().success();
}

#[test]
fn usage_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path())
        .args(["connect", "bogus", "--workspace", "Acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: unrecognized subcommand 'bogus'"),
        "{err}"
    );
}

#[test]
fn a_data_dir_on_a_read_only_filesystem_is_a_clear_error() {
    // /proc refuses new folders even to root, so this holds in CI too.
    let readonly = std::path::Path::new("/proc/pulseboard-test-data");
    cli(readonly)
        .args(["workspace", "add", "Acme"])
        .assert()
        .code(1)
        .stderr(contains(
            "cannot create the folder /proc/pulseboard-test-data",
        ));
}

/// The command never loads the window system: GTK and WebKit are the
/// desktop app's (`pulseboard-desktop`), so a command starts in milliseconds.
#[cfg(target_os = "linux")]
#[test]
fn the_command_does_not_link_the_window_system() {
    let out = std::process::Command::new("ldd")
        .arg(common::bin())
        .output()
        .unwrap();
    let libs = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{libs}");
    for gui in ["libgtk-3", "libwebkit2gtk", "libjavascriptcore", "libgdk-3"] {
        assert!(!libs.contains(gui), "pulseboard links {gui}:\n{libs}");
    }
    let desktop = common::bin().with_file_name("pulseboard-desktop");
    let out = std::process::Command::new("ldd")
        .arg(&desktop)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("libwebkit2gtk"));
}

/// Without a command, `pulseboard` hands over to the desktop app beside it;
/// when that is missing it says so and what to do, rather than nothing.
#[test]
fn a_missing_desktop_app_is_said_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let alone = dir.path().join("pulseboard");
    std::fs::copy(common::bin(), &alone).unwrap();
    let out = std::process::Command::new(&alone)
        .env("PULSEBOARD_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("cannot start the desktop app") && said.contains("pulseboard-desktop"),
        "{said}"
    );
    // Commands still work from the lone binary.
    let out = std::process::Command::new(&alone)
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
}

/// `--version` says the version, the schema this build writes, and where
/// the data lives.
#[test]
fn version_names_the_schema_and_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path()).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "pulseboard {} (schema {})",
                env!("CARGO_PKG_VERSION"),
                pulseboard::store::SCHEMA_VERSION
            )
            .as_str()
        )
    );
    assert_eq!(lines.next(), Some(dir.path().to_str().unwrap()));
}
