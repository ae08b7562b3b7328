//! Workspace rows.

use super::{parse_decimal, Result, Store, StoreError};
use crate::domain::{Workspace, WorkspaceId, WorkspacePatch};
use rusqlite::{params, OptionalExtension, Row};

const COLUMNS: &str = "id, name, timezone, currency, active, default_cogs_percent, \
     payment_fee_percent, payment_fee_fixed, created_at";

/// The raw columns of one row, converted to a [`Workspace`] outside rusqlite's closure
/// so a bad decimal becomes a [`StoreError::Corrupt`].
struct RawWorkspace {
    id: i64,
    name: String,
    timezone: String,
    currency: String,
    active: bool,
    cogs: Option<String>,
    fee_percent: String,
    fee_fixed: String,
    created_at: String,
}

impl RawWorkspace {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            name: r.get(1)?,
            timezone: r.get(2)?,
            currency: r.get(3)?,
            active: r.get(4)?,
            cogs: r.get(5)?,
            fee_percent: r.get(6)?,
            fee_fixed: r.get(7)?,
            created_at: r.get(8)?,
        })
    }

    fn into_workspace(self) -> Result<Workspace> {
        Ok(Workspace {
            id: WorkspaceId(self.id),
            name: self.name,
            timezone: self.timezone,
            currency: self.currency,
            active: self.active,
            default_cogs_percent: self
                .cogs
                .map(|c| parse_decimal("default_cogs_percent", &c))
                .transpose()?,
            payment_fee_percent: parse_decimal("payment_fee_percent", &self.fee_percent)?,
            payment_fee_fixed: parse_decimal("payment_fee_fixed", &self.fee_fixed)?,
            created_at: self.created_at,
        })
    }
}

/// A workspace ready to insert: every field checked by the domain.
#[derive(Debug, Clone)]
pub struct NewWorkspace<'a> {
    pub name: &'a str,
    pub timezone: &'a str,
    pub currency: &'a str,
    pub default_cogs_percent: Option<rust_decimal::Decimal>,
    pub payment_fee_percent: rust_decimal::Decimal,
    pub payment_fee_fixed: rust_decimal::Decimal,
    /// Whether the person gave the zone and currency (or they are defaults a
    /// Shopify shop may replace once).
    pub timezone_chosen: bool,
    pub currency_chosen: bool,
}

impl Store {
    /// Give the workspace the shop's zone and currency where the person did
    /// not choose them; both count as chosen afterwards. Says what changed.
    pub fn adopt_shop_zone_and_currency(
        &mut self,
        id: WorkspaceId,
        timezone: Option<&str>,
        currency: Option<&str>,
    ) -> Result<(bool, bool)> {
        let tx = self.conn.transaction()?;
        let tz = match timezone {
            Some(tz) => tx.execute(
                "UPDATE workspaces SET timezone = ?1, timezone_chosen = 1 WHERE id = ?2 AND timezone_chosen = 0",
                params![tz, id.0],
            )? > 0,
            None => false,
        };
        let cur = match currency {
            Some(c) => tx.execute(
                "UPDATE workspaces SET currency = ?1, currency_chosen = 1 WHERE id = ?2 AND currency_chosen = 0",
                params![c, id.0],
            )? > 0,
            None => false,
        };
        tx.commit()?;
        Ok((tz, cur))
    }

    pub fn workspaces(&self) -> Result<Vec<Workspace>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM workspaces ORDER BY name COLLATE NOCASE"
        ))?;
        let raws = stmt
            .query_map([], RawWorkspace::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        raws.into_iter().map(RawWorkspace::into_workspace).collect()
    }

    pub fn workspace(&self, id: WorkspaceId) -> Result<Workspace> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM workspaces WHERE id = ?1"),
                [id.0],
                RawWorkspace::from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::WorkspaceNotFound(format!("#{id}")))?
            .into_workspace()
    }

    /// Names compare case-insensitively, as people type them.
    pub fn workspace_by_name(&self, name: &str) -> Result<Workspace> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM workspaces WHERE name = ?1 COLLATE NOCASE"),
                [name],
                RawWorkspace::from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::WorkspaceNotFound(name.to_string()))?
            .into_workspace()
    }

    /// Insert a workspace; the first one becomes active.
    pub fn create_workspace(&mut self, new: &NewWorkspace<'_>) -> Result<Workspace> {
        let tx = self.conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE name = ?1 COLLATE NOCASE)",
            [new.name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::WorkspaceExists(new.name.to_string()));
        }
        let any_active: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE active = 1)",
            [],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO workspaces (name, timezone, currency, active, default_cogs_percent,
                                     payment_fee_percent, payment_fee_fixed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                new.name,
                new.timezone,
                new.currency,
                !any_active,
                new.default_cogs_percent.map(|d| d.to_string()),
                new.payment_fee_percent.to_string(),
                new.payment_fee_fixed.to_string(),
            ],
        )?;
        let id = WorkspaceId(tx.last_insert_rowid());
        // Chosen is the column default; only a default zone or currency is marked.
        if !new.timezone_chosen || !new.currency_chosen {
            tx.execute(
                "UPDATE workspaces SET timezone_chosen = ?1, currency_chosen = ?2 WHERE id = ?3",
                params![new.timezone_chosen, new.currency_chosen, id.0],
            )?;
        }
        tx.commit()?;
        self.workspace(id)
    }

    /// Apply the fields the patch sets; the rest stay.
    pub fn update_workspace(
        &mut self,
        id: WorkspaceId,
        patch: &WorkspacePatch,
    ) -> Result<Workspace> {
        let tx = self.conn.transaction()?;
        let found: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1)",
            [id.0],
            |r| r.get(0),
        )?;
        if !found {
            return Err(StoreError::WorkspaceNotFound(format!("#{id}")));
        }
        if let Some(name) = &patch.name {
            let clash: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM workspaces WHERE name = ?1 COLLATE NOCASE AND id <> ?2)",
                params![name, id.0],
                |r| r.get(0),
            )?;
            if clash {
                return Err(StoreError::WorkspaceExists(name.clone()));
            }
            tx.execute(
                "UPDATE workspaces SET name = ?1 WHERE id = ?2",
                params![name, id.0],
            )?;
        }
        if let Some(tz) = &patch.timezone {
            tx.execute(
                "UPDATE workspaces SET timezone = ?1, timezone_chosen = 1 WHERE id = ?2",
                params![tz, id.0],
            )?;
        }
        if let Some(cur) = &patch.currency {
            tx.execute(
                "UPDATE workspaces SET currency = ?1, currency_chosen = 1 WHERE id = ?2",
                params![cur, id.0],
            )?;
        }
        if let Some(cogs) = &patch.default_cogs_percent {
            tx.execute(
                "UPDATE workspaces SET default_cogs_percent = ?1 WHERE id = ?2",
                params![cogs.map(|d| d.to_string()), id.0],
            )?;
        }
        if let Some(p) = &patch.payment_fee_percent {
            tx.execute(
                "UPDATE workspaces SET payment_fee_percent = ?1 WHERE id = ?2",
                params![p.to_string(), id.0],
            )?;
        }
        if let Some(a) = &patch.payment_fee_fixed {
            tx.execute(
                "UPDATE workspaces SET payment_fee_fixed = ?1 WHERE id = ?2",
                params![a.to_string(), id.0],
            )?;
        }
        tx.execute(
            "UPDATE workspaces SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
            [id.0],
        )?;
        tx.commit()?;
        self.workspace(id)
    }

    /// Make `id` the workspace the UI shows.
    pub fn set_active_workspace(&mut self, id: WorkspaceId) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE workspaces SET active = 0 WHERE active = 1", [])?;
        let n = tx.execute("UPDATE workspaces SET active = 1 WHERE id = ?1", [id.0])?;
        if n == 0 {
            return Err(StoreError::WorkspaceNotFound(format!("#{id}")));
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    pub(crate) fn new_ws(name: &str) -> NewWorkspace<'_> {
        NewWorkspace {
            name,
            timezone: "Asia/Kolkata",
            currency: "INR",
            default_cogs_percent: Some(Decimal::from(40)),
            payment_fee_percent: Decimal::new(29, 1),
            payment_fee_fixed: Decimal::new(30, 2),
            timezone_chosen: true,
            currency_chosen: true,
        }
    }

    #[test]
    fn create_list_edit_activate() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("db")).unwrap();
        let a = s.create_workspace(&new_ws("Acme")).unwrap();
        assert!(a.active, "the first workspace is active");
        assert_eq!(a.payment_fee_fixed, Decimal::new(30, 2));
        let b = s.create_workspace(&new_ws("Beta")).unwrap();
        assert!(!b.active);
        assert!(matches!(
            s.create_workspace(&new_ws("acme")),
            Err(StoreError::WorkspaceExists(_))
        ));
        assert_eq!(s.workspace_by_name("ACME").unwrap().id, a.id);

        let patch = WorkspacePatch {
            timezone: Some("Europe/Berlin".into()),
            default_cogs_percent: Some(None),
            ..Default::default()
        };
        let a2 = s.update_workspace(a.id, &patch).unwrap();
        assert_eq!(a2.timezone, "Europe/Berlin");
        assert_eq!(a2.default_cogs_percent, None);
        assert_eq!(a2.currency, "INR", "unpatched fields stay");

        s.set_active_workspace(b.id).unwrap();
        let active: Vec<_> = s
            .workspaces()
            .unwrap()
            .into_iter()
            .filter(|w| w.active)
            .collect();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].id, b.id);
        assert!(s.set_active_workspace(WorkspaceId(99)).is_err());
        assert_eq!(
            s.workspaces().unwrap().iter().filter(|w| w.active).count(),
            1,
            "a failed switch changes nothing"
        );
    }
}
