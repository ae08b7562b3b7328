//! When the desktop app cannot open its data (a folder it cannot create, a
//! disk that is read-only, gone or full, a damaged or newer database), a
//! person who double-clicked it has no terminal to read: a small window says
//! what is wrong and what to do. It is the only window; closing it ends the
//! process with exit code 1. The page (`ui/startup-error.html`) gets the text
//! in its address and no IPC at all (no capability names its window).

use crate::service::ServiceError;
use crate::settings::Paths;
use tauri::{WebviewUrl, WebviewWindowBuilder};

const LABEL: &str = "startup-error";

/// What to tell the person about `error`, the app's data being in `paths`.
pub fn advice(error: &ServiceError, paths: Option<&Paths>) -> Vec<String> {
    let folder = paths
        .map(|p| p.data_dir.display().to_string())
        .unwrap_or_else(|| "the data folder".into());
    let mut out = match error {
        ServiceError::Damaged { backup: Some(_), .. } => vec![
            "Restore the newest good backup: run the `pulseboard restore` command above in a terminal, then start Pulseboard again.".to_string(),
            "The damaged file is left where it is (a restore moves it aside), so nothing more is lost.".to_string(),
        ],
        ServiceError::Damaged { backup: None, .. } => vec![
            format!("Move the damaged file out of {folder} and keep it for repair; Pulseboard then starts with an empty database."),
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

/// Show `message` and `advice` in a window of their own until it is closed;
/// `None` when no window can be shown (no display), so the caller says it on
/// stderr only.
pub fn show(message: &str, advice: &[String]) -> Option<i32> {
    let text = serde_json::json!({ "message": message, "advice": advice }).to_string();
    let fragment: String = url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let app = tauri::Builder::default()
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
    app.run_return(|_, _| {});
    Some(1)
}
