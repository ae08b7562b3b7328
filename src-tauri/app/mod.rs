//! The desktop shell: the ONLY module that imports `tauri`. Commands, IPC view
//! types, the tray, the main window and their wiring. It validates and delegates;
//! the work happens in `service` and below.

pub mod commands;
pub mod error;
pub mod insight;
pub mod progress;
pub mod startup;
pub mod state;
pub mod tray;
pub mod upkeep;
pub mod view;
pub mod window;

pub use error::CommandError;
pub use state::AppState;

use crate::domain::ConnectionId;
use crate::secrets::Keychain;
use crate::service::{Core, ServiceError};
use crate::settings::Paths;
use std::sync::Arc;
use tauri::{Manager, RunEvent, Runtime};

/// What the app and the IPC tests share: the managed state and the command
/// handler. Keeping it in one place keeps the two in step.
pub fn register<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_workspaces,
            commands::create_workspace,
            commands::update_workspace,
            commands::set_active_workspace,
            commands::list_expenses,
            commands::add_expense,
            commands::remove_expense,
            commands::list_providers,
            commands::list_connections,
            commands::get_connection,
            commands::add_connection,
            commands::update_connection,
            commands::set_connection_enabled,
            commands::remove_connection,
            commands::get_ui_state,
            commands::set_ui_page,
            commands::set_sync_paused,
            commands::sync_now,
            commands::get_sync_status,
            commands::list_runs,
            commands::dashboard,
            commands::create_demo,
            commands::export_csv,
            commands::test_connection,
            commands::list_goals,
            commands::goal_options,
            commands::suggest_goal_target,
            commands::add_goal,
            commands::edit_goal,
            commands::remove_goal,
            commands::leaderboard,
            commands::pipeline,
            commands::rename_member,
            commands::merge_members,
            commands::hide_member,
            upkeep::list_backups,
            upkeep::back_up_now,
            upkeep::restore_backup,
            upkeep::open_backups_folder,
            upkeep::get_autostart,
            upkeep::set_autostart,
            insight::dashboard_charts,
            insight::pnl,
            insight::export_pnl,
            insight::save_chart,
            insight::list_costs,
            insight::set_cost,
            insight::pick_cost_file,
            insight::apply_cost_file,
            insight::products,
        ])
}

/// The generated context (config, embedded `ui/`, capabilities), for any runtime.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Open the desktop app (in the tray only when `hidden`, as at login);
/// returns the exit code when it quits.
pub fn run_desktop(hidden: bool) -> i32 {
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(e) => return fail(&ServiceError::from(e), None),
    };
    let _log_guard = paths
        .ensure()
        .ok()
        .and_then(|()| crate::telemetry::init(&paths.log_dir));
    let failed_paths = paths.clone();
    let opened = Core::open_checked(
        paths,
        Arc::new(Keychain::default()),
        crate::service::backups::QuickCheck::Always,
    );
    let mut core = match opened {
        Ok(c) => c,
        Err(e) => return fail(&e, Some(&failed_paths)),
    };
    // Without a keychain no connection can be added or synced: say so now,
    // in a window, rather than at the first sync.
    if let Err(e) = core.secrets().check() {
        return fail(&ServiceError::Secret(e), Some(&failed_paths));
    }
    core.set_background_rollups(true);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "desktop app starting");

    let builder = tauri::Builder::default()
        // First plugin, so a second launch is caught before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("second launch: focusing the running instance");
            if let Err(e) = window::open_main(app) {
                tracing::error!(error = %e, "cannot open the main window");
            }
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        // Start at login: off until the person turns it on in Settings; the
        // login start goes straight to the tray.
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name("Pulseboard")
                .arg("--hidden")
                .build(),
        )
        .setup(move |app| {
            let _ = app
                .state::<AppState>()
                .observer
                .set(progress::observer(app.handle().clone()));
            tray::create(app.handle())?;
            if hidden {
                tracing::info!("started in the tray, without the window");
            } else {
                window::open_main(app.handle())?;
            }
            start_scheduler(app.handle());
            start_backups(app.handle());
            Ok(())
        })
        .on_window_event(window::on_event);
    let app = match register(builder, AppState::new(core)).build(context()) {
        Ok(app) => app,
        Err(e) => {
            // No window can be shown either: stderr and the log only.
            let message = format!("cannot start the window system: {e}");
            tracing::error!(%message, "desktop app cannot start");
            eprintln!("error: {message}");
            return 1;
        }
    };
    app.run(|_handle, event| {
        // The last window closing is not the end: the tray lives on, syncing.
        // Only Quit (an explicit exit code) ends the process.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
    0
}

/// The app cannot open its data: say so on stderr and in the log, and, since
/// a person who double-clicked it sees neither, in a window of its own.
fn fail(error: &ServiceError, paths: Option<&Paths>) -> i32 {
    let message = error.to_string();
    tracing::error!(%message, "desktop app cannot start");
    eprintln!("error: {message}");
    startup::show(error, paths).unwrap_or(1)
}

/// Pause or resume scheduled syncing; remembered across restarts.
pub(crate) fn set_paused(state: &AppState, paused: bool) -> Result<(), ServiceError> {
    state.core().set_sync_paused(paused)?;
    state.changed();
    Ok(())
}

/// How long after launch the start-up run begins; tests shorten it.
const STARTUP_DELAY_ENV: &str = "PULSEBOARD_STARTUP_DELAY_SECS";

/// Start the cron scheduler for this app's data dir (after the tray, which
/// follows its runs).
fn start_scheduler<R: Runtime>(app: &tauri::AppHandle<R>) {
    let state = app.state::<AppState>();
    let delay = std::env::var(STARTUP_DELAY_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let runner = state.runner.clone();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        match crate::sync::scheduler::Scheduler::start(
            runner,
            std::time::Duration::from_secs(delay),
        )
        .await
        {
            Ok(s) => {
                *handle
                    .state::<AppState>()
                    .scheduler
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(s);
            }
            Err(e) => tracing::error!(error = %e, "scheduled syncing is off"),
        }
    });
}

/// How often the app looks whether the daily (or weekly) backup is due.
const BACKUP_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Take the automatic backups while the app runs: a look at start and then
/// every hour, taking whichever is due, on a blocking thread with a store
/// handle of its own (so the window's commands never wait on it).
fn start_backups<R: Runtime>(app: &tauri::AppHandle<R>) {
    let paths = app.state::<AppState>().core().paths().clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let paths = paths.clone();
            let result = tauri::async_runtime::spawn_blocking(move || {
                crate::service::backups::take_if_due(&paths, chrono::Utc::now())
            })
            .await;
            match result {
                Ok(Err(e)) => tracing::error!(error = %e, "the automatic backup failed"),
                Err(e) => tracing::error!(error = %e, "the automatic backup stopped"),
                Ok(Ok(_)) => {}
            }
            tokio::time::sleep(BACKUP_CHECK_EVERY).await;
        }
    });
}

/// Start syncing one connection, or every enabled one, in the background
/// (Sync now, from the UI or the tray), through the same runner as the
/// scheduler. Returns how many will sync.
pub(crate) fn start_sync(
    state: &AppState,
    connection: Option<ConnectionId>,
) -> Result<usize, ServiceError> {
    let ids = state.core().connections_to_sync(connection)?;
    if ids.is_empty() {
        return Ok(0);
    }
    let count = ids.len();
    tauri::async_runtime::spawn(state.runner.sync_now(ids));
    Ok(count)
}

/// The state of a running app.
pub(crate) fn app_state<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::State<'_, AppState> {
    app.state::<AppState>()
}
