//! Pulseboard: local-first business metrics. `run()` is the whole program: with a
//! subcommand it is the headless CLI, without one it opens the desktop app.
//! See ARCHITECTURE.md for the map of modules and the rules between them.

pub mod app;
pub mod charts;
pub mod cli;
pub mod connectors;
pub mod domain;
pub mod export;
pub mod host;
pub mod metrics;
pub mod rollups;
pub mod secrets;
pub mod service;
pub mod settings;
pub mod store;
pub mod sync;
pub mod telemetry;

/// Entry point of the `pulseboard-desktop` binary (the window); returns the
/// process exit code. A command runs as the CLI; the window opens when the
/// host started this process; started any other way (a login item, a test
/// driver) it hands the process to the host, `pulseboard`, which starts the
/// window in turn.
pub fn run() -> i32 {
    match cli::main(std::env::args_os()) {
        cli::Outcome::Exit(code) => code,
        cli::Outcome::Desktop { .. } if std::env::var_os(host::bus::HOSTED_ENV).is_some() => {
            app::run_window()
        }
        cli::Outcome::Desktop { .. } if std::env::var_os(host::START_FAILED_ENV).is_some() => {
            app::run_start_failure()
        }
        cli::Outcome::Desktop { .. } => {
            let args: Vec<_> = std::env::args_os().skip(1).collect();
            host::exec_sibling(host::HOST, &args, &[])
        }
    }
}
