//! The only module that touches the OS keychain. One entry per connection holds
//! that connection's secret fields as a small JSON object. There is no plaintext
//! fallback: without a keychain, saving a secret fails with an error that says
//! what to install or start.

use crate::domain::connection_input::SecretFields;
use crate::domain::ConnectionId;
use std::collections::HashMap;
use std::sync::Mutex;

/// Where one secret lives in the keychain: service [`crate::settings::APP_ID`],
/// account `<install id>/connection/<id>`. The install id keeps two data dirs on
/// one computer (e.g. tests, or a second profile) from sharing entries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    account: String,
}

impl SecretKey {
    pub fn connection(install_id: &str, id: ConnectionId) -> Self {
        Self {
            account: format!("{install_id}/connection/{id}"),
        }
    }

    pub fn account(&self) -> &str {
        &self.account
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the system keychain is not available ({0}). Pulseboard keeps credentials only in the keychain, never on disk. \
On Linux install and start a Secret Service provider such as GNOME Keyring (`sudo apt install gnome-keyring`) in a desktop \
session with D-Bus; on a headless machine run Pulseboard under `dbus-run-session` with `gnome-keyring-daemon --unlock` started")]
    Unavailable(String),
    #[error("the system keychain is locked or refused access ({0}); unlock it (log in to your desktop, or run `gnome-keyring-daemon --unlock`) and try again")]
    Locked(String),
    #[error("the keychain entry for this connection is damaged; edit the connection and enter its credentials again")]
    Damaged,
    #[error("keychain error: {0}")]
    Other(String),
}

/// Secrets by key. Implemented by the OS keychain and, for unit tests, by memory.
pub trait SecretStore: Send + Sync {
    fn put(&self, key: &SecretKey, fields: &SecretFields) -> Result<(), SecretError>;
    fn get(&self, key: &SecretKey) -> Result<Option<SecretFields>, SecretError>;
    /// Removing an absent entry is not an error.
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError>;
    /// A short description of the backend and whether it answers, for Settings.
    fn describe(&self) -> String;
    /// Whether the keychain answers at all (the app's start asks): a lookup
    /// of an entry that does not exist, which needs no unlocking.
    fn check(&self) -> Result<(), SecretError>;
}

fn encode(fields: &SecretFields) -> String {
    serde_json::to_string(&fields.0).expect("a map of strings serialises")
}

fn decode(text: &str) -> Result<SecretFields, SecretError> {
    serde_json::from_str(text)
        .map(SecretFields)
        .map_err(|_| SecretError::Damaged)
}

/// The OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Default for Keychain {
    fn default() -> Self {
        Self {
            service: crate::settings::APP_ID.to_string(),
        }
    }
}

impl Keychain {
    fn entry(&self, key: &SecretKey) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, key.account()).map_err(map_keyring)
    }
}

fn map_keyring(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable(inner.to_string()),
        keyring::Error::NoStorageAccess(inner) => SecretError::Locked(inner.to_string()),
        keyring::Error::BadEncoding(_) => SecretError::Damaged,
        other => SecretError::Other(other.to_string()),
    }
}

impl SecretStore for Keychain {
    fn put(&self, key: &SecretKey, fields: &SecretFields) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(&encode(fields))
            .map_err(map_keyring)
    }

    fn get(&self, key: &SecretKey) -> Result<Option<SecretFields>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(text) => decode(&text).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn check(&self) -> Result<(), SecretError> {
        let probe = SecretKey {
            account: "probe/does-not-exist".into(),
        };
        self.get(&probe).map(|_| ())
    }

    fn describe(&self) -> String {
        let probe = SecretKey {
            account: "probe/does-not-exist".into(),
        };
        let backend = if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else if cfg!(windows) {
            "Windows Credential Manager"
        } else {
            "Secret Service (e.g. GNOME Keyring)"
        };
        match self.get(&probe) {
            Ok(_) => format!("{backend}: available"),
            Err(e) => format!("{backend}: {e}"),
        }
    }
}

/// Secrets in memory, for unit tests and the IPC tests; gone when dropped.
#[derive(Debug, Default)]
pub struct MemorySecrets {
    entries: Mutex<HashMap<SecretKey, String>>,
    /// When set, every call fails as a missing keychain would.
    pub unavailable: bool,
}

impl MemorySecrets {
    /// A store that fails every call, as a machine without a keychain does.
    pub fn unavailable() -> Self {
        Self {
            unavailable: true,
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("not poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self) -> Result<(), SecretError> {
        if self.unavailable {
            Err(SecretError::Unavailable(
                "in-memory store set to fail".into(),
            ))
        } else {
            Ok(())
        }
    }
}

impl SecretStore for MemorySecrets {
    fn put(&self, key: &SecretKey, fields: &SecretFields) -> Result<(), SecretError> {
        self.check()?;
        self.entries
            .lock()
            .expect("not poisoned")
            .insert(key.clone(), encode(fields));
        Ok(())
    }

    fn get(&self, key: &SecretKey) -> Result<Option<SecretFields>, SecretError> {
        self.check()?;
        self.entries
            .lock()
            .expect("not poisoned")
            .get(key)
            .map(|t| decode(t))
            .transpose()
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.check()?;
        self.entries.lock().expect("not poisoned").remove(key);
        Ok(())
    }

    fn describe(&self) -> String {
        "in-memory (tests only)".into()
    }

    fn check(&self) -> Result<(), SecretError> {
        if self.unavailable {
            return Err(SecretError::Unavailable(
                "the in-memory store is set to fail".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_round_trip() {
        let store = MemorySecrets::default();
        let key = SecretKey::connection("abc", ConnectionId(1));
        let fields = SecretFields([("api_key".to_string(), "k".to_string())].into());
        store.put(&key, &fields).unwrap();
        assert_eq!(store.get(&key).unwrap(), Some(fields));
        store.delete(&key).unwrap();
        assert_eq!(store.get(&key).unwrap(), None);
        store.delete(&key).unwrap();
    }

    #[test]
    fn keys_differ_by_install() {
        assert_ne!(
            SecretKey::connection("a", ConnectionId(1)),
            SecretKey::connection("b", ConnectionId(1))
        );
    }
}
