//! One run of one connection: for each stream, fetch a page → upsert its
//! records → move the stream's cursor, all in one transaction per page.
//! From a stream's second page on, a page is stored (`writer.rs`) while the
//! next one downloads. Killing the process at any moment loses nothing and
//! duplicates nothing:
//! the next run resumes from the last committed cursor. Streams are
//! independent; bad credentials stop the run and mark the connection.

use super::writer::{PageWriter, Stored};
use crate::connectors::source::{Source, SourceError};
use crate::domain::run::{Progress, Run, RunStatus, SkippedExample, StreamReport, Trigger};
use crate::domain::{ConnectionId, ConnectionStatus};
use crate::secrets::SecretError;
use crate::store::{RunEnd, Store, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("connection {0} is already syncing")]
    AlreadyRunning(ConnectionId),
    #[error(
        "connection {0} needs attention: its credentials were refused; edit them to sync again"
    )]
    NeedsAttention(ConnectionId),
    #[error("cannot take the run lock {path}: {source}")]
    Lock {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The connection has no source to run (no connector yet, a setting or
    /// secret missing).
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Keychain(#[from] SecretError),
    #[error("waiting for the running sync failed: {0}")]
    Join(String),
    #[error("the run it joined left no record")]
    NoRecord,
}

/// Held for the length of a run; the OS releases it if the process dies, so a
/// crash never leaves a connection locked. Works across processes (the app
/// and `pulseboard sync` on one data dir).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// The connection's lock file (created if needed), and how to name a failure on it.
    fn open(
        locks_dir: &Path,
        connection: ConnectionId,
    ) -> Result<(File, impl Fn(std::io::Error) -> SyncError), SyncError> {
        let path = locks_dir.join(format!("connection-{connection}.lock"));
        let shown = path.display().to_string();
        let lock_err = move |source| SyncError::Lock {
            path: shown.clone(),
            source,
        };
        std::fs::create_dir_all(locks_dir).map_err(&lock_err)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(&lock_err)?;
        Ok((file, lock_err))
    }

    /// Take the lock now, or say the connection is already syncing.
    pub fn try_take(locks_dir: &Path, connection: ConnectionId) -> Result<Self, SyncError> {
        let (file, lock_err) = Self::open(locks_dir, connection)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(SyncError::AlreadyRunning(connection)),
            Err(TryLockError::Error(e)) => Err(lock_err(e)),
        }
    }

    /// Block until nobody holds the connection's lock (a run in another task
    /// or process has ended), then take it.
    pub fn wait(locks_dir: &Path, connection: ConnectionId) -> Result<Self, SyncError> {
        let (file, lock_err) = Self::open(locks_dir, connection)?;
        file.lock().map_err(lock_err)?;
        Ok(Self { _file: file })
    }
}

/// Safety net against a source that never says it is done.
const MAX_PAGES_PER_STREAM: u64 = 100_000;
/// How many skipped records a stream keeps as examples.
const EXAMPLES_KEPT: usize = 5;

/// Hears a run's progress; see [`Progress`].
pub type Observer<'a> = &'a (dyn Fn(&Progress) + Send + Sync);

/// Run one connection: take its lock, record the run, sync every stream.
pub async fn run_connection<S: Source>(
    store: &mut Store,
    locks_dir: &Path,
    connection: ConnectionId,
    source: &S,
    trigger: Trigger,
) -> Result<Run, SyncError> {
    run_connection_observed(store, locks_dir, connection, source, trigger, &|_| {}).await
}

/// [`run_connection`], telling `observe` as it goes: started, after every
/// page of every stream, finished.
pub async fn run_connection_observed<S: Source>(
    store: &mut Store,
    locks_dir: &Path,
    connection: ConnectionId,
    source: &S,
    trigger: Trigger,
    observe: Observer<'_>,
) -> Result<Run, SyncError> {
    let _lock = RunLock::try_take(locks_dir, connection)?;
    let before = store.connection(connection)?.status;
    if before == ConnectionStatus::NeedsAttention {
        return Err(SyncError::NeedsAttention(connection));
    }
    let run = store.begin_run(connection, trigger)?;
    tracing::info!(%connection, run, trigger = trigger.as_str(), "sync started");
    let streams = source.streams();
    observe(&Progress::Started {
        connection_id: connection.0,
        run_id: run,
        streams: streams.clone(),
    });

    let mut reports = Vec::new();
    let mut stop: Option<Stop> = None;
    for (index, stream) in streams.iter().enumerate() {
        if stop.is_some() {
            break;
        }
        let at = StreamAt {
            connection,
            run,
            stream,
            index,
            of: streams.len(),
        };
        let report = sync_stream(store, source, &at, &mut stop, observe).await?;
        reports.push(report);
    }

    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    let (status, connection_status) = if let Some(Stop::Auth(_)) = stop {
        (RunStatus::Failed, ConnectionStatus::NeedsAttention)
    } else if let Some(Stop::DiskFull(_)) = stop {
        // Not parked: the next run, once there is room, goes on from the
        // last page stored.
        (RunStatus::Failed, ConnectionStatus::Error)
    } else if failed == 0 {
        (RunStatus::Succeeded, ConnectionStatus::Ok)
    } else if failed < reports.len() {
        (RunStatus::Partial, ConnectionStatus::Error)
    } else {
        (RunStatus::Failed, ConnectionStatus::Error)
    };
    let error = stop.map(Stop::into_text).or_else(|| {
        reports
            .iter()
            .find_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.stream)))
    });
    store.finish_run(
        run,
        &RunEnd {
            status,
            error: error.as_deref(),
            requests: source.requests(),
            streams: &reports,
            connection_status,
        },
    )?;
    tracing::info!(%connection, run, status = status.as_str(), "sync finished");
    let done = store.runs(Some(connection), 1)?.remove(0);
    observe(&Progress::Finished {
        connection_id: connection.0,
        run: done.clone(),
        before,
        after: connection_status,
    });
    Ok(done)
}

/// Which stream of which run a page belongs to.
struct StreamAt<'a> {
    connection: ConnectionId,
    run: i64,
    stream: &'a str,
    index: usize,
    of: usize,
}

impl StreamAt<'_> {
    fn progress(&self, r: &StreamReport, done: bool) -> Progress {
        Progress::Stream {
            connection_id: self.connection.0,
            run_id: self.run,
            stream: self.stream.to_string(),
            index: self.index,
            of: self.of,
            pages: r.pages,
            fetched: r.fetched,
            upserted: r.upserted,
            skipped: r.skipped,
            requests: r.requests,
            done,
            error: r.error.clone(),
        }
    }
}

/// Why a run ends before its remaining streams.
enum Stop {
    /// The credentials were refused: the connection is parked.
    Auth(String),
    /// A page could not be stored for want of space. Its transaction rolled
    /// back, so nothing is half-stored and the stream's cursor is where the
    /// last whole page left it.
    DiskFull(String),
}

impl Stop {
    fn into_text(self) -> String {
        match self {
            Stop::Auth(t) | Stop::DiskFull(t) => t,
        }
    }
}

/// "disk full: 3 MB free on /home/…/pulseboard" for a store error that says
/// so, `None` for any other.
fn disk_full(e: &SyncError, store: &Store) -> Option<String> {
    let SyncError::Store(e) = e else { return None };
    if !e.is_disk_full() {
        return None;
    }
    let dir = store.path().parent().unwrap_or(store.path());
    let free = match fs4::available_space(dir) {
        Ok(bytes) => format!("{} MB free", bytes / 1_000_000),
        Err(_) => "no free space known".to_string(),
    };
    Some(format!(
        "disk full: {free} on {}; free some space and sync again, it goes on from the last page stored",
        dir.display()
    ))
}

/// What the page writer made of a page it was handed.
async fn written(stored: Stored) -> Result<u64, SyncError> {
    stored
        .await
        .map_err(|_| SyncError::Join("the page writer stopped".into()))?
        .map_err(SyncError::from)
}

/// Count a page's stored rows into `report`. A page that did not fit on the
/// disk (rolled back whole) stops the run: `Ok(false)`, the stream ends. Any
/// other failure is the run's error.
fn tally(
    stored: Result<u64, SyncError>,
    store: &Store,
    report: &mut StreamReport,
    stop: &mut Option<Stop>,
) -> Result<bool, SyncError> {
    match stored {
        Ok(n) => {
            report.upserted += n;
            Ok(true)
        }
        Err(e) => {
            let text = disk_full(&e, store).ok_or(e)?;
            report.error = Some(text.clone());
            *stop = Some(Stop::DiskFull(text));
            Ok(false)
        }
    }
}

async fn sync_stream<S: Source>(
    store: &mut Store,
    source: &S,
    at: &StreamAt<'_>,
    stop: &mut Option<Stop>,
    observe: Observer<'_>,
) -> Result<StreamReport, SyncError> {
    let (connection, stream) = (at.connection, at.stream);
    let requests_before = source.requests();
    let mut report = StreamReport {
        stream: stream.to_string(),
        ..Default::default()
    };
    let mut cursor = source.start_cursor(stream, store.cursor(connection, stream)?);
    // From a stream's second page on, each page is stored on the writer's
    // thread while the next one downloads.
    let mut writer: Option<PageWriter> = None;
    let mut storing: Option<Stored> = None;
    loop {
        if report.pages >= MAX_PAGES_PER_STREAM {
            report.error = Some(format!(
                "stopped after {MAX_PAGES_PER_STREAM} pages in one run"
            ));
            break;
        }
        let fetched = source.fetch(stream, cursor.as_deref()).await;
        // The page before is stored (or failed) before this one goes on.
        if let Some(stored) = storing.take() {
            if !tally(written(stored).await, store, &mut report, stop)? {
                break;
            }
            report.requests = source.requests().saturating_sub(requests_before);
            observe(&at.progress(&report, false));
        }
        let page = match fetched {
            Ok(page) => page,
            Err(e) => {
                if e.is_auth() {
                    *stop = Some(Stop::Auth(e.to_string()));
                }
                tracing::warn!(%connection, stream, error = %e, "stream failed");
                report.error = Some(e.to_string());
                break;
            }
        };
        report.pages += 1;
        report.fetched += (page.batch.len() + page.bad.len()) as u64;
        report.skipped += page.bad.len() as u64;
        for bad in page
            .bad
            .iter()
            .take(EXAMPLES_KEPT.saturating_sub(report.examples.len()))
        {
            report.examples.push(SkippedExample {
                id: bad.id.clone(),
                reason: bad.reason.clone(),
            });
        }
        let stuck = page.more && page.cursor.is_some() && page.cursor == cursor;
        let follow = page.more && !stuck && page.cursor.is_some();
        if follow && writer.is_none() {
            writer = PageWriter::start(store, connection, stream);
        }
        // The page's records are stored either way; a cursor that does not move
        // is not followed again, so a faulty source cannot loop forever.
        match writer.as_ref().filter(|_| follow) {
            Some(w) => storing = Some(w.store(page.batch, page.cursor.clone())),
            None => {
                let stored = store
                    .apply_page(connection, stream, &page.batch, page.cursor.as_deref())
                    .map_err(SyncError::from);
                if !tally(stored, store, &mut report, stop)? {
                    break;
                }
                report.requests = source.requests().saturating_sub(requests_before);
                observe(&at.progress(&report, false));
            }
        }
        if stuck || (page.more && page.cursor.is_none()) {
            report.error =
                Some("the source asked for another page without moving its cursor; stopped".into());
            break;
        }
        if page.cursor.is_some() {
            cursor = page.cursor;
        }
        if !page.more {
            break;
        }
    }
    // A page still on the writer's thread (the page limit stopped the loop).
    if let Some(stored) = storing.take() {
        tally(written(stored).await, store, &mut report, stop)?;
    }
    report.requests = source.requests().saturating_sub(requests_before);
    observe(&at.progress(&report, true));
    Ok(report)
}
