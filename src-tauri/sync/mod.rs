//! Syncing: the engine that moves a source's pages into the store. The
//! scheduler, progress events and the sources themselves build on it.

pub mod engine;
pub mod scheduler;

pub use engine::{
    run_connection, run_connection_observed, Observer, Page, RunLock, Source, SyncError,
};

use crate::connectors::demo::{DemoConfig, DemoSource};
use crate::domain::{Connection, Provider};

/// The seed of the built-in demo business: the same shop for everyone.
pub const DEMO_SEED: u64 = 42;
/// Days of history the demo backfills on its first sync.
pub const DEMO_HISTORY_DAYS: u64 = 90;

/// The source that syncs `connection`, or why there is none in this version.
pub fn source_for(connection: &Connection) -> Result<DemoSource, String> {
    match connection.provider {
        Provider::Demo => {
            let created = chrono::DateTime::parse_from_rfc3339(&connection.created_at)
                .map(|t| t.date_naive())
                .unwrap_or_else(|_| chrono::Utc::now().date_naive());
            let mut cfg = DemoConfig::live(DEMO_SEED);
            // Anchored to when the connection was made, so history does not drift.
            cfg.history_start = created - chrono::Days::new(DEMO_HISTORY_DAYS);
            Ok(DemoSource::new(cfg))
        }
        other => Err(format!(
            "syncing {} is not part of this version yet; its connector comes in a later release",
            other.spec().label
        )),
    }
}

use crate::domain::run::{Progress, Run, Trigger};
use crate::domain::ConnectionId;
use crate::store::{Store, StoreError};
use std::path::Path;

/// Sync each of `ids` in turn, on a store connection of its own (so readers of
/// the same file never wait on it), and hand each outcome to `report`.
pub async fn sync_each(
    db: &Path,
    locks: &Path,
    ids: &[ConnectionId],
    trigger: Trigger,
    observe: Observer<'_>,
    mut report: impl FnMut(&Connection, Result<Run, String>),
) -> Result<(), StoreError> {
    let mut store = Store::open(db)?;
    for &id in ids {
        let connection = store.connection(id)?;
        let outcome = match source_for(&connection) {
            Err(why) => Err(why),
            Ok(source) => {
                match run_connection_observed(&mut store, locks, id, &source, trigger, observe)
                    .await
                {
                    // A run is already going (the scheduler, the app, another
                    // process): join it — wait for it to end and report it.
                    Err(SyncError::AlreadyRunning(_)) => {
                        let dir = locks.to_path_buf();
                        match tokio::task::spawn_blocking(move || RunLock::wait(&dir, id).map(drop))
                            .await
                        {
                            Ok(Ok(())) => store
                                .runs(Some(id), 1)?
                                .pop()
                                .ok_or_else(|| "the run it joined left no record".to_string()),
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(e) => Err(format!("waiting for the running sync failed: {e}")),
                        }
                    }
                    other => other.map_err(|e| e.to_string()),
                }
            }
        };
        // The run's records are committed; bring the workspace's stored daily
        // figures up to date now, so the next dashboard read is a lookup.
        if let Err(e) = crate::service::rollups::refresh(&store, connection.workspace_id) {
            tracing::warn!(connection = %id, error = %e, "recomputing daily rollups failed");
        }
        if let Err(why) = &outcome {
            observe(&Progress::NotRun {
                connection_id: id.0,
                reason: why.clone(),
            });
        }
        report(&connection, outcome);
    }
    Ok(())
}
