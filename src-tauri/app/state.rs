//! The one managed state: the open core behind a lock, and the link to the
//! host (the tray-and-scheduler process, `crate::host`) that every sync of
//! the window goes through. Without a host (the IPC tests) runs go through a
//! runner of the window's own.

use crate::domain::ConnectionId;
use crate::host::bus::AppProxyBlocking;
use crate::service::backups::Restored;
use crate::service::{Core, ServiceError};
use crate::sync::scheduler::Runner;
use crate::sync::SyncContext;
use std::sync::{Arc, Mutex, MutexGuard};

/// app_meta keys owned by the shell.
pub const META_UI_PAGE: &str = "ui.page";
pub use crate::sync::scheduler::META_SYNC_PAUSED;
pub const META_WINDOW: &str = "window.main";

pub struct AppState {
    core: Mutex<Core>,
    syncs: Syncs,
}

/// Where the window's syncs run.
enum Syncs {
    /// In the host, which also keeps the tray and the schedule.
    Host(AppProxyBlocking<'static>),
    /// Here (no host: the IPC tests).
    Local(Arc<Runner>),
}

/// At most this many connections sync at once without a host.
const PARALLEL_SYNCS: usize = 4;

impl AppState {
    /// A window without a host: runs go through its own runner, unheard.
    pub fn new(core: Core) -> Self {
        let sync = SyncContext::new(core.paths(), core.secrets_handle(), Arc::new(|_| {}));
        Self {
            core: Mutex::new(core),
            syncs: Syncs::Local(Runner::new(sync, PARALLEL_SYNCS, Arc::new(|| {}))),
        }
    }

    /// The window of the running host.
    pub fn hosted(core: Core, host: AppProxyBlocking<'static>) -> Self {
        Self {
            core: Mutex::new(core),
            syncs: Syncs::Host(host),
        }
    }

    /// Lock the core. A panic while holding the lock leaves the data consistent
    /// (every write is a transaction), so a poisoned lock is simply taken over.
    pub fn core(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sync `ids` now, in turn. Returns how many will sync.
    pub(crate) fn sync_now(&self, ids: Vec<ConnectionId>) -> Result<usize, ServiceError> {
        match &self.syncs {
            Syncs::Host(host) => {
                let ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
                Ok(host.sync_now(&ids).map_err(host_error)? as usize)
            }
            Syncs::Local(runner) => {
                let count = ids.len();
                tauri::async_runtime::spawn(runner.sync_now(ids));
                Ok(count)
            }
        }
    }

    /// Something the tray shows may have changed.
    pub fn changed(&self) {
        if let Syncs::Host(host) = &self.syncs {
            if let Err(e) = host.changed(false) {
                tracing::warn!(error = %e, "cannot tell the tray");
            }
        }
    }

    /// Connections were added, edited, toggled or removed: the tray and the
    /// schedule follow.
    pub fn connections_changed(&self) {
        if let Syncs::Host(host) = &self.syncs {
            if let Err(e) = host.changed(true) {
                tracing::warn!(error = %e, "cannot tell the scheduler");
            }
        }
    }

    /// The window has closed and this process is ending: the host starts a
    /// new one for the next Open instead of asking this one.
    pub fn window_closing(&self) {
        if let Syncs::Host(host) = &self.syncs {
            if let Err(e) = host.window_closing(std::process::id()) {
                tracing::warn!(error = %e, "cannot tell the tray the window closed");
            }
        }
    }

    /// Restore `file` in place of the database: the syncs under way end
    /// first and none starts until the file is swapped.
    pub async fn restore(&self, file: &std::path::Path) -> Result<Restored, ServiceError> {
        match &self.syncs {
            Syncs::Host(host) => {
                // The host swaps the file; this process lets go of it meanwhile.
                self.core().release()?;
                let done = host.restore(&file.display().to_string());
                self.core().reopen()?;
                let json = done.map_err(|e| match e {
                    zbus::Error::MethodError(_, Some(message), _) => ServiceError::Backup(message),
                    other => host_error(other),
                })?;
                serde_json::from_str(&json)
                    .map_err(|e| ServiceError::Backup(format!("the restore's answer: {e}")))
            }
            Syncs::Local(runner) => {
                let _held = runner.hold().await;
                self.core().restore(file)
            }
        }
    }

    pub fn syncing(&self) -> bool {
        match &self.syncs {
            Syncs::Host(host) => host.syncing().unwrap_or(false),
            Syncs::Local(runner) => runner.busy(),
        }
    }

    /// The latest progress of every connection syncing now.
    pub fn running(&self) -> Vec<serde_json::Value> {
        match &self.syncs {
            Syncs::Host(host) => host
                .running()
                .ok()
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default(),
            Syncs::Local(_) => Vec::new(),
        }
    }

    pub fn sync_paused(&self) -> bool {
        self.core().sync_paused().unwrap_or(false)
    }
}

fn host_error(e: zbus::Error) -> ServiceError {
    ServiceError::Host(format!("Pulseboard's tray process does not answer: {e}"))
}
