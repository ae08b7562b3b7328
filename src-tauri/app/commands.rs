//! IPC commands. Each one validates, delegates to `service`, and maps the error;
//! none holds logic of its own. They run off the main thread (`async`), so a slow
//! keychain never freezes the window.

use super::error::CommandError;
use super::state::{AppState, META_UI_PAGE};
use super::view::{
    AppInfo, ConnectionDetail, ConnectionView, DashboardView, ExpenseView, ExportView, GoalOptions,
    GoalView, LeaderView, ProviderView, RunView, SyncStatus, UiState, WorkspaceView,
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
    "pnl",
    "costs",
    "products",
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
        schema_version: core.schema_version()?,
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
    let target = state.core().connection_to_test(id)?;
    let facts = crate::service::test_account(&target)
        .await
        .map_err(CommandError::from)?;
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
        .app_setting(META_UI_PAGE)?
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
    state.core().set_app_setting(META_UI_PAGE, &page)?;
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
    let runs = state.core().runs(
        connection_id.map(ConnectionId),
        limit.unwrap_or(100).min(1000),
    )?;
    Ok(runs
        .into_iter()
        .map(|(run, connection_name)| RunView {
            connection_name,
            run,
        })
        .collect())
}

/// The dashboard of a range: each figure beside the period before it, with
/// its label and which way it moved (`service::dashboard`).
#[tauri::command(async)]
pub fn dashboard(
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
    member: Option<String>,
) -> Result<DashboardView> {
    use crate::service::dashboard::parse_day;
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    let member = member.filter(|m| !m.trim().is_empty());
    Ok(state
        .core()
        .dashboard(WorkspaceId(workspace_id), from, to, member.as_deref())?)
}

/// Every member's sales figures for the range.
#[tauri::command(async)]
pub fn leaderboard(
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
) -> Result<Vec<LeaderView>> {
    use crate::service::dashboard::parse_day;
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    let rows = state
        .core()
        .leaderboard(WorkspaceId(workspace_id), from, to)?;
    Ok(rows.iter().map(Into::into).collect())
}

/// The CRM pipeline now, and its stage moves per day of the range; with
/// `member`, that member's deals only.
#[tauri::command(async)]
pub fn pipeline(
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
    member: Option<String>,
) -> Result<crate::service::pipeline::PipelineView> {
    use crate::service::dashboard::parse_day;
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    Ok(state
        .core()
        .pipeline(WorkspaceId(workspace_id), from, to, member.as_deref())?)
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
    use crate::service::dashboard::parse_day;
    let grouping = crate::service::grouping(&by)?;
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    let export = state
        .core()
        .export_metrics(WorkspaceId(workspace_id), from, to, grouping)?;
    let saved = super::insight::save_export(&app, "Export metrics as CSV", &export)?;
    if saved.is_some() {
        tracing::info!(rows = export.rows, "metrics exported as CSV");
    }
    Ok(saved)
}

#[tauri::command(async)]
pub fn list_goals(state: State<'_, AppState>, workspace_id: i64) -> Result<Vec<GoalView>> {
    let core = state.core();
    let now = chrono::Utc::now();
    let reports = core.goal_reports(WorkspaceId(workspace_id), None, now)?;
    let shares = core.goal_shares(WorkspaceId(workspace_id), &reports, now)?;
    Ok(reports
        .iter()
        .zip(shares)
        .map(|(r, shares)| GoalView::new(r, &r.history, shares))
        .collect())
}

#[tauri::command(async)]
pub fn goal_options(state: State<'_, AppState>, workspace_id: i64) -> Result<GoalOptions> {
    Ok(GoalOptions {
        metrics: crate::service::goals::METRIC_KEYS,
        member_metrics: &crate::service::goals::MEMBER_KEYS,
        members: state.core().members(WorkspaceId(workspace_id))?,
    })
}

/// The target to suggest for a new goal (`None`: no finished period yet).
#[tauri::command(async)]
pub fn suggest_goal_target(
    state: State<'_, AppState>,
    workspace_id: i64,
    metric: String,
    period: String,
    member: Option<String>,
) -> Result<Option<String>> {
    Ok(state
        .core()
        .suggested_target(
            WorkspaceId(workspace_id),
            &metric,
            &period,
            member.as_deref(),
        )?
        .map(|t| t.round_dp(2).normalize().to_string()))
}

#[tauri::command(async)]
pub fn add_goal(
    state: State<'_, AppState>,
    workspace_id: i64,
    metric: String,
    period: String,
    target: String,
    member: Option<String>,
) -> Result<i64> {
    let member = member.filter(|m| !m.trim().is_empty());
    let id = state.core().add_goal(
        WorkspaceId(workspace_id),
        &metric,
        &period,
        &target,
        member.as_deref(),
    )?;
    state.changed();
    Ok(id)
}

#[tauri::command(async)]
pub fn edit_goal(state: State<'_, AppState>, id: i64, target: String) -> Result<()> {
    state.core().edit_goal(id, &target)?;
    state.changed();
    Ok(())
}

#[tauri::command(async)]
pub fn remove_goal(state: State<'_, AppState>, id: i64) -> Result<()> {
    state.core().remove_goal(id)?;
    state.changed();
    Ok(())
}

#[tauri::command(async)]
pub fn rename_member(
    state: State<'_, AppState>,
    workspace_id: i64,
    email: String,
    name: String,
) -> Result<()> {
    Ok(state
        .core()
        .rename_member(WorkspaceId(workspace_id), &email, &name)?)
}

#[tauri::command(async)]
pub fn merge_members(
    state: State<'_, AppState>,
    workspace_id: i64,
    email: String,
    into: String,
) -> Result<()> {
    Ok(state
        .core()
        .merge_members(WorkspaceId(workspace_id), &email, &into)?)
}

#[tauri::command(async)]
pub fn hide_member(
    state: State<'_, AppState>,
    workspace_id: i64,
    email: String,
    hidden: bool,
) -> Result<()> {
    Ok(state
        .core()
        .hide_member(WorkspaceId(workspace_id), &email, hidden)?)
}
