//! Start at login: off by default; the Settings switch writes and removes
//! the desktop session's autostart entry (XDG, under a throwaway $HOME);
//! and the command that entry runs starts the app in the tray with no
//! window, whose tray opens the window on demand. Needs an X display with a
//! window manager, a session bus and tauri-driver: ./dev.sh test.
//! (One GUI test per test binary: the single-instance lock is per D-Bus session.)

mod common;

use common::desktop::{
    require_desktop, visible_window, wait_exit, wait_for, wait_until_no_instance, TrayMenu,
};
use common::webdriver::{Driver, Session};
use common::{bin, cli};
use std::time::Duration;

const SECS_10: Duration = Duration::from_secs(10);

#[test]
fn start_at_login_is_off_until_turned_on_and_then_starts_in_the_tray() {
    require_desktop();
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args(["workspace", "add", "Acme"])
        .assert()
        .success();
    let entry = home.path().join(".config/autostart/Pulseboard.desktop");

    let driver = Driver::start(&[("PULSEBOARD_DATA_DIR", dir.path()), ("HOME", home.path())]);
    let s = Session::new(&driver, &bin());
    s.wait_for_text("#workspace-select", "Acme");
    s.click(r#"#nav a[data-page="settings"]"#);
    s.wait_for_text("#page h1", "Settings");
    s.find("#autostart");
    assert!(!entry.exists(), "off by default");
    s.click("#autostart");
    // The entry is created, then written: wait for its command.
    let text = wait_for(SECS_10, "the autostart entry with its command", || {
        std::fs::read_to_string(&entry)
            .ok()
            .filter(|t| t.lines().any(|l| l.starts_with("Exec=")))
    });
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .unwrap_or_else(|| panic!("no Exec line: {text}"))
        .to_string();
    assert!(exec.ends_with(" --hidden"), "{exec}");
    assert!(
        exec.split_whitespace()
            .next()
            .unwrap()
            .ends_with("pulseboard-desktop"),
        "{exec}"
    );
    // Off again removes it; on again puts it back.
    s.click("#autostart");
    wait_for(SECS_10, "the entry to go", || {
        (!entry.exists()).then_some(())
    });
    s.click("#autostart");
    wait_for(SECS_10, "the entry again", || entry.exists().then_some(()));
    s.close();
    assert!(wait_until_no_instance(), "the window's app quit");

    // The login start: the entry's command, as the desktop session runs it.
    let mut words = exec.split_whitespace();
    let mut app = common::Spawned::start(
        std::process::Command::new(words.next().unwrap())
            .args(words)
            .env("PULSEBOARD_DATA_DIR", dir.path())
            .env("HOME", home.path())
            .env("PULSEBOARD_STARTUP_DELAY_SECS", "3600")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null()),
    );
    let tray = TrayMenu::find(app.id());
    // The tray is up; give a window every chance to appear, then see none.
    std::thread::sleep(Duration::from_secs(2));
    assert!(visible_window("Pulseboard").is_none(), "no window at login");
    assert!(app.try_wait().unwrap().is_none(), "it lives in the tray");
    tray.click("Open Pulseboard");
    wait_for(SECS_10, "the window from the tray", || {
        visible_window("Pulseboard")
    });
    tray.click("Quit Pulseboard");
    let status = wait_exit(&mut app, SECS_10);
    assert!(status.success(), "quit exits with 0: {status}");
}
