//! The headless commands, in the same binary as the app. Exit codes: 0 ok,
//! 1 failed, 2 bad usage; errors are one line on stderr. Secrets are read as JSON
//! from standard input, never from argv.

mod backups;
mod connections;
mod costs;
mod goals;
mod metrics;
mod pnl;
mod sync;
mod table;
mod workspace;

use crate::domain::InvalidInput;
use crate::secrets::Keychain;
use crate::service::{Core, ServiceError};
use crate::settings::Paths;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "pulseboard",
    version,
    about = "Local-first business metrics. Without a command, opens the desktop app.",
    after_help = "Data lives in the OS app-data folder, or in $PULSEBOARD_DATA_DIR when set."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Open the desktop app in the tray only, without its window (what
    /// starting at login does).
    #[arg(long)]
    hidden: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add, edit or list workspaces (one per business).
    #[command(subcommand)]
    Workspace(workspace::WorkspaceCommand),
    /// Add a connection to a provider; secret fields are read as JSON from stdin.
    Connect(connections::ConnectArgs),
    /// List connections with their ids.
    Connections(connections::ListArgs),
    /// Edit, enable or disable one connection.
    #[command(subcommand)]
    Connection(connections::ConnectionCommand),
    /// Remove a connection and its keychain entry.
    Disconnect(connections::DisconnectArgs),
    /// Sync enabled connections now and print a summary; exit 1 if any failed.
    Sync(sync::SyncArgs),
    /// List recent sync runs.
    Runs(sync::RunsArgs),
    /// Create the Demo workspace with the built-in demo business, and sync it.
    Demo,
    /// Show the daily figures (revenue, profit, ads, shipping, sales activity;
    /// README, "The figures") for a range of days.
    Metrics(metrics::MetricsArgs),
    /// Write the daily (weekly, monthly) figures of a range to a CSV file.
    Export(metrics::ExportArgs),
    /// The P&L of a range by month or week: revenue down to net profit, with
    /// each recurring expense's share.
    Pnl(pnl::PnlArgs),
    /// Every variant's unit cost in use and where it comes from; `costs
    /// import FILE` applies a file of sku,cost[,effective_from] lines.
    Costs(costs::CostsArgs),
    /// Each product's units, revenue, refunds, cost and gross profit over a range.
    Products(costs::ProductsArgs),
    /// List a workspace's newest shipments and the Shopify orders they belong to.
    Shipments(metrics::ShipmentsArgs),
    /// List the team members the sales sources know (one per e-mail).
    Members(goals::MembersArgs),
    /// Rename, merge, hide or show a team member.
    #[command(subcommand)]
    Member(goals::MemberCommand),
    /// Open opportunities per pipeline stage now, and stage moves per day.
    Pipeline(goals::PipelineArgs),
    /// Each goal's current period: figure, pace, projection, status, streak.
    Goals(goals::GoalsArgs),
    /// Add, edit or remove a goal, or show its history.
    #[command(subcommand)]
    Goal(goals::GoalCommand),
    /// Back up the database now (into the backups folder, or --out FILE).
    Backup(backups::BackupArgs),
    /// List the backups: daily, weekly, manual, before-migration, before-restore.
    Backups(backups::BackupsArgs),
    /// Replace the database with a backup; the file replaced is kept as a backup.
    Restore(backups::RestoreArgs),
}

/// Why a command failed, and so which exit code it ends with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments or input were wrong: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// The command could not be carried out: exit code 1.
    #[error("{0}")]
    Failed(String),
}

impl From<ServiceError> for CliError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(i) => i.into(),
            // A damaged page met by a command between the daily quick checks.
            ServiceError::Store(e) if e.is_damage() => {
                CliError::Failed(format!(
                    "the database is damaged ({e}); `pulseboard backups` lists the backups and \
                     `pulseboard restore FILE` puts one back (the damaged file is moved aside, not deleted)"
                ))
            }
            other => CliError::Failed(other.to_string()),
        }
    }
}

impl From<InvalidInput> for CliError {
    fn from(e: InvalidInput) -> Self {
        CliError::Usage(e.to_string())
    }
}

pub type CliResult = Result<(), CliError>;

/// What `--version` says: the version, the schema version this build
/// writes, and (on the next line) the data folder it would use.
fn version_text() -> String {
    let dir = match Paths::from_env() {
        Ok(p) => p.data_dir.display().to_string(),
        Err(e) => format!("no data folder: {e}"),
    };
    format!(
        "{} (schema {})\n{dir}",
        env!("CARGO_PKG_VERSION"),
        crate::service::SCHEMA_VERSION
    )
}

/// What the command line asked for: a headless command that ended with an
/// exit code, or the desktop app (no command at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Exit(i32),
    Desktop {
        /// In the tray only, without the window.
        hidden: bool,
    },
}

/// Run the headless command `args` name; without one, say the desktop app
/// is wanted (the caller opens it, so `cli` never starts the window system).
pub fn main<I, T>(args: I) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .version(version_text())
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: print them whole, exit 0.
            let _ = e.print();
            return Outcome::Exit(0);
        }
        Err(e) => {
            // A usage error: one line, the first of clap's message, and exit 2.
            let text = e.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error: bad usage");
            eprintln!("{first} (see --help)");
            return Outcome::Exit(2);
        }
    };
    let Some(command) = cli.command else {
        return Outcome::Desktop { hidden: cli.hidden };
    };
    Outcome::Exit(match dispatch(command) {
        Ok(()) => 0,
        Err(CliError::Usage(msg)) => {
            eprintln!("error: {msg}");
            2
        }
        Err(CliError::Failed(msg)) => {
            eprintln!("error: {msg}");
            1
        }
    })
}

fn dispatch(command: Command) -> CliResult {
    let paths = Paths::from_env().map_err(|e| CliError::Failed(e.to_string()))?;
    let _log_guard = paths
        .ensure()
        .ok()
        .and_then(|()| crate::telemetry::init(&paths.log_dir));
    // These two never open the database the usual way: they must work when
    // it is damaged, and a restore must not hold it open.
    let command = match command {
        Command::Backups(args) => return backups::list(&paths, args),
        Command::Restore(args) => return backups::restore(&paths, args),
        other => other,
    };
    let mut core = Core::open(paths, Arc::new(Keychain::default()))?;
    match command {
        Command::Workspace(cmd) => workspace::run(&mut core, cmd),
        Command::Connect(args) => connections::connect(&mut core, args),
        Command::Connections(args) => connections::list(&core, args),
        Command::Connection(cmd) => connections::manage(&mut core, cmd),
        Command::Disconnect(args) => connections::disconnect(&mut core, args),
        Command::Sync(args) => sync::sync(&mut core, args),
        Command::Runs(args) => sync::runs(&core, args),
        Command::Demo => sync::demo(&mut core),
        Command::Metrics(args) => metrics::metrics(&core, args),
        Command::Export(args) => metrics::export(&core, args),
        Command::Pnl(args) => pnl::pnl(&core, args),
        Command::Costs(args) => costs::costs(&mut core, args),
        Command::Products(args) => costs::products(&core, args),
        Command::Shipments(args) => metrics::shipments(&core, args),
        Command::Members(args) => goals::members(&core, args),
        Command::Member(cmd) => goals::member(&mut core, cmd),
        Command::Pipeline(args) => goals::pipeline(&core, args),
        Command::Goals(args) => goals::goals(&core, args),
        Command::Goal(cmd) => goals::goal(&mut core, cmd),
        Command::Backup(args) => backups::backup(&core, args),
        Command::Backups(_) | Command::Restore(_) => {
            unreachable!("handled before the database opens")
        }
    }
}

/// Print `value` as pretty JSON on stdout.
fn print_json(value: &impl serde::Serialize) -> CliResult {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.to_string()))?;
    emit(&text)
}

/// Write `text` and a newline to stdout. A reader that stops early (`| head`)
/// is not an error.
fn emit(text: &str) -> CliResult {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// A CSV write error, except a reader that stopped early.
fn csv_result(r: csv::Result<()>) -> CliResult {
    match r {
        Err(e) => match e.kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            _ => Err(CliError::Failed(format!("cannot write the CSV: {e}"))),
        },
        Ok(()) => Ok(()),
    }
}
