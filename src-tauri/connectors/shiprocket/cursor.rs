//! Shiprocket's bookmark: every order date before `from` is read; `page` is
//! the next page of the window starting at `from`. A run re-reads the
//! trailing lookback before today (statuses change for weeks).

use super::ShiprocketConfig;
use crate::connectors::window;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where the stream stands: every order date before `from` is read; `page`
/// is the next page of the window starting at `from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub from: NaiveDate,
    #[serde(default = "one")]
    pub page: u32,
}

fn one() -> u32 {
    1
}

impl Cursor {
    pub fn parse(raw: &str) -> Option<Self> {
        serde_json::from_str(raw).ok()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a cursor serialises")
    }
}

/// Where a run starts: the stored bookmark, or the trailing lookback before
/// today when that is earlier; page 1.
pub fn start(stored: Option<&str>, cfg: &ShiprocketConfig) -> Cursor {
    let from = window::start_with_trailing(
        stored.and_then(Cursor::parse).map(|c| c.from),
        cfg.lookback_days,
        cfg.earliest,
        cfg.today,
    );
    Cursor { from, page: 1 }
}
