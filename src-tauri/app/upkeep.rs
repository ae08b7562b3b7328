//! IPC commands about this computer rather than the business: backups and
//! restore, and starting at login. Thin like `commands.rs`: each delegates to
//! `service` or a plugin and maps the error.

use super::error::CommandError;
use super::state::AppState;
use super::view::{BackupView, RestoreView};
use tauri::State;

type Result<T> = std::result::Result<T, CommandError>;

#[tauri::command(async)]
pub fn list_backups(state: State<'_, AppState>) -> Result<Vec<BackupView>> {
    let paths = state.core().paths().clone();
    Ok(crate::service::backups::list(&paths)?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command(async)]
pub fn back_up_now(state: State<'_, AppState>) -> Result<BackupView> {
    Ok(state.core().back_up(None)?.into())
}

/// Restore the backup at `path`, or (without one) a file the person picks.
/// `None` when the dialog was cancelled. Async: the restore waits for the
/// syncs under way without holding a thread.
#[tauri::command]
pub async fn restore_backup<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<Option<RestoreView>> {
    use tauri::Manager;
    let file = match path {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let folder = crate::service::backups::backups_dir(state.core().paths());
            let dialog = app
                .try_state::<tauri_plugin_dialog::Dialog<R>>()
                .map(|d| d.inner().clone())
                .ok_or_else(|| CommandError::new("backup", "no file dialog in this app"))?;
            let picked = tauri::async_runtime::spawn_blocking(move || {
                dialog
                    .file()
                    .set_title("Restore a Pulseboard backup")
                    .set_directory(folder)
                    .blocking_pick_file()
            })
            .await
            .map_err(|e| CommandError::new("backup", format!("the file dialog failed: {e}")))?;
            let Some(picked) = picked else {
                return Ok(None);
            };
            picked.into_path().map_err(|e| {
                CommandError::new(
                    "backup",
                    format!("that is not a file on this computer: {e}"),
                )
            })?
        }
    };
    let done = state.restore(&file).await?;
    let need_credentials = state
        .core()
        .connections_missing_credentials()?
        .into_iter()
        .map(|(id, name)| format!("{name} (#{id})"))
        .collect();
    Ok(Some(RestoreView {
        replaced: done.replaced.map(|p| p.display().to_string()),
        replaced_damaged: done.replaced_damaged,
        need_credentials,
    }))
}

/// Open the backups folder in the file manager (created if it is not there yet).
#[tauri::command(async)]
pub fn open_backups_folder<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<()> {
    use tauri::Manager;
    let folder = crate::service::backups::backups_dir(state.core().paths());
    let failed = |e: &dyn std::fmt::Display| {
        CommandError::new("backup", format!("cannot open {}: {e}", folder.display()))
    };
    std::fs::create_dir_all(&folder).map_err(|e| failed(&e))?;
    app.try_state::<tauri_plugin_opener::Opener<R>>()
        .ok_or_else(|| failed(&"no file manager can be asked from this app"))?
        .open_path(folder.display().to_string(), None::<&str>)
        .map_err(|e| failed(&e))
}

/// The login item the autostart plugin keeps (an XDG autostart entry, a
/// LaunchAgent, a Run key), or an error when this app has none.
fn login_item<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Result<tauri::State<'_, tauri_plugin_autostart::AutoLaunchManager>> {
    use tauri::Manager;
    app.try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .ok_or_else(|| CommandError::new("autostart", "starting at login is not available here"))
}

/// Whether Pulseboard starts (in the tray) when the person logs in.
#[tauri::command(async)]
pub fn get_autostart<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Result<bool> {
    login_item(&app)?
        .is_enabled()
        .map_err(|e| CommandError::new("autostart", format!("cannot read the login item: {e}")))
}

#[tauri::command(async)]
pub fn set_autostart<R: tauri::Runtime>(app: tauri::AppHandle<R>, enabled: bool) -> Result<bool> {
    let item = login_item(&app)?;
    let done = if enabled {
        item.enable()
    } else {
        item.disable()
    };
    done.map_err(|e| CommandError::new("autostart", format!("cannot change the login item: {e}")))?;
    tracing::info!(enabled, "start at login changed");
    item.is_enabled()
        .map_err(|e| CommandError::new("autostart", format!("cannot read the login item: {e}")))
}
