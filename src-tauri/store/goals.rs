//! Goal rows and the targets each has had; what the person says of the
//! team's members.

use super::{parse_decimal, Result, Store, StoreError};
use crate::domain::goals::{Goal, Period};
use crate::domain::WorkspaceId;
use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;

/// What the person said of a member: their e-mail, a name, the member
/// they were merged into, and whether they are hidden.
pub type MemberOverride = (String, Option<String>, Option<String>, bool);

impl Store {
    /// Add a goal whose first target applies from the period starting on
    /// `from_day` (and to every period before it); returns its id.
    pub fn insert_goal(
        &mut self,
        workspace: WorkspaceId,
        metric: &str,
        member: Option<&str>,
        period: Period,
        from_day: NaiveDate,
        target: Decimal,
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO goals (workspace_id, metric, member, period) VALUES (?1, ?2, ?3, ?4)",
            params![workspace.0, metric, member, period.as_str()],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO goal_targets (goal_id, from_day, target) VALUES (?1, ?2, ?3)",
            params![id, from_day.to_string(), target.to_string()],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Set the target from the period starting on `from_day` on.
    pub fn set_goal_target(&mut self, id: i64, from_day: NaiveDate, target: Decimal) -> Result<()> {
        self.goal(id)?;
        self.conn.execute(
            "INSERT INTO goal_targets (goal_id, from_day, target) VALUES (?1, ?2, ?3)
             ON CONFLICT (goal_id, from_day) DO UPDATE SET target = excluded.target",
            params![id, from_day.to_string(), target.to_string()],
        )?;
        Ok(())
    }

    pub fn delete_goal(&mut self, id: i64) -> Result<()> {
        let n = self.conn.execute("DELETE FROM goals WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::GoalNotFound(id));
        }
        Ok(())
    }

    pub fn goal(&self, id: i64) -> Result<Goal> {
        let row = self
            .conn
            .query_row(
                "SELECT id, workspace_id, metric, member, period FROM goals WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?
            .ok_or(StoreError::GoalNotFound(id))?;
        self.goal_from(row)
    }

    /// A workspace's goals, oldest first.
    pub fn goals(&self, workspace: WorkspaceId) -> Result<Vec<Goal>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, workspace_id, metric, member, period FROM goals
             WHERE workspace_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([workspace.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(|row| self.goal_from(row)).collect()
    }

    fn goal_from(
        &self,
        (id, ws, metric, member, period): (i64, i64, String, Option<String>, String),
    ) -> Result<Goal> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT from_day, target FROM goal_targets WHERE goal_id = ?1 ORDER BY from_day",
        )?;
        let targets = stmt
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|(day, t)| {
                let day = day
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("goal {id} target day '{day}'")))?;
                Ok((day, parse_decimal("target", &t)?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Goal {
            id,
            workspace_id: WorkspaceId(ws),
            metric,
            member,
            period: period
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("goal {id} period '{period}'")))?,
            targets,
        })
    }

    /// What was last seen of a goal's period: its status, and whether the
    /// person was told it fell behind, and that it was met.
    pub fn goal_mark(
        &self,
        id: i64,
        period_start: NaiveDate,
    ) -> Result<Option<(String, bool, bool)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_status, told_behind, told_met FROM goal_marks
                 WHERE goal_id = ?1 AND period_start = ?2",
                params![id, period_start.to_string()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get::<_, i64>(1)? != 0,
                        r.get::<_, i64>(2)? != 0,
                    ))
                },
            )
            .optional()?)
    }

    pub fn set_goal_mark(
        &mut self,
        id: i64,
        period_start: NaiveDate,
        status: &str,
        told_behind: bool,
        told_met: bool,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO goal_marks (goal_id, period_start, last_status, told_behind, told_met)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (goal_id, period_start) DO UPDATE SET last_status = excluded.last_status,
               told_behind = excluded.told_behind, told_met = excluded.told_met",
            params![
                id,
                period_start.to_string(),
                status,
                told_behind as i64,
                told_met as i64
            ],
        )?;
        Ok(())
    }

    /// The workspace's member overrides: (e-mail, name, merged into, hidden).
    pub fn member_overrides(&self, workspace: WorkspaceId) -> Result<Vec<MemberOverride>> {
        let mut stmt = self.conn.prepare(
            "SELECT email, name, merged_into, hidden FROM members WHERE workspace_id = ?1 ORDER BY email",
        )?;
        let rows = stmt
            .query_map([workspace.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Set what the person says of a member; `None` keeps a field as it was.
    pub fn set_member(
        &mut self,
        workspace: WorkspaceId,
        email: &str,
        name: Option<&str>,
        merged_into: Option<Option<&str>>,
        hidden: Option<bool>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO members (workspace_id, email) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![workspace.0, email],
        )?;
        if let Some(name) = name {
            tx.execute(
                "UPDATE members SET name = ?3 WHERE workspace_id = ?1 AND email = ?2",
                params![workspace.0, email, name],
            )?;
        }
        if let Some(into) = merged_into {
            tx.execute(
                "UPDATE members SET merged_into = ?3 WHERE workspace_id = ?1 AND email = ?2",
                params![workspace.0, email, into],
            )?;
            if let Some(into) = into {
                // Whoever was merged into this member now goes to `into`.
                tx.execute(
                    "UPDATE members SET merged_into = ?3 WHERE workspace_id = ?1 AND merged_into = ?2",
                    params![workspace.0, email, into],
                )?;
            }
        }
        if let Some(hidden) = hidden {
            tx.execute(
                "UPDATE members SET hidden = ?3 WHERE workspace_id = ?1 AND email = ?2",
                params![workspace.0, email, hidden as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The local day of the workspace's earliest record, as UTC timestamps
    /// go: the first day its goals have history for.
    pub fn first_record_at(&self, workspace: WorkspaceId) -> Result<Option<String>> {
        // Each connection's earliest row through its time index (a MIN over
        // an index prefix is one seek); a join would scan every record.
        Ok(self.conn.query_row(
            "SELECT MIN(t) FROM (
               SELECT (SELECT MIN(COALESCE(processed_at, created_at)) FROM orders
                       WHERE connection_id = c.id) AS t
                 FROM connections c WHERE c.workspace_id = ?1
               UNION ALL SELECT (SELECT MIN(at) FROM activities WHERE connection_id = c.id)
                 FROM connections c WHERE c.workspace_id = ?1
               UNION ALL SELECT (SELECT MIN(created_at) FROM shipments WHERE connection_id = c.id)
                 FROM connections c WHERE c.workspace_id = ?1
               UNION ALL SELECT (SELECT MIN(date) FROM ad_days WHERE connection_id = c.id) || 'T00:00:00Z'
                 FROM connections c WHERE c.workspace_id = ?1)",
            [workspace.0],
            |r| r.get(0),
        )?)
    }
}
