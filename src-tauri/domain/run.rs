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
    /// API requests this stream made (retries included).
    #[serde(default)]
    pub requests: u64,
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

/// Where a run is, as it goes: for progress bars, the tray and terminals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Progress {
    /// The run began.
    Started {
        connection_id: i64,
        run_id: i64,
        streams: Vec<String>,
    },
    /// A page of a stream was stored (`done` once the stream ended).
    Stream {
        connection_id: i64,
        run_id: i64,
        stream: String,
        /// 0-based position of the stream among the run's streams.
        index: usize,
        of: usize,
        pages: u64,
        fetched: u64,
        upserted: u64,
        skipped: u64,
        requests: u64,
        done: bool,
        error: Option<String>,
    },
    /// The run ended (any status).
    Finished {
        connection_id: i64,
        run: Run,
        /// The connection's status before and after the run.
        before: crate::domain::ConnectionStatus,
        after: crate::domain::ConnectionStatus,
    },
    /// The connection could not run at all (needs attention, no connector, …).
    NotRun { connection_id: i64, reason: String },
}

impl Progress {
    pub fn connection_id(&self) -> i64 {
        match self {
            Self::Started { connection_id, .. }
            | Self::Stream { connection_id, .. }
            | Self::Finished { connection_id, .. }
            | Self::NotRun { connection_id, .. } => *connection_id,
        }
    }
}
