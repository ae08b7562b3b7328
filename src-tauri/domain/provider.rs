//! The seven providers and the fields each connection form asks for. What is
//! typed into those fields is checked in [`super::connection_input`].

use super::InvalidInput;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Shopify,
    MetaAds,
    GoogleAds,
    Shiprocket,
    Copper,
    Justcall,
    Demo,
}

impl Provider {
    pub const ALL: [Provider; 7] = [
        Provider::Shopify,
        Provider::MetaAds,
        Provider::GoogleAds,
        Provider::Shiprocket,
        Provider::Copper,
        Provider::Justcall,
        Provider::Demo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shopify => "shopify",
            Self::MetaAds => "meta_ads",
            Self::GoogleAds => "google_ads",
            Self::Shiprocket => "shiprocket",
            Self::Copper => "copper",
            Self::Justcall => "justcall",
            Self::Demo => "demo",
        }
    }

    /// Whether the account's zone and currency become its workspace's (where
    /// the person did not choose them): a shop's are the business's own.
    pub fn sets_workspace_zone(self) -> bool {
        self == Provider::Shopify
    }

    pub fn spec(self) -> &'static ProviderSpec {
        SPECS
            .iter()
            .find(|s| s.provider == self)
            .expect("every provider has a spec")
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Provider::ALL.iter().map(|p| p.as_str()).collect();
                InvalidInput::new(
                    "provider",
                    format!("unknown provider '{s}'; use one of: {}", known.join(", ")),
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Email,
    Url,
    /// Goes to the keychain, never to SQLite; a password input in the UI.
    Secret,
}

/// One input of a provider's connection form.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub placeholder: &'static str,
    pub help: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderSpec {
    pub provider: Provider,
    pub label: &'static str,
    /// What the person needs to do in the vendor's console to get these values.
    pub instructions: &'static str,
    pub fields: &'static [FieldSpec],
}

impl ProviderSpec {
    pub fn setting_fields(&self) -> impl Iterator<Item = &FieldSpec> {
        self.fields.iter().filter(|f| f.kind != FieldKind::Secret)
    }

    pub fn secret_fields(&self) -> impl Iterator<Item = &FieldSpec> {
        self.fields.iter().filter(|f| f.kind == FieldKind::Secret)
    }
}

const fn field(
    key: &'static str,
    label: &'static str,
    kind: FieldKind,
    required: bool,
    placeholder: &'static str,
    help: &'static str,
) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required,
        placeholder,
        help,
    }
}

use super::provider_settings::{key, secret};
use FieldKind::{Email, Secret, Text, Url};

pub static SPECS: [ProviderSpec; 7] = [
    ProviderSpec {
        provider: Provider::Shopify,
        label: "Shopify",
        instructions:
            "In Shopify admin: Settings → Apps → Develop apps → create a custom app with the \
            Admin API scopes read_orders, read_all_orders, read_customers, read_products and \
            read_inventory, install it, and copy its Admin API access token.",
        fields: &[
            field(
                key::SHOP,
                "Shop domain",
                Text,
                true,
                "your-store.myshopify.com",
                "The store's myshopify.com domain, not its custom domain.",
            ),
            field(
                secret::ACCESS_TOKEN,
                "Admin API access token",
                Secret,
                true,
                "shpat_…",
                "Shown once when you install the custom app.",
            ),
            field(
                key::HISTORY_DAYS,
                "History to read (days)",
                Text,
                false,
                "365",
                "Days of orders the first sync reads, or 'all' for the shop's whole history.",
            ),
        ],
    },
    ProviderSpec {
        provider: Provider::MetaAds,
        label: "Meta Ads",
        instructions: "Use a system-user token (Business Settings → System users) or a long-lived \
            user token with the ads_read permission, and the ad account id from Ads Manager.",
        fields: &[
            field(
                key::AD_ACCOUNT,
                "Ad account id",
                Text,
                true,
                "act_1234567890",
                "Starts with act_ followed by digits.",
            ),
            field(
                secret::ACCESS_TOKEN,
                "Access token",
                Secret,
                true,
                "EAA…",
                "Long-lived or system-user token with ads_read.",
            ),
            field(
                key::LOOKBACK_DAYS,
                "Re-read window (days)",
                Text,
                false,
                "28",
                "Days re-read on every sync, because Meta keeps restating attribution (1–90).",
            ),
        ],
    },
    ProviderSpec {
        provider: Provider::GoogleAds,
        label: "Google Ads",
        instructions: "Create an OAuth client in Google Cloud, obtain a refresh token for the \
            https://www.googleapis.com/auth/adwords scope, and copy your developer token from the \
            Google Ads API Center.",
        fields: &[
            field(
                key::CUSTOMER_ID,
                "Customer id",
                Text,
                true,
                "123-456-7890",
                "The account whose campaigns to read; hyphens are fine.",
            ),
            field(
                key::LOGIN_CUSTOMER_ID,
                "Login customer id",
                Text,
                false,
                "987-654-3210",
                "Only when you reach the account through a manager account.",
            ),
            field(
                key::TOKEN_URL,
                "OAuth token URL",
                Url,
                false,
                "https://oauth2.googleapis.com/token",
                "Leave empty for Google's own.",
            ),
            field(
                secret::CLIENT_ID,
                "OAuth client id",
                Secret,
                true,
                "…apps.googleusercontent.com",
                "",
            ),
            field(secret::CLIENT_SECRET, "OAuth client secret", Secret, true, "", ""),
            field(secret::REFRESH_TOKEN, "Refresh token", Secret, true, "1//…", ""),
            field(
                secret::DEVELOPER_TOKEN,
                "Developer token",
                Secret,
                true,
                "",
                "22 characters, from the API Center.",
            ),
            field(
                key::LOOKBACK_DAYS,
                "Re-read window (days)",
                Text,
                false,
                "30",
                "Days re-read on every sync, because conversions are restated (1–90).",
            ),
        ],
    },
    ProviderSpec {
        provider: Provider::Shiprocket,
        label: "Shiprocket",
        instructions: "In Shiprocket: Settings → API → Configure → Create API user. Use that API \
            user's e-mail and password (not your own login).",
        fields: &[
            field(
                key::EMAIL,
                "API user e-mail",
                Email,
                true,
                "api-user@example.com",
                "",
            ),
            field(secret::PASSWORD, "API user password", Secret, true, "", ""),
            field(
                key::LOOKBACK_DAYS,
                "Re-read window (days)",
                Text,
                false,
                "45",
                "Shipments this recent are read again on every sync, because RTO and NDR statuses change for weeks (1–90).",
            ),
        ],
    },
    ProviderSpec {
        provider: Provider::Copper,
        label: "Copper CRM",
        instructions: "In Copper: Settings → Integrations → API Keys → Generate API key. Use the \
            e-mail of the user who owns the key.",
        fields: &[
            field(
                key::EMAIL,
                "Key owner's e-mail",
                Email,
                true,
                "you@example.com",
                "",
            ),
            field(secret::API_KEY, "API key", Secret, true, "", ""),
            field(
                key::LOOKBACK_DAYS,
                "Re-read window (days)",
                Text,
                false,
                "30",
                "Activities this recent are read again on every sync, because calls are logged late (1–90).",
            ),
            field(
                key::HISTORY_DAYS,
                "History to read (days)",
                Text,
                false,
                "90",
                "Days of activities and leads the first sync reads, or 'all'.",
            ),
        ],
    },
    ProviderSpec {
        provider: Provider::Justcall,
        label: "JustCall",
        instructions:
            "In JustCall: Settings → Developers → API credentials. Copy the API key and secret.",
        fields: &[
            field(secret::API_KEY, "API key", Secret, true, "", ""),
            field(secret::API_SECRET, "API secret", Secret, true, "", ""),
            field(
                key::HISTORY_DAYS,
                "History to read (days)",
                Text,
                false,
                "90",
                "Days of calls the first sync reads. JustCall keeps about three months, so from then on Pulseboard's copy is the only full history.",
            ),
        ],
    },
    ProviderSpec {
        provider: Provider::Demo,
        label: "Demo data",
        instructions: "A built-in demo business, generated on this computer. Nothing to enter.",
        fields: &[],
    },
];
