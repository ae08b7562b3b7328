//! Helpers shared by the integration tests: the built binary, throwaway data
//! dirs, and a scan of a data dir for bytes that must not be there.
#![allow(dead_code)]

pub mod copper_fake;
pub mod desktop;
pub mod example;
pub mod google_fake;
pub mod justcall_fake;
pub mod meta_fake;
pub mod serve;
pub mod shiprocket_fake;
pub mod shopify_fake;
pub mod spawned;
pub mod webdriver;

pub use spawned::Spawned;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `pulseboard` binary Cargo built for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pulseboard"))
}

/// A `pulseboard` command on `data_dir`, with no stdin unless the test gives one.
pub fn cli(data_dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(bin());
    cmd.env("PULSEBOARD_DATA_DIR", data_dir)
        .env_remove("PULSEBOARD_LOG");
    cmd
}

pub fn std_cli(data_dir: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("PULSEBOARD_DATA_DIR", data_dir);
    cmd
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(path);
                }
            }
        }
    }
    hits
}

/// How many files (database, WAL, logs) a scan looked at, so a test can show
/// it scanned something.
pub fn file_count(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                n += 1;
            }
        }
    }
    n
}

/// A secret unique to this test run, so a hit can only come from this test.
pub fn unique_secret(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// What `pulseboard ARGS` printed, read as JSON; the command must succeed
/// (a failure shows its arguments and its stderr).
pub fn cli_json<T: serde::de::DeserializeOwned>(data_dir: &Path, args: &[&str]) -> T {
    let out = cli(data_dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Connection ids from `pulseboard connections --json`.
pub fn connection_ids(data_dir: &Path) -> Vec<i64> {
    let list: Vec<serde_json::Value> = cli_json(data_dir, &["connections", "--json"]);
    list.iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// Launch the desktop app on `data_dir`, quietly, with the start-up run
/// `startup_delay_secs` after launch, once no earlier instance is left.
pub fn launch_app(data_dir: &Path, startup_delay_secs: u64) -> Spawned {
    assert!(
        desktop::wait_until_no_instance(),
        "an earlier instance of the app is still running"
    );
    launch_another_app(data_dir, startup_delay_secs)
}

/// Launch the desktop app even while another instance runs (which it hands
/// over to).
pub fn launch_another_app(data_dir: &Path, startup_delay_secs: u64) -> Spawned {
    Spawned::app(
        std_cli(data_dir)
            .env(
                "PULSEBOARD_STARTUP_DELAY_SECS",
                startup_delay_secs.to_string(),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null()),
        data_dir,
    )
}

/// `pulseboard metrics --format json` for `workspace` from `from` to `to`,
/// each day's row by its date. Fails the test when the command fails.
pub fn daily_metrics(
    data_dir: &Path,
    workspace: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> std::collections::BTreeMap<chrono::NaiveDate, serde_json::Value> {
    let out = cli(data_dir)
        .args(["metrics", "--workspace", workspace, "--format", "json"])
        .args(["--from", &from.to_string(), "--to", &to.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.into_iter()
        .map(|r| (r["date"].as_str().unwrap().parse().unwrap(), r))
        .collect()
}

/// `pulseboard sync`: whether it succeeded, and stdout followed by stderr.
pub fn sync_all(data_dir: &Path) -> (bool, String) {
    let out = cli(data_dir).arg("sync").output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The data dir's SQLite file, opened as the app opens it.
pub fn open_store(data_dir: &Path) -> pulseboard::store::Store {
    pulseboard::store::Store::open(&data_dir.join("pulseboard.sqlite3")).unwrap()
}

/// Overwrite pages 2 to 6 of an SQLite file with noise: the b-trees of the
/// first migration's tables, which every open reads.
pub fn spoil_first_tables(file: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let page: u64 = 4096;
    let mut f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
    f.seek(SeekFrom::Start(page)).unwrap();
    f.write_all(&vec![0x5a; 5 * page as usize]).unwrap();
    f.sync_all().unwrap();
}

/// The damaged databases a restore moved aside in `data_dir` (not their
/// `-wal`/`-shm` files).
pub fn moved_aside(data_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("pulseboard.sqlite3.damaged-")
                && !name.ends_with("-wal")
                && !name.ends_with("-shm")
        })
        .collect()
}
