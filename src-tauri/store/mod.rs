//! The only module with SQL. One SQLite file, opened in WAL mode with foreign keys
//! and a busy timeout; append-only numbered migrations run at open. Public methods
//! that write open their own transaction.

mod backup;
mod catalog;
mod connections;
mod expenses;
mod goals;
mod records;
mod rollups;
mod runs;
mod workspaces;

pub use backup::{copy_database, file_version, inspect, FileFacts, FileProblem};
pub use catalog::{CatalogVariant, CostEntry, EnteredCosts};
pub use connections::{ConnectionEdit, NewConnection};
pub use records::{LoadedRecords, RecordCounts, ShipmentRow, StageNow};
pub use rollups::PendingRollups;
pub use runs::RunEnd;
pub use workspaces::NewWorkspace;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Migrations in order; the index + 1 is the schema version they bring the file to.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_recurring_expenses.sql"),
    include_str!("migrations/0003_records.sql"),
    include_str!("migrations/0004_rollups.sql"),
    include_str!("migrations/0005_account_facts.sql"),
    include_str!("migrations/0006_commerce_refs.sql"),
    include_str!("migrations/0007_customer_history_index.sql"),
    include_str!("migrations/0008_cheap_rollup_marks.sql"),
    include_str!("migrations/0009_page_marks.sql"),
    include_str!("migrations/0010_fewer_scattered_indexes.sql"),
    include_str!("migrations/0011_sales_activity.sql"),
    include_str!("migrations/0012_goals.sql"),
    include_str!("migrations/0013_members.sql"),
    include_str!("migrations/0014_opportunities.sql"),
    include_str!("migrations/0015_member_reads_covered.sql"),
    include_str!("migrations/0016_page_marks_for_activities_and_ads.sql"),
    include_str!("migrations/0017_ad_spend_by_platform.sql"),
    include_str!("migrations/0018_catalog_and_entered_costs.sql"),
    include_str!("migrations/0019_order_lines_without_rowid.sql"),
    include_str!("migrations/0020_orders_marked_by_their_writer.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process (GUI and CLI share the file).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}; check that the folder is readable and writable, or set PULSEBOARD_DATA_DIR to another folder")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the database {path} was written by a newer Pulseboard (schema {found}, this version knows {supported}); update Pulseboard")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("no workspace named '{0}'; `pulseboard workspace list` shows them")]
    WorkspaceNotFound(String),
    #[error("a workspace named '{0}' already exists")]
    WorkspaceExists(String),
    #[error("no connection with id {0}; `pulseboard connections` lists them")]
    ConnectionNotFound(i64),
    #[error("no recurring expense with id {0}")]
    ExpenseNotFound(i64),
    #[error("no goal with id {0}; `pulseboard goals --workspace W` lists them")]
    GoalNotFound(i64),
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// Whether SQLite found the file itself bad: a damaged page, or not a
    /// database at all.
    pub fn is_damage(&self) -> bool {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        let code = match self {
            StoreError::Open { source, .. } | StoreError::Sqlite(source) => {
                source.sqlite_error_code()
            }
            _ => None,
        };
        matches!(code, Some(DatabaseCorrupt | NotADatabase))
    }

    /// Whether SQLite could not write for want of space (`SQLITE_FULL`).
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Open { source, .. } | StoreError::Sqlite(source) => {
                source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
            }
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring it to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_at(path, SCHEMA_VERSION)
    }

    /// Open and migrate only up to `version`. For tests of upgrades from older files.
    #[doc(hidden)]
    pub fn open_at(path: &Path, version: i64) -> Result<Self> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Self::connect(path).map_err(open_err)?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate(version)?;
        Ok(store)
    }

    /// A second handle on the same file, for reading on another thread: no
    /// migrations (the file is this store's, already migrated), and in WAL
    /// mode it reads the last commit without waiting on a writer.
    pub fn reader(&self) -> Result<Self> {
        self.another()
    }

    /// A second handle on the same file that writes on another thread (a
    /// stream's pages, stored while the next one downloads). Its writes take
    /// the file's one write lock like any other handle's.
    pub fn writer(&self) -> Result<Self> {
        self.another()
    }

    fn another(&self) -> Result<Self> {
        let conn = Self::connect(&self.path).map_err(|source| StoreError::Open {
            path: self.path.clone(),
            source,
        })?;
        Ok(Self {
            conn,
            path: self.path.clone(),
        })
    }

    fn connect(path: &Path) -> rusqlite::Result<Connection> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Every write transaction takes the write lock when it begins. A
        // deferred one that reads first cannot take it once another handle
        // (the app's background rollups, another sync) has committed since
        // its read: SQLite then fails it with "database is locked" at once,
        // without waiting. Read transactions ask for Deferred themselves.
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        // journal_mode answers with a row, so it is read rather than executed.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "SQLite refused WAL mode");
        }
        // An 8 MiB page cache per handle (SQLite's default is 2 MiB) keeps a
        // backfill's hot index pages in memory; the operating system's file
        // cache holds the rest. A sync has up to four handles (its own, the
        // page writer's, two rollup readers): at 32 MiB each, a 50,000-order
        // backfill peaked at 110 MiB RSS, at 8 MiB at 76-82 MiB, and used no
        // more CPU (the Shopify bench, 2026-12-06).
        // The log is copied back into the file (and both are flushed to disk)
        // once it holds 10,000 pages, about 40 MiB, not SQLite's 1,000: a
        // backfill commits a few thousand pages per page of records, and at
        // 1,000 it paid a checkpoint and two fsyncs on nearly every commit.
        // After a checkpoint the log is cut back to 64 MiB at most.
        // Statement journals (and SQLite's other temporary files) stay in
        // memory: a page of records is one transaction of many upserts, and
        // once one statement's journal outgrew 64 KiB, SQLite spilled it to a
        // temporary file that every later statement of the transaction
        // journaled its pages into. A 50,000-order backfill made 230,000
        // writes to such files; in memory, its CPU went from 1.95 s to 1.58 s
        // and its peak RSS stayed at 67 MiB (the Shopify bench, 2026-12-07).
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192;
             PRAGMA wal_autocheckpoint = 10000; PRAGMA journal_size_limit = 67108864;
             PRAGMA temp_store = MEMORY;",
        )?;
        Ok(conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self, target: i64) -> Result<()> {
        // IMMEDIATE takes the write lock first, so two processes opening a fresh
        // file at once cannot both apply the same migration.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let version = i as i64 + 1;
            if version <= current || version > target {
                continue;
            }
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tracing::info!(version, "applied database migration");
        }
        // Every data dir gets a random install id once app_meta exists (a file
        // deliberately left at version 0, in tests, has no tables yet).
        if current.max(target) >= 1 {
            tx.execute(
                "INSERT OR IGNORE INTO app_meta (key, value) VALUES ('install_id', ?1)",
                [uuid::Uuid::new_v4().to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A random id of this data dir, so two data dirs on one computer never share
    /// keychain entries.
    pub fn install_id(&self) -> Result<String> {
        self.meta("install_id")?
            .ok_or_else(|| StoreError::Corrupt("install_id is missing".into()))
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM app_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO app_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Names of the tables, for tests of the schema.
    #[doc(hidden)]
    pub fn table_names(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }
}

fn parse_decimal(column: &str, raw: &str) -> Result<rust_decimal::Decimal> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column} = '{raw}' is not a decimal")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_is_built_so_readers_on_several_threads_share_no_lock() {
        // .cargo/config.toml sets these; a build without them is slower,
        // not wrong, so this is where it shows.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let mut stmt = store.conn.prepare("PRAGMA compile_options").unwrap();
        let options: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            options.contains(&"DEFAULT_MEMSTATUS=0".to_string()),
            "{options:?}"
        );
        assert!(
            !options.contains(&"ENABLE_MEMORY_MANAGEMENT".to_string()),
            "{options:?}"
        );
        assert!(options.contains(&"THREADSAFE=1".to_string()), "{options:?}");
    }

    #[test]
    fn a_reader_reads_the_last_commit_while_a_writer_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO app_meta (key, value) VALUES ('k', 'committed')",
                [],
            )
            .unwrap();
        let reader = store.reader().unwrap();
        store
            .in_write_transaction(|s| {
                s.conn
                    .execute("UPDATE app_meta SET value = 'pending' WHERE key = 'k'", [])?;
                // On another thread, as the rollups read: no wait, no lock.
                let seen =
                    std::thread::scope(|t| t.spawn(move || reader.meta("k")).join().unwrap())?;
                assert_eq!(seen.as_deref(), Some("committed"));
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn fresh_file_gets_every_table_and_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let tables = store.table_names().unwrap();
        for t in [
            "app_meta",
            "connections",
            "recurring_expenses",
            "stream_cursors",
            "sync_runs",
            "workspaces",
        ] {
            assert!(
                tables.contains(&t.to_string()),
                "{t} missing from {tables:?}"
            );
        }
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let temp: i64 = store
            .conn
            .query_row("PRAGMA temp_store", [], |r| r.get(0))
            .unwrap();
        assert_eq!(temp, 2, "statement journals in memory");
    }

    #[test]
    fn reopening_keeps_the_install_id() {
        let dir = tempfile::tempdir().unwrap();
        let id = Store::open(&dir.path().join("db"))
            .unwrap()
            .install_id()
            .unwrap();
        let again = Store::open(&dir.path().join("db"))
            .unwrap()
            .install_id()
            .unwrap();
        assert_eq!(id, again);
    }

    #[test]
    fn a_newer_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let store = Store::open(&path).unwrap();
            store
                .conn
                .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    }
}
