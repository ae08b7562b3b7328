//! Sync progress in the window. The runs happen in the host (the tray
//! process), which sends each connection's progress on the session bus; the
//! window hands it to the UI as the `sync-progress` event, and follows the
//! host's other signals: bring the window forward, quit, and the host gone
//! (the window ends with it).

use super::window;
use crate::host::bus::AppProxyBlocking;
use tauri::{AppHandle, Emitter, Runtime};

/// The event the UI listens to.
pub const EVENT: &str = "sync-progress";

/// Follow the host's signals on threads of their own.
pub(crate) fn listen<R: Runtime>(app: &AppHandle<R>, host: &AppProxyBlocking<'static>) {
    let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
        if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(f) {
            tracing::error!(error = %e, "cannot follow the tray process");
        }
    };
    if let Ok(progress) = host.receive_progress() {
        let app = app.clone();
        spawn(
            "host-progress",
            Box::new(move || {
                for signal in progress {
                    let Ok(args) = signal.args() else { continue };
                    match serde_json::from_str::<serde_json::Value>(&args.json) {
                        Ok(p) => {
                            if let Err(e) = app.emit(EVENT, p) {
                                tracing::warn!(error = %e, "cannot send sync progress to the page");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable sync progress"),
                    }
                }
            }),
        );
    }
    if let Ok(focus) = host.receive_focus() {
        let app = app.clone();
        spawn(
            "host-focus",
            Box::new(move || {
                for _ in focus {
                    if let Err(e) = window::open_main(&app) {
                        tracing::error!(error = %e, "cannot bring the window forward");
                    }
                }
            }),
        );
    }
    if let Ok(quit) = host.receive_quit() {
        let app = app.clone();
        spawn(
            "host-quit",
            Box::new(move || {
                if quit.into_iter().next().is_some() {
                    tracing::info!("quit from the tray");
                    app.exit(0);
                }
            }),
        );
    }
    if let Ok(owners) = host.inner().receive_owner_changed() {
        let app = app.clone();
        spawn(
            "host-gone",
            Box::new(move || {
                for owner in owners {
                    if owner.is_none() {
                        tracing::info!("the tray process is gone; closing the window");
                        app.exit(0);
                        return;
                    }
                }
            }),
        );
    }
}
