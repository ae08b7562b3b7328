//! Backups of the database and restoring one.
//!
//! A backup is a consistent snapshot of the SQLite file (`VACUUM INTO`, so
//! syncs may go on writing), checked whole (`PRAGMA integrity_check`) before
//! it is kept, in the data dir's `backups/` folder under a name that says when
//! it was taken and why: `pulseboard-20261206T091500.123Z-daily.sqlite3`.
//! Daily and weekly backups rotate (the newest 7 and 4 are kept); manual ones,
//! those taken before a migration and the files a restore replaced are kept
//! until the person deletes them. Secrets are not in any backup: they live in
//! the keychain, under the install id the file carries.
//!
//! A restore takes the data dir's lock ([`DataDirLock`]) alone, so it never
//! swaps the file under a running app or sync.

use super::data_dir::{check_stamp, io_error, DataDirLock, QuickCheck};
use super::{Core, Result, ServiceError};
use crate::domain::ConnectionId;
use crate::settings::Paths;
use crate::store::{self, FileProblem, Store};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The newest daily and weekly backups kept.
pub const KEEP_DAILY: usize = 7;
pub const KEEP_WEEKLY: usize = 4;

const PREFIX: &str = "pulseboard-";
const SUFFIX: &str = ".sqlite3";
const TIME_FORMAT: &str = "%Y%m%dT%H%M%S%.3fZ";

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackupKind {
    Daily,
    Weekly,
    Manual,
    BeforeMigration,
    BeforeRestore,
}

impl BackupKind {
    const ALL: [BackupKind; 5] = [
        BackupKind::Daily,
        BackupKind::Weekly,
        BackupKind::Manual,
        BackupKind::BeforeMigration,
        BackupKind::BeforeRestore,
    ];

    pub fn word(self) -> &'static str {
        match self {
            BackupKind::Daily => "daily",
            BackupKind::Weekly => "weekly",
            BackupKind::Manual => "manual",
            BackupKind::BeforeMigration => "before-migration",
            BackupKind::BeforeRestore => "before-restore",
        }
    }
}

/// One backup file in the backups folder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Backup {
    pub path: PathBuf,
    pub time: DateTime<Utc>,
    /// Bytes.
    pub size: u64,
    pub kind: BackupKind,
}

/// What a restore did.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Restored {
    /// The backup of the file the restore replaced, or where a damaged file
    /// was moved aside; `None` when there was no file.
    pub replaced: Option<PathBuf>,
    /// Whether the replaced file was damaged (so moved aside, not copied).
    pub replaced_damaged: bool,
    /// The schema version of the file restored, before any migration.
    pub schema_version: i64,
}

pub fn backups_dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("backups")
}

fn file_name(kind: BackupKind, time: DateTime<Utc>) -> String {
    format!(
        "{PREFIX}{}-{}{SUFFIX}",
        time.format(TIME_FORMAT),
        kind.word()
    )
}

/// The time and kind a backup's file name says, or `None` for any other file.
fn parse_name(name: &str) -> Option<(DateTime<Utc>, BackupKind)> {
    let middle = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (time, kind) = middle.split_once('-')?;
    let kind = BackupKind::ALL.into_iter().find(|k| k.word() == kind)?;
    let time = NaiveDateTime::parse_from_str(time, TIME_FORMAT).ok()?;
    Some((time.and_utc(), kind))
}

/// The backups in the folder, newest first.
pub fn list(paths: &Paths) -> Result<Vec<Backup>> {
    let dir = backups_dir(paths);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("cannot read the backups folder", &dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error("cannot read the backups folder", &dir, e))?;
        let name = entry.file_name();
        let Some((time, kind)) = name.to_str().and_then(parse_name) else {
            continue;
        };
        let size = entry
            .metadata()
            .map_err(|e| io_error("cannot read", &entry.path(), e))?
            .len();
        out.push(Backup {
            path: entry.path(),
            time,
            size,
            kind,
        });
    }
    out.sort_by(|a, b| b.time.cmp(&a.time).then(a.kind.cmp(&b.kind)));
    Ok(out)
}

/// Snapshot `store` into `dest` (through a `.part` file beside it, checked
/// whole before it takes its name), so a backup that exists is a good one.
fn snapshot(store: &Store, dest: &Path) -> Result<u64> {
    let part = dest.with_extension("part");
    let _ = std::fs::remove_file(&part);
    let result = store
        .snapshot_to(&part)
        .map_err(ServiceError::from)
        .and_then(|()| {
            store::inspect(&part).map_err(|p| backup_error(format!("the new backup {p}")))
        })
        .and_then(|_| {
            std::fs::rename(&part, dest).map_err(|e| io_error("cannot name the backup", dest, e))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result?;
    std::fs::metadata(dest)
        .map(|m| m.len())
        .map_err(|e| io_error("cannot read", dest, e))
}

/// Take a backup of `kind` at `now` into the backups folder.
fn take(store: &Store, paths: &Paths, kind: BackupKind, now: DateTime<Utc>) -> Result<Backup> {
    let dir = backups_dir(paths);
    std::fs::create_dir_all(&dir)
        .map_err(|e| io_error("cannot create the backups folder", &dir, e))?;
    let path = dir.join(file_name(kind, now));
    let size = snapshot(store, &path)?;
    tracing::info!(path = %path.display(), size, kind = kind.word(), "backup taken");
    Ok(Backup {
        path,
        time: now,
        size,
        kind,
    })
}

/// Which backups rotation removes: all but the newest [`KEEP_DAILY`] daily
/// and [`KEEP_WEEKLY`] weekly ones. Other kinds are never removed.
pub fn to_prune(backups: &[Backup]) -> Vec<PathBuf> {
    let mut sorted: Vec<&Backup> = backups.iter().collect();
    sorted.sort_by_key(|b| std::cmp::Reverse(b.time));
    let mut out = Vec::new();
    for (kind, keep) in [
        (BackupKind::Daily, KEEP_DAILY),
        (BackupKind::Weekly, KEEP_WEEKLY),
    ] {
        out.extend(
            sorted
                .iter()
                .filter(|b| b.kind == kind)
                .skip(keep)
                .map(|b| b.path.clone()),
        );
    }
    out
}

/// The automatic backups due at `now`: a daily one when the newest is a day
/// old or more (or there is none), and a weekly one when the newest weekly is
/// a week old (or there is none); then the rotation. Returns what was taken.
pub fn take_if_due(paths: &Paths, now: DateTime<Utc>) -> Result<Vec<Backup>> {
    let existing = list(paths)?;
    let newest = |kind| existing.iter().find(|b| b.kind == kind).map(|b| b.time);
    let due = |kind, every: chrono::Duration| newest(kind).is_none_or(|t| now - t >= every);
    let mut taken = Vec::new();
    let daily = due(BackupKind::Daily, chrono::Duration::days(1));
    let weekly = due(BackupKind::Weekly, chrono::Duration::days(7));
    if daily || weekly {
        let _shared = DataDirLock::shared(paths)?;
        let store = Store::open(&paths.db_path())?;
        if daily {
            taken.push(take(&store, paths, BackupKind::Daily, now)?);
        }
        if weekly {
            taken.push(take(&store, paths, BackupKind::Weekly, now)?);
        }
    }
    for path in to_prune(&list(paths)?) {
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!(path = %path.display(), "old backup removed"),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove an old backup")
            }
        }
    }
    Ok(taken)
}

impl Core {
    /// A manual backup: into the backups folder, or to `out` (a new file).
    pub fn back_up(&self, out: Option<&Path>) -> Result<Backup> {
        match out {
            None => take(self.store(), self.paths(), BackupKind::Manual, Utc::now()),
            Some(out) => {
                if out.exists() {
                    return Err(backup_error(format!(
                        "{} already exists; pick a new file name",
                        out.display()
                    )));
                }
                let size = snapshot(self.store(), out)?;
                Ok(Backup {
                    path: out.to_path_buf(),
                    time: Utc::now(),
                    size,
                    kind: BackupKind::Manual,
                })
            }
        }
    }

    /// Restore `file` from inside a process that has the data dir open (the
    /// app): this core lets go of the file (its handle and its share of the
    /// lock), the restore runs, and the core opens what is then in place, the
    /// restored file or, when the restore was refused, the one it had. The
    /// caller makes sure nothing else of this process has the file open
    /// (no sync running).
    pub fn restore(&mut self, file: &Path) -> Result<Restored> {
        self.release()?;
        let result = restore(&self.paths, file);
        self.reopen()?;
        result
    }

    /// Let go of the database file and the data dir's shared lock, so
    /// another process can restore (see [`Core::reopen`]).
    pub fn release(&mut self) -> Result<()> {
        self.store = Store::detached()?;
        self.data_dir_lock = None;
        Ok(())
    }

    /// Open the database again after [`Core::release`].
    pub fn reopen(&mut self) -> Result<()> {
        self.data_dir_lock = Some(DataDirLock::shared(&self.paths)?);
        self.store = open_store(&self.paths, QuickCheck::Always)?;
        self.install_id = self.store.install_id()?;
        Ok(())
    }

    /// Connections whose keychain entry is missing (say after a restore of a
    /// file from another computer): they need their credentials again.
    pub fn connections_missing_credentials(&self) -> Result<Vec<(ConnectionId, String)>> {
        let mut out = Vec::new();
        for c in self.connections(None)? {
            if c.provider.spec().secret_fields().next().is_none() {
                continue;
            }
            if self.connection_secrets(c.id)?.is_none() {
                out.push((c.id, c.display_name.clone()));
            }
        }
        Ok(out)
    }
}

/// Open the data dir's database the way every process does: a backup first
/// when a migration is about to change an older file, then a quick check
/// (when `check` says it is due); a damaged file is left as it is and named,
/// with the newest good backup.
pub(super) fn open_store(paths: &Paths, check: QuickCheck) -> Result<Store> {
    let db = paths.db_path();
    let damaged = |detail: String| ServiceError::Damaged {
        path: db.clone(),
        detail,
        backup: list(paths)
            .ok()
            .and_then(|l| l.into_iter().find(|b| store::inspect(&b.path).is_ok()))
            .map(|b| b.path),
    };
    match store::file_version(&db) {
        Ok(Some(v)) if v > 0 && v < store::SCHEMA_VERSION => {
            let old = Store::open_at(&db, v).map_err(|e| damaged(e.to_string()))?;
            if let Some(detail) = old.quick_check().map_err(|e| damaged(e.to_string()))? {
                return Err(damaged(detail));
            }
            take(&old, paths, BackupKind::BeforeMigration, Utc::now())?;
        }
        Ok(_) => {}
        Err(e) if e.is_damage() => return Err(damaged(e.to_string())),
        Err(e) => return Err(e.into()),
    }
    let store = match Store::open(&db) {
        Ok(s) => s,
        Err(e) if e.is_damage() => return Err(damaged(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    if check.due(paths) {
        if let Some(detail) = store.quick_check()? {
            let _ = std::fs::remove_file(check_stamp(paths));
            return Err(damaged(detail));
        }
        let stamp = check_stamp(paths);
        if let Err(e) = std::fs::create_dir_all(paths.data_dir.join("locks"))
            .and_then(|()| std::fs::write(&stamp, b""))
        {
            tracing::warn!(path = %stamp.display(), error = %e, "cannot note the quick check");
        }
    }
    Ok(store)
}

/// Replace the data dir's database with `file`, a backup (or any Pulseboard
/// database) checked whole first. Refused while another process has the data
/// dir open. The file replaced is kept as a `before-restore` backup, or, when
/// it was damaged, moved aside beside it for inspection; so a restore can be
/// undone by restoring that. The file restored is copied, never moved.
pub fn restore(paths: &Paths, file: &Path) -> Result<Restored> {
    let facts = store::inspect(file).map_err(|p| match p {
        FileProblem::Newer { .. } => backup_error(format!("cannot restore: {p}")),
        other => backup_error(format!("cannot restore: {other}; nothing was changed")),
    })?;
    paths.ensure()?;
    let _lock = DataDirLock::exclusive(paths)?;
    let db = paths.db_path();
    let now = Utc::now();
    // The new file is put together beside the old one first, so the swap is
    // one rename on one file system.
    let incoming = paths.data_dir.join("pulseboard.sqlite3.restoring");
    let _ = std::fs::remove_file(&incoming);
    store::copy_database(file, &incoming)?;
    let mut replaced = None;
    let mut replaced_damaged = false;
    if db.exists() {
        let current = store::file_version(&db)
            .and_then(|v| Store::open_at(&db, v.unwrap_or(0)))
            .and_then(|s| s.quick_check().map(|c| (s, c)));
        match current {
            Ok((store, None)) => {
                replaced = Some(take(&store, paths, BackupKind::BeforeRestore, now)?.path);
                store.checkpoint()?;
            }
            Ok((_, Some(_))) | Err(_) => {
                let aside = paths.data_dir.join(format!(
                    "pulseboard.sqlite3.damaged-{}",
                    now.format("%Y%m%dT%H%M%SZ")
                ));
                move_with_log(&db, &aside)?;
                replaced = Some(aside);
                replaced_damaged = true;
            }
        }
    }
    for end in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{end}", db.display()));
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("cannot remove", &side, e)),
        }
    }
    std::fs::rename(&incoming, &db).map_err(|e| io_error("cannot put in place", &db, e))?;
    let _ = std::fs::remove_file(check_stamp(paths));
    if let Ok(dir) = File::open(&paths.data_dir) {
        let _ = dir.sync_all();
    }
    tracing::info!(from = %file.display(), "database restored");
    Ok(Restored {
        replaced,
        replaced_damaged,
        schema_version: facts.schema_version,
    })
}

/// Move a database and its log files (`-wal`, `-shm`) to `to`, keeping them
/// together so the moved file still opens with every commit.
fn move_with_log(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| io_error("cannot move aside", from, e))?;
    for end in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{end}", from.display()));
        if side.exists() {
            let dest = PathBuf::from(format!("{}{end}", to.display()));
            std::fs::rename(&side, &dest).map_err(|e| io_error("cannot move aside", &side, e))?;
        }
    }
    Ok(())
}

fn backup_error(message: String) -> ServiceError {
    ServiceError::Backup(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_name_says_when_and_why_and_nothing_else_is_a_backup() {
        let t = at("2026-12-06T09:15:00.123Z");
        for kind in BackupKind::ALL {
            assert_eq!(parse_name(&file_name(kind, t)), Some((t, kind)));
        }
        assert_eq!(
            file_name(BackupKind::BeforeMigration, t),
            "pulseboard-20261206T091500.123Z-before-migration.sqlite3"
        );
        for other in [
            "pulseboard.sqlite3",
            "pulseboard-20261206T091500.123Z-daily.sqlite3.part",
            "pulseboard-20261206T091500.123Z-hourly.sqlite3",
            "pulseboard-yesterday-daily.sqlite3",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn rotation_keeps_the_newest_seven_daily_and_four_weekly_and_every_other_kind() {
        let mut backups = Vec::new();
        for day in 1..=20 {
            let time = at(&format!("2026-11-{day:02}T08:00:00Z"));
            let mut push = |kind| {
                backups.push(Backup {
                    path: PathBuf::from(file_name(kind, time)),
                    time,
                    size: 1,
                    kind,
                })
            };
            push(BackupKind::Daily);
            if day % 7 == 1 {
                push(BackupKind::Weekly);
            }
            if day % 5 == 0 {
                push(BackupKind::Manual);
                push(BackupKind::BeforeRestore);
                push(BackupKind::BeforeMigration);
            }
        }
        let gone = to_prune(&backups);
        let kept: Vec<&Backup> = backups.iter().filter(|b| !gone.contains(&b.path)).collect();
        let days = |kind| -> Vec<u32> {
            use chrono::Datelike;
            kept.iter()
                .filter(|b| b.kind == kind)
                .map(|b| b.time.day())
                .collect()
        };
        assert_eq!(days(BackupKind::Daily), (14..=20).collect::<Vec<_>>());
        // Weekly on days 1, 8 and 15: fewer than four, all kept.
        assert_eq!(days(BackupKind::Weekly), vec![1, 8, 15]);
        assert_eq!(days(BackupKind::Manual), vec![5, 10, 15, 20]);
        assert_eq!(days(BackupKind::BeforeRestore), vec![5, 10, 15, 20]);
        assert_eq!(days(BackupKind::BeforeMigration), vec![5, 10, 15, 20]);
    }
}
