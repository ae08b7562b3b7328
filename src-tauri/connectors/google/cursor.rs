//! Google's bookmark: the shared date-window cursor ([`WindowCursor`]). Today
//! is read but never passed, since it is not over.

use super::GoogleConfig;
pub use crate::connectors::window::WindowCursor as Cursor;

/// Where a run starts: the lookback before the stored bookmark, so restated
/// conversions are read again.
pub fn start(stored: Option<&str>, cfg: &GoogleConfig) -> Cursor {
    Cursor::restart(stored, cfg.lookback_days, cfg.earliest, cfg.today)
}
