//! Footprint benchmark: how fast the real app paints its first frame and how
//! much memory its whole process tree (app + WebKit processes) holds with the
//! window open and after the window was closed to the tray.
//!
//! Runs under an X display with a window manager (`./dev.sh bench` provides
//! both). `FOOTPRINT_RUNS` (default 3) sets the runs per binary;
//! `FOOTPRINT_COMPARE=/path/to/bin` measures a second binary the same way
//! (`./dev.sh bench` builds `benches/bare-window`, a bare Tauri 2 window);
//! `FOOTPRINT_SETTLE_SECS` (default 30) is the wait before each reading.
//!
//! Pulseboard's window is a process of its own, started by the host (tray,
//! schedule, syncs), so "tray only" is the host alone. After that reading
//! the tray's *Open Pulseboard* is clicked and the time to the reopened
//! window's first painted frame is taken. `FOOTPRINT_TRAY_SECS` (default 0;
//! the figure is 3600) then keeps the app in the tray that long with
//! the demo connection syncing every 5 minutes, sampling the tree's memory
//! every minute: its start, end and peak.

mod common;
#[path = "../tests/common/desktop.rs"]
mod desktop;
#[path = "../tests/common/spawned.rs"]
mod spawned;

use common::env_or;
use desktop::{close_window, process_tree, require_desktop, visible_window, wait_for, TrayMenu};
use spawned::Spawned;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    window_ms: u128,
    paint_ms: u128,
    open: Memory,
    tray: Option<Memory>,
    /// Tray's Open → the window's first painted frame.
    reopen_ms: Option<u128>,
    /// The tree's RSS each minute of the long tray phase.
    tray_samples: Vec<f64>,
}

#[derive(Clone, Copy)]
struct Memory {
    rss_mib: f64,
    pss_mib: f64,
    processes: usize,
}

/// RSS summed over the tree (counts shared pages once per process) and PSS
/// (shares them out; the fairer total).
fn memory(pid: u32) -> Memory {
    let tree = process_tree(pid);
    let pss_kib: u64 = tree
        .iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{}/smaps_rollup", p.pid)).ok())
        .filter_map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .sum();
    Memory {
        rss_mib: tree.iter().map(|p| p.rss_kib).sum::<u64>() as f64 / 1024.0,
        pss_mib: pss_kib as f64 / 1024.0,
        processes: tree.len(),
    }
}

/// Number of distinct colours in the window: a blank web view has one or two.
/// ImageMagick's `import` grabs the X server while it reads the window, and
/// now and then never returns (seen about once in three runs, right after a
/// window was mapped), which froze the whole display and this benchmark with
/// it. So a reading that takes over 2 s is killed, which ends its grab, and
/// counts as not painted yet: the caller's poll asks again (a run where
/// that happens reads up to 2 s late; the medians of 3 absorb it).
fn colours(window: &str) -> usize {
    let shot = Command::new("timeout")
        .args(["-s", "KILL", "2", "import", "-silent", "-window", window])
        .args(["-format", "%k", "info:"])
        .output()
        .ok();
    if shot.as_ref().and_then(|o| o.status.code()) == Some(137) {
        eprintln!("  (a window capture hung and was killed; reading again)");
    }
    shot.and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(0)
}

/// A data dir with the demo business, its connection syncing every 5 minutes.
fn demo_every_five_minutes(bin: &Path, data: &Path) {
    let run = |args: &[&str]| {
        let status = Command::new(bin)
            .args(args)
            .env("PULSEBOARD_DATA_DIR", data)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pulseboard {args:?}: {status}");
    };
    run(&["demo"]);
    run(&["connection", "edit", "1", "--schedule", "*/5 * * * *"]);
}

fn run_once(bin: &Path, title: &str, settle: Duration, tray_for: Duration) -> Run {
    let data = tempfile::tempdir().unwrap();
    let ours = title == "Pulseboard";
    if ours && !tray_for.is_zero() {
        demo_every_five_minutes(bin, data.path());
    }
    let start = Instant::now();
    // Ended with its whole process group when this run is over, or when a
    // wait below fails, so no app outlives the benchmark.
    let mut child = Spawned::app(
        Command::new(bin)
            .env("PULSEBOARD_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        data.path(),
    );
    let pid = child.id();
    let window = wait_for(Duration::from_secs(60), "the window", || {
        visible_window(title)
    });
    let window_ms = start.elapsed().as_millis();
    wait_for(Duration::from_secs(60), "the first painted frame", || {
        (colours(&window) > 8).then_some(())
    });
    let paint_ms = start.elapsed().as_millis();

    std::thread::sleep(settle.saturating_sub(start.elapsed()));
    let open = memory(pid);

    close_window(title);
    let closed_at = Instant::now();
    let tray = loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{} exited with {status}", bin.display());
            break None; // a bare window ends with its window
        }
        if closed_at.elapsed() >= settle {
            break Some(memory(pid));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut reopen_ms = None;
    let mut tray_samples = Vec::new();
    if tray.is_some() && ours {
        let menu = TrayMenu::find(pid);
        let clicked = Instant::now();
        menu.click("Open Pulseboard");
        let window = wait_for(Duration::from_secs(60), "the reopened window", || {
            visible_window(title)
        });
        wait_for(
            Duration::from_secs(60),
            "the reopened window's paint",
            || (colours(&window) > 8).then_some(()),
        );
        reopen_ms = Some(clicked.elapsed().as_millis());
        if !tray_for.is_zero() {
            close_window(title);
            std::thread::sleep(settle);
            let from = Instant::now();
            while from.elapsed() < tray_for {
                tray_samples.push(memory(pid).rss_mib);
                std::thread::sleep(Duration::from_secs(60).min(tray_for));
            }
            tray_samples.push(memory(pid).rss_mib);
        }
    }
    drop(child);
    Run {
        window_ms,
        paint_ms,
        open,
        tray,
        reopen_ms,
        tray_samples,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn report(label: &str, runs: &[Run]) {
    let m = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
    println!("{label} ({} runs, medians)", runs.len());
    println!(
        "  launch → window mapped     {:>8.0} ms",
        m(&|r| r.window_ms as f64)
    );
    println!(
        "  launch → first paint       {:>8.0} ms",
        m(&|r| r.paint_ms as f64)
    );
    println!(
        "  window open:   RSS {:>6.1} MiB  PSS {:>6.1} MiB  ({} processes)",
        m(&|r| r.open.rss_mib),
        m(&|r| r.open.pss_mib),
        runs[0].open.processes
    );
    match runs[0].tray {
        Some(t) => println!(
            "  tray only:     RSS {:>6.1} MiB  PSS {:>6.1} MiB  ({} processes)",
            m(&|r| r.tray.map_or(0.0, |t| t.rss_mib)),
            m(&|r| r.tray.map_or(0.0, |t| t.pss_mib)),
            t.processes
        ),
        None => println!("  tray only:     (the process exits when its window closes)"),
    }
    if runs[0].reopen_ms.is_some() {
        println!(
            "  tray Open → first paint    {:>8.0} ms",
            m(&|r| r.reopen_ms.unwrap_or(0) as f64)
        );
    }
    for (i, r) in runs
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.tray_samples.is_empty())
    {
        let first = r.tray_samples[0];
        let last = *r.tray_samples.last().unwrap();
        let peak = r.tray_samples.iter().cloned().fold(0.0, f64::max);
        println!(
            "  run {}: tray with a demo sync every 5 min, {} samples over {} min: RSS {first:.1} → {last:.1} MiB (peak {peak:.1}, growth {:+.1})",
            i + 1,
            r.tray_samples.len(),
            r.tray_samples.len() - 1,
            last - first
        );
    }
}

/// Run `bin` (whose window is titled `title`) `runs` times and print the medians.
fn measure(
    label: &str,
    bin: &Path,
    title: &str,
    runs: usize,
    settle: Duration,
    tray_for: Duration,
) {
    let size = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
    println!(
        "binary {} ({:.1} MiB)",
        bin.display(),
        size as f64 / 1048576.0
    );
    let results: Vec<Run> = (0..runs)
        .map(|_| run_once(bin, title, settle, tray_for))
        .collect();
    report(label, &results);
}

fn main() {
    require_desktop();
    let runs = env_or("FOOTPRINT_RUNS", 3) as usize;
    let settle = Duration::from_secs(env_or("FOOTPRINT_SETTLE_SECS", 30));
    let tray_for = Duration::from_secs(env_or("FOOTPRINT_TRAY_SECS", 0));
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_pulseboard"));
    measure("Pulseboard", &ours, "Pulseboard", runs, settle, tray_for);
    if let Some(other) = std::env::var_os("FOOTPRINT_COMPARE").map(PathBuf::from) {
        measure(
            "Bare Tauri 2 window",
            &other,
            "Bare window",
            runs,
            settle,
            Duration::ZERO,
        );
    }
}
