//! The real OS keychain (Secret Service in CI, via gnome-keyring). These tests
//! need an unlocked keyring on the session bus: `./dev.sh test` provides one.

use pulseboard::domain::connection_input::SecretFields;
use pulseboard::domain::ConnectionId;
use pulseboard::secrets::{Keychain, SecretKey, SecretStore};

fn fields(pairs: &[(&str, &str)]) -> SecretFields {
    SecretFields(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn secret_service_round_trip() {
    let keychain = Keychain::default();
    let install = uuid::Uuid::new_v4().to_string();
    let key = SecretKey::connection(&install, ConnectionId(1));
    let other = SecretKey::connection(&install, ConnectionId(2));

    assert_eq!(keychain.get(&key).unwrap(), None, "a new key holds nothing");
    let first = fields(&[("client_id", "id-1"), ("refresh_token", "1//tok-ü-€")]);
    keychain.put(&key, &first).unwrap_or_else(|e| {
        panic!("cannot write to the keychain ({e}); run the suite with ./dev.sh test")
    });
    assert_eq!(keychain.get(&key).unwrap(), Some(first));
    assert_eq!(
        keychain.get(&other).unwrap(),
        None,
        "entries are per connection"
    );

    let second = fields(&[("client_id", "id-2")]);
    keychain.put(&key, &second).unwrap();
    assert_eq!(keychain.get(&key).unwrap(), Some(second), "a put replaces");

    keychain.delete(&key).unwrap();
    assert_eq!(keychain.get(&key).unwrap(), None);
    keychain.delete(&key).unwrap();
    assert!(
        keychain.describe().ends_with("available"),
        "{}",
        keychain.describe()
    );
}
