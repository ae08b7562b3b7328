//! Sync runs as recorded: what started them, how they ended, and per stream
//! what was fetched, stored and skipped.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Schedule,
    Startup,
    Manual,
    Cli,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Startup => "startup",
            Self::Manual => "manual",
            Self::Cli => "cli",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Schedule, Self::Startup, Self::Manual, Self::Cli]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Every stream finished.
    Succeeded,
    /// Some streams finished, some failed.
    Partial,
    Failed,
    /// Interrupted (the process ended mid-run) or stopped.
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Running,
            Self::Succeeded,
            Self::Partial,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// A record skipped during a run, kept as an example of why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedExample {
    pub id: Option<String>,
    pub reason: String,
}

/// One stream's part of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamReport {
    pub stream: String,
    pub pages: u64,
    pub fetched: u64,
    pub upserted: u64,
    pub skipped: u64,
    pub error: Option<String>,
    /// Up to a few skipped records, with their reasons.
    pub examples: Vec<SkippedExample>,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: i64,
    pub connection_id: i64,
    pub trigger: Trigger,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub records_fetched: u64,
    pub records_upserted: u64,
    pub records_skipped: u64,
    pub requests: u64,
    pub error: Option<String>,
    pub streams: Vec<StreamReport>,
}
