//! `pulseboard sync`, `pulseboard runs` and `pulseboard demo`.

use super::{print_json, table, CliError, CliResult};
use crate::domain::run::{Progress, RunStatus, Trigger};
use crate::domain::ConnectionId;
use crate::service::{Core, ServiceError};
use crate::sync::SyncContext;
use clap::Args;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this workspace's connections.
    #[arg(long, value_name = "W")]
    workspace: Option<String>,
    /// Only this connection.
    #[arg(long, value_name = "ID")]
    connection: Option<i64>,
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the sync runtime: {e}")))
}

/// Sync the chosen enabled connections one after another; exit 1 when any failed.
pub fn sync(core: &mut Core, args: SyncArgs) -> CliResult {
    let ws = args
        .workspace
        .as_deref()
        .map(|w| core.workspace_by_name(w))
        .transpose()?;
    let mut list = core.connections(ws.map(|w| w.id))?;
    if let Some(id) = args.connection {
        let c = core.connection(ConnectionId(id))?;
        list.retain(|x| x.id == c.id);
    } else {
        list.retain(|c| c.enabled);
    }
    if list.is_empty() {
        println!("Nothing to sync: no enabled connections.");
        return Ok(());
    }
    let ids: Vec<ConnectionId> = list.iter().map(|c| c.id).collect();
    let paths = core.paths().clone();
    let mut failed = 0;
    let mut started = Instant::now();
    let names: HashMap<i64, String> = list
        .iter()
        .map(|c| (c.id.0, c.display_name.clone()))
        .collect();
    let live = Arc::new(LiveLine::new(std::io::stderr().is_terminal(), names));
    let shown = live.clone();
    let report =
        |c: &crate::domain::Connection,
         outcome: &Result<crate::domain::run::Run, crate::sync::SyncError>| {
            live.clear();
            match outcome {
                Ok(run) => {
                    println!(
                    "{}: {} in {:.1} s: {} records fetched, {} stored, {} skipped, {} requests{}",
                    c.display_name,
                    run.status.as_str(),
                    started.elapsed().as_secs_f64(),
                    run.records_fetched,
                    run.records_upserted,
                    run.records_skipped,
                    run.requests,
                    run.error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                );
                    for s in &run.streams {
                        println!("  {}", stream_line(s));
                    }
                    if run.status != RunStatus::Succeeded {
                        failed += 1;
                    }
                }
                Err(why) => {
                    println!("{}: not synced: {why}", c.display_name);
                    failed += 1;
                }
            }
            started = Instant::now();
        };
    let sync = SyncContext::new(
        &paths,
        core.secrets_handle(),
        Arc::new(move |p| shown.show(p)),
    );
    runtime()?
        .block_on(sync.sync(&ids, Trigger::Cli, report))
        .map_err(ServiceError::from)?;
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} connection(s) did not sync"
        )));
    }
    Ok(())
}

/// One stream of a finished run, for the summary.
fn stream_line(s: &crate::domain::run::StreamReport) -> String {
    format!(
        "{}: {} fetched, {} stored, {} skipped, {} requests{}",
        s.stream,
        s.fetched,
        s.upserted,
        s.skipped,
        s.requests,
        s.error
            .as_deref()
            .map(|e| format!(" — failed: {e}"))
            .unwrap_or_default()
    )
}

/// A progress line on a terminal, rewritten in place as pages arrive; nothing
/// when stderr is not a terminal (the summary on stdout says it all).
struct LiveLine {
    on: bool,
    names: HashMap<i64, String>,
    shown: Mutex<bool>,
}

impl LiveLine {
    fn new(on: bool, names: HashMap<i64, String>) -> Self {
        Self {
            on,
            names,
            shown: Mutex::new(false),
        }
    }

    fn show(&self, p: &Progress) {
        if !self.on {
            return;
        }
        let name = self
            .names
            .get(&p.connection_id())
            .map(String::as_str)
            .unwrap_or("?");
        let text = match p {
            Progress::Started { streams, .. } => {
                format!("{name}: starting ({} streams)", streams.len())
            }
            Progress::Stream {
                stream,
                index,
                of,
                fetched,
                upserted,
                skipped,
                requests,
                ..
            } => format!(
                "{name}: {stream} ({}/{of}): {fetched} fetched, {upserted} stored, {skipped} skipped, {requests} requests",
                index + 1
            ),
            Progress::Finished { .. } | Progress::NotRun { .. } => return self.clear(),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{text}");
        let _ = err.flush();
        *self.shown.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }

    fn clear(&self) {
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if *shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            *shown = false;
        }
    }
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only this connection's runs.
    #[arg(long, value_name = "ID")]
    connection: Option<i64>,
    /// How many of the newest runs.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn runs(core: &Core, args: RunsArgs) -> CliResult {
    let runs: Vec<_> = core
        .runs(args.connection.map(ConnectionId), args.limit)?
        .into_iter()
        .map(|(run, _)| run)
        .collect();
    if args.json {
        return print_json(&runs);
    }
    if runs.is_empty() {
        println!("No sync runs yet. `pulseboard sync` runs one.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.connection_id.to_string(),
                r.trigger.as_str().into(),
                r.status.as_str().into(),
                r.started_at.clone(),
                r.records_fetched.to_string(),
                r.records_upserted.to_string(),
                r.records_skipped.to_string(),
                r.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(
            &[
                "run",
                "connection",
                "trigger",
                "status",
                "started",
                "fetched",
                "stored",
                "skipped",
                "error"
            ],
            &rows
        )
    );
    Ok(())
}

/// Create the Demo workspace with the demo source (once) and sync it.
pub fn demo(core: &mut Core) -> CliResult {
    let (ws, created) = core.ensure_demo()?;
    if created {
        println!("Created the '{}' workspace.", ws.name);
    }
    sync(
        core,
        SyncArgs {
            workspace: Some(ws.name.clone()),
            connection: None,
        },
    )?;
    println!("The demo business is ready: open the app with `pulseboard`, or try `pulseboard metrics --workspace Demo --from … --to …`.");
    Ok(())
}
