//! Desktop notifications from the running app: a connection that newly fails
//! gets one, a connection that then needs attention gets one more, and runs
//! that keep failing the same way get none. The app talks to the session bus's
//! org.freedesktop.Notifications; `dbus-monitor` sees each Notify call.
//! Needs DISPLAY and a session bus: `./dev.sh test` sets both up.

mod common;

use common::desktop::{require_desktop, wait_for};
use common::meta_fake::MetaFake;
use common::{cli, launch_app, unique_secret};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

fn status(dir: &std::path::Path) -> String {
    let out = cli(dir).args(["connections", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list[0]["status"].as_str().unwrap().to_string()
}

fn runs(dir: &std::path::Path) -> usize {
    let out = cli(dir).args(["runs", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "running")
        .count()
}

#[test]
fn a_connection_that_newly_fails_is_notified_once() {
    require_desktop();
    let dir = tempfile::tempdir().unwrap();
    let token = unique_secret("EAAmeta");
    let meta = MetaFake::start("act_777", &token);
    meta.with(|s| s.down = true);
    cli(dir.path())
        .args(["workspace", "add", "Acme"])
        .assert()
        .success();
    cli(dir.path())
        .args([
            "connect",
            "meta_ads",
            "--workspace",
            "Acme",
            "--ad-account",
            "act_777",
            "--base-url",
            &meta.base,
            "--schedule",
            "*/2 * * * * *",
        ])
        .write_stdin(format!(r#"{{"access_token":"{token}"}}"#))
        .assert()
        .success();

    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor (package dbus-bin)");
    std::thread::sleep(Duration::from_millis(500));
    let mut app = launch_app(dir.path(), 1);

    // The service is down: the first run fails; later ones fail the same way.
    wait_for(Duration::from_secs(60), "three failed runs", || {
        (runs(dir.path()) >= 3).then_some(())
    });
    assert_eq!(status(dir.path()), "error");
    // Then the token is refused: the connection needs attention, and later
    // ticks skip it.
    meta.with(|s| {
        s.down = false;
        s.token_expired = true;
    });
    wait_for(
        Duration::from_secs(60),
        "the connection to need attention",
        || (status(dir.path()) == "needs_attention").then_some(()),
    );
    std::thread::sleep(Duration::from_secs(5));

    let _ = app.kill();
    let _ = app.wait();
    std::thread::sleep(Duration::from_millis(300));
    let _ = monitor.kill();
    let mut seen = String::new();
    monitor
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut seen)
        .unwrap();
    let _ = monitor.wait();

    let calls = seen.matches("member=Notify").count();
    assert_eq!(
        calls, 2,
        "one notification per change, not per run:\n{seen}"
    );
    let failed = seen
        .find("failed to sync")
        .unwrap_or_else(|| panic!("the failure was notified:\n{seen}"));
    let attention = seen
        .find("needs attention")
        .unwrap_or_else(|| panic!("needs attention was notified:\n{seen}"));
    assert!(
        seen.contains("Meta Ads"),
        "the connection is named:\n{seen}"
    );
    assert!(failed < attention, "in the order they happened");
    assert!(!seen.contains(&token), "no secret in a notification");
}
