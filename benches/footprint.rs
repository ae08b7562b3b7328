//! Footprint benchmark: how fast the real app paints its first frame and how
//! much memory its whole process tree (app + WebKit processes) holds with the
//! window open and after the window was closed to the tray.
//!
//! Runs under an X display with a window manager (`./dev.sh bench` provides
//! both). `FOOTPRINT_RUNS` (default 3) sets the runs per binary;
//! `FOOTPRINT_COMPARE=/path/to/bin` measures a second binary the same way
//! (`./dev.sh bench` builds `benches/bare-window`, a bare Tauri 2 window);
//! `FOOTPRINT_SETTLE_SECS` (default 30) is the wait before each reading.

mod common;
#[path = "../tests/common/desktop.rs"]
mod desktop;

use common::env_or;
use desktop::{close_window, process_tree, require_desktop, visible_window, wait_for};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    window_ms: u128,
    paint_ms: u128,
    open: Memory,
    tray: Option<Memory>,
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
fn colours(window: &str) -> usize {
    let shot = Command::new("import")
        .args(["-silent", "-window", window, "-format", "%k", "info:"])
        .output();
    shot.ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(0)
}

fn run_once(bin: &Path, title: &str, settle: Duration) -> Run {
    let data = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut child = Command::new(bin)
        .env("PULSEBOARD_DATA_DIR", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
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
    let _ = child.kill();
    let _ = child.wait();
    Run {
        window_ms,
        paint_ms,
        open,
        tray,
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
}

/// Run `bin` (whose window is titled `title`) `runs` times and print the medians.
fn measure(label: &str, bin: &Path, title: &str, runs: usize, settle: Duration) {
    let size = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
    println!(
        "binary {} ({:.1} MiB)",
        bin.display(),
        size as f64 / 1048576.0
    );
    let results: Vec<Run> = (0..runs).map(|_| run_once(bin, title, settle)).collect();
    report(label, &results);
}

fn main() {
    require_desktop();
    let runs = env_or("FOOTPRINT_RUNS", 3) as usize;
    let settle = Duration::from_secs(env_or("FOOTPRINT_SETTLE_SECS", 30));
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_pulseboard"));
    measure("Pulseboard", &ours, "Pulseboard", runs, settle);
    if let Some(other) = std::env::var_os("FOOTPRINT_COMPARE").map(PathBuf::from) {
        measure("Bare Tauri 2 window", &other, "Bare window", runs, settle);
    }
}
