//! A data dir on a disk that is read-only when a command starts (a clear
//! error), then away while the app lives in the tray (a USB stick
//! unplugged): the tray's status line says so, with the error icon. The host runs on a tmpfs of its own in a
//! private mount namespace, so nothing outside the test sees the mount.
//!
//! Needs `unshare` (util-linux) and root (CI), an X display and a session
//! bus: ./dev.sh test.

mod common;

use common::desktop::{require_desktop, wait_for, wait_until_no_instance, TrayMenu};
use common::{bin, Spawned};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs inside the mount namespace: $1 the data dir (the tmpfs goes on it),
/// $2 the folder the test and the script signal through, $3 the binary.
const SCRIPT: &str = r#"
set -eu
dir=$1; talk=$2; bin=$3
mount -t tmpfs -o size=64m pulseboard-usb "$dir"
export PULSEBOARD_DATA_DIR="$dir"
"$bin" workspace add Acme >/dev/null
"$bin" connect demo --workspace Acme --schedule '0 0 1 1 *' </dev/null >/dev/null
# A disk that is read-only when a command starts.
mount -o remount,ro "$dir"
code=0; "$bin" workspace list >"$talk/ro.out" 2>"$talk/ro.err" || code=$?; echo "$code" >"$talk/ro.code"
mount -o remount,rw "$dir"
PULSEBOARD_TRAY_REFRESH_SECS=1 PULSEBOARD_STARTUP_DELAY_SECS=3600 "$bin" --hidden >/dev/null 2>&1 &
echo $! >"$talk/pid"
# Waits for the test's signal, for a minute at most (a failed test sends none).
wait_for() { i=0; while [ ! -e "$talk/$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; }
wait_for unplug
umount -l "$dir"
wait_for done
kill "$(cat "$talk/pid")"
"#;

fn signal(talk: &Path, name: &str) {
    std::fs::write(talk.join(name), "").unwrap();
}

#[test]
fn a_read_only_data_disk_fails_clearly_and_the_tray_says_when_it_goes_away() {
    require_desktop();
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    if !root {
        panic!("this test mounts a file system: run it as root (./dev.sh test in CI does)");
    }
    assert!(wait_until_no_instance(), "an earlier app still runs");
    let base = tempfile::tempdir().unwrap();
    let data = base.path().join("usb");
    let talk = base.path().join("talk");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&talk).unwrap();
    let mut script = Spawned::start(
        Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", SCRIPT, "sh"])
            .arg(&data)
            .arg(&talk)
            .arg(bin())
            .stdout(Stdio::null()),
    );
    let pid: u32 = wait_for(Duration::from_secs(20), "the app's pid", || {
        std::fs::read_to_string(talk.join("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    });
    let code = std::fs::read_to_string(talk.join("ro.code")).unwrap();
    let said = std::fs::read_to_string(talk.join("ro.err")).unwrap();
    assert_eq!(
        code.trim(),
        "1",
        "a read-only data dir fails the command: {said}"
    );
    assert!(said.contains("read-only"), "{said}");

    let tray = TrayMenu::find(pid);
    tray.wait_for_label("Not synced yet");

    // The disk goes while the app runs. (A running app's disk cannot be
    // remounted read-only here: Linux refuses while files are open for
    // writing, as the database is.)
    signal(&talk, "unplug");
    let said = wait_for(
        Duration::from_secs(10),
        "the tray to say the disk is gone",
        || tray.labels().into_iter().find(|l| l.contains("is gone")),
    );
    assert!(said.contains("is its disk unplugged?"), "{said}");

    signal(&talk, "done");
    let status = script.wait().unwrap();
    assert!(status.success(), "the namespace's script: {status}");
    assert!(wait_until_no_instance(), "the app quit");
}
