//! The data dir as every process that opens it sees it: the lock each holds
//! while it has the folder open (a restore takes it alone), when the
//! database's quick check is due, and whether the folder can be written at
//! all (the tray's storage line).

use super::{Core, Result, ServiceError};
use crate::settings::Paths;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// A lock on the data dir: shared by every process that has it open, taken
/// alone by a restore. An OS file lock, so it dies with its process.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    fn file(paths: &Paths) -> Result<File> {
        let dir = paths.data_dir.join("locks");
        let read_only = |e: std::io::Error, what: &str, path: &Path| {
            if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem {
                ServiceError::Backup(format!(
                    "the data folder {} is on a read-only disk, and Pulseboard must write there: make the disk writable, or start with PULSEBOARD_DATA_DIR set to a folder that is",
                    paths.data_dir.display()
                ))
            } else {
                io_error(what, path, e)
            }
        };
        std::fs::create_dir_all(&dir).map_err(|e| read_only(e, "cannot create", &dir))?;
        let path = dir.join("data-dir.lock");
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| read_only(e, "cannot open", &path))
    }

    /// Held while the data dir is open; waits while a restore runs.
    pub fn shared(paths: &Paths) -> Result<Self> {
        let file = Self::file(paths)?;
        file.lock_shared()
            .map_err(|e| io_error("cannot lock", &paths.data_dir, e))?;
        Ok(Self { _file: file })
    }

    pub(super) fn exclusive(paths: &Paths) -> Result<Self> {
        let file = Self::file(paths)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(ServiceError::Backup(format!(
                "Pulseboard is using {} (the app, or a sync or another command); quit it and restore again",
                paths.data_dir.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(io_error("cannot lock", &paths.data_dir, e))
            }
        }
    }
}

/// When a process opening the database runs `PRAGMA quick_check`, which
/// reads every page: about 0.14 s for a 42 MB file (50,000 orders), twice
/// what an unchanged shop's whole `pulseboard sync` takes without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuickCheck {
    /// Every open: the app, once per launch.
    Always,
    /// When the last clean check is a day old or more (or none is
    /// remembered): the CLI, which scripts may run every minute. A page found
    /// damaged in between still fails its command with SQLite's own words.
    Daily,
}

/// The file whose time is the last clean quick check of the database.
pub(super) fn check_stamp(paths: &Paths) -> PathBuf {
    paths.data_dir.join("locks").join("quick-check.ok")
}

impl QuickCheck {
    pub(super) fn due(self, paths: &Paths) -> bool {
        let last = std::fs::metadata(check_stamp(paths)).and_then(|m| m.modified());
        match (self, last) {
            (QuickCheck::Always, _) | (QuickCheck::Daily, Err(_)) => true,
            (QuickCheck::Daily, Ok(t)) => t
                .elapsed()
                .map_or(true, |age| age >= std::time::Duration::from_secs(24 * 3600)),
        }
    }
}

impl Core {
    /// What keeps the data from being written now, in words for the tray:
    /// the data folder gone (a disk unplugged) or read-only. `None` when a
    /// file can be made there.
    pub fn storage_problem(&self) -> Option<String> {
        let dir = &self.paths.data_dir;
        if !dir.is_dir() || !self.paths.db_path().is_file() {
            return Some(format!(
                "Data folder {} is gone: is its disk unplugged?",
                dir.display()
            ));
        }
        let probe = dir.join("locks").join(".write-check");
        match std::fs::write(&probe, b"") {
            Ok(()) => {
                let _ = std::fs::remove_file(&probe);
                None
            }
            Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => Some(format!(
                "Data folder {} is read-only: nothing can be stored",
                dir.display()
            )),
            Err(e) => Some(format!(
                "Data folder {} cannot be written: {e}",
                dir.display()
            )),
        }
    }
}

pub(super) fn io_error(what: &str, path: &Path, e: std::io::Error) -> ServiceError {
    ServiceError::Backup(format!("{what} {}: {e}", path.display()))
}
