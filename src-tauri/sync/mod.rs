//! Syncing: the engine moves a source's pages into the store ([`engine`]);
//! [`SyncContext::sync`] is the one entry point every trigger takes — the
//! scheduler's ticks, Sync now from the window or the tray, and the CLI. It
//! builds each connection's source through the connectors' registry, so
//! nothing here names a provider.
//!
//! One connection's turn: read its secrets and account facts, build its
//! source, refresh the facts when the source wants them fresh, run the
//! engine (or join a run already going), keep the secrets the source renewed,
//! recompute the workspace's daily rollups, and only then tell the observer
//! the run `Finished` — so whoever hears it reads final figures.

pub mod engine;
pub mod scheduler;
mod writer;

pub use engine::{run_connection, run_connection_observed, Observer, RunLock, SyncError};

use crate::connectors::registry;
use crate::connectors::source::{BoxSource, Source};
use crate::domain::connection_input::SecretFields;
use crate::domain::run::{Progress, Run, Trigger};
use crate::domain::{AccountFacts, Connection, ConnectionId};
use crate::secrets::{SecretKey, SecretStore};
use crate::store::{Store, StoreError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Hears every run's progress (the UI's progress bars, the CLI's live line,
/// notifications).
pub type ProgressObserver = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What a sync needs from its host: the data dir's database and run locks,
/// the keychain, and who hears the progress.
#[derive(Clone)]
pub struct SyncContext {
    pub db: PathBuf,
    pub locks: PathBuf,
    pub secrets: Arc<dyn SecretStore>,
    pub observer: ProgressObserver,
}

impl SyncContext {
    /// The context of a data dir: its database, its `locks/` folder.
    pub fn new(
        paths: &crate::settings::Paths,
        secrets: Arc<dyn SecretStore>,
        observer: ProgressObserver,
    ) -> Self {
        Self {
            db: paths.db_path(),
            locks: paths.data_dir.join("locks"),
            secrets,
            observer,
        }
    }

    /// Sync each of `ids` in turn, on a store connection of its own (so readers
    /// of the same file never wait on it), and hand each outcome to `report`.
    /// A connection that cannot run (no source, no secret) is reported and
    /// told to the observer as `NotRun`; the others go on.
    pub async fn sync(
        &self,
        ids: &[ConnectionId],
        trigger: Trigger,
        mut report: impl FnMut(&Connection, &Result<Run, SyncError>),
    ) -> Result<(), StoreError> {
        let mut store = Store::open(&self.db)?;
        let install_id = store.install_id()?;
        for &id in ids {
            let connection = store.connection(id)?;
            let key = SecretKey::connection(&install_id, id);
            let held = HoldFinished::new(&*self.observer);
            let outcome = self
                .sync_one(&mut store, &connection, &key, trigger, &held)
                .await;
            // The run's records are committed; bring the workspace's stored
            // daily figures up to date before anyone hears it finished.
            if let Err(e) = crate::rollups::refresh(&store, connection.workspace_id) {
                tracing::warn!(connection = %id, error = %e, "recomputing daily rollups failed");
            }
            held.release();
            if let Err(why) = &outcome {
                (self.observer)(&Progress::NotRun {
                    connection_id: id.0,
                    reason: why.to_string(),
                });
            }
            report(&connection, &outcome);
        }
        Ok(())
    }

    async fn sync_one(
        &self,
        store: &mut Store,
        connection: &Connection,
        key: &SecretKey,
        trigger: Trigger,
        held: &HoldFinished<'_>,
    ) -> Result<Run, SyncError> {
        let id = connection.id;
        let needs_secret = connection.provider.spec().secret_fields().next().is_some();
        let secrets = if needs_secret {
            self.secrets.get(key)?
        } else {
            None
        };
        let facts = store.account_facts(id).ok().flatten();
        let source = registry::source_for(connection, secrets.as_ref(), facts.as_ref())?;
        refresh_facts(store, connection, &source, facts.as_ref()).await;
        let outcome =
            run_connection_observed(store, &self.locks, id, &source, trigger, &|p| held.hear(p))
                .await;
        keep_renewed_secrets(&source, secrets, &*self.secrets, key);
        match outcome {
            // A run is already going (the scheduler, the app, another
            // process): join it — wait for it to end and report it.
            Err(SyncError::AlreadyRunning(_)) => {
                let dir = self.locks.clone();
                tokio::task::spawn_blocking(move || RunLock::wait(&dir, id).map(drop))
                    .await
                    .map_err(|e| SyncError::Join(e.to_string()))??;
                store.runs(Some(id), 1)?.pop().ok_or(SyncError::NoRecord)
            }
            other => other,
        }
    }
}

/// Passes progress on as it comes, except `Finished`, which waits until
/// [`HoldFinished::release`] (after the rollups are stored).
struct HoldFinished<'a> {
    observe: Observer<'a>,
    finished: Mutex<Option<Progress>>,
}

impl<'a> HoldFinished<'a> {
    fn new(observe: Observer<'a>) -> Self {
        Self {
            observe,
            finished: Mutex::new(None),
        }
    }

    fn hear(&self, p: &Progress) {
        if matches!(p, Progress::Finished { .. }) {
            *self.finished.lock().unwrap_or_else(|e| e.into_inner()) = Some(p.clone());
        } else {
            (self.observe)(p);
        }
    }

    fn release(self) {
        let finished = self
            .finished
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(p) = finished {
            (self.observe)(&p);
        }
    }
}

/// A source whose account facts shape the figures (a shop's zone and
/// currency) asks for them again once they are older than it allows; the
/// workspace may take them. A failure here is only logged: the run itself
/// will meet (and report) the same failure.
async fn refresh_facts(
    store: &mut Store,
    connection: &Connection,
    source: &BoxSource,
    facts: Option<&AccountFacts>,
) {
    let Some(max_age) = source.facts_max_age() else {
        return;
    };
    let fresh = facts
        .and_then(|f| chrono::DateTime::parse_from_rfc3339(&f.checked_at).ok())
        .is_some_and(|t| chrono::Utc::now() - t.with_timezone(&chrono::Utc) < max_age);
    if fresh {
        return;
    }
    match source.account().await {
        Ok(facts) => {
            if let Err(e) = store.keep_account_facts(connection, &facts) {
                tracing::warn!(connection = %connection.id, error = %e, "keeping the account's facts failed");
            }
        }
        Err(e) => {
            tracing::warn!(connection = %connection.id, error = %e, "reading the account's facts failed")
        }
    }
}

/// A source that renewed secrets during the run (a login token) has them
/// merged into the connection's keychain entry, so the next run need not
/// renew them again.
fn keep_renewed_secrets(
    source: &BoxSource,
    fields: Option<SecretFields>,
    secrets: &dyn SecretStore,
    key: &SecretKey,
) {
    let (Some(mut fields), Some(renewed)) = (fields, source.renewed_secrets()) else {
        return;
    };
    fields.0.extend(renewed.0);
    if let Err(e) = secrets.put(key, &fields) {
        tracing::warn!(error = %e, "keeping renewed credentials in the keychain failed");
    }
}

/// Test connection: build the connection's source and ask the platform
/// about the account (name, currency, zone, when the token ends).
pub async fn test_connection(
    connection: &Connection,
    secrets: Option<&SecretFields>,
) -> Result<AccountFacts, TestError> {
    let source = registry::source_for(connection, secrets, None)?;
    Ok(source.account().await?)
}

/// Why Test connection failed, with its cause kept for the UI.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error(transparent)]
    Source(#[from] crate::connectors::source::SourceError),
    #[error(transparent)]
    Fetch(#[from] crate::connectors::FetchError),
}

impl TestError {
    /// One word the UI can act on: `auth`, `network`, `rate_limited`,
    /// `not_found`, `refused`, `incomplete`, `not_testable`, `setup`.
    pub fn cause(&self) -> &'static str {
        match self {
            Self::Source(e) => e.cause(),
            Self::Fetch(e) => e.cause(),
        }
    }
}
