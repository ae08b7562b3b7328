//! Meta's bookmark: the shared date-window cursor ([`WindowCursor`]), with
//! the async report run being read as its in-run paging state.

use super::MetaConfig;
pub use crate::connectors::window::WindowCursor as Cursor;

/// Where a run starts: the lookback before the stored bookmark, so restated
/// days are read again.
pub fn start(stored: Option<&str>, cfg: &MetaConfig) -> Cursor {
    Cursor::restart(stored, cfg.lookback_days, cfg.earliest, cfg.today)
}
