//! A connection as typed into the form or the CLI, and the pure validation the
//! CLI and the UI share (so both refuse the same input): each field by its
//! kind, shop domains, ad accounts, customer ids, e-mails, base URLs, cron.

use super::provider::{FieldKind, FieldSpec, Provider};
use super::provider_settings::key;
use super::InvalidInput;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Secret field values. Debug never prints them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretFields(pub BTreeMap<String, String>);

impl fmt::Debug for SecretFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<_> = self.0.keys().collect();
        write!(f, "SecretFields({keys:?}: redacted)")
    }
}

impl SecretFields {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parse the JSON object the CLI reads from standard input. Values must be strings.
    pub fn from_json(text: &str) -> Result<Self, InvalidInput> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Self::default());
        }
        let value: serde_json::Value = serde_json::from_str(trimmed).map_err(|e| {
            InvalidInput::new(
                "secrets",
                format!("standard input is not valid JSON ({e}); expected an object such as {{\"access_token\": \"…\"}}"),
            )
        })?;
        let serde_json::Value::Object(map) = value else {
            return Err(InvalidInput::new(
                "secrets",
                "standard input must be a JSON object of secret fields",
            ));
        };
        let mut out = BTreeMap::new();
        for (k, v) in map {
            match v {
                serde_json::Value::String(s) => {
                    out.insert(k, s);
                }
                _ => {
                    return Err(InvalidInput::new(
                        format!("secrets.{k}"),
                        "must be a JSON string",
                    ))
                }
            }
        }
        Ok(Self(out))
    }

    /// A masked hint for the UI: the last four characters of the first secret at most.
    pub fn hint(&self) -> Option<String> {
        let first = self.0.values().next()?;
        let chars: Vec<char> = first.chars().collect();
        if chars.len() < 12 {
            return Some("••••".to_string());
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        Some(format!("••••{tail}"))
    }
}

/// A connection as typed into the form or the CLI, not yet checked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConnectionInput {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    #[serde(default)]
    pub secrets: BTreeMapSecret,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub schedule: Option<String>,
}

/// Secret input as it arrives over IPC; kept in a newtype so Debug redacts it.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct BTreeMapSecret(pub BTreeMap<String, String>);

impl fmt::Debug for BTreeMapSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A connection whose every field has been checked and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidConnection {
    pub provider: Provider,
    pub display_name: Option<String>,
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Only the secret fields given. On add they are all present; on edit an
    /// absent field keeps its stored value.
    pub secrets: SecretFields,
    pub base_url: Option<String>,
    pub schedule: Option<String>,
}

/// Whether the secret fields must all be present (adding) or may be left out to keep
/// what the keychain already holds (editing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretsRequired {
    All,
    KeepMissing,
}

pub fn validate(
    provider: Provider,
    input: &ConnectionInput,
    secrets_required: SecretsRequired,
) -> Result<ValidConnection, InvalidInput> {
    let spec = provider.spec();
    let known: Vec<&str> = spec.fields.iter().map(|f| f.key).collect();

    for key in input.settings.keys().chain(input.secrets.0.keys()) {
        if !known.contains(&key.as_str()) {
            let expected = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(InvalidInput::new(
                key.clone(),
                format!(
                    "is not a field of a {} connection (fields: {expected})",
                    spec.label
                ),
            ));
        }
    }

    let mut settings = serde_json::Map::new();
    for f in spec.setting_fields() {
        let raw = input.settings.get(f.key).map(|s| s.trim()).unwrap_or("");
        if raw.is_empty() {
            if f.required {
                return Err(InvalidInput::new(f.key, format!("{} is required", f.label)));
            }
            continue;
        }
        let value = normalise_setting(provider, f, raw)?;
        settings.insert(f.key.to_string(), serde_json::Value::String(value));
    }

    let mut secrets = BTreeMap::new();
    for f in spec.secret_fields() {
        let given = input.secrets.0.get(f.key).map(|s| s.as_str()).unwrap_or("");
        if given.trim().is_empty() {
            if secrets_required == SecretsRequired::All && f.required {
                return Err(InvalidInput::new(f.key, format!("{} is required", f.label)));
            }
            continue;
        }
        if given.chars().any(char::is_control) {
            return Err(InvalidInput::new(
                f.key,
                format!("{} contains a control character; paste it again", f.label),
            ));
        }
        secrets.insert(f.key.to_string(), given.trim().to_string());
    }

    let display_name = match input.display_name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) if name.chars().count() > 80 => {
            return Err(InvalidInput::new(
                "display_name",
                "keep the name under 80 characters",
            ))
        }
        Some(name) => Some(name.to_string()),
    };

    let base_url = match input.base_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => Some(normalise_base_url(url)?),
    };

    let schedule = match input.schedule.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(expr) => Some(validate_cron(expr)?),
    };

    Ok(ValidConnection {
        provider,
        display_name,
        settings,
        secrets: SecretFields(secrets),
        base_url,
        schedule,
    })
}

fn normalise_setting(provider: Provider, f: &FieldSpec, raw: &str) -> Result<String, InvalidInput> {
    use super::provider_settings::{self as typed, History};
    match (provider, f.key) {
        (Provider::Shopify, key::SHOP) => normalise_shop(raw),
        (Provider::MetaAds, key::AD_ACCOUNT) => normalise_ad_account(raw),
        (Provider::GoogleAds, key::CUSTOMER_ID | key::LOGIN_CUSTOMER_ID) => {
            normalise_customer_id(f.key, raw)
        }
        (_, key::HISTORY_DAYS) => Ok(match typed::history(raw.to_string())? {
            History::All => "all".into(),
            History::Days(n) => n.to_string(),
        }),
        (_, key::LOOKBACK_DAYS) => Ok(typed::lookback_days(raw)?.to_string()),
        _ => match f.kind {
            FieldKind::Email => normalise_email(f.key, raw),
            FieldKind::Url => normalise_url(f.key, raw),
            _ => Ok(raw.to_string()),
        },
    }
}

/// `your-store.myshopify.com`, also accepted with `https://` and a trailing slash.
pub fn normalise_shop(raw: &str) -> Result<String, InvalidInput> {
    let lower = raw.trim().to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower)
        .trim_end_matches('/');
    let bad = || {
        InvalidInput::new(
            "shop",
            format!("'{raw}' is not a shop domain; it looks like your-store.myshopify.com"),
        )
    };
    let name = host.strip_suffix(".myshopify.com").ok_or_else(bad)?;
    let ok = !name.is_empty()
        && name.len() <= 60
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(host.to_string())
    } else {
        Err(bad())
    }
}

/// `act_` followed by digits; bare digits get the prefix.
pub fn normalise_ad_account(raw: &str) -> Result<String, InvalidInput> {
    let digits = raw.trim().strip_prefix("act_").unwrap_or(raw.trim());
    if !digits.is_empty() && digits.len() <= 20 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(format!("act_{digits}"))
    } else {
        Err(InvalidInput::new(
            "ad_account",
            format!("'{raw}' is not an ad account id; it looks like act_1234567890"),
        ))
    }
}

/// Ten digits; the hyphens Google shows (`123-456-7890`) are stripped.
pub fn normalise_customer_id(field: &str, raw: &str) -> Result<String, InvalidInput> {
    let digits: String = raw.trim().chars().filter(|c| *c != '-').collect();
    if digits.len() == 10 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(InvalidInput::new(
            field,
            format!(
                "'{raw}' is not a Google Ads customer id; it has ten digits, like 123-456-7890"
            ),
        ))
    }
}

pub fn normalise_email(field: &str, raw: &str) -> Result<String, InvalidInput> {
    let s = raw.trim();
    let valid = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid {
        Ok(s.to_string())
    } else {
        Err(InvalidInput::new(
            field,
            format!("'{raw}' is not an e-mail address"),
        ))
    }
}

fn normalise_url(field: &str, raw: &str) -> Result<String, InvalidInput> {
    let parsed = url::Url::parse(raw.trim())
        .map_err(|e| InvalidInput::new(field, format!("'{raw}' is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(InvalidInput::new(
            field,
            format!("'{raw}' must be an http(s) URL with a host"),
        ));
    }
    Ok(parsed.to_string())
}

/// A base URL replaces only the scheme and host (and port) of the vendor's URLs,
/// so it must not carry a path, query or credentials.
pub fn normalise_base_url(raw: &str) -> Result<String, InvalidInput> {
    let bad = |why: &str| InvalidInput::new("base_url", format!("'{raw}' {why}"));
    let parsed = url::Url::parse(raw).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if parsed.host_str().is_none() {
        return Err(bad("has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("must not contain credentials"));
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad(
            "must be only a scheme and host, like http://127.0.0.1:8080 (the documented paths are kept)",
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// Five fields (`min hour day month weekday`), or six with seconds first.
pub fn validate_cron(expr: &str) -> Result<String, InvalidInput> {
    let fields = expr.split_whitespace().count();
    if !(5..=6).contains(&fields) {
        return Err(InvalidInput::new(
            "schedule",
            format!("'{expr}' is not a cron expression: it needs 5 fields (minute hour day month weekday), like '0 * * * *'"),
        ));
    }
    // The same parser the scheduler uses (croner 3, seconds optional).
    croner::parser::CronParser::new().parse(expr).map_err(|e| {
        InvalidInput::new(
            "schedule",
            format!("'{expr}' is not a valid cron expression ({e}); for example '*/30 * * * *' runs every 30 minutes"),
        )
    })?;
    Ok(expr.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(settings: &[(&str, &str)], secrets: &[(&str, &str)]) -> ConnectionInput {
        ConnectionInput {
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            secrets: BTreeMapSecret(
                secrets
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn shop_domains() {
        for (raw, want) in [
            ("my-store.myshopify.com", Some("my-store.myshopify.com")),
            (
                "https://My-Store.myshopify.com/",
                Some("my-store.myshopify.com"),
            ),
            ("", None),
            ("my-store.com", None),
            (".myshopify.com", None),
            ("bad_name.myshopify.com", None),
            ("-x.myshopify.com", None),
        ] {
            assert_eq!(normalise_shop(raw).ok().as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn ad_accounts_and_customer_ids() {
        assert_eq!(normalise_ad_account("act_123").unwrap(), "act_123");
        assert_eq!(normalise_ad_account("123").unwrap(), "act_123");
        assert!(normalise_ad_account("act_").is_err());
        assert!(normalise_ad_account("act_12x").is_err());
        assert_eq!(
            normalise_customer_id("customer_id", "123-456-7890").unwrap(),
            "1234567890"
        );
        assert!(normalise_customer_id("customer_id", "123-456-789").is_err());
        assert!(normalise_customer_id("customer_id", "abcdefghij").is_err());
    }

    #[test]
    fn cron_expressions() {
        assert_eq!(validate_cron("0  * * * *").unwrap(), "0 * * * *");
        assert!(validate_cron("*/30 * * * *").is_ok());
        assert!(
            validate_cron("* * * * * *").is_ok(),
            "six fields with seconds are allowed"
        );
        assert!(validate_cron("every hour").is_err());
        assert!(validate_cron("61 * * * *").is_err());
        assert!(validate_cron("* * *").is_err());
    }

    #[test]
    fn base_urls_keep_only_scheme_and_host() {
        assert_eq!(
            normalise_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalise_base_url("https://proxy.example").unwrap(),
            "https://proxy.example"
        );
        assert!(normalise_base_url("ftp://x").is_err());
        assert!(normalise_base_url("http://x/admin").is_err());
        assert!(normalise_base_url("http://u:p@x").is_err());
        assert!(normalise_base_url("not a url").is_err());
    }

    #[test]
    fn a_complete_shopify_connection_validates() {
        let v = validate(
            Provider::Shopify,
            &input(
                &[("shop", "a.myshopify.com")],
                &[("access_token", "shpat_x")],
            ),
            SecretsRequired::All,
        )
        .unwrap();
        assert_eq!(v.settings["shop"], "a.myshopify.com");
        assert_eq!(v.secrets.0["access_token"], "shpat_x");
    }

    #[test]
    fn missing_unknown_and_empty_fields_are_refused() {
        let err = validate(
            Provider::Shopify,
            &input(&[("shop", "a.myshopify.com")], &[]),
            SecretsRequired::All,
        )
        .unwrap_err();
        assert_eq!(err.field, "access_token");
        let err = validate(
            Provider::Justcall,
            &input(
                &[],
                &[("api_key", "k"), ("api_secret", "s"), ("token", "t")],
            ),
            SecretsRequired::All,
        )
        .unwrap_err();
        assert_eq!(err.field, "token");
        let err = validate(
            Provider::Shopify,
            &input(&[("shop", " ")], &[("access_token", "t")]),
            SecretsRequired::All,
        )
        .unwrap_err();
        assert_eq!(err.field, "shop");
        // Editing may leave secrets out to keep the stored ones.
        assert!(validate(
            Provider::Shopify,
            &input(&[("shop", "a.myshopify.com")], &[]),
            SecretsRequired::KeepMissing
        )
        .is_ok());
    }

    #[test]
    fn google_optional_fields() {
        let v = validate(
            Provider::GoogleAds,
            &input(
                &[("customer_id", "111-222-3333"), ("login_customer_id", "")],
                &[
                    ("client_id", "a"),
                    ("client_secret", "b"),
                    ("refresh_token", "c"),
                    ("developer_token", "d"),
                ],
            ),
            SecretsRequired::All,
        )
        .unwrap();
        assert_eq!(v.settings["customer_id"], "1112223333");
        assert!(!v.settings.contains_key("login_customer_id"));
    }

    #[test]
    fn secret_json_from_stdin() {
        assert!(SecretFields::from_json("").unwrap().is_empty());
        assert_eq!(
            SecretFields::from_json(r#"{"api_key":"k"}"#).unwrap().0["api_key"],
            "k"
        );
        assert!(SecretFields::from_json("[1]").is_err());
        assert!(SecretFields::from_json(r#"{"api_key":1}"#).is_err());
        assert!(SecretFields::from_json("{").is_err());
    }

    #[test]
    fn debug_and_hint_never_show_the_secret() {
        let s = SecretFields(
            [(
                "access_token".to_string(),
                "shpat_test_value_xyzcdef".to_string(),
            )]
            .into(),
        );
        assert!(!format!("{s:?}").contains("test_value"));
        assert_eq!(s.hint().unwrap(), "••••cdef");
        let short = SecretFields([("k".to_string(), "abc".to_string())].into());
        assert_eq!(short.hint().unwrap(), "••••");
    }
}
