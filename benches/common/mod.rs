//! What every benchmark binary needs: its sizes from the environment and
//! the process's peak memory. (A directory, so Cargo does not take it for a
//! bench target of its own.)

#![allow(dead_code)]

/// The process's peak resident set so far (`VmHWM`), in MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// A size from the environment variable `key`, or `default` when it is
/// unset or not a number.
pub fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
