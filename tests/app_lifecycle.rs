//! The desktop app's life, driven from outside as a person and their desktop
//! would: the window opens; closing it (through the window manager) ends the
//! web view and its WebKit processes while the app stays in the tray; the tray
//! menu pauses syncing, reopens the window at its last size, and quits; a
//! second launch brings the first instance forward instead of starting another.
//! Needs an X display with a window manager and a session bus: ./dev.sh test.
//! (One GUI test per test binary: the single-instance lock is per D-Bus session.)

mod common;

use common::desktop::{
    close_window, has_web_process, require_desktop, resize_window, visible_window, wait_exit,
    wait_for, window_size, TrayMenu,
};
use common::{cli, launch_another_app, launch_app};
use pulseboard::store::Store;
use std::time::Duration;

const TITLE: &str = "Pulseboard";
const SECS_10: Duration = Duration::from_secs(10);

#[test]
fn window_tray_single_instance_and_quit() {
    require_desktop();
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args(["workspace", "add", "Acme"])
        .assert()
        .success();
    cli(dir.path())
        .args([
            "connect",
            "demo",
            "--workspace",
            "Acme",
            "--schedule",
            "0 0 1 1 *",
        ])
        .write_stdin("")
        .assert()
        .success();

    // The scheduler is tested on its own (tests/scheduler.rs): here neither a
    // tick (a yearly schedule) nor the start-up run may change the tray mid-test.
    let mut app = launch_app(dir.path(), 3600);
    let pid = app.id();
    let window = wait_for(Duration::from_secs(30), "the main window", || {
        visible_window(TITLE)
    });
    wait_for(SECS_10, "a WebKit web process", || {
        has_web_process(pid).then_some(())
    });

    let tray = TrayMenu::find(pid);
    assert_eq!(
        tray.labels(),
        [
            "Open Pulseboard",
            "Sync now",
            "Not synced yet",
            "Pause sync",
            "Quit Pulseboard"
        ],
        "the tray menu's items, with the status line for one never-synced connection"
    );

    // Closing the window keeps the app, but not its web view.
    resize_window(&window, 1000, 700);
    wait_for(SECS_10, "the resize", || {
        (window_size(&window) == (1000, 700)).then_some(())
    });
    close_window(TITLE);
    wait_for(SECS_10, "the window to close", || {
        visible_window(TITLE).is_none().then_some(())
    });
    wait_for(SECS_10, "the WebKit web process to exit", || {
        (!has_web_process(pid)).then_some(())
    });
    assert!(
        app.try_wait().unwrap().is_none(),
        "the app lives on in the tray"
    );

    // Pause from the tray: the label flips, the status says so, and it is remembered.
    tray.click("Pause sync");
    tray.wait_for_label("Resume sync");
    tray.wait_for_label("Sync paused");
    let paused = Store::open(&dir.path().join("pulseboard.sqlite3"))
        .unwrap()
        .meta("sync.paused")
        .unwrap();
    assert_eq!(paused.as_deref(), Some("1"));

    // A second launch exits and brings the first instance's window back, at its last size.
    let mut second = launch_another_app(dir.path(), 3600);
    let status = wait_exit(&mut second, Duration::from_secs(20));
    assert!(
        status.success(),
        "the second instance exits cleanly: {status}"
    );
    let reopened = wait_for(SECS_10, "the window to come back", || visible_window(TITLE));
    assert_eq!(
        window_size(&reopened),
        (1000, 700),
        "the window comes back at its last size"
    );
    assert!(app.try_wait().unwrap().is_none());

    // Close again and reopen from the tray.
    close_window(TITLE);
    wait_for(SECS_10, "the window to close", || {
        visible_window(TITLE).is_none().then_some(())
    });
    tray.click("Open Pulseboard");
    wait_for(SECS_10, "the window from the tray", || {
        visible_window(TITLE)
    });
    wait_for(SECS_10, "a new WebKit web process", || {
        has_web_process(pid).then_some(())
    });

    // Quit ends everything.
    tray.click("Resume sync");
    tray.wait_for_label("Pause sync");
    // Sync now from the tray runs the demo through the engine; the status line follows.
    tray.click("Sync now");
    wait_for(
        Duration::from_secs(60),
        "the tray to report the sync",
        || {
            tray.labels()
                .iter()
                .any(|l| l.starts_with("Last sync") && l.ends_with("all OK"))
                .then_some(())
        },
    );
    let runs = Store::open(&dir.path().join("pulseboard.sqlite3"))
        .unwrap()
        .runs(None, 5)
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].status,
        pulseboard::domain::run::RunStatus::Succeeded
    );

    tray.click("Quit Pulseboard");
    let status = wait_exit(&mut app, SECS_10);
    assert!(status.success(), "quit exits with 0: {status}");
}
