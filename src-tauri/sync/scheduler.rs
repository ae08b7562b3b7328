//! Runs each enabled connection on its own cron schedule while the app lives
//! (window or tray), plus one start-up run of every due connection shortly
//! after launch, and Sync now. The decisions are pure ([`interval`], [`due`]);
//! the loop is tokio-cron-scheduler. Every run the app starts — scheduled,
//! start-up or Sync now — goes through one [`Runner`]: one pool of permits,
//! one busy count, one [`SyncContext`]. A tick is skipped when the connection's last success
//! is younger than half its interval, so missed ticks (sleep, a long run) give
//! one catch-up run, not a pile. Never two runs of one connection at once: the
//! engine's run lock holds across processes. Pause is read from the store at
//! every tick, so it applies wherever it was set.

use super::SyncContext;
use crate::domain::run::Trigger;
use crate::domain::ConnectionId;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};
use tokio_cron_scheduler::{Job, JobScheduler};
use uuid::Uuid;

/// app_meta key of the pause switch (set by the tray, the UI or anything else).
pub const META_SYNC_PAUSED: &str = "sync.paused";

/// The gap between two consecutive firings of `expr` after `now`.
pub fn interval(expr: &str, now: DateTime<Utc>) -> Option<Duration> {
    let cron = croner::parser::CronParser::new().parse(expr).ok()?;
    let next = cron.find_next_occurrence(&now, false).ok()?;
    let after = cron.find_next_occurrence(&next, false).ok()?;
    (after - next).to_std().ok()
}

/// Whether a tick should sync: never synced, or the last success is at least
/// half an interval old.
pub fn due(last_success: Option<DateTime<Utc>>, interval: Duration, now: DateTime<Utc>) -> bool {
    match last_success {
        None => true,
        Some(t) => (now - t)
            .to_std()
            .map(|age| age >= interval / 2)
            .unwrap_or(false),
    }
}

/// tokio-cron-scheduler wants seconds: five-field expressions fire at second 0.
pub fn with_seconds(expr: &str) -> String {
    if expr.split_whitespace().count() == 5 {
        format!("0 {expr}")
    } else {
        expr.to_string()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("the scheduler could not start: {0}")]
    Start(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs connections for the app, whatever started them: at most `parallel`
/// at once, counted while they run (the tray and the UI show it).
pub struct Runner {
    sync: SyncContext,
    permits: Semaphore,
    parallel: u32,
    busy: AtomicUsize,
    /// Called when a run starts or ends (the tray follows it).
    on_change: Arc<dyn Fn() + Send + Sync>,
}

impl Runner {
    pub fn new(
        sync: SyncContext,
        parallel: usize,
        on_change: Arc<dyn Fn() + Send + Sync>,
    ) -> Arc<Self> {
        Arc::new(Self {
            sync,
            permits: Semaphore::new(parallel.max(1)),
            parallel: parallel.max(1) as u32,
            busy: AtomicUsize::new(0),
            on_change,
        })
    }

    /// Whether any run is under way.
    pub fn busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst) > 0
    }

    /// Wait for the runs under way or asked for to end, and start none until
    /// the permits returned are dropped (a restore swaps the database
    /// meanwhile). A Sync now asked for earlier may not hold its permit yet:
    /// while anything is busy the permits are handed back and asked again.
    pub async fn hold(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        loop {
            let all = self.permits.acquire_many(self.parallel).await.ok()?;
            if !self.busy() {
                return Some(all);
            }
            drop(all);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn busy_while(&self) -> Busy<'_> {
        self.busy.fetch_add(1, Ordering::SeqCst);
        (self.on_change)();
        Busy(self)
    }

    /// Sync now: each of `ids` in turn, whether due or paused (the person
    /// asked). Busy from the moment it is asked for, so a caller that polls
    /// right after sees it.
    pub fn sync_now(
        self: &Arc<Self>,
        ids: Vec<ConnectionId>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let runner = self.clone();
        runner.busy.fetch_add(1, Ordering::SeqCst);
        (runner.on_change)();
        async move {
            let held = Busy(&runner);
            for id in ids {
                let Ok(_permit) = runner.permits.acquire().await else {
                    break;
                };
                runner.run(id, Trigger::Manual).await;
            }
            drop(held);
        }
    }

    /// One scheduled or start-up firing for one connection: check pause and
    /// due-ness, then sync.
    pub async fn tick(self: Arc<Self>, connection: ConnectionId, trigger: Trigger) {
        // The permit first: while a restore holds them all, not even the
        // decision opens the file.
        let Ok(_permit) = self.permits.acquire().await else {
            return;
        };
        let decision = (|| -> Result<bool, StoreError> {
            let store = Store::open(&self.sync.db)?;
            if store.meta(META_SYNC_PAUSED)?.as_deref() == Some("1") {
                return Ok(false);
            }
            let c = store.connection(connection)?;
            let last = c
                .last_sync_at
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            let now = Utc::now();
            let every = interval(&c.schedule, now).unwrap_or(Duration::from_secs(3600));
            Ok(c.enabled && due(last, every, now))
        })();
        match decision {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => return tracing::warn!(%connection, error = %e, "scheduled sync skipped"),
        }
        let _busy = self.busy_while();
        self.run(connection, trigger).await;
    }

    async fn run(&self, connection: ConnectionId, trigger: Trigger) {
        let result = self
            .sync
            .sync(&[connection], trigger, |c, outcome| match outcome {
                Ok(run) => tracing::info!(connection = %c.id, trigger = trigger.as_str(), status = run.status.as_str(), "sync finished"),
                Err(why) => tracing::info!(connection = %c.id, trigger = trigger.as_str(), %why, "sync did not run"),
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(%connection, error = %e, "sync failed");
        }
    }
}

/// Counts a run as under way until dropped.
struct Busy<'a>(&'a Runner);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
        (self.0.on_change)();
    }
}

pub struct Scheduler {
    jobs: JobScheduler,
    ids: Mutex<Vec<Uuid>>,
    runner: Arc<Runner>,
}

impl Scheduler {
    /// Load a job per enabled connection, start ticking, and queue the
    /// start-up run after `startup_delay`.
    pub async fn start(
        runner: Arc<Runner>,
        startup_delay: Duration,
    ) -> Result<Arc<Self>, SchedulerError> {
        let start_err =
            |e: tokio_cron_scheduler::JobSchedulerError| SchedulerError::Start(e.to_string());
        let jobs = JobScheduler::new().await.map_err(start_err)?;
        let scheduler = Arc::new(Self {
            jobs,
            ids: Mutex::new(Vec::new()),
            runner,
        });
        scheduler.reload().await?;
        scheduler.jobs.start().await.map_err(start_err)?;
        let runner = scheduler.runner.clone();
        tokio::spawn(async move {
            tokio::time::sleep(startup_delay).await;
            let ids = match enabled(&runner) {
                Ok(ids) => ids,
                Err(e) => {
                    return tracing::error!(error = %e, "start-up run: cannot read the connections")
                }
            };
            for (id, _) in ids {
                tokio::spawn(runner.clone().tick(id, Trigger::Startup));
            }
        });
        Ok(scheduler)
    }

    /// Rebuild the jobs from the enabled connections and their schedules.
    pub async fn reload(&self) -> Result<(), SchedulerError> {
        let mut ids = self.ids.lock().await;
        for id in ids.drain(..) {
            let _ = self.jobs.remove(&id).await;
        }
        for (connection, schedule) in enabled(&self.runner)? {
            let runner = self.runner.clone();
            let job = Job::new_async_tz(with_seconds(&schedule), chrono::Local, move |_, _| {
                let runner = runner.clone();
                Box::pin(async move { runner.tick(connection, Trigger::Schedule).await })
            });
            match job {
                Ok(job) => match self.jobs.add(job).await {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        tracing::error!(%connection, error = %e, "cannot schedule the connection")
                    }
                },
                Err(e) => {
                    tracing::error!(%connection, %schedule, error = %e, "cannot parse the schedule")
                }
            }
        }
        tracing::info!(jobs = ids.len(), "schedule loaded");
        Ok(())
    }
}

fn enabled(runner: &Runner) -> Result<Vec<(ConnectionId, String)>, StoreError> {
    let store = Store::open(&runner.sync.db)?;
    Ok(store
        .connections(None)?
        .into_iter()
        .filter(|c| c.enabled)
        .map(|c| (c.id, c.schedule))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn intervals_of_the_default_schedules() {
        let now = t("2026-11-22T10:07:00Z");
        assert_eq!(interval("0 * * * *", now), Some(Duration::from_secs(3600)));
        assert_eq!(
            interval("*/30 * * * *", now),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(
            interval("*/10 * * * *", now),
            Some(Duration::from_secs(600))
        );
        assert_eq!(interval("*/2 * * * * *", now), Some(Duration::from_secs(2)));
        assert_eq!(interval("nonsense", now), None);
    }

    #[test]
    fn a_tick_is_skipped_while_the_last_success_is_young() {
        let hour = Duration::from_secs(3600);
        let now = t("2026-11-22T10:00:00Z");
        assert!(due(None, hour, now), "never synced: due");
        assert!(
            !due(Some(t("2026-11-22T09:40:00Z")), hour, now),
            "20 minutes ago: skip"
        );
        assert!(
            due(Some(t("2026-11-22T09:30:00Z")), hour, now),
            "half an hour ago: due"
        );
        assert!(
            due(Some(t("2026-11-21T10:00:00Z")), hour, now),
            "after a day asleep: one catch-up"
        );
        assert!(
            !due(Some(t("2026-11-22T10:05:00Z")), hour, now),
            "a clock that went back: skip"
        );
    }

    #[test]
    fn five_fields_get_a_seconds_field() {
        assert_eq!(with_seconds("0 * * * *"), "0 0 * * * *");
        assert_eq!(with_seconds("*/2 * * * * *"), "*/2 * * * * *");
    }
}
