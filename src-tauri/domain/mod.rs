//! Plain types shared by every layer: ids, providers and their fields, workspaces,
//! connections. No IO happens here; validation is pure so it is table-tested.

pub mod connection_input;
pub mod cost_file;
pub mod goals;
pub mod provider;
pub mod provider_settings;
pub mod records;
pub mod run;
pub mod totals;
pub mod workspace;

pub use connection_input::{ConnectionInput, ValidConnection};
pub use provider::{FieldKind, FieldSpec, Provider, ProviderSpec};
pub use workspace::{ExpenseInput, WorkspaceInput, WorkspacePatch};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Row id of a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct WorkspaceId(pub i64);

/// Row id of a connection; also what `pulseboard disconnect ID` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct ConnectionId(pub i64);

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Input that a person typed and that we refuse, with the field it concerns.
/// The message says what is wrong and what a valid value looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}: {message}")]
pub struct InvalidInput {
    pub field: String,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Where a connection stands, as shown on the Connections page and in the tray.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Added, never synced.
    New,
    /// Last run succeeded.
    Ok,
    /// Last run failed for a reason other than credentials; retried on schedule.
    Error,
    /// Credentials are wrong or revoked: skipped until they change.
    NeedsAttention,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Ok => "ok",
            Self::Error => "error",
            Self::NeedsAttention => "needs_attention",
        }
    }

    /// Whether a run that moved a connection from `before` to `after` is news
    /// worth a desktop notification: it now fails, or now needs attention,
    /// and did not before. A connection failing run after run says so once.
    pub fn newly_failing(before: Self, after: Self) -> bool {
        matches!(after, Self::Error | Self::NeedsAttention) && before != after
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "new" => Self::New,
            "ok" => Self::Ok,
            "error" => Self::Error,
            "needs_attention" => Self::NeedsAttention,
            _ => return None,
        })
    }
}

/// A workspace as stored: one business with its own zone, currency and cost settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    /// The workspace the UI shows; exactly one is active once any exists.
    pub active: bool,
    /// Unset means "no estimate": lines without a cost count 0 and are listed as missing.
    pub default_cogs_percent: Option<rust_decimal::Decimal>,
    pub payment_fee_percent: rust_decimal::Decimal,
    pub payment_fee_fixed: rust_decimal::Decimal,
    pub created_at: String,
}

/// A recurring expense, spread evenly over the days of each month it applies to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurringExpense {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub monthly_amount: rust_decimal::Decimal,
    /// First month it applies to, `YYYY-MM`.
    pub start_month: String,
    /// Last month it applies to, `YYYY-MM`; open-ended when `None`.
    pub end_month: Option<String>,
}

/// A connection as stored. Never holds a secret: those live in the keychain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub id: ConnectionId,
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub provider: Provider,
    pub display_name: String,
    /// Non-secret settings, keyed by the provider's field keys.
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub base_url: Option<String>,
    pub schedule: String,
    pub enabled: bool,
    pub status: ConnectionStatus,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
}

/// What a "Test connection" learned about the account behind a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFacts {
    pub name: Option<String>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// IANA name; the zone the platform reports its days in.
    pub timezone: Option<String>,
    /// When the access token stops working (RFC 3339), when the platform says.
    pub token_expires_at: Option<String>,
    pub checked_at: String,
    /// Access scopes the connection needs and the token lacks (Shopify).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_scopes: Vec<String>,
    /// How many people the account has (a CRM's users, a dialer's agents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
}

/// Days before a token's end from which the UI warns.
pub const TOKEN_WARN_DAYS: i64 = 7;

impl AccountFacts {
    /// What the person should know: the account reports in another zone or
    /// currency than the workspace, or its token ends soon.
    pub fn warnings(&self, ws: &Workspace, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(tz) = self.timezone.as_deref().filter(|tz| *tz != ws.timezone) {
            out.push(format!(
                "The account reports its days in {tz}; this workspace uses {}. Its daily figures are the account's days.",
                ws.timezone
            ));
        }
        if let Some(cur) = self
            .currency
            .as_deref()
            .filter(|c| !c.eq_ignore_ascii_case(&ws.currency))
        {
            out.push(format!(
                "The account spends in {cur}; this workspace counts in {}. Amounts are not converted.",
                ws.currency
            ));
        }
        if let Some(end) = self
            .token_expires_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        {
            let left = end.with_timezone(&chrono::Utc) - now;
            if left <= chrono::Duration::zero() {
                out.push(format!(
                    "The access token expired on {}; paste a new one.",
                    end.date_naive()
                ));
            } else if left <= chrono::Duration::days(TOKEN_WARN_DAYS) {
                out.push(format!(
                    "The access token ends on {} ({} days left); paste a new long-lived or system-user token before then.",
                    end.date_naive(),
                    left.num_days()
                ));
            }
        }
        if self.missing_scopes.iter().any(|s| s == "read_all_orders") {
            out.push(
                "The app lacks the read_all_orders scope: Shopify shows only the last 60 days of orders, \
                 so older days look empty. Grant it and reinstall the app."
                    .to_string(),
            );
        }
        let others: Vec<&str> = self
            .missing_scopes
            .iter()
            .map(String::as_str)
            .filter(|s| *s != "read_all_orders")
            .collect();
        if !others.is_empty() {
            out.push(format!(
                "The app lacks the scope{} {}; syncing will stop where it is needed. Grant {} and reinstall the app.",
                if others.len() > 1 { "s" } else { "" },
                others.join(", "),
                if others.len() > 1 { "them" } else { "it" },
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_newly_failing_once() {
        use ConnectionStatus::*;
        assert!(ConnectionStatus::newly_failing(Ok, Error));
        assert!(ConnectionStatus::newly_failing(New, NeedsAttention));
        assert!(ConnectionStatus::newly_failing(Error, NeedsAttention));
        assert!(
            !ConnectionStatus::newly_failing(Error, Error),
            "still failing: no news"
        );
        assert!(!ConnectionStatus::newly_failing(
            NeedsAttention,
            NeedsAttention
        ));
        assert!(!ConnectionStatus::newly_failing(Error, Ok));
        assert!(!ConnectionStatus::newly_failing(New, Ok));
    }

    #[test]
    fn account_warnings_name_zone_currency_and_a_token_near_its_end() {
        let ws = Workspace {
            id: WorkspaceId(1),
            name: "Acme".into(),
            timezone: "Asia/Kolkata".into(),
            currency: "INR".into(),
            active: true,
            default_cogs_percent: None,
            payment_fee_percent: Default::default(),
            payment_fee_fixed: Default::default(),
            created_at: String::new(),
        };
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let same = AccountFacts {
            currency: Some("inr".into()),
            timezone: Some("Asia/Kolkata".into()),
            token_expires_at: Some("2027-01-20T00:00:00Z".into()),
            ..Default::default()
        };
        assert!(same.warnings(&ws, now).is_empty());
        let other = AccountFacts {
            currency: Some("USD".into()),
            timezone: Some("America/New_York".into()),
            token_expires_at: Some("2026-11-25T10:00:00Z".into()),
            ..Default::default()
        };
        let w = other.warnings(&ws, now);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("America/New_York") && w[1].contains("USD"));
        assert!(w[2].contains("3 days left"), "{w:?}");
        let expired = AccountFacts {
            token_expires_at: Some("2026-11-01T00:00:00Z".into()),
            ..Default::default()
        };
        assert!(expired.warnings(&ws, now)[0].contains("expired on 2026-11-01"));
    }
}
