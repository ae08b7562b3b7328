//! A sync that runs out of disk: the real binary on a data dir that is a
//! small tmpfs of its own (in a private mount namespace, so nothing outside
//! the test sees it), filled by the demo business's backfill. The page that
//! does not fit rolls back, the run ends `failed` saying how much space is
//! left and where, the connection is not parked, and once the file system is
//! made larger the next run goes on from the last page stored and ends with
//! the same figures as a sync that never ran out of space.
//!
//! Needs `unshare` (util-linux) and either root (CI) or unprivileged user
//! namespaces, to mount the tmpfs.

mod common;

use common::{bin, cli};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Runs inside the mount namespace: $1 the data dir (the tmpfs goes on it),
/// $2 where the outputs go (outside it), $3 the binary.
const SCRIPT: &str = r#"
set -eu
dir=$1; out=$2; bin=$3
mount -t tmpfs -o size=1536k pulseboard-full "$dir"
export PULSEBOARD_DATA_DIR="$dir"
"$bin" workspace add Full --timezone UTC --currency USD >/dev/null
"$bin" connect demo --workspace Full </dev/null >/dev/null
code=0; "$bin" sync >"$out/sync1.out" 2>"$out/sync1.err" || code=$?; echo "$code" >"$out/sync1.code"
"$bin" runs --json >"$out/runs1.json"
"$bin" connections --json >"$out/connections1.json"
# Space is freed: the file system grows.
mount -o remount,size=256m "$dir"
code=0; "$bin" sync >"$out/sync2.out" 2>&1 || code=$?; echo "$code" >"$out/sync2.code"
"$bin" runs --json >"$out/runs2.json"
"$bin" metrics --workspace Full --from "$4" --to "$5" --format json >"$out/metrics.json"
"$bin" connections --json >"$out/connections2.json"
"#;

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&read(dir, name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn a_sync_that_runs_out_of_disk_fails_keeps_what_it_stored_and_resumes_when_there_is_room() {
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Days::new(400)).to_string();
    let to = (today - chrono::Days::new(1)).to_string();

    let full = tempfile::tempdir().unwrap();
    let data = full.path().join("data");
    let out = full.path().join("out");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    let namespace = if root { "-m" } else { "-rm" };
    let status = Command::new("unshare")
        .args([
            namespace,
            "--propagation",
            "private",
            "sh",
            "-c",
            SCRIPT,
            "sh",
        ])
        .arg(&data)
        .arg(&out)
        .arg(bin())
        .args([&from, &to])
        .status()
        .expect("unshare (util-linux) runs");
    assert!(
        status.success(),
        "the script in its mount namespace failed ({status}); it needs root or unprivileged user namespaces; \
         sync1: {:?} {:?}",
        std::fs::read_to_string(out.join("sync1.err")),
        std::fs::read_to_string(out.join("sync2.out")),
    );

    // The first sync ran out of space: exit 1, one line that says so.
    assert_eq!(read(&out, "sync1.code").trim(), "1");
    let run1 = &json(&out, "runs1.json")[0];
    assert_eq!(run1["status"], "failed", "{run1}");
    let error = run1["error"].as_str().unwrap();
    assert!(error.contains("disk full: "), "{error}");
    assert!(error.contains(" MB free on "), "{error}");
    assert!(error.contains(data.to_str().unwrap()), "{error}");
    let stored_first = run1["records_upserted"].as_u64().unwrap();
    assert!(
        stored_first > 0,
        "pages before the full one were stored: {run1}"
    );
    // Not parked: the connection is in error, and its schedule keeps it.
    let c1 = &json(&out, "connections1.json")[0];
    assert_eq!(c1["status"], "error", "{c1}");
    assert_eq!(c1["enabled"], true, "{c1}");

    // With room again the next run succeeds, from where the first stopped.
    assert_eq!(
        read(&out, "sync2.code").trim(),
        "0",
        "{}",
        read(&out, "sync2.out")
    );
    let run2 = &json(&out, "runs2.json")[0];
    assert_eq!(run2["status"], "succeeded", "{run2}");
    assert_eq!(json(&out, "connections2.json")[0]["status"], "ok");

    // The same figures as a sync that never ran out of space.
    let reference = tempfile::tempdir().unwrap();
    let r = reference.path();
    cli(r)
        .args([
            "workspace",
            "add",
            "Full",
            "--timezone",
            "UTC",
            "--currency",
            "USD",
        ])
        .assert()
        .success();
    cli(r)
        .args(["connect", "demo", "--workspace", "Full"])
        .write_stdin("")
        .assert()
        .success();
    cli(r).arg("sync").assert().success();
    let whole = cli(r)
        .args(["runs", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let whole: Value = serde_json::from_slice(&whole).unwrap();
    let fetched_whole = whole[0]["records_fetched"].as_u64().unwrap();
    let fetched_second = run2["records_fetched"].as_u64().unwrap();
    assert!(
        fetched_second < fetched_whole,
        "the second run resumed ({fetched_second} records) rather than starting over ({fetched_whole})"
    );
    let metrics = cli(r)
        .args([
            "metrics",
            "--workspace",
            "Full",
            "--from",
            &from,
            "--to",
            &to,
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let metrics: Value = serde_json::from_slice(&metrics).unwrap();
    assert_eq!(json(&out, "metrics.json"), metrics);
}
