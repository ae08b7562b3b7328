//! Syncing: the engine that moves a source's pages into the store. The
//! scheduler, progress events and the sources themselves build on it.

pub mod engine;

pub use engine::{run_connection, Page, RunLock, Source, SyncError};
