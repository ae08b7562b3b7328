//! The window as a process of the host's: started on demand
//! (`pulseboard-desktop`, installed beside `pulseboard`), brought forward
//! when it is already open, closed on Quit. It ends when its window closes.

use super::bus;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The desktop window's binary, installed beside `pulseboard`.
pub const DESKTOP: &str = if cfg!(windows) {
    "pulseboard-desktop.exe"
} else {
    "pulseboard-desktop"
};

/// The host's binary: `pulseboard`, the command.
pub const HOST: &str = if cfg!(windows) {
    "pulseboard.exe"
} else {
    "pulseboard"
};

/// `name` in the folder of the running binary.
fn sibling(name: &str) -> std::io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name(name))
}

/// Whether the window's binary is where it should be, beside this one.
pub fn installed() -> Result<(), String> {
    match sibling(DESKTOP) {
        Ok(bin) if bin.is_file() => Ok(()),
        Ok(bin) => Err(format!(
            "cannot start the desktop app: {} is missing; reinstall Pulseboard, or use its commands (`pulseboard --help`)",
            bin.display()
        )),
        Err(e) => Err(format!(
            "cannot start the desktop app: cannot tell where Pulseboard is installed ({e})"
        )),
    }
}

/// The window process, when one runs.
pub struct Window {
    current: Arc<Mutex<Option<Current>>>,
    /// The arguments the app was started with, passed on (a test driver's
    /// among them).
    args: Vec<OsString>,
}

/// The window process the host started last.
struct Current {
    child: Child,
    /// Its window has closed and it is on its way out: an Open starts a new
    /// one instead of asking this one to come forward.
    closing: bool,
}

impl Window {
    pub fn new(args: Vec<OsString>) -> Self {
        Self {
            current: Arc::default(),
            args: args.into_iter().filter(|a| a != "--hidden").collect(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a window process runs that can bring its window forward. One
    /// whose window has closed is let go (and reaped on a thread of its own).
    fn running(&self) -> bool {
        let mut current = self.lock();
        match current.as_mut().map(|c| (c.child.try_wait(), c.closing)) {
            Some((Ok(None), false)) => true,
            Some((Ok(None), true)) => {
                if let Some(mut leaving) = current.take() {
                    std::thread::spawn(move || {
                        let status = leaving.child.wait();
                        tracing::info!(?status, "the closed window's process ended");
                    });
                }
                false
            }
            Some(_) => {
                *current = None;
                false
            }
            None => false,
        }
    }

    /// The window process `pid` says its window has closed and it is ending.
    pub fn closing(&self, pid: u32) {
        if let Some(current) = self.lock().as_mut().filter(|c| c.child.id() == pid) {
            current.closing = true;
        }
    }

    /// Start the window process; false when one runs already (the caller
    /// brings its window forward).
    pub fn open(&self) -> bool {
        if self.running() {
            return false;
        }
        let started = sibling(DESKTOP).and_then(|bin| {
            Command::new(bin)
                .args(&self.args)
                .env(bus::HOSTED_ENV, "1")
                .spawn()
        });
        match started {
            Ok(child) => {
                let pid = child.id();
                tracing::info!(pid, "window process started");
                *self.lock() = Some(Current {
                    child,
                    closing: false,
                });
                self.reap(pid);
            }
            Err(e) => tracing::error!(error = %e, "cannot start the window process"),
        }
        true
    }

    /// Collect the window process `pid` when it ends, so none is left a
    /// zombie (unless a newer one replaced it, and `running` reaps it).
    fn reap(&self, pid: u32) {
        let current = self.current.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let mut held = current.lock().unwrap_or_else(|p| p.into_inner());
            let Some(c) = held.as_mut().filter(|c| c.child.id() == pid) else {
                return;
            };
            match c.child.try_wait() {
                Ok(None) => continue,
                Ok(Some(status)) => {
                    tracing::info!(%status, "window process ended; still running in the tray");
                    *held = None;
                    return;
                }
                Err(_) => return,
            }
        });
    }

    /// After the Quit signal, give the window `grace` to close, then end it.
    pub async fn close(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        while self.running() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(mut c) = self.lock().take() {
            let _ = c.child.kill();
            let _ = c.child.wait();
        }
    }
}

/// Replace this process with `name` from the same folder, with `args` and
/// `env` (same process id: a launcher that waits on it waits on the new
/// program). Returns only when that fails, with the exit code to use.
pub fn exec_sibling(name: &str, args: &[OsString], env: &[(&str, &str)]) -> i32 {
    let bin = match sibling(name) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot tell where Pulseboard is installed ({e})");
            return 1;
        }
    };
    let mut command = Command::new(&bin);
    command.args(args).env_remove(super::START_FAILED_ENV);
    for (k, v) in env {
        command.env(k, v);
    }
    #[cfg(unix)]
    let failed = {
        use std::os::unix::process::CommandExt;
        command.exec()
    };
    #[cfg(not(unix))]
    let failed = match command.status() {
        Ok(status) => return status.code().unwrap_or(1),
        Err(e) => e,
    };
    eprintln!(
        "error: cannot start {}: {failed}; reinstall Pulseboard, or use its commands (`pulseboard --help`)",
        bin.display()
    );
    1
}

/// The host cannot start (no data dir, no keychain, a damaged database):
/// the window binary opens the same data and, failing the same way, shows
/// why in a window of its own (a person who double-clicked sees no stderr).
pub fn show_start_failure(args: &[OsString]) -> i32 {
    exec_sibling(DESKTOP, args, &[(super::START_FAILED_ENV, "1")])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_child(window: &Window) -> u32 {
        let child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id();
        *window.lock() = Some(Current {
            child,
            closing: false,
        });
        pid
    }

    #[test]
    fn a_window_process_that_said_its_window_closed_is_not_asked_to_come_forward() {
        let window = Window::new(vec!["--hidden".into(), "--x".into()]);
        assert_eq!(window.args, ["--x"], "--hidden is not passed on");
        let pid = with_child(&window);
        assert!(window.running());
        window.closing(pid + 1);
        assert!(window.running(), "another process's word changes nothing");
        window.closing(pid);
        assert!(!window.running(), "the next Open starts a new process");
        assert!(
            window.lock().is_none(),
            "the old one is let go, to be reaped"
        );
    }

    #[test]
    fn a_window_process_that_ended_is_not_running() {
        let window = Window::new(Vec::new());
        let pid = with_child(&window);
        let _ = Command::new("kill").arg(pid.to_string()).status();
        std::thread::sleep(Duration::from_millis(200));
        assert!(!window.running());
    }
}
