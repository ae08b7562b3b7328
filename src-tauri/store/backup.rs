//! Copies of the database and checks of a file before it is trusted: a
//! consistent snapshot while syncs may write (`VACUUM INTO`), a quick check at
//! open, and what a file that claims to be a backup really holds.

use super::{Result, Store, StoreError, SCHEMA_VERSION};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// What a file holds, read without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// `PRAGMA user_version`: the migrations applied.
    pub schema_version: i64,
    /// The data dir's install id it carries (its keychain entries' prefix).
    pub install_id: String,
}

/// Why a file cannot be used as a Pulseboard database.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    #[error("{path} cannot be read: {detail}")]
    Unreadable { path: PathBuf, detail: String },
    #[error("{path} is not an SQLite database")]
    NotSqlite { path: PathBuf },
    #[error("{path} is an SQLite database but not a Pulseboard one")]
    NotPulseboard { path: PathBuf },
    #[error("{path} is damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path} was written by a newer Pulseboard (schema {found}, this version knows {supported}); update Pulseboard")]
    Newer {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
}

impl Store {
    /// A handle on no file (an empty database in memory), for a holder of a
    /// store to keep while its file is swapped by a restore.
    pub fn detached() -> Result<Self> {
        Ok(Self {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
        })
    }

    /// A consistent copy of the whole database at `dest`, which must not
    /// exist yet. `VACUUM INTO` reads in one transaction, so writers on other
    /// handles go on and the copy holds one commit: the last before it began.
    /// The copy is compact and needs no `-wal` file beside it.
    pub fn snapshot_to(&self, dest: &Path) -> Result<()> {
        vacuum_into(&self.conn, dest)
    }

    /// `PRAGMA quick_check` of the open file: `None` when it is sound, else
    /// what SQLite found (its first few lines).
    pub fn quick_check(&self) -> Result<Option<String>> {
        check(&self.conn, "PRAGMA quick_check(5)")
    }

    /// Copy the log back into the file and empty it, so the file alone holds
    /// every commit (before it is swapped out or copied byte for byte).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// A consistent, compact copy of the database at `src` (with whatever its
/// `-wal` beside it holds) as a new file `dest`.
pub fn copy_database(src: &Path, dest: &Path) -> Result<()> {
    let conn =
        Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|source| {
            StoreError::Open {
                path: src.to_path_buf(),
                source,
            }
        })?;
    vacuum_into(&conn, dest)
}

/// `VACUUM INTO dest`: the database `conn` has open, as of one read
/// transaction, written compact to the new file `dest`.
fn vacuum_into(conn: &Connection, dest: &Path) -> Result<()> {
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Corrupt(format!("{} is not a UTF-8 path", dest.display())))?;
    conn.execute("VACUUM INTO ?1", [dest])?;
    Ok(())
}

/// The schema version of the database at `path` without migrating it, or
/// `None` when there is no file yet.
pub fn file_version(path: &Path) -> Result<Option<i64>> {
    if !path.exists() {
        return Ok(None);
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|source| {
            StoreError::Open {
                path: path.to_path_buf(),
                source,
            }
        })?;
    Ok(Some(
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))?,
    ))
}

/// Read `path` as a candidate Pulseboard database, changing nothing in it:
/// an SQLite file, whole (`PRAGMA integrity_check`), with an install id, and
/// of a schema this build can open.
pub fn inspect(path: &Path) -> std::result::Result<FileFacts, FileProblem> {
    let shown = || path.to_path_buf();
    let unreadable = |e: &dyn std::fmt::Display| FileProblem::Unreadable {
        path: shown(),
        detail: e.to_string(),
    };
    // Read-write without create: a missing file is an error, and a file left
    // in WAL mode can still be read (its log is not changed by reading).
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| unreadable(&e))?;
    let sorted = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => FileProblem::NotSqlite { path: shown() },
        Some(ErrorCode::DatabaseCorrupt) => FileProblem::Damaged {
            path: shown(),
            detail: e.to_string(),
        },
        _ => unreadable(&e),
    };
    conn.execute_batch("PRAGMA query_only = 1")
        .map_err(sorted)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sorted)?;
    if let Some(detail) = check(&conn, "PRAGMA integrity_check(5)").map_err(|e| match e {
        StoreError::Sqlite(e) => sorted(e),
        other => unreadable(&other),
    })? {
        return Err(FileProblem::Damaged {
            path: shown(),
            detail,
        });
    }
    if version > SCHEMA_VERSION {
        return Err(FileProblem::Newer {
            path: shown(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let has_meta: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'app_meta')",
            [],
            |r| r.get(0),
        )
        .map_err(sorted)?;
    let install_id: Option<String> = if has_meta && version >= 1 {
        conn.query_row(
            "SELECT value FROM app_meta WHERE key = 'install_id'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(sorted)?
    } else {
        None
    };
    match install_id {
        Some(install_id) => Ok(FileFacts {
            schema_version: version,
            install_id,
        }),
        None => Err(FileProblem::NotPulseboard { path: shown() }),
    }
}

/// Run an integrity pragma: `None` for "ok", else its lines joined.
fn check(conn: &Connection, pragma: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare(pragma)?;
    let lines = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(match lines.as_slice() {
        [ok] if ok == "ok" => None,
        _ => Some(lines.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_a_whole_pulseboard_file_with_the_same_install_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let copy = dir.path().join("copy");
        store.snapshot_to(&copy).unwrap();
        let facts = inspect(&copy).unwrap();
        assert_eq!(facts.schema_version, SCHEMA_VERSION);
        assert_eq!(facts.install_id, store.install_id().unwrap());
        assert_eq!(store.quick_check().unwrap(), None);
        // VACUUM INTO never overwrites.
        assert!(store.snapshot_to(&copy).is_err());
    }

    #[test]
    fn a_file_that_is_not_ours_is_named_for_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "x".repeat(4096)).unwrap();
        assert!(matches!(inspect(&text), Err(FileProblem::NotSqlite { .. })));

        let other = dir.path().join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        assert!(matches!(
            inspect(&other),
            Err(FileProblem::NotPulseboard { .. })
        ));

        let missing = dir.path().join("missing");
        assert!(matches!(
            inspect(&missing),
            Err(FileProblem::Unreadable { .. })
        ));
        assert!(!missing.exists(), "inspecting creates nothing");

        let newer = dir.path().join("newer");
        Store::open(&newer).unwrap();
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(inspect(&newer), Err(FileProblem::Newer { .. })));
    }
}
