//! The use cases the CLI and the app share: managing workspaces and connections.
//! Each one validates (pure, in `domain`), then writes the store and the keychain
//! as one step: the keychain call runs inside the store's transaction, so when
//! either fails neither keeps anything.

use crate::domain::provider::{self, SecretFields, SecretsRequired};
use crate::domain::workspace::WorkspacePatch;
use crate::domain::{
    Connection, ConnectionId, ConnectionInput, ExpenseInput, InvalidInput, Provider,
    RecurringExpense, Workspace, WorkspaceId, WorkspaceInput,
};
use crate::metrics;
use crate::secrets::{SecretError, SecretKey, SecretStore};
use crate::settings::{self, Paths, PathsError};
pub use crate::store::StoreError;
/// The schema version this build writes (for `--version`).
pub use crate::store::SCHEMA_VERSION;
use crate::store::{ConnectionEdit, NewConnection, Store};
use std::sync::Arc;

use crate::rollups;

pub mod dashboard;
mod demo;
pub mod goals;
pub mod members;
pub mod pipeline;
pub use dashboard::Dashboard;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Paths(#[from] PathsError),
    #[error("{0}")]
    Export(String),
}

/// A range's figures as CSV, ready to be written where the person picks.
pub struct MetricsExport {
    pub csv: Vec<u8>,
    pub rows: usize,
    pub file_name: String,
}

/// How a grouping is named in a file name and in the UI's choice.
fn grouping_word(by: metrics::Grouping) -> &'static str {
    match by {
        metrics::Grouping::Day => "day",
        metrics::Grouping::Week => "week",
        metrics::Grouping::Month => "month",
        metrics::Grouping::Total => "total",
    }
}

/// The grouping the UI asked for by name.
pub fn grouping(by: &str) -> std::result::Result<metrics::Grouping, InvalidInput> {
    match by {
        "day" => Ok(metrics::Grouping::Day),
        "week" => Ok(metrics::Grouping::Week),
        "month" => Ok(metrics::Grouping::Month),
        _ => Err(InvalidInput::new(
            "by",
            format!("'{by}' is not a grouping; use day, week or month"),
        )),
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The name of the workspace `ensure_demo` makes.
pub const DEMO_WORKSPACE: &str = "Demo";

/// An open data dir: the store plus the keychain.
pub struct Core {
    store: Store,
    secrets: Arc<dyn SecretStore>,
    paths: Paths,
    install_id: String,
    background_rollups: bool,
}

impl Core {
    /// Create the folders if needed and open the database.
    pub fn open(paths: Paths, secrets: Arc<dyn SecretStore>) -> Result<Self> {
        paths.ensure()?;
        let store = Store::open(&paths.db_path())?;
        let install_id = store.install_id()?;
        Ok(Self {
            store,
            secrets,
            paths,
            install_id,
            background_rollups: false,
        })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The database's schema version (migrations applied).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.store.schema_version()?)
    }

    /// A value the app keeps about itself (the page shown, the window's
    /// place), by key.
    pub fn app_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.store.meta(key)?)
    }

    pub fn set_app_setting(&mut self, key: &str, value: &str) -> Result<()> {
        Ok(self.store.set_meta(key, value)?)
    }

    /// Whether scheduled syncing is paused (wherever it was paused).
    pub fn sync_paused(&self) -> Result<bool> {
        Ok(self
            .store
            .meta(crate::sync::scheduler::META_SYNC_PAUSED)?
            .as_deref()
            == Some("1"))
    }

    /// Pause or resume scheduled syncing; remembered across restarts.
    pub fn set_sync_paused(&mut self, paused: bool) -> Result<()> {
        self.store.set_meta(
            crate::sync::scheduler::META_SYNC_PAUSED,
            if paused { "1" } else { "0" },
        )?;
        tracing::info!(paused, "sync pause toggled");
        Ok(())
    }

    /// The newest `limit` sync runs (of one connection, or all), each with
    /// its connection's name (empty when the connection is gone).
    pub fn runs(
        &self,
        connection: Option<ConnectionId>,
        limit: u32,
    ) -> Result<Vec<(crate::domain::run::Run, String)>> {
        let names: std::collections::HashMap<i64, String> = self
            .store
            .connections(None)?
            .into_iter()
            .map(|c| (c.id.0, c.display_name))
            .collect();
        Ok(self
            .store
            .runs(connection, limit)?
            .into_iter()
            .map(|run| {
                let name = names.get(&run.connection_id).cloned().unwrap_or_default();
                (run, name)
            })
            .collect())
    }

    /// The CSV of a range's figures grouped `by`, with the file name to
    /// suggest for it.
    pub fn export_metrics(
        &self,
        workspace: WorkspaceId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        by: metrics::Grouping,
    ) -> Result<MetricsExport> {
        let ws = self.store.workspace(workspace)?;
        let rows = self.metrics(ws.id, from, to, by)?;
        let mut csv = Vec::new();
        crate::export::write_metrics(&mut csv, &rows, by)
            .map_err(|e| ServiceError::Export(format!("cannot write the CSV: {e}")))?;
        Ok(MetricsExport {
            csv,
            rows: rows.len(),
            file_name: crate::export::file_name(&ws.name, from, to, grouping_word(by)),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The keychain, to hand to work that outlives a borrow of the core.
    pub fn secrets_handle(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    pub fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    pub fn secret_key(&self, id: ConnectionId) -> SecretKey {
        SecretKey::connection(&self.install_id, id)
    }

    // ---- workspaces -------------------------------------------------------

    pub fn workspaces(&self) -> Result<Vec<Workspace>> {
        Ok(self.store.workspaces()?)
    }

    /// Add a workspace; the zone defaults to this computer's, the currency to
    /// [`settings::FALLBACK_CURRENCY`].
    pub fn add_workspace(&mut self, input: &WorkspaceInput) -> Result<Workspace> {
        let patch = WorkspacePatch::from_input(input, true)?;
        let name = patch.name.clone().expect("required above");
        let timezone = patch.timezone.clone().unwrap_or_else(local_timezone);
        let currency = patch
            .currency
            .clone()
            .unwrap_or_else(|| settings::FALLBACK_CURRENCY.to_string());
        let ws = self.store.create_workspace(&crate::store::NewWorkspace {
            name: &name,
            timezone: &timezone,
            currency: &currency,
            default_cogs_percent: patch.default_cogs_percent.flatten(),
            payment_fee_percent: patch.payment_fee_percent.unwrap_or_default(),
            payment_fee_fixed: patch.payment_fee_fixed.unwrap_or_default(),
            timezone_chosen: patch.timezone.is_some(),
            currency_chosen: patch.currency.is_some(),
        })?;
        tracing::info!(workspace = %ws.id, "workspace added");
        Ok(ws)
    }

    /// Change the given fields of a workspace (an empty field keeps its value).
    pub fn edit_workspace(&mut self, id: WorkspaceId, input: &WorkspaceInput) -> Result<Workspace> {
        let patch = WorkspacePatch::from_input(input, false)?;
        let ws = self.store.update_workspace(id, &patch)?;
        tracing::info!(workspace = %ws.id, "workspace edited");
        self.refresh_rollups(ws.id);
        Ok(ws)
    }

    /// The workspace's newest shipments, linked to their Shopify orders.
    pub fn shipments(
        &self,
        workspace: WorkspaceId,
        limit: u32,
    ) -> Result<Vec<crate::store::ShipmentRow>> {
        Ok(self.store.shipments(workspace, limit)?)
    }

    pub fn workspace_by_name(&self, name: &str) -> Result<Workspace> {
        Ok(self.store.workspace_by_name(name)?)
    }

    pub fn set_active_workspace(&mut self, id: WorkspaceId) -> Result<()> {
        Ok(self.store.set_active_workspace(id)?)
    }

    pub fn expenses(&self, workspace: WorkspaceId) -> Result<Vec<RecurringExpense>> {
        Ok(self.store.expenses(workspace)?)
    }

    /// Add a recurring expense to a workspace.
    pub fn add_expense(
        &mut self,
        workspace: WorkspaceId,
        input: &ExpenseInput,
    ) -> Result<RecurringExpense> {
        let e = crate::domain::workspace::validate_expense(input)?;
        let id = self.store.add_expense(
            workspace,
            &e.name,
            e.monthly_amount,
            &e.start_month,
            e.end_month.as_deref(),
        )?;
        tracing::info!(workspace = %workspace, expense = id, "recurring expense added");
        self.refresh_rollups(workspace);
        self.store
            .expenses(workspace)?
            .into_iter()
            .find(|x| x.id == id)
            .ok_or_else(|| StoreError::ExpenseNotFound(id).into())
    }

    pub fn remove_expense(&mut self, id: i64) -> Result<()> {
        let workspace = self.store.expense_workspace(id)?;
        self.store.remove_expense(id)?;
        tracing::info!(expense = id, "recurring expense removed");
        self.refresh_rollups(workspace);
        Ok(())
    }

    // ---- metrics ----------------------------------------------------------

    /// Bring the workspace's stored daily figures up to date after a change
    /// (a setting, an expense, a removed connection). The change itself is
    /// committed; if this fails, reads still compute the marked days.
    fn refresh_rollups(&self, workspace: WorkspaceId) {
        if self.background_rollups {
            // On a store connection of its own, so the caller (the app, which
            // holds the core's lock) is not kept waiting while years of days
            // are recomputed; reads compute marked days meanwhile.
            let db = self.paths.db_path();
            std::thread::spawn(move || {
                let result = Store::open(&db).and_then(|s| rollups::refresh(&s, workspace));
                if let Err(e) = result {
                    tracing::warn!(%workspace, error = %e, "recomputing daily rollups failed");
                }
            });
            return;
        }
        if let Err(e) = rollups::refresh(&self.store, workspace) {
            tracing::warn!(%workspace, error = %e, "recomputing daily rollups failed");
        }
    }

    /// Recompute rollups after a settings change in the background instead of
    /// before the change returns (the desktop app wants this).
    pub fn set_background_rollups(&mut self, on: bool) {
        self.background_rollups = on;
    }

    /// The workspace's figures for the local days `from..=to`, grouped `by`,
    /// keyed by each period's first day.
    pub fn metrics(
        &self,
        workspace: WorkspaceId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        by: metrics::Grouping,
    ) -> Result<Vec<(chrono::NaiveDate, metrics::Totals)>> {
        if from > to {
            return Err(InvalidInput::new(
                "from",
                format!("{from} is after {to}; give the earlier day first"),
            )
            .into());
        }
        if (to - from).num_days() > 366 * 10 {
            return Err(InvalidInput::new("to", "ask for at most ten years at once").into());
        }
        self.store.workspace(workspace)?;
        let days = rollups::read(&self.store, workspace, from, to)?;
        Ok(metrics::group(&days, by).into_iter().collect())
    }

    // ---- connections ------------------------------------------------------

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
        let valid = provider::validate(provider, input, SecretsRequired::All)?;
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
        let valid = provider::validate(old.provider, input, SecretsRequired::KeepMissing)?;
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

/// What this version can do with a provider's connections (sync them, test
/// them), for the forms and lists that offer it.
pub use crate::connectors::registry::{capabilities, Capabilities};

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

/// This computer's IANA zone, or UTC when it cannot be told.
pub fn local_timezone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|tz| crate::domain::workspace::validate_timezone(&tz).ok())
        .unwrap_or_else(|| "UTC".to_string())
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
    use crate::domain::provider::BTreeMapSecret;
    use crate::secrets::MemorySecrets;

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
