//! The tray icon and its menu: Open, Sync now, a status line, Pause/Resume, Quit.
//! What it shows is derived from the store by the pure [`summarise`] and
//! [`status_line`], and refreshed whenever a command reports a change.

use super::state::AppState;
use crate::domain::{Connection, ConnectionStatus};
use chrono::{DateTime, Local, Utc};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

pub const TRAY_ID: &str = "main";

/// How often the tray re-reads the store when nothing in this process changed.
const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// The tray menu's items; their ids are the strings the menu events carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayItem {
    Open,
    SyncNow,
    Status,
    Pause,
    Quit,
}

impl TrayItem {
    pub fn id(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::SyncNow => "sync_now",
            Self::Status => "status",
            Self::Pause => "pause",
            Self::Quit => "quit",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        [
            Self::Open,
            Self::SyncNow,
            Self::Status,
            Self::Pause,
            Self::Quit,
        ]
        .into_iter()
        .find(|i| i.id() == id)
    }
}

/// Which icon the tray shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIcon {
    Idle,
    Syncing,
    Paused,
    Error,
}

/// What the tray needs to know about the connections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub connections: usize,
    pub needs_attention: Vec<String>,
    pub failing: Vec<String>,
    pub last_sync: Option<DateTime<Utc>>,
    pub paused: bool,
    pub syncing: bool,
    /// Goals behind their pace now, in every workspace.
    pub goals_behind: usize,
}

pub fn summarise(connections: &[Connection], paused: bool, syncing: bool) -> Summary {
    let enabled = connections.iter().filter(|c| c.enabled);
    let names = |status| {
        enabled
            .clone()
            .filter(|c| c.status == status)
            .map(|c| c.display_name.clone())
            .collect::<Vec<_>>()
    };
    Summary {
        connections: connections.len(),
        needs_attention: names(ConnectionStatus::NeedsAttention),
        failing: names(ConnectionStatus::Error),
        last_sync: connections
            .iter()
            .filter_map(|c| c.last_sync_at.as_deref())
            .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .max(),
        paused,
        syncing,
        goals_behind: 0,
    }
}

/// The menu's status line, e.g. "Last sync 10:42 · all OK" or "Shopify needs attention".
pub fn status_line(s: &Summary, now: DateTime<Local>) -> String {
    let line = connections_line(s, now);
    match s.goals_behind {
        0 => line,
        _ if s.connections == 0 || s.syncing => line,
        1 => format!("{line} · 1 goal behind"),
        n => format!("{line} · {n} goals behind"),
    }
}

fn connections_line(s: &Summary, now: DateTime<Local>) -> String {
    let last = s.last_sync.map(|t| {
        let local = t.with_timezone(&Local);
        if local.date_naive() == now.date_naive() {
            local.format("%H:%M").to_string()
        } else {
            local.format("%b %-d %H:%M").to_string()
        }
    });
    match (s.needs_attention.as_slice(), s.failing.as_slice()) {
        _ if s.connections == 0 => "No connections yet".to_string(),
        _ if s.syncing => "Syncing…".to_string(),
        ([one], _) => format!("{one} needs attention"),
        (many, _) if many.len() > 1 => format!("{} connections need attention", many.len()),
        (_, [one]) => format!("{one}: last sync failed"),
        (_, many) if many.len() > 1 => format!("{} connections failing", many.len()),
        _ if s.paused => match last {
            Some(t) => format!("Sync paused · last sync {t}"),
            None => "Sync paused".to_string(),
        },
        _ => match last {
            Some(t) => format!("Last sync {t} · all OK"),
            None => "Not synced yet".to_string(),
        },
    }
}

pub fn icon_for(s: &Summary) -> TrayIcon {
    if s.syncing {
        TrayIcon::Syncing
    } else if !s.needs_attention.is_empty() || !s.failing.is_empty() {
        TrayIcon::Error
    } else if s.paused {
        TrayIcon::Paused
    } else {
        TrayIcon::Idle
    }
}

fn image(icon: TrayIcon) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match icon {
        TrayIcon::Idle => include_bytes!("../../icons/tray-idle.png"),
        TrayIcon::Syncing => include_bytes!("../../icons/tray-syncing.png"),
        TrayIcon::Paused => include_bytes!("../../icons/tray-paused.png"),
        TrayIcon::Error => include_bytes!("../../icons/tray-error.png"),
    };
    Image::from_bytes(bytes)
}

/// The menu items whose text changes.
struct Handles<R: Runtime> {
    status: MenuItem<R>,
    pause: MenuItem<R>,
}

fn pause_label(paused: bool) -> &'static str {
    if paused {
        "Resume sync"
    } else {
        "Pause sync"
    }
}

fn current_summary<R: Runtime>(app: &AppHandle<R>) -> Summary {
    let state = app.state::<AppState>();
    let paused = state.sync_paused();
    let (connections, goals_behind) = {
        let core = state.core();
        (
            core.connections(None).unwrap_or_default(),
            core.goals_behind().unwrap_or(0),
        )
    };
    Summary {
        goals_behind,
        ..summarise(&connections, paused, state.syncing())
    }
}

/// Build the tray and start the thread that keeps it current.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let summary = current_summary(app);
    let open = MenuItem::with_id(
        app,
        TrayItem::Open.id(),
        "Open Pulseboard",
        true,
        None::<&str>,
    )?;
    let sync = MenuItem::with_id(app, TrayItem::SyncNow.id(), "Sync now", true, None::<&str>)?;
    let status = MenuItem::with_id(
        app,
        TrayItem::Status.id(),
        status_line(&summary, Local::now()),
        false,
        None::<&str>,
    )?;
    let pause = MenuItem::with_id(
        app,
        TrayItem::Pause.id(),
        pause_label(summary.paused),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(
        app,
        TrayItem::Quit.id(),
        "Quit Pulseboard",
        true,
        None::<&str>,
    )?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &sync,
            &PredefinedMenuItem::separator(app)?,
            &status,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(image(icon_for(&summary))?)
        .tooltip("Pulseboard")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    app.manage(Handles { status, pause });

    let (tx, rx) = std::sync::mpsc::channel();
    app.state::<AppState>().on_change(tx);
    let handle = app.clone();
    std::thread::Builder::new()
        .name("tray-refresh".into())
        .spawn(move || {
            // A change from this process refreshes at once; changes made by
            // another process on the same data dir (the CLI) within a minute.
            while let Ok(()) | Err(RecvTimeoutError::Timeout) = rx.recv_timeout(REFRESH_EVERY) {
                refresh(&handle);
            }
        })?;
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match TrayItem::from_id(id) {
        Some(TrayItem::Open) => {
            if let Err(e) = super::window::open_main(app) {
                tracing::error!(error = %e, "cannot open the main window");
            }
        }
        Some(TrayItem::Pause) => {
            let state = app.state::<AppState>();
            let paused = !state.sync_paused();
            if let Err(e) = super::set_paused(&state, paused) {
                tracing::error!(error = %e, "cannot change the pause setting");
            }
        }
        Some(TrayItem::Quit) => {
            tracing::info!("quit from the tray");
            app.exit(0);
        }
        Some(TrayItem::SyncNow) => {
            if let Err(e) = super::start_sync(&app.state::<AppState>(), None) {
                tracing::error!(error = %e, "cannot start a sync");
            }
        }
        Some(TrayItem::Status) | None => {}
    }
}

/// Bring the status line, pause label and icon up to date.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let summary = current_summary(app);
    let handles = app.state::<Handles<R>>();
    let result = (|| -> tauri::Result<()> {
        handles
            .status
            .set_text(status_line(&summary, Local::now()))?;
        handles.pause.set_text(pause_label(summary.paused))?;
        if let Some(tray) = app.tray_by_id(TRAY_ID) {
            tray.set_icon(Some(image(icon_for(&summary))?))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot refresh the tray");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn summary() -> Summary {
        Summary {
            connections: 2,
            ..Default::default()
        }
    }

    #[test]
    fn status_lines() {
        let now = Local.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(status_line(&Summary::default(), now), "No connections yet");
        assert_eq!(status_line(&summary(), now), "Not synced yet");
        let synced = Summary {
            last_sync: Some(
                Local
                    .with_ymd_and_hms(2026, 11, 22, 10, 42, 0)
                    .unwrap()
                    .with_timezone(&Utc),
            ),
            ..summary()
        };
        assert_eq!(status_line(&synced, now), "Last sync 10:42 · all OK");
        let yesterday = Summary {
            last_sync: Some(
                Local
                    .with_ymd_and_hms(2026, 11, 21, 9, 5, 0)
                    .unwrap()
                    .with_timezone(&Utc),
            ),
            ..summary()
        };
        assert_eq!(
            status_line(&yesterday, now),
            "Last sync Nov 21 09:05 · all OK"
        );
        let paused = Summary {
            paused: true,
            ..synced.clone()
        };
        assert_eq!(status_line(&paused, now), "Sync paused · last sync 10:42");
        assert_eq!(icon_for(&paused), TrayIcon::Paused);
        let attention = Summary {
            needs_attention: vec!["Shopify".into()],
            ..paused
        };
        assert_eq!(status_line(&attention, now), "Shopify needs attention");
        assert_eq!(icon_for(&attention), TrayIcon::Error);
        let failing = Summary {
            failing: vec!["A".into(), "B".into()],
            ..synced
        };
        assert_eq!(status_line(&failing, now), "2 connections failing");
        let syncing = Summary {
            syncing: true,
            ..summary()
        };
        assert_eq!(status_line(&syncing, now), "Syncing…");
        assert_eq!(icon_for(&syncing), TrayIcon::Syncing);
        let behind = Summary {
            goals_behind: 2,
            ..failing.clone()
        };
        assert_eq!(
            status_line(&behind, now),
            "2 connections failing · 2 goals behind"
        );
        let one = Summary {
            goals_behind: 1,
            ..summary()
        };
        assert_eq!(status_line(&one, now), "Not synced yet · 1 goal behind");
    }

    #[test]
    fn menu_ids_round_trip() {
        for item in [
            TrayItem::Open,
            TrayItem::SyncNow,
            TrayItem::Status,
            TrayItem::Pause,
            TrayItem::Quit,
        ] {
            assert_eq!(TrayItem::from_id(item.id()), Some(item));
        }
        assert_eq!(TrayItem::from_id("nope"), None);
    }
}
