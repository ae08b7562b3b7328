//! The desktop app started (as by a double-click) where it cannot open its
//! data: a window of its own says what is wrong and what to do, and closing
//! it ends the process with exit code 1. Here the data folder cannot be
//! created (its parent is a file, which stops root too), and then the
//! database is damaged: the window's button restores the newest good backup
//! and the app starts again on it; then no keychain can be reached. Needs an X display with a window manager and a
//! session bus: ./dev.sh test. (One GUI test per test binary.)

mod common;

use common::desktop::{
    close_window, require_desktop, visible_window, wait_exit, wait_for, wait_until_no_instance,
    TrayMenu,
};
use common::webdriver::{Driver, Session};
use common::{bin, cli, moved_aside, spoil_first_tables, std_cli, Spawned};
use std::time::Duration;

const TITLE: &str = "Pulseboard cannot start";
const SECS_20: Duration = Duration::from_secs(20);

#[test]
fn a_start_that_cannot_open_its_data_says_why_in_a_window() {
    require_desktop();
    let dir = tempfile::tempdir().unwrap();

    // A data folder that cannot be created.
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let unmakeable = file.join("data");
    assert!(wait_until_no_instance());
    let mut app = Spawned::start(
        std_cli(&unmakeable)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped()),
    );
    wait_for(SECS_20, "the start-up error window", || {
        visible_window(TITLE)
    });
    assert!(app.try_wait().unwrap().is_none(), "it waits for the person");
    close_window(TITLE);
    let status = wait_exit(&mut app, SECS_20);
    assert_eq!(status.code(), Some(1), "{status}");
    let mut err = String::new();
    use std::io::Read;
    app.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("cannot create the folder"), "{err}");

    // A damaged database: the window names the file and the backup to restore.
    let data = dir.path().join("data");
    cli(&data).arg("demo").assert().success();
    cli(&data).arg("backup").assert().success();
    spoil_first_tables(&data.join("pulseboard.sqlite3"));
    let driver = Driver::start(&[("PULSEBOARD_DATA_DIR", data.as_path())]);
    let s = Session::new(&driver, &bin());
    let text = s.wait_for_text("#message", "is damaged");
    assert!(text.contains("pulseboard restore '"), "{text}");
    let advice = s.text("#advice");
    assert!(
        advice.contains("Restore the newest good backup"),
        "{advice}"
    );
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    s.screenshot(&shots.join("startup-error.png"));
    let spoiled = std::fs::read(data.join("pulseboard.sqlite3")).unwrap();

    // The button restores the backup and starts the app again on it.
    s.click("#restore");
    wait_for(SECS_20, "the app started again on the backup", || {
        visible_window("Pulseboard")
    });
    let aside = moved_aside(&data);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(&aside[0]).unwrap(),
        spoiled,
        "moved aside whole"
    );
    let listed = cli(&data).args(["workspace", "list"]).assert().success();
    assert!(String::from_utf8_lossy(&listed.get_output().stdout).contains("Demo"));
    // Quit the app that started again, from its tray (which the host,
    // `pulseboard`, serves).
    let pid = wait_for(SECS_20, "the new app's process", || {
        let out = std::process::Command::new("pgrep")
            .args(["-n", "-x", "pulseboard"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u32>()
            .ok()
    });
    TrayMenu::find(pid).click("Quit Pulseboard");
    assert!(wait_until_no_instance(), "the app quit");
    s.close();

    // No keychain to reach (its session bus gone): the same kind of window,
    // saying what to install or unlock, and exit code 1.
    let mut app = Spawned::start(
        std_cli(&data)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped()),
    );
    wait_for(SECS_20, "the start-up error window", || {
        visible_window(TITLE)
    });
    close_window(TITLE);
    let status = wait_exit(&mut app, SECS_20);
    assert_eq!(status.code(), Some(1), "{status}");
    let mut err = String::new();
    app.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("keychain is not available"), "{err}");
}
