//! Connections: add, edit, enable, disconnect and list them, each change to
//! the store and the keychain as one step (the keychain call runs inside the
//! store's transaction), their account facts, and what Test connection needs.

use super::{Core, Result};
use crate::domain::connection_input::{self, SecretFields, SecretsRequired};
use crate::domain::{Connection, ConnectionId, ConnectionInput, Provider, WorkspaceId};
use crate::secrets::SecretKey;
use crate::settings;
use crate::store::{ConnectionEdit, NewConnection};

impl Core {
    pub fn connections(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Connection>> {
        Ok(self.store.connections(workspace)?)
    }

    pub fn connection(&self, id: ConnectionId) -> Result<Connection> {
        Ok(self.store.connection(id)?)
    }

    /// What Sync now syncs: the one connection asked for (it must exist,
    /// enabled or not), or every enabled one.
    pub fn connections_to_sync(&self, only: Option<ConnectionId>) -> Result<Vec<ConnectionId>> {
        Ok(match only {
            Some(id) => vec![self.store.connection(id)?.id],
            None => self
                .store
                .connections(None)?
                .into_iter()
                .filter(|c| c.enabled)
                .map(|c| c.id)
                .collect(),
        })
    }

    /// What Test connection needs, read under the core's lock so the network
    /// call ([`test_account`]) can run without it.
    pub fn connection_to_test(&self, id: ConnectionId) -> Result<TestTarget> {
        Ok(TestTarget {
            connection: self.store.connection(id)?,
            secrets: self.connection_secrets(id)?,
        })
    }

    /// Add a connection and put its secret in the keychain, or do neither.
    pub fn connect(
        &mut self,
        workspace: WorkspaceId,
        provider: Provider,
        input: &ConnectionInput,
    ) -> Result<Connection> {
        let valid = connection_input::validate(provider, input, SecretsRequired::All)?;
        let new = NewConnection {
            workspace_id: workspace,
            provider,
            display_name: valid
                .display_name
                .clone()
                .unwrap_or_else(|| default_display_name(provider, &valid.settings)),
            settings: valid.settings.clone(),
            base_url: valid.base_url.clone(),
            schedule: valid
                .schedule
                .clone()
                .unwrap_or_else(|| settings::default_schedule(provider).to_string()),
        };
        let secrets = self.secrets.clone();
        let install_id = self.install_id.clone();
        let needs_secret = provider.spec().secret_fields().next().is_some();
        let id = self.store.insert_connection(&new, |id| -> Result<()> {
            if needs_secret {
                secrets.put(&SecretKey::connection(&install_id, id), &valid.secrets)?;
            }
            Ok(())
        })?;
        tracing::info!(connection = %id, %provider, "connection added");
        self.connection(id)
    }

    /// Edit a connection. Secret fields left empty keep what the keychain holds.
    pub fn update_connection(
        &mut self,
        id: ConnectionId,
        input: &ConnectionInput,
    ) -> Result<Connection> {
        let old = self.store.connection(id)?;
        let valid = connection_input::validate(old.provider, input, SecretsRequired::KeepMissing)?;
        let credentials_changed = !valid.secrets.is_empty() || valid.settings != old.settings;
        let display_name = valid
            .display_name
            .clone()
            .unwrap_or_else(|| default_display_name(old.provider, &valid.settings));
        let schedule = valid
            .schedule
            .clone()
            .unwrap_or_else(|| old.schedule.clone());
        let key = self.secret_key(id);
        let secrets = self.secrets.clone();
        let edit = ConnectionEdit {
            display_name: &display_name,
            settings: &valid.settings,
            base_url: valid.base_url.as_deref(),
            schedule: &schedule,
            credentials_changed,
        };
        self.store.update_connection(id, &edit, || -> Result<()> {
            if !valid.secrets.is_empty() {
                let mut merged = secrets.get(&key)?.unwrap_or_default();
                merged.0.extend(valid.secrets.0.clone());
                secrets.put(&key, &merged)?;
            }
            Ok(())
        })?;
        tracing::info!(connection = %id, "connection edited");
        self.connection(id)
    }

    pub fn set_connection_enabled(
        &mut self,
        id: ConnectionId,
        enabled: bool,
    ) -> Result<Connection> {
        self.store.set_connection_enabled(id, enabled)?;
        tracing::info!(connection = %id, enabled, "connection toggled");
        self.connection(id)
    }

    /// Remove a connection, its runs and cursors, and its keychain entry.
    pub fn disconnect(&mut self, id: ConnectionId) -> Result<()> {
        let connection = self.store.connection(id)?;
        let provider = connection.provider;
        let key = self.secret_key(id);
        let secrets = self.secrets.clone();
        let has_secret = provider.spec().secret_fields().next().is_some();
        self.store.delete_connection(id, || -> Result<()> {
            if has_secret {
                secrets.delete(&key)?;
            }
            Ok(())
        })?;
        tracing::info!(connection = %id, "connection removed");
        self.refresh_rollups(connection.workspace_id);
        Ok(())
    }

    /// Keep what a "Test connection" learned about the account.
    pub fn save_account_facts(
        &mut self,
        id: ConnectionId,
        facts: &crate::domain::AccountFacts,
    ) -> Result<()> {
        let connection = self.store.connection(id)?;
        self.store.keep_account_facts(&connection, facts)?;
        tracing::info!(connection = %id, "account facts saved");
        Ok(())
    }

    pub fn account_facts(&self, id: ConnectionId) -> Result<Option<crate::domain::AccountFacts>> {
        Ok(self.store.account_facts(id)?)
    }

    /// What differs between the connection's account and its workspace, or
    /// needs doing soon (a token near its end).
    pub fn account_warnings(&self, id: ConnectionId) -> Result<Vec<String>> {
        let Some(facts) = self.store.account_facts(id)? else {
            return Ok(Vec::new());
        };
        let ws = self
            .store
            .workspace(self.store.connection(id)?.workspace_id)?;
        Ok(facts.warnings(&ws, chrono::Utc::now()))
    }

    /// The stored secret fields of a connection (for connectors, never for the UI).
    pub fn connection_secrets(&self, id: ConnectionId) -> Result<Option<SecretFields>> {
        Ok(self.secrets.get(&self.secret_key(id))?)
    }

    /// `••••1a2b` for the edit form, or `None` when nothing is stored.
    pub fn secret_hint(&self, id: ConnectionId) -> Result<Option<String>> {
        Ok(self.connection_secrets(id)?.and_then(|s| s.hint()))
    }
}

/// A connection and its secrets, ready to be tested.
pub struct TestTarget {
    pub connection: Connection,
    secrets: Option<SecretFields>,
}

/// Test connection: ask the platform about the account behind `target`.
/// Keep the answer with [`Core::save_account_facts`].
pub async fn test_account(
    target: &TestTarget,
) -> std::result::Result<crate::domain::AccountFacts, crate::sync::TestError> {
    crate::sync::test_connection(&target.connection, target.secrets.as_ref()).await
}

fn default_display_name(
    provider: Provider,
    settings: &serde_json::Map<String, serde_json::Value>,
) -> String {
    let label = provider.spec().label;
    let first = provider
        .spec()
        .setting_fields()
        .find_map(|f| settings.get(f.key).and_then(|v| v.as_str()));
    match first {
        Some(v) => format!("{label} · {v}"),
        None => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::connection_input::BTreeMapSecret;
    use crate::domain::WorkspaceInput;
    use crate::secrets::MemorySecrets;
    use crate::service::{ServiceError, StoreError};
    use crate::settings::Paths;
    use std::sync::Arc;

    fn core(secrets: Arc<MemorySecrets>) -> (tempfile::TempDir, Core) {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(Paths::under(dir.path().join("data")), secrets).unwrap();
        (dir, core)
    }

    fn shopify(token: &str) -> ConnectionInput {
        ConnectionInput {
            settings: [("shop".to_string(), "a.myshopify.com".to_string())].into(),
            secrets: BTreeMapSecret([("access_token".to_string(), token.to_string())].into()),
            ..Default::default()
        }
    }

    fn ws(core: &mut Core) -> WorkspaceId {
        core.add_workspace(&WorkspaceInput {
            name: "Acme".into(),
            ..Default::default()
        })
        .unwrap()
        .id
    }

    #[test]
    fn connect_edit_disconnect_keeps_the_keychain_in_step() {
        let secrets = Arc::new(MemorySecrets::default());
        let (_d, mut core) = core(secrets.clone());
        let ws = ws(&mut core);
        let c = core
            .connect(ws, Provider::Shopify, &shopify("shpat_first_token_0001"))
            .unwrap();
        assert_eq!(c.display_name, "Shopify · a.myshopify.com");
        assert_eq!(c.schedule, "0 * * * *");
        assert_eq!(secrets.len(), 1);
        assert_eq!(core.secret_hint(c.id).unwrap().as_deref(), Some("••••0001"));

        // Editing without secrets keeps the stored token.
        let mut edit = shopify("");
        edit.display_name = Some("Main shop".into());
        core.update_connection(c.id, &edit).unwrap();
        assert_eq!(core.secret_hint(c.id).unwrap().as_deref(), Some("••••0001"));
        core.update_connection(c.id, &shopify("shpat_second_token_0002"))
            .unwrap();
        assert_eq!(core.secret_hint(c.id).unwrap().as_deref(), Some("••••0002"));

        core.disconnect(c.id).unwrap();
        assert!(secrets.is_empty());
        assert!(core.connections(None).unwrap().is_empty());
    }

    #[test]
    fn no_keychain_means_no_row_and_a_clear_error() {
        let secrets = Arc::new(MemorySecrets::unavailable());
        let (_d, mut core) = core(secrets);
        let ws = ws(&mut core);
        let err = core
            .connect(ws, Provider::Shopify, &shopify("shpat_x"))
            .unwrap_err();
        assert!(
            err.to_string().contains("keychain is not available"),
            "{err}"
        );
        assert!(core.connections(None).unwrap().is_empty());
        // The demo needs no secret and so no keychain.
        core.connect(ws, Provider::Demo, &ConnectionInput::default())
            .unwrap();
    }

    #[test]
    fn unknown_workspace_is_refused() {
        let (_d, mut core) = core(Arc::new(MemorySecrets::default()));
        let err = core
            .connect(WorkspaceId(42), Provider::Demo, &ConnectionInput::default())
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::Store(StoreError::WorkspaceNotFound(_))),
            "{err}"
        );
    }
}
