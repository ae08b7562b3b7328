//! `backup`, `backups` and `restore`. The last two never open the database
//! the usual way, so they work when it is damaged.

use super::{emit, print_json, table, CliResult};
use crate::secrets::Keychain;
use crate::service::backups::{self, Backup};
use crate::service::Core;
use crate::settings::Paths;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Write the backup to this new file instead of the backups folder.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BackupsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup (or any Pulseboard database file) to restore.
    file: PathBuf,
}

pub fn backup(core: &Core, args: BackupArgs) -> CliResult {
    let b = core.back_up(args.out.as_deref())?;
    emit(&format!(
        "Backed up to {} ({})",
        b.path.display(),
        size_text(b.size)
    ))
}

pub fn list(paths: &Paths, args: BackupsArgs) -> CliResult {
    let list = backups::list(paths)?;
    if args.json {
        return print_json(&list);
    }
    if list.is_empty() {
        return emit(&format!(
            "No backups yet in {}. `pulseboard backup` takes one; the app takes one a day.",
            backups::backups_dir(paths).display()
        ));
    }
    let rows: Vec<Vec<String>> = list.iter().map(row).collect();
    emit(&table::render(
        &["taken (UTC)", "kind", "size", "path"],
        &rows,
    ))
}

fn row(b: &Backup) -> Vec<String> {
    vec![
        b.time.format("%Y-%m-%d %H:%M:%S").to_string(),
        b.kind.word().into(),
        size_text(b.size),
        b.path.display().to_string(),
    ]
}

fn size_text(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

pub fn restore(paths: &Paths, args: RestoreArgs) -> CliResult {
    let done = backups::restore(paths, &args.file)?;
    let mut lines = vec![format!("Restored {}", args.file.display())];
    match (&done.replaced, done.replaced_damaged) {
        (Some(p), false) => lines.push(format!(
            "The file it replaced is kept as a backup: {} (restore it to undo)",
            p.display()
        )),
        (Some(p), true) => lines.push(format!(
            "The file it replaced was damaged; it was moved aside to {}",
            p.display()
        )),
        (None, _) => {}
    }
    // Open it as every command does (a migration of an older file backs it
    // up first), and say which connections' credentials are not in this
    // computer's keychain under the file's install id.
    let core = Core::open(paths.clone(), Arc::new(Keychain::default()))?;
    match core.connections_missing_credentials() {
        Ok(missing) if missing.is_empty() => {}
        Ok(missing) => {
            lines.push(
                "These connections need their credentials again (the keychain has none for this file):"
                    .into(),
            );
            lines.extend(missing.iter().map(|(id, name)| {
                format!("  {id}  {name}  (pulseboard connection edit {id} --secrets, the fields as JSON on stdin)")
            }));
        }
        Err(e) => lines.push(format!("Could not check the connections' credentials: {e}")),
    }
    emit(&lines.join("\n"))
}
