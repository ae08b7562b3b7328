//! The use cases the CLI and the app share: workspaces, expenses, metrics and
//! runs here; connections in `connections.rs`, goals, members, the pipeline
//! and the dashboard in files of their own.
//! Each one validates (pure, in `domain`), then writes the store and the keychain
//! as one step: the keychain call runs inside the store's transaction, so when
//! either fails neither keeps anything.

use crate::domain::workspace::WorkspacePatch;
use crate::domain::{
    ConnectionId, ExpenseInput, InvalidInput, RecurringExpense, Workspace, WorkspaceId,
    WorkspaceInput,
};
use crate::metrics;
use crate::secrets::{SecretError, SecretKey, SecretStore};
use crate::settings::{self, Paths, PathsError};
use crate::store::Store;
pub use crate::store::StoreError;
/// The schema version this build writes (for `--version`).
pub use crate::store::SCHEMA_VERSION;
use std::sync::Arc;

use crate::rollups;

pub mod backups;
pub mod charts;
mod connections;
pub mod costs;
pub use connections::{test_account, TestTarget};
pub mod dashboard;
pub mod data_dir;
mod demo;
pub mod goals;
pub mod members;
pub mod pipeline;
pub mod pnl;
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
    #[error("{0}")]
    Backup(String),
    #[error("{0}")]
    Chart(String),
    /// The tray process, which runs the syncs, did not answer the window.
    #[error("{0}")]
    Host(String),
    #[error("{}", damaged_text(path, detail, backup.as_deref()))]
    Damaged {
        path: std::path::PathBuf,
        detail: String,
        /// The newest backup that is whole, if any.
        backup: Option<std::path::PathBuf>,
    },
}

fn damaged_text(path: &std::path::Path, detail: &str, backup: Option<&std::path::Path>) -> String {
    let what = format!(
        "the database {} is damaged ({detail}); it was left as it is",
        path.display()
    );
    match backup {
        Some(b) => format!(
            "{what}. Restore the newest good backup with: pulseboard restore '{}' (the damaged file is then moved aside, not deleted)",
            b.display()
        ),
        None => format!(
            "{what}. There is no backup of it; move it out of {} to start with an empty database, and keep it for repair",
            path.parent().map(|p| p.display().to_string()).unwrap_or_default()
        ),
    }
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
    /// Held while this core has the data dir open, so a restore by another
    /// process is refused (`None` only while this core restores).
    data_dir_lock: Option<data_dir::DataDirLock>,
}

impl Core {
    /// Create the folders if needed and open the database, with a quick
    /// check of it once a day (the CLI's way; see [`data_dir::QuickCheck`]).
    pub fn open(paths: Paths, secrets: Arc<dyn SecretStore>) -> Result<Self> {
        Self::open_checked(paths, secrets, data_dir::QuickCheck::Daily)
    }

    /// The desktop app's start: the data opened with the whole file
    /// checked, and a keychain found. Without one no connection can be
    /// added or synced, so the start says so rather than the first sync.
    pub fn open_for_desktop(paths: Paths) -> Result<Self> {
        let core = Self::open_checked(
            paths,
            Arc::new(crate::secrets::Keychain::default()),
            data_dir::QuickCheck::Always,
        )?;
        core.secrets().check().map_err(ServiceError::Secret)?;
        Ok(core)
    }

    /// [`Core::open`], saying when the quick check runs (the app: every launch).
    pub fn open_checked(
        paths: Paths,
        secrets: Arc<dyn SecretStore>,
        check: data_dir::QuickCheck,
    ) -> Result<Self> {
        paths.ensure()?;
        let data_dir = data_dir::DataDirLock::shared(&paths)?;
        let store = backups::open_store(&paths, check)?;
        let install_id = store.install_id()?;
        Ok(Self {
            store,
            secrets,
            paths,
            install_id,
            background_rollups: false,
            data_dir_lock: Some(data_dir),
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
}

/// What this version can do with a provider's connections (sync them, test
/// them), for the forms and lists that offer it.
pub use crate::connectors::registry::{capabilities, Capabilities};

/// This computer's IANA zone, or UTC when it cannot be told.
pub fn local_timezone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|tz| crate::domain::workspace::validate_timezone(&tz).ok())
        .unwrap_or_else(|| "UTC".to_string())
}
