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
    child: Arc<Mutex<Option<Child>>>,
    /// The arguments the app was started with, passed on (a test driver's
    /// among them).
    args: Vec<OsString>,
}

impl Window {
    pub fn new(args: Vec<OsString>) -> Self {
        Self {
            child: Arc::default(),
            args: args.into_iter().filter(|a| a != "--hidden").collect(),
        }
    }

    fn running(&self) -> bool {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        match child.as_mut().map(|c| c.try_wait()) {
            Some(Ok(None)) => true,
            Some(_) => {
                *child = None;
                false
            }
            None => false,
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
                tracing::info!(pid = child.id(), "window process started");
                *self.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
                self.reap();
            }
            Err(e) => tracing::error!(error = %e, "cannot start the window process"),
        }
        true
    }

    /// Collect the window process when it ends, so none is left a zombie.
    fn reap(&self) {
        let child = self.child.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let mut held = child.lock().unwrap_or_else(|p| p.into_inner());
            match held.as_mut().map(|c| c.try_wait()) {
                Some(Ok(None)) => continue,
                Some(Ok(Some(status))) => {
                    tracing::info!(%status, "window process ended; still running in the tray");
                    *held = None;
                    return;
                }
                Some(Err(_)) | None => return,
            }
        });
    }

    /// After the Quit signal, give the window `grace` to close, then end it.
    pub async fn close(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        while self.running() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(mut c) = self.child.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = c.kill();
            let _ = c.wait();
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
