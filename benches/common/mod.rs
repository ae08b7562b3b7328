//! What every benchmark binary needs: its sizes from the environment and
//! the process's peak memory. (A directory, so Cargo does not take it for a
//! bench target of its own.)

#![allow(dead_code)]

/// A field of `/proc/self/status` in kB (`VmHWM`, `VmRSS`), as MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// The process's peak resident set so far (`VmHWM`), in MiB.
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

/// The process's resident set now (`VmRSS`), in MiB.
pub fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

/// CPU seconds (user + sys) this process has used so far, every thread's
/// (a fake serving in the same process included).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // utime and stime, the 14th and 15th fields, after the command's `)`.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// A size from the environment variable `key`, or `default` when it is
/// unset or not a number.
pub fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

use pulseboard::domain::{ConnectionInput, WorkspaceId, WorkspaceInput};
use pulseboard::secrets::MemorySecrets;
use pulseboard::service::Core;
use pulseboard::settings::Paths;
use std::path::Path;
use std::sync::Arc;

/// A Core on a fresh data folder, secrets in memory, with one workspace
/// ("Bench", Asia/Kolkata, INR) and the default COGS % given.
pub fn bench_core(dir: &Path, default_cogs_percent: Option<&str>) -> (Core, WorkspaceId) {
    let mut core = Core::open(
        Paths::under(dir.to_path_buf()),
        Arc::new(MemorySecrets::default()),
    )
    .unwrap();
    let ws = core
        .add_workspace(&WorkspaceInput {
            name: "Bench".into(),
            timezone: Some("Asia/Kolkata".into()),
            currency: Some("INR".into()),
            default_cogs_percent: default_cogs_percent.map(String::from),
            ..Default::default()
        })
        .unwrap()
        .id;
    (core, ws)
}

/// A connection form filled with these settings and secrets.
pub fn connection_input(settings: &[(&str, &str)], secrets: &[(&str, &str)]) -> ConnectionInput {
    let mut input = ConnectionInput::default();
    for (k, v) in settings {
        input.settings.insert((*k).into(), (*v).into());
    }
    for (k, v) in secrets {
        input.secrets.0.insert((*k).into(), (*v).into());
    }
    input
}
