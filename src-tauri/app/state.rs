//! The one managed state: the open core behind a lock, the runner every sync
//! of the app goes through, and a channel that tells the tray that something
//! it shows may have changed.

use crate::domain::run::Progress;
use crate::service::Core;
use crate::sync::scheduler::{Runner, Scheduler};
use crate::sync::SyncContext;
use std::collections::BTreeMap;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Hears sync progress (see `app::progress`).
pub use crate::sync::ProgressObserver;

/// app_meta keys owned by the shell.
pub const META_UI_PAGE: &str = "ui.page";
pub use crate::sync::scheduler::META_SYNC_PAUSED;
pub const META_WINDOW: &str = "window.main";

pub struct AppState {
    core: Mutex<Core>,
    changes: Arc<Mutex<Option<Sender<()>>>>,
    /// Every sync the app starts (scheduled, start-up, Sync now) runs here.
    pub(crate) runner: Arc<Runner>,
    /// Set once the scheduler has started.
    pub(crate) scheduler: Mutex<Option<Arc<Scheduler>>>,
    /// Where runs report progress; set when the app starts (IPC tests leave
    /// it unset, and progress goes unheard).
    pub(crate) observer: Arc<OnceLock<ProgressObserver>>,
    /// The latest progress of each connection syncing now.
    running: Mutex<BTreeMap<i64, Progress>>,
}

/// At most this many connections sync at once.
const PARALLEL_SYNCS: usize = 4;

impl AppState {
    pub fn new(core: Core) -> Self {
        let changes: Arc<Mutex<Option<Sender<()>>>> = Arc::default();
        let observer: Arc<OnceLock<ProgressObserver>> = Arc::default();
        let heard = observer.clone();
        let sync = SyncContext::new(
            core.paths(),
            core.secrets_handle(),
            Arc::new(move |p: &Progress| {
                if let Some(o) = heard.get() {
                    o(p)
                }
            }),
        );
        let told = changes.clone();
        let on_change = Arc::new(move || {
            if let Some(tx) = told.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                let _ = tx.send(());
            }
        });
        Self {
            core: Mutex::new(core),
            changes,
            runner: Runner::new(sync, PARALLEL_SYNCS, on_change),
            scheduler: Mutex::new(None),
            observer,
            running: Mutex::default(),
        }
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

    /// Restore `file` in place of the database: wait for the syncs under way,
    /// keep new ones from starting, and swap the file under the core's lock.
    pub async fn restore(
        &self,
        file: &std::path::Path,
    ) -> Result<crate::service::backups::Restored, crate::service::ServiceError> {
        let _held = self.runner.hold().await;
        let result = self.core().restore(file);
        self.connections_changed();
        result
    }

    pub fn syncing(&self) -> bool {
        self.runner.busy()
    }

    pub fn sync_paused(&self) -> bool {
        self.core().sync_paused().unwrap_or(false)
    }
}
