//! Non-secret settings and every default in one place: where data and logs live,
//! the default sync schedule per provider, the fallback currency.

use crate::domain::Provider;
use std::path::{Path, PathBuf};

/// Overrides the data directory (and puts logs under it).
pub const DATA_DIR_ENV: &str = "PULSEBOARD_DATA_DIR";

/// Bundle identifier; also the keychain service name.
pub const APP_ID: &str = "dev.pulseboard.app";

/// Currency of a new workspace when none is given and no shop has told us yet.
pub const FALLBACK_CURRENCY: &str = "USD";

/// How often a connection syncs unless its schedule is edited (five-field cron).
pub fn default_schedule(provider: Provider) -> &'static str {
    match provider {
        Provider::Shopify | Provider::Shiprocket => "0 * * * *",
        Provider::MetaAds | Provider::GoogleAds => "*/30 * * * *",
        Provider::Copper | Provider::Justcall => "*/10 * * * *",
        Provider::Demo => "*/5 * * * *",
    }
}

/// The folders Pulseboard writes to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// `PULSEBOARD_DATA_DIR` when set, else the OS app-data dir; logs in the OS log dir.
    pub fn from_env() -> Result<Self, PathsError> {
        match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
            Some(dir) => Ok(Self::under(PathBuf::from(dir))),
            None => Self::os_default(),
        }
    }

    /// Everything under one folder: the database in it, logs in `logs/`.
    pub fn under(data_dir: PathBuf) -> Self {
        let log_dir = data_dir.join("logs");
        Self { data_dir, log_dir }
    }

    fn os_default() -> Result<Self, PathsError> {
        let dirs = directories::ProjectDirs::from("dev", "Pulseboard", "Pulseboard")
            .ok_or(PathsError::NoHome)?;
        let data_dir = dirs.data_dir().to_path_buf();
        let log_dir = if cfg!(target_os = "macos") {
            directories::BaseDirs::new()
                .map(|b| b.home_dir().join("Library/Logs/Pulseboard"))
                .ok_or(PathsError::NoHome)?
        } else if cfg!(target_os = "linux") {
            // XDG keeps logs under the state dir (~/.local/state/pulseboard).
            dirs.state_dir()
                .unwrap_or_else(|| dirs.data_local_dir())
                .join("logs")
        } else {
            dirs.data_local_dir().join("logs")
        };
        Ok(Self { data_dir, log_dir })
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("pulseboard.sqlite3")
    }

    /// Create the folders, with an error that names the folder and what to do.
    pub fn ensure(&self) -> Result<(), PathsError> {
        for dir in [&self.data_dir, &self.log_dir] {
            create_dir(dir)?;
        }
        Ok(())
    }
}

fn create_dir(dir: &Path) -> Result<(), PathsError> {
    std::fs::create_dir_all(dir).map_err(|source| PathsError::Create {
        path: dir.to_path_buf(),
        source,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error(
        "cannot find your home folder to keep data in; set {DATA_DIR_ENV} to a writable folder"
    )]
    NoHome,
    #[error("cannot create the folder {path}: {source}; check that it is writable, or set {DATA_DIR_ENV} to another folder")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_schedule_is_valid_cron() {
        for p in Provider::ALL {
            crate::domain::connection_input::validate_cron(default_schedule(p)).unwrap();
        }
    }

    #[test]
    fn override_puts_logs_under_the_data_dir() {
        let p = Paths::under(PathBuf::from("/x/y"));
        assert_eq!(p.log_dir, PathBuf::from("/x/y/logs"));
        assert_eq!(p.db_path(), PathBuf::from("/x/y/pulseboard.sqlite3"));
    }
}
