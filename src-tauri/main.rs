//! `pulseboard`, the command people type and the desktop entry runs: the
//! headless CLI, and without a command the desktop app, by handing the
//! process to `pulseboard-desktop` beside it (same process id, same
//! arguments). This binary never links the window system (GTK, WebKit):
//! a command starts in a few milliseconds and a few MiB instead of the
//! ~60 ms and ~55 MiB that loading those libraries costs every process.

use pulseboard::cli::{self, Outcome};
use std::process::ExitCode;

/// The desktop app's binary, installed beside this one.
const DESKTOP: &str = if cfg!(windows) {
    "pulseboard-desktop.exe"
} else {
    "pulseboard-desktop"
};

fn main() -> ExitCode {
    match cli::main(std::env::args_os()) {
        Outcome::Exit(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Outcome::Desktop { .. } => open_desktop(),
    }
}

fn open_desktop() -> ExitCode {
    let desktop = match std::env::current_exe() {
        Ok(me) => me.with_file_name(DESKTOP),
        Err(e) => {
            eprintln!("error: cannot tell where pulseboard is installed ({e}), so the desktop app cannot be found");
            return ExitCode::from(1);
        }
    };
    let mut command = std::process::Command::new(&desktop);
    command.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    let failed = {
        use std::os::unix::process::CommandExt;
        // Only returns when the desktop app could not be started.
        command.exec()
    };
    #[cfg(not(unix))]
    let failed = match command.status() {
        Ok(status) => return ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8),
        Err(e) => e,
    };
    eprintln!(
        "error: cannot start the desktop app {}: {failed}; reinstall Pulseboard, or use its commands (`pulseboard --help`)",
        desktop.display()
    );
    ExitCode::from(1)
}
