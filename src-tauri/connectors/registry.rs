//! The one list of providers that have a source: a connection, its settings
//! and its keychain secrets in, a [`BoxSource`] out. Adding a provider means a
//! folder of its own under `connectors/` and an arm here; nothing in `sync/`.

use super::source::{BoxSource, SourceError, SourceInputs};
use super::{copper, demo, google, justcall, meta, shiprocket, shopify};
use crate::domain::connection_input::SecretFields;
use crate::domain::provider_settings::ProviderSettings;
use crate::domain::{AccountFacts, Connection, Provider};

/// The source that syncs `connection` with its keychain `secrets`, reading
/// days up to the account's own today when `facts` know its zone.
pub fn source_for(
    connection: &Connection,
    secrets: Option<&SecretFields>,
    facts: Option<&AccountFacts>,
) -> Result<BoxSource, SourceError> {
    let inputs = SourceInputs {
        connection,
        secrets,
        facts,
    };
    let settings = ProviderSettings::parse(connection.provider, &connection.settings)?;
    Ok(match settings {
        ProviderSettings::Demo => Box::new(demo::DemoSource::from_connection(&inputs)),
        ProviderSettings::MetaAds(s) => Box::new(meta::MetaSource::from_connection(&s, &inputs)?),
        ProviderSettings::GoogleAds(s) => {
            Box::new(google::GoogleSource::from_connection(&s, &inputs)?)
        }
        ProviderSettings::Shopify(s) => {
            Box::new(shopify::ShopifySource::from_connection(&s, &inputs)?)
        }
        ProviderSettings::Shiprocket(s) => {
            Box::new(shiprocket::ShiprocketSource::from_connection(&s, &inputs)?)
        }
        ProviderSettings::Copper(s) => {
            Box::new(copper::CopperSource::from_connection(&s, &inputs)?)
        }
        ProviderSettings::Justcall(s) => {
            Box::new(justcall::JustcallSource::from_connection(&s, &inputs)?)
        }
    })
}

/// What this version can do with a provider's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// A source exists: its connections sync.
    pub syncs: bool,
    /// Test connection can ask the platform about the account.
    pub testable: bool,
}

pub fn capabilities(provider: Provider) -> Capabilities {
    Capabilities {
        syncs: true,
        testable: provider != Provider::Demo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConnectionId, ConnectionStatus, WorkspaceId};

    fn connection(provider: Provider, settings: serde_json::Value) -> Connection {
        Connection {
            id: ConnectionId(1),
            workspace_id: WorkspaceId(1),
            workspace_name: "W".into(),
            provider,
            display_name: "C".into(),
            settings: settings.as_object().unwrap().clone(),
            base_url: Some("http://127.0.0.1:9".into()),
            schedule: "0 * * * *".into(),
            enabled: true,
            status: ConnectionStatus::New,
            last_sync_at: None,
            last_error: None,
            created_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn every_provider_builds_a_source() {
        let settings = serde_json::json!({
            "shop": "a.myshopify.com", "ad_account": "act_1", "customer_id": "1234567890",
            "email": "ops@example.com",
        });
        let secrets = SecretFields(
            [
                "access_token",
                "client_id",
                "client_secret",
                "refresh_token",
                "developer_token",
                "password",
                "api_key",
                "api_secret",
            ]
            .into_iter()
            .map(|k| (k.to_string(), format!("{k}-value")))
            .collect(),
        );
        for p in Provider::ALL {
            let c = connection(p, settings.clone());
            let built = source_for(&c, Some(&secrets), None);
            assert!(built.is_ok(), "{p}: {:?}", built.err());
            assert!(capabilities(p).syncs);
        }
    }

    #[test]
    fn a_missing_secret_or_setting_is_named() {
        let c = connection(
            Provider::MetaAds,
            serde_json::json!({"ad_account": "act_1"}),
        );
        let e = source_for(&c, None, None).err().unwrap();
        assert!(e.to_string().contains("access_token"), "{e}");
        assert_eq!(e.cause(), "incomplete");
        let c = connection(Provider::MetaAds, serde_json::json!({}));
        let e = source_for(&c, None, None).err().unwrap();
        assert!(e.to_string().contains("Ad account id"), "{e}");
    }
}
