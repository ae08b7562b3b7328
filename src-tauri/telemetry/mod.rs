//! Logging: tracing to daily rolling files in the log dir, and redaction of
//! anything that could carry a secret before it reaches a log line.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Keep the returned guard alive for as long as the process logs; dropping it flushes.
pub fn init(log_dir: &Path) -> Option<WorkerGuard> {
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("pulseboard")
        .filename_suffix("log")
        .max_log_files(14)
        .build(log_dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env("PULSEBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(writer).with_ansi(false))
        .try_init()
        .is_ok();
    installed.then_some(guard)
}

/// Query parameters whose values are credentials in one of the vendors' APIs.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "token",
    "client_secret",
    "refresh_token",
    "password",
    "api_key",
    "api_secret",
    "key",
    "fb_exchange_token",
    "input_token",
    "appsecret_proof",
];

/// A URL fit for a log line: user info dropped, secret query values replaced.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "<unparseable url>".to_string();
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let hidden = SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str());
                (
                    k.into_owned(),
                    if hidden {
                        "REDACTED".into()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// Replace every occurrence of each known secret value in `text`.
pub fn redact_values<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.len() >= 4 {
            out = out.replace(s, "[REDACTED]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials() {
        let r = redact_url(
            "https://u:p@graph.example/v26.0/act_1/insights?access_token=EAAsecret&limit=5",
        );
        assert!(!r.contains("EAAsecret"), "{r}");
        assert!(!r.contains("u:p"), "{r}");
        assert!(r.contains("limit=5"), "{r}");
        assert_eq!(redact_url("::"), "<unparseable url>");
    }

    #[test]
    fn known_values_are_replaced() {
        assert_eq!(
            redact_values("bad token shpat_abc!", ["shpat_abc"]),
            "bad token [REDACTED]!"
        );
    }
}
