//! Stored daily rollups, and the marks of the days they must recompute. The
//! marks are written by triggers (migration 4) whenever records or the settings
//! the figures depend on change, so no writer can forget them.

use super::{Result, Store, StoreError};
use crate::domain::totals::Totals;
use crate::domain::WorkspaceId;
use chrono::NaiveDate;
use rusqlite::{params, Transaction, TransactionBehavior};
use std::collections::{BTreeMap, BTreeSet};

/// What the triggers marked for one workspace since its last recompute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PendingRollups {
    /// A setting changed (or a connection went): recompute every day.
    pub all: bool,
    /// UTC calendar days with a changed timestamped record.
    pub utc_days: BTreeSet<NaiveDate>,
    /// Days that are already reporting days (ad rows).
    pub local_days: BTreeSet<NaiveDate>,
}

impl PendingRollups {
    /// No day waits to be recomputed.
    pub fn is_empty(&self) -> bool {
        !self.all && self.utc_days.is_empty() && self.local_days.is_empty()
    }
}

fn parse_day(raw: &str) -> Result<NaiveDate> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("'{raw}' is not a day")))
}

impl Store {
    /// Run `f` in one write transaction taken up front (IMMEDIATE), so what it
    /// reads cannot change before what it writes commits. Store reads made by
    /// `f` on this store join the transaction.
    pub fn in_write_transaction<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Self) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(self)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Run `f` in one read transaction: a consistent snapshot, and in WAL
    /// mode it never waits on a writer.
    pub fn in_read_transaction<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Self) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        if !self.conn.is_autocommit() {
            return f(self); // already inside one
        }
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(StoreError::from)?;
        let out = f(self)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    pub fn has_pending_rollups(&self, workspace: WorkspaceId) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM rollup_dirty WHERE workspace_id = ?1)",
            [workspace.0],
            |r| r.get(0),
        )?)
    }

    pub fn pending_rollups(&self, workspace: WorkspaceId) -> Result<PendingRollups> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT kind, day FROM rollup_dirty WHERE workspace_id = ?1",
        )?;
        let mut rows = stmt.query([workspace.0])?;
        let mut out = PendingRollups::default();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let day: String = r.get(1)?;
            match kind.as_str() {
                "all" => out.all = true,
                "local_day" => {
                    out.local_days.insert(parse_day(&day)?);
                }
                _ => {
                    out.utc_days.insert(parse_day(&day)?);
                }
            }
        }
        Ok(out)
    }

    pub fn clear_pending_rollups(&self, workspace: WorkspaceId) -> Result<()> {
        self.conn.execute(
            "DELETE FROM rollup_dirty WHERE workspace_id = ?1",
            [workspace.0],
        )?;
        Ok(())
    }

    /// The first and last UTC day holding any record of the workspace.
    pub fn record_span(&self, workspace: WorkspaceId) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let (first, last): (Option<String>, Option<String>) = self.conn.query_row(
            "WITH conns AS (SELECT id FROM connections WHERE workspace_id = ?1),
             days AS (
               SELECT MIN(COALESCE(processed_at, created_at)) AS lo, MAX(COALESCE(processed_at, created_at)) AS hi
                 FROM orders WHERE connection_id IN conns
               UNION ALL SELECT MIN(created_at), MAX(created_at) FROM refunds WHERE connection_id IN conns
               UNION ALL SELECT MIN(date), MAX(date) FROM ad_days WHERE connection_id IN conns
               UNION ALL SELECT MIN(created_at), MAX(created_at) FROM shipments WHERE connection_id IN conns
               UNION ALL SELECT MIN(at), MAX(at) FROM activities WHERE connection_id IN conns)
             SELECT substr(MIN(lo), 1, 10), substr(MAX(hi), 1, 10) FROM days",
            [workspace.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        match (first, last) {
            (Some(a), Some(b)) => Ok(Some((parse_day(&a)?, parse_day(&b)?))),
            _ => Ok(None),
        }
    }

    /// The stored rollups of the days `from..=to` (days never computed are absent).
    pub fn rollups(
        &self,
        workspace: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, Totals>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT day, totals FROM daily_rollups WHERE workspace_id = ?1 AND day >= ?2 AND day <= ?3",
        )?;
        let mut rows = stmt.query(params![workspace.0, from.to_string(), to.to_string()])?;
        let mut out = BTreeMap::new();
        while let Some(r) = rows.next()? {
            let day: String = r.get(0)?;
            let json: String = r.get(1)?;
            let totals = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("rollup of {day}: {e}")))?;
            out.insert(parse_day(&day)?, totals);
        }
        Ok(out)
    }

    /// Store (replacing) the rollups of these days.
    pub fn put_rollups(
        &self,
        workspace: WorkspaceId,
        days: &BTreeMap<NaiveDate, Totals>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO daily_rollups (workspace_id, day, totals) VALUES (?1, ?2, ?3)
             ON CONFLICT (workspace_id, day) DO UPDATE SET totals = excluded.totals",
        )?;
        for (day, totals) in days {
            let json = serde_json::to_string(totals).expect("totals serialise");
            stmt.execute(params![workspace.0, day.to_string(), json])?;
        }
        Ok(())
    }

    /// Mark every day of the workspace for recomputing.
    pub fn mark_all_rollups(&self, workspace: WorkspaceId) -> Result<()> {
        self.conn.execute(
            "INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (?1, 'all', '')
             ON CONFLICT DO NOTHING",
            [workspace.0],
        )?;
        Ok(())
    }

    pub fn delete_rollups(&self, workspace: WorkspaceId) -> Result<()> {
        self.conn.execute(
            "DELETE FROM daily_rollups WHERE workspace_id = ?1",
            [workspace.0],
        )?;
        Ok(())
    }

    /// How many days of the workspace have a stored rollup.
    pub fn rollup_count(&self, workspace: WorkspaceId) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM daily_rollups WHERE workspace_id = ?1",
            [workspace.0],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}
