//! The desktop window: the ONLY module that imports `tauri`. Commands, IPC
//! view types, the main window and their wiring. It validates and delegates;
//! the work happens in `service` and below. The tray, the schedule and the
//! runs live in the host (`crate::host`), the process that starts this one.

pub mod commands;
pub mod error;
pub mod insight;
pub mod progress;
pub mod startup;
pub mod state;
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
use tauri::{Manager, Runtime};

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

/// The window process the host started (`host::bus::HOSTED_ENV`): the
/// window, until it closes, the Quit signal, or the host is gone. Returns
/// the exit code.
pub fn run_window() -> i32 {
    let (paths, _log_guard) = match paths_and_log() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Some(host) = crate::host::bus::connect() else {
        eprintln!("error: the window opens from Pulseboard's tray process, which is not running; start `pulseboard`");
        return 1;
    };
    let failed_paths = paths.clone();
    // The host checked the whole file a moment ago.
    let opened = Core::open_checked(
        paths,
        Arc::new(Keychain::default()),
        crate::service::data_dir::QuickCheck::Daily,
    );
    let mut core = match opened {
        Ok(c) => c,
        Err(e) => return fail(&e, Some(&failed_paths)),
    };
    core.set_background_rollups(true);
    let state = AppState::hosted(core, host.clone());
    let builder = tauri::Builder::default()
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
            progress::listen(app.handle(), &host);
            window::open_main(app.handle())?;
            Ok(())
        })
        .on_window_event(window::on_event);
    match register(builder, state).build(context()) {
        Ok(app) => {
            // The window closing ends this process; the host lives on.
            app.run(|_, _| {});
            0
        }
        Err(e) => {
            let message = format!("cannot start the window system: {e}");
            tracing::error!(%message, "the window cannot open");
            eprintln!("error: {message}");
            1
        }
    }
}

/// The host could not start and handed over to this binary
/// (`host::START_FAILED_ENV`): open the data as it did, and show why it
/// cannot in a window. Should the data open now, start the app again.
pub fn run_start_failure() -> i32 {
    let (paths, _log_guard) = match paths_and_log() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let failed_paths = paths.clone();
    let opened = Core::open_for_desktop(paths);
    match opened {
        Err(e) => fail(&e, Some(&failed_paths)),
        Ok(core) => {
            drop(core);
            let args: Vec<_> = std::env::args_os().skip(1).collect();
            crate::host::exec_sibling(crate::host::HOST, &args, &[])
        }
    }
}

/// Where the data lives, with the log started there; the exit code when
/// there is no telling (said in a window too).
fn paths_and_log() -> Result<(Paths, Option<tracing_appender::non_blocking::WorkerGuard>), i32> {
    let paths = Paths::from_env().map_err(|e| fail(&ServiceError::from(e), None))?;
    let guard = paths
        .ensure()
        .ok()
        .and_then(|()| crate::telemetry::init(&paths.log_dir));
    Ok((paths, guard))
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

/// Start syncing one connection, or every enabled one, in the background
/// (Sync now), through the host's runner, which the scheduler ticks through
/// too. Returns how many will sync.
pub(crate) fn start_sync(
    state: &AppState,
    connection: Option<ConnectionId>,
) -> Result<usize, ServiceError> {
    let ids = state.core().connections_to_sync(connection)?;
    if ids.is_empty() {
        return Ok(0);
    }
    state.sync_now(ids)
}

/// The state of a running app.
pub(crate) fn app_state<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::State<'_, AppState> {
    app.state::<AppState>()
}
