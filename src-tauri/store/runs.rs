//! Sync runs, and the connection status a run's end leaves behind.

use super::{Result, Store, StoreError};
use crate::domain::run::{Run, RunStatus, StreamReport, Trigger};
use crate::domain::{ConnectionId, ConnectionStatus};
use rusqlite::{params, Row};

/// How a run ended, for [`Store::finish_run`].
#[derive(Debug, Clone)]
pub struct RunEnd<'a> {
    pub status: RunStatus,
    pub error: Option<&'a str>,
    pub requests: u64,
    pub streams: &'a [StreamReport],
    /// What the connection's status becomes.
    pub connection_status: ConnectionStatus,
}

const COLUMNS: &str =
    "id, connection_id, triggered_by, status, started_at, finished_at, records_fetched,
     records_upserted, records_skipped, requests, error, streams";

/// A row's columns, turned into a [`Run`] outside rusqlite's closure so a
/// value this version cannot read becomes a [`StoreError::Corrupt`].
struct RawRun {
    id: i64,
    connection_id: i64,
    trigger: String,
    status: String,
    started_at: String,
    finished_at: Option<String>,
    counts: [i64; 4],
    error: Option<String>,
    streams: String,
}

impl RawRun {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            connection_id: r.get(1)?,
            trigger: r.get(2)?,
            status: r.get(3)?,
            started_at: r.get(4)?,
            finished_at: r.get(5)?,
            counts: [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?],
            error: r.get(10)?,
            streams: r.get(11)?,
        })
    }

    fn into_run(self) -> Result<Run> {
        let id = self.id;
        let corrupt = |what: String| StoreError::Corrupt(format!("run {id}: {what}"));
        Ok(Run {
            id,
            connection_id: self.connection_id,
            trigger: Trigger::parse(&self.trigger)
                .ok_or_else(|| corrupt(format!("trigger '{}'", self.trigger)))?,
            status: RunStatus::parse(&self.status)
                .ok_or_else(|| corrupt(format!("status '{}'", self.status)))?,
            started_at: self.started_at,
            finished_at: self.finished_at,
            records_fetched: self.counts[0] as u64,
            records_upserted: self.counts[1] as u64,
            records_skipped: self.counts[2] as u64,
            requests: self.counts[3] as u64,
            error: self.error,
            streams: serde_json::from_str(&self.streams)
                .map_err(|e| corrupt(format!("streams: {e}")))?,
        })
    }
}

impl Store {
    /// Record a new run as running. Runs of this connection still marked
    /// running were cut off (the caller holds the connection's run lock, so
    /// none can be live): they are closed as cancelled first.
    pub fn begin_run(&mut self, connection: ConnectionId, trigger: Trigger) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE sync_runs SET status = 'cancelled', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                 error = 'interrupted: the process ended during the run'
             WHERE connection_id = ?1 AND status = 'running'",
            [connection.0],
        )?;
        tx.execute(
            "INSERT INTO sync_runs (connection_id, triggered_by, status, started_at)
             VALUES (?1, ?2, 'running', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![connection.0, trigger.as_str()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Close a run with its counts, and set the connection's status (and its
    /// `last_sync_at` when the run succeeded) in the same transaction.
    pub fn finish_run(&mut self, run: i64, end: &RunEnd<'_>) -> Result<()> {
        let sum = |f: fn(&StreamReport) -> u64| end.streams.iter().map(f).sum::<u64>() as i64;
        let streams = serde_json::to_string(end.streams).expect("reports serialise");
        let tx = self.conn.transaction()?;
        let connection: i64 = tx.query_row(
            "SELECT connection_id FROM sync_runs WHERE id = ?1",
            [run],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE sync_runs SET status = ?2, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                 records_fetched = ?3, records_upserted = ?4, records_skipped = ?5, requests = ?6,
                 error = ?7, streams = ?8
             WHERE id = ?1",
            params![
                run,
                end.status.as_str(),
                sum(|s| s.fetched),
                sum(|s| s.upserted),
                sum(|s| s.skipped),
                end.requests as i64,
                end.error,
                streams,
            ],
        )?;
        let succeeded = end.status == RunStatus::Succeeded;
        tx.execute(
            "UPDATE connections SET status = ?2, last_error = ?3,
                 last_sync_at = CASE WHEN ?4 THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') ELSE last_sync_at END
             WHERE id = ?1",
            params![connection, end.connection_status.as_str(), end.error, succeeded],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest runs first, of one connection or all.
    pub fn runs(&self, connection: Option<ConnectionId>, limit: u32) -> Result<Vec<Run>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM sync_runs WHERE (?1 IS NULL OR connection_id = ?1)
             ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![connection.map(|c| c.0), limit], RawRun::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(RawRun::into_run).collect()
    }
}
