//! The scheduler inside the running app (under Xvfb): the start-up run, runs
//! on a connection's own (one-second-resolution) cron schedule, never two at
//! once — also with `pulseboard sync` from another process — and pause.
//! Needs an X display and a session bus: ./dev.sh test.
//! (One GUI test per test binary: the single-instance lock is per D-Bus session.)

mod common;

use common::desktop::{require_desktop, wait_for};
use common::{cli, launch_app};
use pulseboard::domain::run::{Run, RunStatus, Trigger};
use pulseboard::store::Store;
use std::time::Duration;

fn runs(dir: &std::path::Path) -> Vec<Run> {
    let mut runs = Store::open(&dir.join("pulseboard.sqlite3"))
        .unwrap()
        .runs(None, 1000)
        .unwrap();
    runs.reverse(); // oldest first
    runs
}

/// No run of one connection started before its previous one finished
/// (different connections may run side by side).
fn assert_no_overlap(all: &[Run], connection: i64) {
    let runs: Vec<&Run> = all
        .iter()
        .filter(|r| r.connection_id == connection)
        .collect();
    for pair in runs.windows(2) {
        let finished = pair[0]
            .finished_at
            .as_deref()
            .expect("an earlier run has finished");
        assert!(
            finished <= pair[1].started_at.as_str(),
            "run {} ({}..{finished}) overlaps run {} (from {})",
            pair[0].id,
            pair[0].started_at,
            pair[1].id,
            pair[1].started_at
        );
    }
}

#[test]
fn startup_run_schedule_no_overlap_and_pause() {
    require_desktop();
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args(["workspace", "add", "Acme"])
        .assert()
        .success();
    // Connection 1 fires once a year: only the start-up run can sync it.
    // Connection 2 fires every two seconds.
    for schedule in ["0 0 1 1 *", "*/2 * * * * *"] {
        cli(dir.path())
            .args([
                "connect",
                "demo",
                "--workspace",
                "Acme",
                "--schedule",
                schedule,
            ])
            .write_stdin("")
            .assert()
            .success();
    }

    let mut app = launch_app(dir.path(), 1);

    let startup = wait_for(Duration::from_secs(40), "the start-up run", || {
        runs(dir.path())
            .into_iter()
            .find(|r| r.connection_id == 1 && r.status != RunStatus::Running)
    });
    assert_eq!(
        (startup.trigger, startup.status),
        (Trigger::Startup, RunStatus::Succeeded)
    );
    wait_for(Duration::from_secs(30), "two scheduled runs", || {
        let n = runs(dir.path())
            .iter()
            .filter(|r| {
                r.connection_id == 2 && r.trigger == Trigger::Schedule && r.finished_at.is_some()
            })
            .count();
        (n >= 2).then_some(())
    });

    // The CLI at the same time: it syncs, or joins the run going on; never doubles it.
    for _ in 0..3 {
        cli(dir.path())
            .args(["sync", "--connection", "2"])
            .assert()
            .success();
    }

    // Pause: once the runs in flight end, nothing new starts.
    Store::open(&dir.path().join("pulseboard.sqlite3"))
        .unwrap()
        .set_meta("sync.paused", "1")
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let settled = runs(dir.path()).len();
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(runs(dir.path()).len(), settled, "paused: no scheduled runs");

    let _ = app.kill();
    let _ = app.wait();
    let all = runs(dir.path());
    assert!(
        all.iter().all(|r| r.status == RunStatus::Succeeded),
        "{all:?}"
    );
    // Connection 1's yearly schedule never fired: its only run is the start-up one.
    assert_eq!(all.iter().filter(|r| r.connection_id == 1).count(), 1);
    assert_no_overlap(&all, 1);
    assert_no_overlap(&all, 2);
}
