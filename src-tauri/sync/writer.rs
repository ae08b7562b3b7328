//! A stream's pages stored on a thread of its own, in the order they came,
//! while the engine downloads the next one: the vendor's time and SQLite's
//! overlap instead of adding up. The thread has its own handle on the file,
//! and each page is still one transaction with its cursor, so a crash at any
//! moment leaves whole pages only, and the cursor never passes a page that
//! is not stored. At most one page waits for the thread, so memory holds two
//! pages at most.

use crate::domain::records::Batch;
use crate::domain::ConnectionId;
use crate::store::{Store, StoreError};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// What storing one page came to: how many records it wrote.
pub(super) type Stored = oneshot::Receiver<Result<u64, StoreError>>;

struct Job {
    batch: Batch,
    cursor: Option<String>,
    done: oneshot::Sender<Result<u64, StoreError>>,
}

pub(super) struct PageWriter {
    jobs: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl PageWriter {
    /// A thread storing `stream`'s pages through a handle of its own;
    /// `None` (said in the log) when there can be none, and the engine
    /// stores the pages itself.
    pub(super) fn start(store: &Store, connection: ConnectionId, stream: &str) -> Option<Self> {
        let mut own = store
            .writer()
            .map_err(|e| tracing::warn!(error = %e, "no second handle on the file; pages are stored in turn"))
            .ok()?;
        let stream = stream.to_string();
        let (jobs, queue) = sync_channel::<Job>(1);
        let thread = std::thread::Builder::new()
            .name("pulseboard-pages".into())
            .spawn(move || {
                for job in queue {
                    let written =
                        own.apply_page(connection, &stream, &job.batch, job.cursor.as_deref());
                    // The engine stopped listening (it failed): nothing to tell.
                    let _ = job.done.send(written);
                }
            })
            .map_err(
                |e| tracing::warn!(error = %e, "no page-writer thread; pages are stored in turn"),
            )
            .ok()?;
        Some(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Hand a page and its cursor over; it is stored after the pages handed
    /// over before it.
    pub(super) fn store(&self, batch: Batch, cursor: Option<String>) -> Stored {
        let (done, stored) = oneshot::channel();
        let job = Job {
            batch,
            cursor,
            done,
        };
        if let Some(jobs) = &self.jobs {
            // A send fails only when the thread has gone; `stored` then says so.
            let _ = jobs.send(job);
        }
        stored
    }
}

impl Drop for PageWriter {
    fn drop(&mut self) {
        // No more pages: the thread finishes the one it has, then ends.
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
