//! Connection rows. Secrets are not here: callers pass a `before_commit` step
//! (the keychain write or delete) that runs inside the transaction, so a failure
//! on either side leaves nothing half-written.

use super::{Result, Store, StoreError};
use crate::domain::{Connection, ConnectionId, ConnectionStatus, Provider, WorkspaceId};
use rusqlite::{params, OptionalExtension, Row};

const SELECT: &str = "SELECT c.id, c.workspace_id, w.name, c.provider, c.display_name, c.settings,
        c.base_url, c.schedule, c.enabled, c.status, c.last_sync_at, c.last_error, c.created_at
     FROM connections c JOIN workspaces w ON w.id = c.workspace_id";

/// The editable fields of a connection, checked and ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionEdit<'a> {
    pub display_name: &'a str,
    pub settings: &'a serde_json::Map<String, serde_json::Value>,
    pub base_url: Option<&'a str>,
    pub schedule: &'a str,
    /// A connection that needed attention gets another chance when this is set.
    pub credentials_changed: bool,
}

/// The non-secret part of a connection, checked and ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConnection {
    pub workspace_id: WorkspaceId,
    pub provider: Provider,
    pub display_name: String,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub base_url: Option<String>,
    pub schedule: String,
}

type RawRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    bool,
    String,
    Option<String>,
    Option<String>,
    String,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

fn into_connection(row: RawRow) -> Result<Connection> {
    let (
        id,
        ws,
        ws_name,
        provider,
        display_name,
        settings,
        base_url,
        schedule,
        enabled,
        status,
        last,
        err,
        created,
    ) = row;
    let provider: Provider = provider
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("connection {id} has provider '{provider}'")))?;
    let settings = match serde_json::from_str(&settings) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => {
            return Err(StoreError::Corrupt(format!(
                "connection {id} settings are not an object"
            )))
        }
    };
    let status = ConnectionStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("connection {id} has status '{status}'")))?;
    Ok(Connection {
        id: ConnectionId(id),
        workspace_id: WorkspaceId(ws),
        workspace_name: ws_name,
        provider,
        display_name,
        settings,
        base_url,
        schedule,
        enabled,
        status,
        last_sync_at: last,
        last_error: err,
        created_at: created,
    })
}

impl Store {
    /// What the last "Test connection" learned about the account, if anything.
    pub fn account_facts(&self, id: ConnectionId) -> Result<Option<crate::domain::AccountFacts>> {
        let raw: Option<String> = self
            .conn
            .query_row(
                "SELECT facts FROM connection_accounts WHERE connection_id = ?1",
                [id.0],
                |r| r.get(0),
            )
            .optional()?;
        raw.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| StoreError::Corrupt(format!("account facts of connection {id}: {e}")))
        })
        .transpose()
    }

    pub fn set_account_facts(
        &mut self,
        id: ConnectionId,
        facts: &crate::domain::AccountFacts,
    ) -> Result<()> {
        self.connection(id)?;
        self.conn.execute(
            "INSERT INTO connection_accounts (connection_id, facts) VALUES (?1, ?2)
             ON CONFLICT (connection_id) DO UPDATE SET facts = excluded.facts",
            params![id.0, serde_json::to_string(facts).expect("facts serialise")],
        )?;
        Ok(())
    }

    /// Keep what Test connection (or a run) learned about the account; where
    /// the provider's account is the business itself (a shop), its zone and
    /// currency also become its workspace's where the person did not choose
    /// them.
    pub fn keep_account_facts(
        &mut self,
        connection: &Connection,
        facts: &crate::domain::AccountFacts,
    ) -> Result<()> {
        self.set_account_facts(connection.id, facts)?;
        if connection.provider.sets_workspace_zone() {
            let (tz, cur) = self.adopt_shop_zone_and_currency(
                connection.workspace_id,
                facts.timezone.as_deref(),
                facts.currency.as_deref(),
            )?;
            if tz || cur {
                tracing::info!(connection = %connection.id, tz, cur, "workspace took the account's zone/currency");
            }
        }
        Ok(())
    }

    /// The e-mails of every person the sales sources know (Copper users,
    /// JustCall agents), each once, in order.
    pub fn member_emails(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT email FROM source_users WHERE email IS NOT NULL ORDER BY email",
        )?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// Every connection, or those of one workspace, oldest first.
    pub fn connections(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Connection>> {
        let mut stmt = self.conn.prepare(&format!(
            "{SELECT} WHERE (?1 IS NULL OR c.workspace_id = ?1) ORDER BY c.id"
        ))?;
        let rows = stmt
            .query_map([workspace.map(|w| w.0)], raw)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(into_connection).collect()
    }

    pub fn connection(&self, id: ConnectionId) -> Result<Connection> {
        let row = self
            .conn
            .query_row(&format!("{SELECT} WHERE c.id = ?1"), [id.0], raw)
            .optional()?
            .ok_or(StoreError::ConnectionNotFound(id.0))?;
        into_connection(row)
    }

    /// Insert a connection; `before_commit` gets its new id (to store the secret
    /// under) and can still abort the insert.
    pub fn insert_connection<E: From<StoreError>>(
        &mut self,
        new: &NewConnection,
        before_commit: impl FnOnce(ConnectionId) -> Result<(), E>,
    ) -> Result<ConnectionId, E> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1)",
                [new.workspace_id.0],
                |r| r.get(0),
            )
            .map_err(StoreError::from)?;
        if !exists {
            return Err(StoreError::WorkspaceNotFound(format!("#{}", new.workspace_id)).into());
        }
        tx.execute(
            "INSERT INTO connections (workspace_id, provider, display_name, settings, base_url, schedule)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new.workspace_id.0,
                new.provider.as_str(),
                new.display_name,
                serde_json::Value::Object(new.settings.clone()).to_string(),
                new.base_url,
                new.schedule,
            ],
        )
        .map_err(StoreError::from)?;
        let id = ConnectionId(tx.last_insert_rowid());
        before_commit(id)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(id)
    }

    /// Replace the editable fields of a connection; `before_commit` updates its
    /// secret and can still abort the change.
    pub fn update_connection<E: From<StoreError>>(
        &mut self,
        id: ConnectionId,
        edit: &ConnectionEdit<'_>,
        before_commit: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let n = tx
            .execute(
                "UPDATE connections SET display_name = ?2, settings = ?3, base_url = ?4, schedule = ?5,
                    status = CASE WHEN ?6 AND status = 'needs_attention' THEN 'new' ELSE status END,
                    last_error = CASE WHEN ?6 AND status = 'needs_attention' THEN NULL ELSE last_error END,
                    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE id = ?1",
                params![
                    id.0,
                    edit.display_name,
                    serde_json::Value::Object(edit.settings.clone()).to_string(),
                    edit.base_url,
                    edit.schedule,
                    edit.credentials_changed,
                ],
            )
            .map_err(StoreError::from)?;
        if n == 0 {
            return Err(StoreError::ConnectionNotFound(id.0).into());
        }
        before_commit()?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    pub fn set_connection_enabled(&mut self, id: ConnectionId, enabled: bool) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE connections SET enabled = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE id = ?1",
            params![id.0, enabled],
        )?;
        if n == 0 {
            return Err(StoreError::ConnectionNotFound(id.0));
        }
        Ok(())
    }

    /// Delete a connection with its runs and cursors; `before_commit` removes its secret.
    pub fn delete_connection<E: From<StoreError>>(
        &mut self,
        id: ConnectionId,
        before_commit: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let n = tx
            .execute("DELETE FROM connections WHERE id = ?1", [id.0])
            .map_err(StoreError::from)?;
        if n == 0 {
            return Err(StoreError::ConnectionNotFound(id.0).into());
        }
        before_commit()?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::workspaces::NewWorkspace;

    fn setup() -> (tempfile::TempDir, Store, WorkspaceId) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("db")).unwrap();
        let ws = s
            .create_workspace(&NewWorkspace {
                name: "Acme",
                timezone: "UTC",
                currency: "USD",
                default_cogs_percent: None,
                payment_fee_percent: Default::default(),
                payment_fee_fixed: Default::default(),
                timezone_chosen: true,
                currency_chosen: true,
            })
            .unwrap();
        (dir, s, ws.id)
    }

    fn new_conn(ws: WorkspaceId) -> NewConnection {
        let mut settings = serde_json::Map::new();
        settings.insert("shop".into(), "a.myshopify.com".into());
        NewConnection {
            workspace_id: ws,
            provider: Provider::Shopify,
            display_name: "Shop".into(),
            settings,
            base_url: None,
            schedule: "0 * * * *".into(),
        }
    }

    #[test]
    fn a_failing_before_commit_step_leaves_no_row() {
        let (_d, mut s, ws) = setup();
        let res: Result<_, StoreError> = s.insert_connection(&new_conn(ws), |_| {
            Err(StoreError::Corrupt("keychain said no".into()))
        });
        assert!(res.is_err());
        assert!(s.connections(None).unwrap().is_empty());
    }

    #[test]
    fn insert_update_toggle_delete() {
        let (_d, mut s, ws) = setup();
        let id = s
            .insert_connection::<StoreError>(&new_conn(ws), |_| Ok(()))
            .unwrap();
        let c = s.connection(id).unwrap();
        assert_eq!(c.status, ConnectionStatus::New);
        assert_eq!(c.workspace_name, "Acme");
        assert!(c.enabled);
        s.set_connection_enabled(id, false).unwrap();
        assert!(!s.connection(id).unwrap().enabled);
        let edit = ConnectionEdit {
            display_name: "Renamed",
            settings: &c.settings,
            base_url: Some("http://127.0.0.1:1"),
            schedule: "*/5 * * * *",
            credentials_changed: false,
        };
        s.update_connection::<StoreError>(id, &edit, || Ok(()))
            .unwrap();
        let c = s.connection(id).unwrap();
        assert_eq!(
            (c.display_name.as_str(), c.base_url.as_deref()),
            ("Renamed", Some("http://127.0.0.1:1"))
        );
        let res: Result<(), StoreError> =
            s.delete_connection(id, || Err(StoreError::Corrupt("no".into())));
        assert!(res.is_err());
        assert!(s.connection(id).is_ok(), "an aborted delete keeps the row");
        s.delete_connection::<StoreError>(id, || Ok(())).unwrap();
        assert!(matches!(
            s.connection(id),
            Err(StoreError::ConnectionNotFound(_))
        ));
    }
}
