//! The host: the long-lived desktop process that holds the tray, the
//! scheduler, the automatic backups and the notifications, and starts the
//! window as a process of its own when it is wanted. It never loads the
//! window system's web engine (it does not name `app`, so the `pulseboard`
//! binary it runs in links neither GTK nor WebKit): living in the tray all
//! day costs the memory of the syncs, not of a browser.
//!
//! Why two processes: a process that has shown a WebKit window keeps what
//! WebKit pulled in (Mesa's software GL, WebKit and JavaScriptCore, their
//! heaps) after the window closes, about 170 MiB even when hidden from the
//! start, since linking WebKit alone maps and relocates it. The window process
//! ends when its window closes; the host goes on.
//!
//! They share the data dir (SQLite and its locks) and talk over the session
//! bus (`bus`): the window asks the host to sync and tells it what changed;
//! the host sends each run's progress.

pub mod bus;
mod notify;
pub mod tray;
mod window;

use crate::domain::run::Progress;
use crate::domain::ConnectionId;
use crate::service::Core;
use crate::settings::Paths;
use crate::sync::scheduler::{Runner, Scheduler};
use crate::sync::SyncContext;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

pub use window::{exec_sibling, DESKTOP, HOST};

/// At most this many connections sync at once.
const PARALLEL_SYNCS: usize = 4;
/// How long after launch the start-up run begins; tests shorten it.
const STARTUP_DELAY_ENV: &str = "PULSEBOARD_STARTUP_DELAY_SECS";
/// How often the host looks whether the daily (or weekly) backup is due.
const BACKUP_CHECK_EVERY: Duration = Duration::from_secs(60 * 60);
/// How often the tray re-reads the store when nothing in this process
/// changed (the CLI, or the window, may have; a disk may have gone).
const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// Tests shorten it (seconds).
const REFRESH_ENV: &str = "PULSEBOARD_TRAY_REFRESH_SECS";
/// Page updates closer together than this are not sent (the next one is).
const PAGE_EVERY: Duration = Duration::from_millis(150);
/// Set by the host when it hands a start it cannot make to the window
/// binary, which shows why in a window.
pub const START_FAILED_ENV: &str = "PULSEBOARD_START_FAILED";

/// What the host's event loop hears.
enum Event {
    Progress(Progress),
    /// Something the tray shows may have changed.
    Changed,
    Tray(tray::Action),
    /// Bring the running window forward.
    Focus,
}

/// The running host: what the bus object, the tray and the runs share.
pub struct Host {
    core: Mutex<Core>,
    runner: Arc<Runner>,
    scheduler: Mutex<Option<Arc<Scheduler>>>,
    /// The latest progress of each connection syncing now.
    running: Mutex<BTreeMap<i64, Progress>>,
    events: UnboundedSender<Event>,
    window: window::Window,
    quit: tokio::sync::Notify,
    /// The host's runtime: the bus object's methods run on zbus's own
    /// executor, so what they start is spawned here.
    runtime: tokio::runtime::Handle,
}

/// Run the desktop app: the host, and the window unless `hidden` (a start
/// at login). `args` are passed on to the window process. Returns the exit
/// code.
pub fn run(hidden: bool, args: Vec<OsString>) -> i32 {
    if let Err(message) = window::installed() {
        eprintln!("error: {message}");
        return 1;
    }
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(_) => return window::show_start_failure(&args),
    };
    let _log_guard = paths
        .ensure()
        .ok()
        .and_then(|()| crate::telemetry::init(&paths.log_dir));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("pulseboard-host")
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return 1;
        }
    };
    // No session bus: no keychain either; the window says so.
    let Ok(bus) = runtime.block_on(zbus::Connection::session()) else {
        return window::show_start_failure(&args);
    };
    if !runtime.block_on(claim_name(&bus)) {
        tracing::info!("second launch: the running instance opens its window");
        if !hidden {
            let asked = runtime.block_on(async { bus::AppProxy::new(&bus).await?.open().await });
            if let Err(e) = asked {
                eprintln!("error: Pulseboard is running but does not answer: {e}");
                return 1;
            }
        }
        return 0;
    }
    let opened = Core::open_for_desktop(paths);
    let mut core = match opened {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "desktop app cannot start");
            drop(bus);
            return window::show_start_failure(&args);
        }
    };
    core.set_background_rollups(true);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "desktop app starting");

    let (events, heard) = unbounded_channel();
    let host = Arc::new(Host::new(core, events, args, runtime.handle().clone()));
    let code = runtime.block_on(host.clone().serve(bus, heard, hidden));
    // The runs under way end with the runtime; their next run resumes from
    // their last stored page.
    runtime.shutdown_timeout(Duration::from_secs(2));
    code
}

/// Own the session's Pulseboard name; false when another process does.
async fn claim_name(bus: &zbus::Connection) -> bool {
    use zbus::fdo::{RequestNameFlags, RequestNameReply};
    matches!(
        bus.request_name_with_flags(bus::NAME, RequestNameFlags::DoNotQueue.into())
            .await,
        Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner)
    )
}

impl Host {
    fn new(
        core: Core,
        events: UnboundedSender<Event>,
        args: Vec<OsString>,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        let told = events.clone();
        let sync = SyncContext::new(
            core.paths(),
            core.secrets_handle(),
            Arc::new(move |p: &Progress| {
                let _ = told.send(Event::Progress(p.clone()));
            }),
        );
        let changed = events.clone();
        let on_change = Arc::new(move || {
            let _ = changed.send(Event::Changed);
        });
        Self {
            core: Mutex::new(core),
            runner: Runner::new(sync, PARALLEL_SYNCS, on_change),
            scheduler: Mutex::new(None),
            running: Mutex::default(),
            events,
            window: window::Window::new(args),
            quit: tokio::sync::Notify::new(),
            runtime,
        }
    }

    /// Lock the core (a poisoned lock is taken over: every write is a
    /// transaction).
    fn core(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serve until Quit: the bus object, the tray, the schedule, the backups
    /// and, unless `hidden`, the window.
    async fn serve(
        self: Arc<Self>,
        bus: zbus::Connection,
        heard: UnboundedReceiver<Event>,
        hidden: bool,
    ) -> i32 {
        let object = bus::AppObject { host: self.clone() };
        if let Err(e) = bus.object_server().at(bus::PATH, object).await {
            tracing::error!(error = %e, "cannot serve the app's bus object");
            return 1;
        }
        let tray = match tray::spawn(self.summary(), self.events.clone()).await {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!(error = %e, "no tray icon");
                None
            }
        };
        self.clone().start_scheduler();
        self.start_backups();
        if hidden {
            tracing::info!("started in the tray, without the window");
        } else {
            self.open_window();
        }
        let emitter = zbus::object_server::SignalEmitter::new(&bus, bus::PATH)
            .expect("the object path is valid")
            .into_owned();
        let events = tokio::spawn(self.clone().hear(heard, tray, emitter.clone()));
        self.quit.notified().await;
        tracing::info!("quitting");
        events.abort();
        let _ = bus::AppObject::quit(&emitter).await;
        self.window.close(Duration::from_secs(3)).await;
        0
    }

    fn start_scheduler(self: Arc<Self>) {
        let delay = std::env::var(STARTUP_DELAY_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        tokio::spawn(async move {
            match Scheduler::start(self.runner.clone(), Duration::from_secs(delay)).await {
                Ok(s) => *self.scheduler.lock().unwrap_or_else(|p| p.into_inner()) = Some(s),
                Err(e) => tracing::error!(error = %e, "scheduled syncing is off"),
            }
        });
    }

    /// Take the automatic backups: a look at start and then every hour, on
    /// a blocking thread with a store handle of its own.
    fn start_backups(&self) {
        let paths = self.core().paths().clone();
        tokio::spawn(async move {
            loop {
                let paths = paths.clone();
                let result = tokio::task::spawn_blocking(move || {
                    crate::service::backups::take_if_due(&paths, chrono::Utc::now())
                })
                .await;
                match result {
                    Ok(Err(e)) => tracing::error!(error = %e, "the automatic backup failed"),
                    Err(e) => tracing::error!(error = %e, "the automatic backup stopped"),
                    Ok(Ok(_)) => {}
                }
                tokio::time::sleep(BACKUP_CHECK_EVERY).await;
            }
        });
    }

    /// The event loop: progress to the window and the notifications, the
    /// tray kept current, the tray's clicks carried out.
    async fn hear(
        self: Arc<Self>,
        mut heard: UnboundedReceiver<Event>,
        tray: Option<tray::Handle>,
        emitter: zbus::object_server::SignalEmitter<'static>,
    ) {
        let mut last_page: BTreeMap<i64, tokio::time::Instant> = BTreeMap::new();
        let every = std::env::var(REFRESH_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(REFRESH_EVERY, Duration::from_secs);
        let mut refresh = tokio::time::interval(every);
        loop {
            let event = tokio::select! {
                e = heard.recv() => match e { Some(e) => e, None => return },
                _ = refresh.tick() => Event::Changed,
            };
            match event {
                Event::Progress(p) => {
                    self.record(&p);
                    if due(&p, &mut last_page) {
                        match serde_json::to_string(&p) {
                            Ok(json) => {
                                let _ = bus::AppObject::progress(&emitter, &json).await;
                            }
                            Err(e) => tracing::warn!(error = %e, "cannot send sync progress"),
                        }
                    }
                    if matches!(p, Progress::Finished { .. } | Progress::NotRun { .. }) {
                        self.refresh_tray(tray.as_ref()).await;
                    }
                    if matches!(p, Progress::Finished { .. }) {
                        let host = self.clone();
                        tokio::task::spawn_blocking(move || notify::after_run(&host.core, &p));
                    }
                }
                Event::Changed => self.refresh_tray(tray.as_ref()).await,
                Event::Focus => {
                    let _ = bus::AppObject::focus(&emitter).await;
                }
                Event::Tray(action) => {
                    self.on_tray(action);
                    self.refresh_tray(tray.as_ref()).await;
                }
            }
        }
    }

    fn on_tray(&self, action: tray::Action) {
        match action {
            tray::Action::Open => self.open_window(),
            tray::Action::SyncNow => {
                self.sync_now(Vec::new());
            }
            tray::Action::Pause => {
                let mut core = self.core();
                let paused = !core.sync_paused().unwrap_or(false);
                if let Err(e) = core.set_sync_paused(paused) {
                    tracing::error!(error = %e, "cannot change the pause setting");
                }
            }
            tray::Action::Quit => {
                tracing::info!("quit from the tray");
                self.quit.notify_one();
            }
        }
    }

    async fn refresh_tray(&self, tray: Option<&tray::Handle>) {
        if let Some(t) = tray {
            t.show(self.summary()).await;
        }
    }

    /// What the tray shows, read now.
    fn summary(&self) -> tray::Summary {
        let syncing = self.runner.busy();
        let core = self.core();
        tray::read(&core, syncing)
    }

    /// Keep the latest progress of a running connection; forget it when done.
    fn record(&self, p: &Progress) {
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

    /// Open the window, or bring it forward.
    pub fn open_window(&self) {
        if !self.window.open() {
            let _ = self.events.send(Event::Focus);
        }
    }

    /// The window process `pid` has closed its window and is ending: the
    /// next Open starts a new one rather than asking it to come forward.
    pub fn window_closing(&self, pid: u32) {
        self.window.closing(pid);
    }

    /// Sync now: `ids`, or every enabled connection when empty. Returns how
    /// many will sync.
    pub fn sync_now(&self, ids: Vec<i64>) -> u32 {
        let ids = if ids.is_empty() {
            match self.core().connections_to_sync(None) {
                Ok(ids) => ids,
                Err(e) => {
                    tracing::error!(error = %e, "cannot start a sync");
                    return 0;
                }
            }
        } else {
            ids.into_iter().map(ConnectionId).collect()
        };
        let count = ids.len() as u32;
        if count > 0 {
            self.runtime.spawn(self.runner.sync_now(ids));
        }
        count
    }

    /// Something changed in the window; with `connections`, the schedule
    /// is read again.
    pub fn changed(&self, connections: bool) {
        let _ = self.events.send(Event::Changed);
        if !connections {
            return;
        }
        let scheduler = self
            .scheduler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(s) = scheduler {
            self.runtime.spawn(async move {
                if let Err(e) = s.reload().await {
                    tracing::error!(error = %e, "cannot reload the schedule");
                }
            });
        }
    }

    pub fn running_json(&self) -> String {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        serde_json::to_string(&running.values().collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
    }

    pub fn syncing(&self) -> bool {
        self.runner.busy()
    }

    /// Restore `file` in place of the database: wait for the syncs under
    /// way, keep new ones from starting, swap the file under the core's
    /// lock, read the schedule again.
    pub async fn restore(self: &Arc<Self>, file: &std::path::Path) -> Result<String, String> {
        let host = self.clone();
        let file = file.to_path_buf();
        let result = self
            .runtime
            .spawn(async move {
                let held = host.runner.hold().await;
                let result = host.core().restore(&file);
                drop(held);
                result
            })
            .await
            .map_err(|e| format!("the restore stopped: {e}"))?;
        self.changed(true);
        let done = result.map_err(|e| e.to_string())?;
        serde_json::to_string(&done).map_err(|e| e.to_string())
    }
}

/// Whether this progress goes to the window now: page updates at most every
/// [`PAGE_EVERY`] per connection; start, stream ends and finish always.
fn due(p: &Progress, last: &mut BTreeMap<i64, tokio::time::Instant>) -> bool {
    let Progress::Stream {
        connection_id,
        done: false,
        ..
    } = p
    else {
        return true;
    };
    let now = tokio::time::Instant::now();
    let due = last
        .get(connection_id)
        .is_none_or(|t| now.duration_since(*t) >= PAGE_EVERY);
    if due {
        last.insert(*connection_id, now);
    }
    due
}
