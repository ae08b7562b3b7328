//! The main window: opened on start and from the tray, closed for real (the
//! webview and its WebKit processes go) while the app lives on in the tray.
//! Its size, position and maximised state are remembered in the store.

use super::state::META_WINDOW;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder, Window, WindowEvent};

pub const MAIN: &str = "main";

/// Where the window was when it last closed, in logical pixels.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Geometry {
    pub width: f64,
    pub height: f64,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub maximized: bool,
}

impl Default for Geometry {
    fn default() -> Self {
        Self {
            width: 1180.0,
            height: 780.0,
            x: None,
            y: None,
            maximized: false,
        }
    }
}

/// Set once the main window has closed: the process is on its way out.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Show and focus the main window, creating it (in its last state) when it
/// has not opened yet. Once it has closed, nothing: the process is ending.
pub fn open_main<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    if CLOSED.load(Ordering::SeqCst) {
        return Ok(());
    }
    if let Some(w) = app.get_webview_window(MAIN) {
        w.unminimize()?;
        w.show()?;
        return w.set_focus();
    }
    let geometry = load(app);
    let mut builder = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("Pulseboard")
        .inner_size(geometry.width, geometry.height)
        .min_inner_size(860.0, 560.0)
        .maximized(geometry.maximized);
    if let (Some(x), Some(y)) = (geometry.x, geometry.y) {
        builder = builder.position(x, y);
    } else {
        builder = builder.center();
    }
    let w = builder.build()?;
    w.set_focus()?;
    tracing::info!("main window opened");
    Ok(())
}

/// When the window is about to close: remember its geometry, and tell the host.
pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if window.label() != MAIN {
        return;
    }
    match event {
        WindowEvent::CloseRequested { .. } => {
            if let Some(g) = current(window) {
                save(window.app_handle(), &g);
            }
            // The window closes (nothing stops it) and this process ends with
            // it: from here it brings no window forward, and the host, told
            // before the window is gone from the screen, starts a new process
            // for the next Open.
            CLOSED.store(true, Ordering::SeqCst);
            super::app_state(window.app_handle()).window_closing();
        }
        WindowEvent::Destroyed => tracing::info!("main window closed; still running in the tray"),
        _ => {}
    }
}

fn current<R: Runtime>(window: &Window<R>) -> Option<Geometry> {
    let scale = window.scale_factor().ok()?;
    let maximized = window.is_maximized().unwrap_or(false);
    let size = window.inner_size().ok()?.to_logical::<f64>(scale);
    let pos = window
        .outer_position()
        .ok()
        .map(|p| p.to_logical::<f64>(scale));
    Some(Geometry {
        width: size.width,
        height: size.height,
        x: pos.map(|p| p.x),
        y: pos.map(|p| p.y),
        maximized,
    })
}

fn load<R: Runtime>(app: &AppHandle<R>) -> Geometry {
    let state = super::app_state(app);
    let saved = state.core().app_setting(META_WINDOW).ok().flatten();
    saved
        .and_then(|text| serde_json::from_str::<Geometry>(&text).ok())
        .filter(|g| g.width >= 400.0 && g.height >= 300.0)
        .unwrap_or_default()
}

fn save<R: Runtime>(app: &AppHandle<R>, g: &Geometry) {
    let state = super::app_state(app);
    let text = serde_json::to_string(g).expect("geometry serialises");
    let result = state.core().set_app_setting(META_WINDOW, &text);
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot remember the window geometry");
    }
}
