//! Pulseboard: local-first business metrics. `run()` is the whole program: with a
//! subcommand it is the headless CLI, without one it opens the desktop app.
//! See ARCHITECTURE.md for the map of modules and the rules between them.

pub mod app;
pub mod charts;
pub mod cli;
pub mod connectors;
pub mod domain;
pub mod export;
pub mod metrics;
pub mod rollups;
pub mod secrets;
pub mod service;
pub mod settings;
pub mod store;
pub mod sync;
pub mod telemetry;

/// Entry point of the `pulseboard` binary; returns the process exit code.
pub fn run() -> i32 {
    match cli::main(std::env::args_os()) {
        cli::Outcome::Exit(code) => code,
        cli::Outcome::Desktop { hidden } => app::run_desktop(hidden),
    }
}
