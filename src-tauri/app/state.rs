//! The one managed state: the open core behind a lock, and a channel that tells
//! the tray that something it shows may have changed.

use crate::domain::run::Progress;
use crate::service::Core;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Hears sync progress (see `app::progress`).
pub type ProgressObserver = Arc<dyn Fn(&Progress) + Send + Sync>;

/// app_meta keys owned by the shell.
pub const META_UI_PAGE: &str = "ui.page";
pub use crate::sync::scheduler::META_SYNC_PAUSED;
pub const META_WINDOW: &str = "window.main";

pub struct AppState {
    core: Mutex<Core>,
    changes: Mutex<Option<Sender<()>>>,
    /// Background syncs under way (Sync now, or scheduled).
    pub(crate) busy: Arc<AtomicUsize>,
    /// Set once the scheduler has started.
    pub(crate) scheduler: Mutex<Option<Arc<crate::sync::scheduler::Scheduler>>>,
    /// Where runs report progress; set when the app starts.
    pub(crate) observer: OnceLock<ProgressObserver>,
    /// The latest progress of each connection syncing now.
    running: Mutex<BTreeMap<i64, Progress>>,
}

impl AppState {
    pub fn new(core: Core) -> Self {
        Self {
            core: Mutex::new(core),
            changes: Mutex::new(None),
            busy: Arc::default(),
            scheduler: Mutex::new(None),
            observer: OnceLock::new(),
            running: Mutex::default(),
        }
    }

    /// The progress observer, or one that ignores progress (IPC tests).
    pub(crate) fn observer(&self) -> ProgressObserver {
        self.observer
            .get()
            .cloned()
            .unwrap_or_else(|| Arc::new(|_: &Progress| {}))
    }

    /// Keep the latest progress of a running connection; forget it when done.
    pub(crate) fn record_progress(&self, p: &Progress) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        match p {
            Progress::Started { .. } | Progress::Stream { .. } => {
                running.insert(p.connection_id(), p.clone());
            }
            Progress::Finished { .. } | Progress::NotRun { .. } => {
                running.remove(&p.connection_id());
            }
        }
    }

    /// The latest progress of every connection syncing now.
    pub fn running(&self) -> Vec<Progress> {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Lock the core. A panic while holding the lock leaves the data consistent
    /// (every write is a transaction), so a poisoned lock is simply taken over.
    pub fn core(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Route change notices to `tx` (the tray's refresher).
    pub fn on_change(&self, tx: Sender<()>) {
        *self.changes.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
    }

    /// Something the tray shows may have changed.
    pub fn changed(&self) {
        if let Some(tx) = self
            .changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let _ = tx.send(());
        }
    }

    /// Connections were added, edited, toggled or removed: the tray and the
    /// schedule follow.
    pub fn connections_changed(&self) {
        self.changed();
        let scheduler = self
            .scheduler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(s) = scheduler {
            tauri::async_runtime::spawn(async move {
                if let Err(e) = s.reload().await {
                    tracing::error!(error = %e, "cannot reload the schedule");
                }
            });
        }
    }

    /// A sender that tells the tray about a change, for work that outlives a call.
    pub(crate) fn change_sender(&self) -> Option<Sender<()>> {
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn syncing(&self) -> bool {
        self.busy.load(Ordering::SeqCst) > 0
    }

    pub fn sync_paused(&self) -> bool {
        matches!(self.core().store().meta(META_SYNC_PAUSED), Ok(Some(v)) if v == "1")
    }
}
