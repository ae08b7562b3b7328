//! Each provider's connection settings as a typed struct, parsed once from
//! what the store keeps. The keys are named here and nowhere else: the form
//! specs ([`super::provider::SPECS`]), validation, the CLI's flags and the
//! connectors all use [`key`].

use super::provider::Provider;
use super::InvalidInput;
use serde_json::{Map, Value};

/// The settings keys of every provider's form: each spelled once.
pub mod key {
    pub const SHOP: &str = "shop";
    pub const HISTORY_DAYS: &str = "history_days";
    pub const AD_ACCOUNT: &str = "ad_account";
    pub const LOOKBACK_DAYS: &str = "lookback_days";
    pub const CUSTOMER_ID: &str = "customer_id";
    pub const LOGIN_CUSTOMER_ID: &str = "login_customer_id";
    pub const TOKEN_URL: &str = "token_url";
    pub const EMAIL: &str = "email";
}

/// The secret keys of every provider's form (kept in the keychain entry).
pub mod secret {
    pub const ACCESS_TOKEN: &str = "access_token";
    pub const CLIENT_ID: &str = "client_id";
    pub const CLIENT_SECRET: &str = "client_secret";
    pub const REFRESH_TOKEN: &str = "refresh_token";
    pub const DEVELOPER_TOKEN: &str = "developer_token";
    pub const PASSWORD: &str = "password";
    pub const API_KEY: &str = "api_key";
    pub const API_SECRET: &str = "api_secret";
}

/// How much history a first sync reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    Days(u32),
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopifySettings {
    /// `NAME.myshopify.com`.
    pub shop: String,
    /// `None`: the connector's default.
    pub history: Option<History>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaSettings {
    /// `act_` and digits.
    pub ad_account: String,
    pub lookback_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleSettings {
    /// Ten digits.
    pub customer_id: String,
    pub login_customer_id: Option<String>,
    pub token_url: Option<String>,
    pub lookback_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiprocketSettings {
    /// The API user's e-mail.
    pub email: String,
    pub lookback_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopperSettings {
    /// The API key owner's e-mail.
    pub email: String,
    pub lookback_days: Option<u32>,
    pub history: Option<History>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JustcallSettings {
    pub history: Option<History>,
}

/// A connection's settings, by provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderSettings {
    Shopify(ShopifySettings),
    MetaAds(MetaSettings),
    GoogleAds(GoogleSettings),
    Shiprocket(ShiprocketSettings),
    Copper(CopperSettings),
    Justcall(JustcallSettings),
    Demo,
}

impl ProviderSettings {
    /// Read a stored (already validated) settings map; a value that is missing
    /// or does not parse is named in the error, so a hand-edited database
    /// fails with a message, not a panic.
    pub fn parse(provider: Provider, settings: &Map<String, Value>) -> Result<Self, InvalidInput> {
        let s = Fields { provider, settings };
        Ok(match provider {
            Provider::Shopify => Self::Shopify(ShopifySettings {
                shop: s.required(key::SHOP)?,
                history: s.optional(key::HISTORY_DAYS).map(history).transpose()?,
            }),
            Provider::MetaAds => Self::MetaAds(MetaSettings {
                ad_account: s.required(key::AD_ACCOUNT)?,
                lookback_days: s.days(key::LOOKBACK_DAYS)?,
            }),
            Provider::GoogleAds => Self::GoogleAds(GoogleSettings {
                customer_id: s.required(key::CUSTOMER_ID)?,
                login_customer_id: s.optional(key::LOGIN_CUSTOMER_ID),
                token_url: s.optional(key::TOKEN_URL),
                lookback_days: s.days(key::LOOKBACK_DAYS)?,
            }),
            Provider::Shiprocket => Self::Shiprocket(ShiprocketSettings {
                email: s.required(key::EMAIL)?,
                lookback_days: s.days(key::LOOKBACK_DAYS)?,
            }),
            Provider::Copper => Self::Copper(CopperSettings {
                email: s.required(key::EMAIL)?,
                lookback_days: s.days(key::LOOKBACK_DAYS)?,
                history: s.optional(key::HISTORY_DAYS).map(history).transpose()?,
            }),
            Provider::Justcall => Self::Justcall(JustcallSettings {
                history: s.optional(key::HISTORY_DAYS).map(history).transpose()?,
            }),
            Provider::Demo => Self::Demo,
        })
    }
}

/// `"all"` or a number of days (1 to 100 years).
pub fn history(raw: String) -> Result<History, InvalidInput> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("all") {
        return Ok(History::All);
    }
    match raw.parse::<u32>() {
        Ok(n @ 1..=36_500) => Ok(History::Days(n)),
        _ => Err(InvalidInput::new(
            key::HISTORY_DAYS,
            format!("'{raw}' is not a number of days (1 or more) or 'all'"),
        )),
    }
}

/// A re-read window: 1 to 90 days.
pub fn lookback_days(raw: &str) -> Result<u32, InvalidInput> {
    match raw.trim().parse::<u32>() {
        Ok(n @ 1..=90) => Ok(n),
        _ => Err(InvalidInput::new(
            key::LOOKBACK_DAYS,
            format!("'{raw}' is not a number of days from 1 to 90"),
        )),
    }
}

struct Fields<'a> {
    provider: Provider,
    settings: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn optional(&self, key: &str) -> Option<String> {
        self.settings
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    }

    fn required(&self, key: &str) -> Result<String, InvalidInput> {
        self.optional(key).ok_or_else(|| {
            let label = self
                .provider
                .spec()
                .fields
                .iter()
                .find(|f| f.key == key)
                .map_or(key, |f| f.label);
            InvalidInput::new(
                key,
                format!("the connection has no {label}; edit it to enter one"),
            )
        })
    }

    fn days(&self, key: &str) -> Result<Option<u32>, InvalidInput> {
        self.optional(key).map(|v| lookback_days(&v)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn each_provider_parses_its_keys() {
        assert_eq!(
            ProviderSettings::parse(
                Provider::Shopify,
                &map(json!({"shop": "a.myshopify.com", "history_days": "all"}))
            ),
            Ok(ProviderSettings::Shopify(ShopifySettings {
                shop: "a.myshopify.com".into(),
                history: Some(History::All),
            }))
        );
        assert_eq!(
            ProviderSettings::parse(
                Provider::GoogleAds,
                &map(json!({"customer_id": "1234567890", "lookback_days": "14"}))
            ),
            Ok(ProviderSettings::GoogleAds(GoogleSettings {
                customer_id: "1234567890".into(),
                login_customer_id: None,
                token_url: None,
                lookback_days: Some(14),
            }))
        );
        assert_eq!(
            ProviderSettings::parse(Provider::Demo, &Map::new()),
            Ok(ProviderSettings::Demo)
        );
    }

    #[test]
    fn a_missing_or_broken_value_is_named() {
        let e = ProviderSettings::parse(Provider::MetaAds, &Map::new()).unwrap_err();
        assert_eq!(e.field, "ad_account");
        assert!(e.message.contains("Ad account id"), "{e}");
        let e = ProviderSettings::parse(
            Provider::Shiprocket,
            &map(json!({"email": "a@b.co", "lookback_days": "400"})),
        )
        .unwrap_err();
        assert_eq!(e.field, "lookback_days");
        let e = ProviderSettings::parse(
            Provider::Shopify,
            &map(json!({"shop": "a.myshopify.com", "history_days": "soon"})),
        )
        .unwrap_err();
        assert_eq!(e.field, "history_days");
    }

    #[test]
    fn every_key_a_form_asks_for_is_one_of_these() {
        let known = [
            key::SHOP,
            key::HISTORY_DAYS,
            key::AD_ACCOUNT,
            key::LOOKBACK_DAYS,
            key::CUSTOMER_ID,
            key::LOGIN_CUSTOMER_ID,
            key::TOKEN_URL,
            key::EMAIL,
        ];
        for p in Provider::ALL {
            for f in p.spec().setting_fields() {
                assert!(known.contains(&f.key), "{p}: {}", f.key);
            }
        }
    }
}
