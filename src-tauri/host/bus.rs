//! The host's name on the session bus, and what the window process asks it.
//!
//! One name per desktop session (`dev.pulseboard.app.SingleInstance`): the
//! process that owns it is the running Pulseboard; a second launch finds it
//! owned and asks the owner to `Open` its window instead. The window process
//! is a client of the same object: Sync now, "something changed", a restore,
//! "my window has closed", and the signals it draws from (each running
//! connection's `Progress`, `Focus`, `Quit`). Progress carries no secret: it is what the UI already
//! receives as the `sync-progress` event.

use zbus::object_server::SignalEmitter;

/// The well-known name the host owns.
pub const NAME: &str = "dev.pulseboard.app.SingleInstance";
/// Where its object lives.
pub const PATH: &str = "/dev/pulseboard/App";
/// Set in the window process's environment when the host starts it.
pub const HOSTED_ENV: &str = "PULSEBOARD_HOSTED";

/// The object the host serves at [`PATH`].
pub struct AppObject {
    pub host: std::sync::Arc<super::Host>,
}

#[zbus::interface(name = "dev.pulseboard.App1")]
impl AppObject {
    /// Open the window, or bring it forward.
    async fn open(&self) {
        self.host.open_window();
    }

    /// The window process `pid` has closed its window and is ending.
    async fn window_closing(&self, pid: u32) {
        self.host.window_closing(pid);
    }

    /// Sync these connections now (in turn, through the host's one runner);
    /// returns how many will sync.
    async fn sync_now(&self, ids: Vec<i64>) -> u32 {
        self.host.sync_now(ids)
    }

    /// Something the tray shows may have changed; with `connections`, the
    /// connections themselves, so the schedule is read again.
    async fn changed(&self, connections: bool) {
        self.host.changed(connections);
    }

    /// The latest progress of every connection syncing now, as a JSON array.
    async fn running(&self) -> String {
        self.host.running_json()
    }

    /// Whether any run is under way or asked for.
    async fn syncing(&self) -> bool {
        self.host.syncing()
    }

    /// Restore `file` in place of the database, the syncs held meanwhile.
    /// The caller has closed its own handle on the database first. Returns
    /// what the restore did, as JSON.
    async fn restore(&self, file: String) -> zbus::fdo::Result<String> {
        self.host
            .restore(std::path::Path::new(&file))
            .await
            .map_err(zbus::fdo::Error::Failed)
    }

    /// A running connection's progress (the UI's `sync-progress` payload).
    #[zbus(signal)]
    pub async fn progress(emitter: &SignalEmitter<'_>, json: &str) -> zbus::Result<()>;

    /// Bring the window forward (a second launch, or Open in the tray).
    #[zbus(signal)]
    pub async fn focus(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// The app is quitting: close the window.
    #[zbus(signal)]
    pub async fn quit(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// The window's (and a second launch's) side of the same object.
#[zbus::proxy(
    interface = "dev.pulseboard.App1",
    default_service = "dev.pulseboard.app.SingleInstance",
    default_path = "/dev/pulseboard/App"
)]
pub trait App {
    fn open(&self) -> zbus::Result<()>;
    fn window_closing(&self, pid: u32) -> zbus::Result<()>;
    fn sync_now(&self, ids: &[i64]) -> zbus::Result<u32>;
    fn changed(&self, connections: bool) -> zbus::Result<()>;
    fn running(&self) -> zbus::Result<String>;
    fn syncing(&self) -> zbus::Result<bool>;
    fn restore(&self, file: &str) -> zbus::Result<String>;
    #[zbus(signal)]
    fn progress(&self, json: String) -> zbus::Result<()>;
    #[zbus(signal)]
    fn focus(&self) -> zbus::Result<()>;
    #[zbus(signal)]
    fn quit(&self) -> zbus::Result<()>;
}

/// The host running in this session, for the window process: `None` when
/// there is none (or no session bus).
pub fn connect() -> Option<AppProxyBlocking<'static>> {
    let conn = zbus::blocking::Connection::session().ok()?;
    let proxy = AppProxyBlocking::new(&conn).ok()?;
    let dbus = zbus::blocking::fdo::DBusProxy::new(&conn).ok()?;
    let owned = dbus.name_has_owner(NAME.try_into().ok()?).unwrap_or(false);
    owned.then_some(proxy)
}
