//! Shopify's bookmark, one per stream: everything updated before `since` is
//! stored, re-read with a small overlap; within a pass, a page cursor or a
//! bulk export's place.

use super::ShopifyConfig;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// A stream's bookmark: everything updated before `since` is stored. Within
/// a pass, `after` (a page cursor) or `bulk` (an operation and how many of its
/// orders are stored) say where it stands, and `max` is the newest
/// `updatedAt` seen so far. A bulk backfill reads `step` seconds of updates
/// per export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Pass {
    pub(super) since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) step: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) max: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) bulk: Option<BulkAt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct BulkAt {
    pub(super) id: String,
    pub(super) done: usize,
    /// The export holds orders updated before this (`None`: up to now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) until: Option<DateTime<Utc>>,
}

impl Pass {
    pub(super) fn encode(&self) -> String {
        serde_json::to_string(self).expect("a cursor serialises")
    }

    pub(super) fn seen(&mut self, t: DateTime<Utc>) {
        self.max = Some(self.max.map_or(t, |m| m.max(t)));
    }

    /// The bookmark once the pass is over.
    pub(super) fn done(&self) -> Pass {
        Pass {
            since: self.max.map_or(self.since, |m| m.max(self.since)),
            step: None,
            after: None,
            max: None,
            bulk: None,
        }
    }
}

impl Pass {
    pub(super) fn parse(raw: &str) -> Option<Self> {
        serde_json::from_str(raw).ok()
    }
}

pub(super) fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn history_start(cfg: &ShopifyConfig) -> DateTime<Utc> {
    match cfg.history_days {
        Some(d) => cfg.now - chrono::Duration::days(d as i64),
        None => DateTime::UNIX_EPOCH,
    }
}

/// Where a run starts: an unfinished pass goes on where it stopped; a
/// finished one is re-read from its bookmark less the overlap.
pub(super) fn start(stream: &str, stored: Option<&str>, cfg: &ShopifyConfig) -> Pass {
    match stored.and_then(Pass::parse) {
        Some(p) if p.after.is_some() || p.bulk.is_some() || p.step.is_some() => p,
        Some(p) => Pass {
            since: p.since - cfg.overlap,
            ..p
        },
        None => Pass {
            // Costs and names are needed for every order, however old.
            since: if matches!(stream, "variants" | "products") {
                DateTime::UNIX_EPOCH
            } else {
                history_start(cfg)
            },
            step: None,
            after: None,
            max: None,
            bulk: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_pass_keeps_the_newest_update_and_a_new_run_steps_back_the_overlap() {
        let cfg = ShopifyConfig::new("http://127.0.0.1:9", "t");
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut p = Pass {
            since: t("2026-01-01T00:00:00Z"),
            step: None,
            after: Some("c".into()),
            max: None,
            bulk: None,
        };
        p.seen(t("2026-02-01T00:00:00Z"));
        p.seen(t("2026-01-15T00:00:00Z"));
        let done = p.done();
        assert_eq!(done.since, t("2026-02-01T00:00:00Z"));
        assert_eq!(done.after, None);
        // An unfinished pass resumes as it was.
        assert_eq!(
            Some(start("orders", Some(&p.encode()), &cfg).encode()),
            Some(p.encode())
        );
        let restart: Pass = start("orders", Some(&done.encode()), &cfg);
        assert_eq!(restart.since, t("2026-01-31T23:58:00Z"));
    }
}
