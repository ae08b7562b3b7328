//! Recurring expense rows.

use super::{parse_decimal, Result, Store, StoreError};
use crate::domain::{RecurringExpense, WorkspaceId};
use rusqlite::{params, OptionalExtension};

impl Store {
    pub fn expenses(&self, workspace: WorkspaceId) -> Result<Vec<RecurringExpense>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, workspace_id, name, monthly_amount, start_month, end_month
             FROM recurring_expenses WHERE workspace_id = ?1 ORDER BY start_month, name",
        )?;
        let rows = stmt
            .query_map([workspace.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, ws, name, amount, start, end)| {
                Ok(RecurringExpense {
                    id,
                    workspace_id: WorkspaceId(ws),
                    name,
                    monthly_amount: parse_decimal("monthly_amount", &amount)?,
                    start_month: start,
                    end_month: end,
                })
            })
            .collect()
    }

    pub fn add_expense(
        &mut self,
        workspace: WorkspaceId,
        name: &str,
        monthly_amount: rust_decimal::Decimal,
        start_month: &str,
        end_month: Option<&str>,
    ) -> Result<i64> {
        self.workspace(workspace)?;
        self.conn.execute(
            "INSERT INTO recurring_expenses (workspace_id, name, monthly_amount, start_month, end_month)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![workspace.0, name, monthly_amount.to_string(), start_month, end_month],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The workspace an expense belongs to.
    pub fn expense_workspace(&self, id: i64) -> Result<WorkspaceId> {
        self.conn
            .query_row(
                "SELECT workspace_id FROM recurring_expenses WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .map(WorkspaceId)
            .ok_or(StoreError::ExpenseNotFound(id))
    }

    pub fn remove_expense(&mut self, id: i64) -> Result<()> {
        let n = self
            .conn
            .execute("DELETE FROM recurring_expenses WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::ExpenseNotFound(id));
        }
        Ok(())
    }
}
