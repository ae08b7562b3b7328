//! When the desktop app cannot open its data (a folder it cannot create, a
//! disk that is read-only, gone or full, a damaged or newer database), a
//! person who double-clicked it has no terminal to read: a small window says
//! what is wrong and what to do. It is the only window; closing it ends the
//! process with exit code 1. The page (`ui/startup-error.html`) gets the text
//! in its address; its one command (`capabilities/startup-window.json`)
//! restores the newest good backup of a damaged database and starts the app
//! again on it.

use super::error::CommandError;
use crate::service::ServiceError;
use crate::settings::Paths;
use std::path::PathBuf;
use tauri::{RunEvent, Runtime, State, WebviewUrl, WebviewWindowBuilder};

/// The backup the window offers, when the database is damaged and one is whole.
struct Offer {
    paths: Option<Paths>,
    backup: Option<PathBuf>,
}

/// The offered backup restored (the damaged file moved aside), the app is
/// started again the way this one was, and this process ends.
#[tauri::command(async)]
fn restore_at_start<R: Runtime>(
    app: tauri::AppHandle<R>,
    offer: State<'_, Offer>,
) -> Result<(), CommandError> {
    let (Some(paths), Some(backup)) = (&offer.paths, &offer.backup) else {
        return Err(CommandError::new("backup", "there is no backup to restore"));
    };
    crate::service::backups::restore(paths, backup)?;
    let me = std::env::current_exe().map_err(|e| {
        CommandError::new("backup", format!("restored, but cannot start again: {e}"))
    })?;
    std::process::Command::new(me)
        .args(std::env::args_os().skip(1))
        .env_remove(crate::host::START_FAILED_ENV)
        .spawn()
        .map_err(|e| {
            CommandError::new("backup", format!("restored, but cannot start again: {e}"))
        })?;
    tracing::info!(backup = %backup.display(), "restored at start; starting again");
    app.exit(0);
    Ok(())
}

const LABEL: &str = "startup-error";

/// What to tell the person about `error`, the app's data being in `paths`.
fn advice(error: &ServiceError, paths: Option<&Paths>) -> Vec<String> {
    let folder = paths
        .map(|p| p.data_dir.display().to_string())
        .unwrap_or_else(|| "the data folder".into());
    let mut out = match error {
        ServiceError::Damaged { backup: Some(_), .. } => vec![
            "Restore the newest good backup with the button below (Pulseboard then starts on it), or run the `pulseboard restore` command above in a terminal.".to_string(),
            "The damaged file is left where it is (a restore moves it aside), so nothing more is lost.".to_string(),
        ],
        ServiceError::Damaged { backup: None, .. } => vec![
            format!("Move the damaged file out of {folder} and keep it for repair; Pulseboard then starts with an empty database."),
        ],
        ServiceError::Secret(_) => vec![
            "Pulseboard keeps every password and token in your computer's keychain, never in its own files, so it needs one to start.".to_string(),
            "On Debian or Ubuntu install GNOME Keyring (`sudo apt install gnome-keyring`), log out and in again so it starts, then start Pulseboard.".to_string(),
            "If it is installed but locked, unlock it (log in to your desktop again, or open Passwords and Keys) and start Pulseboard again.".to_string(),
        ],
        ServiceError::Store(crate::service::StoreError::NewerSchema { .. }) => {
            vec!["Install the newest Pulseboard: this file was written by a newer one.".to_string()]
        }
        _ => vec![
            format!("Check that the disk holding {folder} is connected, has free space and is not read-only."),
            "Or start Pulseboard with PULSEBOARD_DATA_DIR set to a folder you can write to.".to_string(),
        ],
    };
    if let Some(p) = paths {
        out.push(format!(
            "The log folder ({}) has the details.",
            p.log_dir.display()
        ));
    }
    out
}

/// Show why the app cannot start, and what to do, in a window of its own
/// until it is closed (exit code 1) or its backup restored (0); `None` when
/// no window can be shown (no display), so the caller says it on stderr only.
pub fn show(error: &ServiceError, paths: Option<&Paths>) -> Option<i32> {
    let backup = match error {
        ServiceError::Damaged { backup, .. } => backup.clone(),
        _ => None,
    };
    let text = serde_json::json!({
        "message": error.to_string(),
        "advice": advice(error, paths),
        "backup": backup.as_ref().map(|b| b.display().to_string()),
    })
    .to_string();
    let fragment: String = url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let app = tauri::Builder::default()
        .manage(Offer {
            paths: paths.cloned(),
            backup,
        })
        .invoke_handler(tauri::generate_handler![restore_at_start])
        .setup(move |app| {
            WebviewWindowBuilder::new(
                app,
                LABEL,
                WebviewUrl::App(format!("startup-error.html#{fragment}").into()),
            )
            .title("Pulseboard cannot start")
            .inner_size(620.0, 420.0)
            .center()
            .build()?;
            Ok(())
        })
        .build(super::context())
        .ok()?;
    Some(app.run_return(|handle, event| {
        // The window closed without a restore: the start failed.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
            handle.exit(1);
        }
    }))
}
