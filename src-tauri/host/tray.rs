//! The tray icon and its menu: Open, Sync now, a status line, Pause/Resume,
//! Quit, served over the session bus as a StatusNotifierItem with its
//! `com.canonical.dbusmenu` menu (the ksni crate), so the host needs no
//! window system. What it shows is derived from the store by the pure
//! [`summarise`] and [`status_line`], and refreshed whenever something
//! changes.

use crate::domain::{Connection, ConnectionStatus};
use crate::service::Core;
use chrono::{DateTime, Local, Utc};
use ksni::TrayMethods;
use tokio::sync::mpsc::UnboundedSender;

/// What a click in the menu asks the host to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Open,
    SyncNow,
    Pause,
    Quit,
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
    /// The data cannot be read or written (a disk gone read-only or
    /// unplugged): what is wrong, said first.
    pub storage: Option<String>,
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
        storage: None,
    }
}

/// The menu's status line, e.g. "Last sync 10:42 · all OK" or "Shopify needs attention".
pub fn status_line(s: &Summary, now: DateTime<Local>) -> String {
    if let Some(problem) = &s.storage {
        return problem.clone();
    }
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
    if s.storage.is_some() {
        TrayIcon::Error
    } else if s.syncing {
        TrayIcon::Syncing
    } else if !s.needs_attention.is_empty() || !s.failing.is_empty() {
        TrayIcon::Error
    } else if s.paused {
        TrayIcon::Paused
    } else {
        TrayIcon::Idle
    }
}

/// What the tray shows, read from the store now.
pub fn read(core: &Core, syncing: bool) -> Summary {
    let connections = match core.connections(None) {
        Ok(c) => c,
        Err(e) => {
            return Summary {
                storage: Some(format!("Cannot read the data: {e}")),
                ..Summary::default()
            }
        }
    };
    let paused = core.sync_paused().unwrap_or(false);
    Summary {
        goals_behind: core.goals_behind().unwrap_or(0),
        storage: core.storage_problem(),
        ..summarise(&connections, paused, syncing)
    }
}

/// The icon's pixels, as the StatusNotifierItem spec wants them: ARGB32 in
/// network byte order.
fn pixmap(icon: TrayIcon) -> Vec<ksni::Icon> {
    let bytes: &'static [u8] = match icon {
        TrayIcon::Idle => include_bytes!("../../icons/tray-idle.png"),
        TrayIcon::Syncing => include_bytes!("../../icons/tray-syncing.png"),
        TrayIcon::Paused => include_bytes!("../../icons/tray-paused.png"),
        TrayIcon::Error => include_bytes!("../../icons/tray-error.png"),
    };
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::ALPHA | png::Transformations::EXPAND);
    let decoded = decoder.read_info().and_then(|mut reader| {
        let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let info = reader.next_frame(&mut buf)?;
        buf.truncate(info.buffer_size());
        Ok((info, buf))
    });
    match decoded {
        Ok((info, rgba)) if info.color_type == png::ColorType::Rgba => {
            let data = rgba
                .chunks_exact(4)
                .flat_map(|p| [p[3], p[0], p[1], p[2]])
                .collect();
            vec![ksni::Icon {
                width: info.width as i32,
                height: info.height as i32,
                data,
            }]
        }
        _ => Vec::new(),
    }
}

fn pause_label(paused: bool) -> &'static str {
    if paused {
        "Resume sync"
    } else {
        "Pause sync"
    }
}

/// The tray as ksni serves it: the latest summary, and where clicks go.
struct Tray {
    summary: Summary,
    icon: Vec<ksni::Icon>,
    clicks: UnboundedSender<super::Event>,
}

impl Tray {
    fn item(&self, label: &str, action: Action) -> ksni::MenuItem<Self> {
        ksni::menu::StandardItem {
            label: label.into(),
            activate: Box::new(move |t: &mut Self| {
                let _ = t.clicks.send(super::Event::Tray(action));
            }),
            ..Default::default()
        }
        .into()
    }
}

impl ksni::Tray for Tray {
    fn id(&self) -> String {
        "pulseboard".into()
    }

    fn title(&self) -> String {
        "Pulseboard".into()
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icon.clone()
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            title: "Pulseboard".into(),
            description: status_line(&self.summary, Local::now()),
            ..Default::default()
        }
    }

    /// A left click opens the window.
    fn activate(&mut self, _x: i32, _y: i32) {
        let _ = self.clicks.send(super::Event::Tray(Action::Open));
    }

    fn menu(&self) -> Vec<ksni::MenuItem<Self>> {
        vec![
            self.item("Open Pulseboard", Action::Open),
            self.item("Sync now", Action::SyncNow),
            ksni::MenuItem::Separator,
            ksni::menu::StandardItem {
                label: status_line(&self.summary, Local::now()),
                enabled: false,
                ..Default::default()
            }
            .into(),
            self.item(pause_label(self.summary.paused), Action::Pause),
            ksni::MenuItem::Separator,
            self.item("Quit Pulseboard", Action::Quit),
        ]
    }
}

/// The running tray.
pub struct Handle(ksni::Handle<Tray>);

impl Handle {
    /// Show `summary`: the status line, the pause label and the icon.
    pub async fn show(&self, summary: Summary) {
        let icon = pixmap(icon_for(&summary));
        self.0
            .update(move |t| {
                t.summary = summary;
                t.icon = icon;
            })
            .await;
    }
}

/// Put the tray up. Where the desktop shows no StatusNotifierItems yet (or
/// at all), the item is served anyway and appears when a host starts.
pub(super) async fn spawn(
    summary: Summary,
    clicks: UnboundedSender<super::Event>,
) -> Result<Handle, ksni::Error> {
    let tray = Tray {
        icon: pixmap(icon_for(&summary)),
        summary,
        clicks,
    };
    Ok(Handle(tray.assume_sni_available(true).spawn().await?))
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
    fn a_storage_problem_comes_first_with_the_error_icon() {
        let now = Local.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let gone = Summary {
            storage: Some("Data folder /media/usb is gone: is its disk unplugged?".into()),
            syncing: true,
            paused: true,
            ..summary()
        };
        assert_eq!(
            status_line(&gone, now),
            "Data folder /media/usb is gone: is its disk unplugged?"
        );
        assert_eq!(icon_for(&gone), TrayIcon::Error);
    }

    #[test]
    fn icons_are_argb_pixmaps() {
        for icon in [
            TrayIcon::Idle,
            TrayIcon::Syncing,
            TrayIcon::Paused,
            TrayIcon::Error,
        ] {
            let p = pixmap(icon);
            assert_eq!(p.len(), 1);
            assert_eq!((p[0].width, p[0].height), (64, 64));
            assert_eq!(p[0].data.len(), 64 * 64 * 4);
            assert!(
                p[0].data.chunks(4).any(|px| px[0] == 255),
                "some opaque pixel"
            );
        }
        assert_ne!(
            pixmap(TrayIcon::Idle)[0].data,
            pixmap(TrayIcon::Error)[0].data
        );
    }
}
