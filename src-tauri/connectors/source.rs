//! The contract every source implements, and the page it returns. Nothing here
//! names a provider: the engine in `sync/` drives any [`Source`], and the
//! [`registry`](super::registry) is the one place that knows which source a
//! connection gets.

use super::http::FetchError;
use super::BadRecord;
use crate::domain::connection_input::SecretFields;
use crate::domain::records::Batch;
use crate::domain::{AccountFacts, Connection, InvalidInput};
use chrono::NaiveDate;
use std::future::Future;
use std::pin::Pin;

/// A page of one stream, as a source returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub batch: Batch,
    /// Records that did not parse: skipped, counted, a few kept as examples.
    pub bad: Vec<BadRecord>,
    /// The bookmark to resume after this page.
    pub cursor: Option<String>,
    /// Whether another page follows in this run.
    pub more: bool,
}

/// Where records come from: a vendor's API, or the built-in demo.
///
/// A run asks for the streams, starts each one from its stored cursor
/// ([`Source::start_cursor`]), then follows the pages' own cursors until a page
/// says there is no more. Everything else has a default, so a new source
/// writes only what it has.
pub trait Source: Send + Sync {
    /// The streams to sync, in order.
    fn streams(&self) -> Vec<String>;

    /// Where a run starts a stream, given the stored cursor: the cursor itself,
    /// or a lookback before it where the source restates recent data. Called
    /// once per stream per run; later pages follow the pages' own cursors.
    fn start_cursor(&self, _stream: &str, stored: Option<String>) -> Option<String> {
        stored
    }

    /// The page after `cursor` (the first one when `None`).
    fn fetch(
        &self,
        stream: &str,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<Page, FetchError>> + Send;

    /// API requests made so far, for the run's record.
    fn requests(&self) -> u64 {
        0
    }

    /// Test connection: what the platform says about the account (name,
    /// currency, zone, when the token ends). A source with no account to ask
    /// answers [`FetchError::NothingToTest`].
    fn account(&self) -> impl Future<Output = Result<AccountFacts, FetchError>> + Send {
        async { Err(FetchError::NothingToTest) }
    }

    /// How old the stored account facts may be before a run asks again, for a
    /// source whose facts shape the figures (a shop's zone and currency); `None`
    /// when a run never asks.
    fn facts_max_age(&self) -> Option<chrono::Duration> {
        None
    }

    /// Secret fields this source renewed during the run (a login token and its
    /// end), to be merged into the connection's keychain entry. Never logged.
    fn renewed_secrets(&self) -> Option<SecretFields> {
        None
    }
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`Source`] with its futures boxed, so the registry can hand out any source
/// behind one type ([`BoxSource`]). Every `Source` is one; nobody implements
/// this by hand.
pub trait DynSource: Send + Sync {
    fn streams(&self) -> Vec<String>;
    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String>;
    fn fetch<'a>(
        &'a self,
        stream: &'a str,
        cursor: Option<&'a str>,
    ) -> Boxed<'a, Result<Page, FetchError>>;
    fn requests(&self) -> u64;
    fn account(&self) -> Boxed<'_, Result<AccountFacts, FetchError>>;
    fn facts_max_age(&self) -> Option<chrono::Duration>;
    fn renewed_secrets(&self) -> Option<SecretFields>;
}

impl<S: Source> DynSource for S {
    fn streams(&self) -> Vec<String> {
        Source::streams(self)
    }
    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String> {
        Source::start_cursor(self, stream, stored)
    }
    fn fetch<'a>(
        &'a self,
        stream: &'a str,
        cursor: Option<&'a str>,
    ) -> Boxed<'a, Result<Page, FetchError>> {
        Box::pin(Source::fetch(self, stream, cursor))
    }
    fn requests(&self) -> u64 {
        Source::requests(self)
    }
    fn account(&self) -> Boxed<'_, Result<AccountFacts, FetchError>> {
        Box::pin(Source::account(self))
    }
    fn facts_max_age(&self) -> Option<chrono::Duration> {
        Source::facts_max_age(self)
    }
    fn renewed_secrets(&self) -> Option<SecretFields> {
        Source::renewed_secrets(self)
    }
}

/// Any source, as the registry builds it.
pub type BoxSource = Box<dyn DynSource>;

impl<'a> Source for Box<dyn DynSource + 'a> {
    fn streams(&self) -> Vec<String> {
        (**self).streams()
    }
    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String> {
        (**self).start_cursor(stream, stored)
    }
    async fn fetch(&self, stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        (**self).fetch(stream, cursor).await
    }
    fn requests(&self) -> u64 {
        (**self).requests()
    }
    async fn account(&self) -> Result<AccountFacts, FetchError> {
        (**self).account().await
    }
    fn facts_max_age(&self) -> Option<chrono::Duration> {
        (**self).facts_max_age()
    }
    fn renewed_secrets(&self) -> Option<SecretFields> {
        (**self).renewed_secrets()
    }
}

/// Why a connection has no source to run.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("the keychain holds no {0} for this connection; edit it to enter one")]
    MissingSecret(String),
    #[error("{0}")]
    Settings(#[from] InvalidInput),
    #[error(transparent)]
    Setup(#[from] FetchError),
}

impl SourceError {
    /// One word for the UI: `incomplete` (a setting or secret is missing), or
    /// the HTTP client's own cause.
    pub fn cause(&self) -> &'static str {
        match self {
            Self::MissingSecret(_) | Self::Settings(_) => "incomplete",
            Self::Setup(e) => e.cause(),
        }
    }
}

/// What a source is built from: the connection, its keychain entry and what
/// Test connection last learned about the account.
#[derive(Clone, Copy)]
pub struct SourceInputs<'a> {
    pub connection: &'a Connection,
    pub secrets: Option<&'a SecretFields>,
    pub facts: Option<&'a AccountFacts>,
}

impl SourceInputs<'_> {
    /// A secret field, or why the connection cannot run without it.
    pub fn secret(&self, key: &str) -> Result<String, SourceError> {
        self.secret_if_any(key)
            .ok_or_else(|| SourceError::MissingSecret(key.to_string()))
    }

    /// A secret field the source can do without.
    pub fn secret_if_any(&self, key: &str) -> Option<String> {
        self.secrets
            .and_then(|s| s.0.get(key))
            .filter(|v| !v.is_empty())
            .cloned()
    }

    /// The connection's base URL override, or the vendor's own.
    pub fn base_url(&self, vendor: &str) -> String {
        self.connection
            .base_url
            .clone()
            .unwrap_or_else(|| vendor.to_string())
    }

    /// The account's own today: platforms report days in the account's zone,
    /// which Test connection learns; UTC until then.
    pub fn account_today(&self) -> NaiveDate {
        let now = chrono::Utc::now();
        self.facts
            .and_then(|f| f.timezone.as_deref())
            .and_then(|tz| tz.parse::<chrono_tz::Tz>().ok())
            .map(|tz| now.with_timezone(&tz).date_naive())
            .unwrap_or_else(|| now.date_naive())
    }
}
