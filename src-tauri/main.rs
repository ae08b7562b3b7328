//! `pulseboard`, the command people type and the desktop entry runs: the
//! headless CLI, and without a command the desktop app's host — the tray,
//! the schedule and the syncs — which starts the window (`pulseboard-desktop`,
//! beside it) as a process of its own. This binary never links the window
//! system (GTK, WebKit): a command starts in a few milliseconds and a few
//! MiB, and the tray costs little all day.

use pulseboard::cli::{self, Outcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match cli::main(std::env::args_os()) {
        Outcome::Exit(code) => code,
        Outcome::Desktop { hidden } => {
            pulseboard::host::run(hidden, std::env::args_os().skip(1).collect())
        }
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}
