//! IPC commands. Each one validates, delegates to `service`, and maps the error;
//! none holds logic of its own. They run off the main thread (`async`), so a slow
//! keychain never freezes the window.

use super::error::CommandError;
use super::state::{AppState, META_UI_PAGE};
use super::view::{
    AppInfo, ConnectionDetail, ConnectionView, DashboardView, ExpenseView, ExportView,
    ProviderView, RunView, SyncStatus, Tile, UiState, WorkspaceView,
};
use crate::domain::{
    ConnectionId, ConnectionInput, ExpenseInput, Provider, WorkspaceId, WorkspaceInput,
};
use tauri::State;

type Result<T> = std::result::Result<T, CommandError>;

/// The pages the UI has; anything else is refused.
const PAGES: &[&str] = &[
    "dashboard",
    "connections",
    "goals",
    "costs",
    "history",
    "settings",
];

#[tauri::command(async)]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo> {
    let core = state.core();
    let paths = core.paths();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: paths.data_dir.display().to_string(),
        log_dir: paths.log_dir.display().to_string(),
        database: paths.db_path().display().to_string(),
        schema_version: core
            .store()
            .schema_version()
            .map_err(crate::service::ServiceError::from)?,
        keychain: core.secrets().describe(),
    })
}

#[tauri::command(async)]
pub fn list_workspaces(state: State<'_, AppState>) -> Result<Vec<WorkspaceView>> {
    Ok(state
        .core()
        .workspaces()?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command(async)]
pub fn create_workspace(
    state: State<'_, AppState>,
    input: WorkspaceInput,
) -> Result<WorkspaceView> {
    let ws = state.core().add_workspace(&input)?;
    state.changed();
    Ok(ws.into())
}

#[tauri::command(async)]
pub fn update_workspace(
    state: State<'_, AppState>,
    id: i64,
    input: WorkspaceInput,
) -> Result<WorkspaceView> {
    let ws = state.core().edit_workspace(WorkspaceId(id), &input)?;
    Ok(ws.into())
}

#[tauri::command(async)]
pub fn set_active_workspace(state: State<'_, AppState>, id: i64) -> Result<()> {
    state.core().set_active_workspace(WorkspaceId(id))?;
    Ok(())
}

#[tauri::command(async)]
pub fn list_expenses(state: State<'_, AppState>, workspace_id: i64) -> Result<Vec<ExpenseView>> {
    let list = state.core().expenses(WorkspaceId(workspace_id))?;
    Ok(list.into_iter().map(Into::into).collect())
}

#[tauri::command(async)]
pub fn add_expense(
    state: State<'_, AppState>,
    workspace_id: i64,
    input: ExpenseInput,
) -> Result<ExpenseView> {
    Ok(state
        .core()
        .add_expense(WorkspaceId(workspace_id), &input)?
        .into())
}

#[tauri::command(async)]
pub fn remove_expense(state: State<'_, AppState>, id: i64) -> Result<()> {
    state.core().remove_expense(id)?;
    Ok(())
}

#[tauri::command(async)]
pub fn list_providers() -> Vec<ProviderView> {
    Provider::ALL.into_iter().map(Into::into).collect()
}

#[tauri::command(async)]
pub fn list_connections(
    state: State<'_, AppState>,
    workspace_id: Option<i64>,
) -> Result<Vec<ConnectionView>> {
    let core = state.core();
    let list = core.connections(workspace_id.map(WorkspaceId))?;
    list.into_iter()
        .map(|c| {
            let id = c.id;
            let mut view = ConnectionView::from(c);
            view.account = core.account_facts(id)?;
            view.warnings = core.account_warnings(id)?;
            Ok(view)
        })
        .collect()
}

/// Test connection: ask the platform about the account behind a connection,
/// keep what it says, and return the connection with its warnings.
#[tauri::command]
pub async fn test_connection(state: State<'_, AppState>, id: i64) -> Result<ConnectionView> {
    let id = ConnectionId(id);
    let (connection, secrets) = {
        let core = state.core();
        (core.connection(id)?, core.connection_secrets(id)?)
    };
    let facts = crate::sync::test_connection(&connection, secrets.as_ref())
        .await
        .map_err(|e| CommandError::new("test_failed", e))?;
    let mut core = state.core();
    core.save_account_facts(id, &facts)?;
    let mut view = ConnectionView::from(core.connection(id)?);
    view.account = Some(facts);
    view.warnings = core.account_warnings(id)?;
    Ok(view)
}

#[tauri::command(async)]
pub fn get_connection(state: State<'_, AppState>, id: i64) -> Result<ConnectionDetail> {
    let core = state.core();
    let connection = core.connection(ConnectionId(id))?;
    // A keychain that cannot answer must not hide the connection's settings.
    let secret_hint = core.secret_hint(connection.id).unwrap_or_else(|e| {
        tracing::warn!(connection = id, error = %e, "cannot read the secret hint");
        None
    });
    Ok(ConnectionDetail {
        connection: connection.into(),
        secret_hint,
    })
}

#[tauri::command(async)]
pub fn add_connection(
    state: State<'_, AppState>,
    workspace_id: i64,
    provider: String,
    input: ConnectionInput,
) -> Result<ConnectionView> {
    let provider: Provider = provider.parse()?;
    let c = state
        .core()
        .connect(WorkspaceId(workspace_id), provider, &input)?;
    state.connections_changed();
    Ok(c.into())
}

#[tauri::command(async)]
pub fn update_connection(
    state: State<'_, AppState>,
    id: i64,
    input: ConnectionInput,
) -> Result<ConnectionView> {
    let c = state.core().update_connection(ConnectionId(id), &input)?;
    state.connections_changed();
    Ok(c.into())
}

#[tauri::command(async)]
pub fn set_connection_enabled(
    state: State<'_, AppState>,
    id: i64,
    enabled: bool,
) -> Result<ConnectionView> {
    let c = state
        .core()
        .set_connection_enabled(ConnectionId(id), enabled)?;
    state.connections_changed();
    Ok(c.into())
}

#[tauri::command(async)]
pub fn remove_connection(state: State<'_, AppState>, id: i64) -> Result<()> {
    state.core().disconnect(ConnectionId(id))?;
    state.connections_changed();
    Ok(())
}

#[tauri::command(async)]
pub fn get_ui_state(state: State<'_, AppState>) -> Result<UiState> {
    let page = state
        .core()
        .store()
        .meta(META_UI_PAGE)
        .map_err(crate::service::ServiceError::from)?
        .filter(|p| PAGES.contains(&p.as_str()))
        .unwrap_or_else(|| "dashboard".into());
    Ok(UiState {
        page,
        sync_paused: state.sync_paused(),
    })
}

#[tauri::command(async)]
pub fn set_ui_page(state: State<'_, AppState>, page: String) -> Result<()> {
    if !PAGES.contains(&page.as_str()) {
        return Err(CommandError::new(
            "invalid_input",
            format!("no page named '{page}'"),
        ));
    }
    state
        .core()
        .store_mut()
        .set_meta(META_UI_PAGE, &page)
        .map_err(crate::service::ServiceError::from)?;
    Ok(())
}

#[tauri::command(async)]
pub fn set_sync_paused(state: State<'_, AppState>, paused: bool) -> Result<()> {
    super::set_paused(&state, paused)?;
    Ok(())
}

#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>, connection_id: Option<i64>) -> Result<usize> {
    Ok(super::start_sync(&state, connection_id.map(ConnectionId))?)
}

#[tauri::command(async)]
pub fn get_sync_status(state: State<'_, AppState>) -> SyncStatus {
    SyncStatus {
        syncing: state.syncing(),
        paused: state.sync_paused(),
        running: state.running(),
    }
}

#[tauri::command(async)]
pub fn list_runs(
    state: State<'_, AppState>,
    connection_id: Option<i64>,
    limit: Option<u32>,
) -> Result<Vec<RunView>> {
    let core = state.core();
    let names: std::collections::HashMap<i64, String> = core
        .connections(None)?
        .into_iter()
        .map(|c| (c.id.0, c.display_name))
        .collect();
    let runs = core
        .store()
        .runs(
            connection_id.map(ConnectionId),
            limit.unwrap_or(100).min(1000),
        )
        .map_err(crate::service::ServiceError::from)?;
    Ok(runs
        .into_iter()
        .map(|run| RunView {
            connection_name: names.get(&run.connection_id).cloned().unwrap_or_default(),
            run,
        })
        .collect())
}

/// The dashboard's tiles, in order, with how each is shown.
const TILES: &[(&str, &str)] = &[
    ("revenue", "money"),
    ("orders", "count"),
    ("aov", "money"),
    ("net_profit", "money"),
    ("net_margin", "percent"),
    ("ad_spend", "money"),
    ("roas", "ratio"),
    ("poas", "ratio"),
    ("new_customers", "count"),
    ("rto_rate", "percent"),
    ("calls", "count"),
    ("talk_time_s", "seconds"),
];

fn parse_day(field: &str, raw: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        crate::domain::InvalidInput::new(field, format!("'{raw}' is not a date (YYYY-MM-DD)"))
            .into()
    })
}

#[tauri::command(async)]
pub fn dashboard(
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
) -> Result<DashboardView> {
    use crate::metrics::keys::value;
    use crate::metrics::Grouping;
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    let core = state.core();
    let ws = core
        .store()
        .workspace(WorkspaceId(workspace_id))
        .map_err(crate::service::ServiceError::from)?;
    let days = (to - from).num_days().max(0) as u64 + 1;
    let previous_to = from - chrono::Days::new(1);
    let previous_from = from - chrono::Days::new(days);
    let total = |f, t| -> Result<crate::metrics::Totals> {
        Ok(core
            .metrics(ws.id, f, t, Grouping::Total)?
            .into_iter()
            .next()
            .map(|(_, totals)| totals)
            .unwrap_or_default())
    };
    let now = total(from, to)?;
    let before = total(previous_from, previous_to)?;
    let render = |t: &crate::metrics::Totals, key: &str| {
        let text = value(t, key).map(|v| v.render()).unwrap_or_default();
        (!text.is_empty()).then_some(text)
    };
    Ok(DashboardView {
        from: from.to_string(),
        to: to.to_string(),
        previous_from: previous_from.to_string(),
        previous_to: previous_to.to_string(),
        currency: ws.currency,
        timezone: ws.timezone,
        tiles: TILES
            .iter()
            .map(|(key, kind)| Tile {
                key,
                kind,
                value: render(&now, key),
                previous: render(&before, key),
            })
            .collect(),
    })
}

/// First launch: make the Demo workspace and start syncing it.
#[tauri::command(async)]
pub fn create_demo(state: State<'_, AppState>) -> Result<WorkspaceView> {
    let (ws, demo) = {
        let mut core = state.core();
        let (ws, _) = core.ensure_demo()?;
        let demo = core
            .connections(Some(ws.id))?
            .into_iter()
            .find(|c| c.provider == Provider::Demo)
            .map(|c| c.id);
        (ws, demo)
    };
    state.connections_changed();
    if let Some(id) = demo {
        super::start_sync(&state, Some(id))?;
    }
    Ok(ws.into())
}

/// The CSV export of the dashboard: the daily metrics of a range, grouped by
/// day, week or month, written where the user picks in a save dialog. `None`
/// when the dialog was cancelled.
#[tauri::command(async)]
pub fn export_csv<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
    by: String,
) -> Result<Option<ExportView>> {
    use crate::metrics::Grouping;
    use tauri_plugin_dialog::DialogExt;
    let grouping = match by.as_str() {
        "day" => Grouping::Day,
        "week" => Grouping::Week,
        "month" => Grouping::Month,
        _ => {
            return Err(crate::domain::InvalidInput::new(
                "by",
                format!("'{by}' is not a grouping; use day, week or month"),
            )
            .into())
        }
    };
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    let (rows, suggested) = {
        let core = state.core();
        let ws = core
            .store()
            .workspace(WorkspaceId(workspace_id))
            .map_err(crate::service::ServiceError::from)?;
        let rows = core.metrics(ws.id, from, to, grouping)?;
        (rows, crate::export::file_name(&ws.name, from, to, &by))
    };
    let mut csv = Vec::new();
    crate::export::write_metrics(&mut csv, &rows, grouping)
        .map_err(|e| CommandError::new("export", format!("cannot write the CSV: {e}")))?;
    let Some(picked) = app
        .dialog()
        .file()
        .set_title("Export metrics as CSV")
        // No file-type filter: with one, the GTK dialog appends ".csv" even to
        // a name that has it. A name without an extension gets one below.
        .set_file_name(&suggested)
        .blocking_save_file()
    else {
        return Ok(None);
    };
    let path = crate::export::with_csv_extension(picked.into_path().map_err(|e| {
        CommandError::new(
            "export",
            format!("that is not a file on this computer: {e}"),
        )
    })?);
    crate::export::write_whole(&path, &csv).map_err(|e| {
        CommandError::new("export", format!("cannot write {}: {e}", path.display()))
    })?;
    tracing::info!(rows = rows.len(), "metrics exported as CSV");
    Ok(Some(ExportView {
        path: path.display().to_string(),
        rows: rows.len(),
    }))
}
