//! Syncing: the engine that moves a source's pages into the store. The
//! scheduler, progress events and the sources themselves build on it.

pub mod engine;
pub mod scheduler;

pub use engine::{
    run_connection, run_connection_observed, Observer, Page, RunLock, Source, SyncError,
};

use crate::connectors::demo::{DemoConfig, DemoSource};
use crate::connectors::google::{self, GoogleConfig, GoogleSource};
use crate::connectors::meta::{self, MetaConfig, MetaSource};
use crate::connectors::shiprocket::{self, ShiprocketConfig, ShiprocketSource};
use crate::connectors::shopify::{self, ShopifyConfig, ShopifySource};
use crate::connectors::FetchError;
use crate::domain::provider::SecretFields;
use crate::domain::{Connection, Provider};

/// The seed of the built-in demo business: the same shop for everyone.
pub const DEMO_SEED: u64 = 42;
/// Days of history the demo backfills on its first sync.
pub const DEMO_HISTORY_DAYS: u64 = 90;

/// The sources of this version, behind one type the engine runs.
pub enum AnySource {
    Demo(DemoSource),
    Meta(MetaSource),
    Google(GoogleSource),
    Shopify(ShopifySource),
    Shiprocket(ShiprocketSource),
}

impl Source for AnySource {
    fn streams(&self) -> Vec<String> {
        match self {
            Self::Demo(s) => s.streams(),
            Self::Meta(_) => vec![meta::STREAM.to_string()],
            Self::Google(_) => vec![google::STREAM.to_string()],
            Self::Shopify(_) => shopify::STREAMS.iter().map(|s| s.to_string()).collect(),
            Self::Shiprocket(_) => vec![shiprocket::STREAM.to_string()],
        }
    }

    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String> {
        match self {
            Self::Demo(s) => s.start_cursor(stream, stored),
            Self::Meta(s) => s.start(stored),
            Self::Google(s) => s.start(stored),
            Self::Shopify(s) => s.start(stream, stored),
            Self::Shiprocket(s) => s.start(stored),
        }
    }

    async fn fetch(&self, stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        match self {
            Self::Demo(s) => s.fetch(stream, cursor).await,
            Self::Meta(s) => s.fetch_page(cursor).await,
            Self::Google(s) => s.fetch_page(cursor).await,
            Self::Shopify(s) => s.fetch(stream, cursor).await,
            Self::Shiprocket(s) => s.fetch_page(cursor).await,
        }
    }

    fn requests(&self) -> u64 {
        match self {
            Self::Demo(s) => s.requests(),
            Self::Meta(s) => s.requests(),
            Self::Google(s) => s.requests(),
            Self::Shopify(s) => s.requests(),
            Self::Shiprocket(s) => s.requests(),
        }
    }
}

/// Days of orders a first Shopify sync reads, unless the connection says
/// otherwise (a number of days, or "all").
pub const SHOPIFY_HISTORY_DAYS: u64 = 365;

/// Days of shipments a first Shiprocket sync reads.
pub const SHIPROCKET_HISTORY_DAYS: u64 = 365;
/// Where a Shiprocket connection's login token and its end are kept, beside
/// the password in the connection's keychain entry.
pub const SESSION_TOKEN: &str = "session_token";
pub const SESSION_ENDS: &str = "session_expires_at";

/// Days of history the ad connectors read on their first sync.
pub const ADS_HISTORY_DAYS: u64 = 365;

fn setting<'a>(c: &'a Connection, key: &str) -> Option<&'a str> {
    c.settings
        .get(key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
}

/// The connection's re-read window in days, or the platform's default.
fn lookback(c: &Connection, default: u64) -> u64 {
    setting(c, "lookback_days")
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The source that syncs `connection` with its keychain `secrets`, or why
/// there is none in this version.
pub fn source_for(
    connection: &Connection,
    secrets: Option<&SecretFields>,
) -> Result<AnySource, String> {
    source_with(connection, secrets, None)
}

/// The account's own today: platforms report days in the account's zone,
/// which "Test connection" learns; UTC until then.
fn account_today(facts: Option<&crate::domain::AccountFacts>) -> chrono::NaiveDate {
    let now = chrono::Utc::now();
    facts
        .and_then(|f| f.timezone.as_deref())
        .and_then(|tz| tz.parse::<chrono_tz::Tz>().ok())
        .map(|tz| now.with_timezone(&tz).date_naive())
        .unwrap_or_else(|| now.date_naive())
}

/// [`source_for`], reading days up to the account's own today when its zone is known.
pub fn source_with(
    connection: &Connection,
    secrets: Option<&SecretFields>,
    facts: Option<&crate::domain::AccountFacts>,
) -> Result<AnySource, String> {
    let secret = |key: &str| -> Result<String, String> {
        secrets
            .and_then(|s| s.0.get(key))
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| {
                format!("the keychain holds no {key} for this connection; edit it to enter one")
            })
    };
    let today = account_today(facts);
    let earliest = today - chrono::Days::new(ADS_HISTORY_DAYS);
    let failed = |e: FetchError| e.to_string();
    match connection.provider {
        Provider::Demo => {
            let created = chrono::DateTime::parse_from_rfc3339(&connection.created_at)
                .map(|t| t.date_naive())
                .unwrap_or_else(|_| chrono::Utc::now().date_naive());
            let mut cfg = DemoConfig::live(DEMO_SEED);
            // Anchored to when the connection was made, so history does not drift.
            cfg.history_start = created - chrono::Days::new(DEMO_HISTORY_DAYS);
            Ok(AnySource::Demo(DemoSource::new(cfg)))
        }
        Provider::MetaAds => {
            let account =
                setting(connection, "ad_account").ok_or("the connection has no ad account id")?;
            let mut cfg = MetaConfig::new(account, &secret("access_token")?, today);
            cfg.earliest = earliest;
            cfg.lookback_days = lookback(connection, 28);
            if let Some(base) = &connection.base_url {
                cfg.base = base.clone();
            }
            Ok(AnySource::Meta(MetaSource::new(cfg).map_err(failed)?))
        }
        Provider::GoogleAds => {
            let cfg = GoogleConfig {
                base: connection
                    .base_url
                    .clone()
                    .unwrap_or_else(|| google::DEFAULT_BASE.to_string()),
                token_url: setting(connection, "token_url")
                    .unwrap_or(google::DEFAULT_TOKEN_URL)
                    .to_string(),
                customer_id: setting(connection, "customer_id")
                    .ok_or("the connection has no customer id")?
                    .to_string(),
                login_customer_id: setting(connection, "login_customer_id").map(String::from),
                client_id: secret("client_id")?,
                client_secret: secret("client_secret")?,
                refresh_token: secret("refresh_token")?,
                developer_token: secret("developer_token")?,
                lookback_days: lookback(connection, 30),
                earliest,
                today,
                window_days: 90,
                fields: google::FIELDS.iter().map(|f| f.to_string()).collect(),
                http: crate::connectors::HttpConfig::default(),
            };
            Ok(AnySource::Google(GoogleSource::new(cfg).map_err(failed)?))
        }
        Provider::Shopify => {
            let base = match &connection.base_url {
                Some(b) => b.clone(),
                None => format!(
                    "https://{}",
                    setting(connection, "shop").ok_or("the connection has no shop domain")?
                ),
            };
            let mut cfg = ShopifyConfig::new(&base, &secret("access_token")?);
            cfg.history_days =
                match setting(connection, "history_days") {
                    Some("all") => None,
                    Some(n) => Some(n.parse().map_err(|_| {
                        format!("history_days '{n}' is not a number of days or 'all'")
                    })?),
                    None => Some(SHOPIFY_HISTORY_DAYS),
                };
            Ok(AnySource::Shopify(ShopifySource::new(cfg).map_err(failed)?))
        }
        Provider::Shiprocket => {
            let india_today = chrono::Utc::now()
                .with_timezone(&chrono_tz::Asia::Kolkata)
                .date_naive();
            let mut cfg = ShiprocketConfig::new(
                setting(connection, "email").ok_or("the connection has no e-mail")?,
                &secret("password")?,
                india_today,
            );
            cfg.earliest = india_today - chrono::Days::new(SHIPROCKET_HISTORY_DAYS);
            cfg.lookback_days = lookback(connection, 45);
            cfg.token = secrets
                .and_then(|s| {
                    Some((
                        s.0.get(SESSION_TOKEN)?.clone(),
                        s.0.get(SESSION_ENDS)?.clone(),
                    ))
                })
                .and_then(|(t, ends)| {
                    Some((
                        t,
                        chrono::DateTime::parse_from_rfc3339(&ends)
                            .ok()?
                            .with_timezone(&chrono::Utc),
                    ))
                });
            if let Some(base) = &connection.base_url {
                cfg.base = base.clone();
            }
            Ok(AnySource::Shiprocket(
                ShiprocketSource::new(cfg).map_err(failed)?,
            ))
        }
        other => Err(format!(
            "syncing {} is not part of this version yet; its connector comes in a later release",
            other.spec().label
        )),
    }
}

/// Test connection: ask the platform about the account (name, currency, time
/// zone, when the token ends). The demo has nothing to test.
pub async fn test_connection(
    connection: &Connection,
    secrets: Option<&SecretFields>,
) -> Result<crate::domain::AccountFacts, String> {
    match source_for(connection, secrets)? {
        AnySource::Meta(s) => s.account().await.map_err(|e| e.to_string()),
        AnySource::Google(s) => s.account().await.map_err(|e| e.to_string()),
        AnySource::Shopify(s) => s.account().await.map_err(|e| e.to_string()),
        AnySource::Shiprocket(s) => s.account().await.map_err(|e| e.to_string()),
        AnySource::Demo(_) => Err("the demo has no account to test; it always works".into()),
    }
}

/// Keep what Test connection learned; a Shopify shop's zone and currency
/// also become its workspace's where the person did not choose them.
pub fn keep_account_facts(
    store: &mut Store,
    connection: &Connection,
    facts: &crate::domain::AccountFacts,
) -> Result<(), StoreError> {
    store.set_account_facts(connection.id, facts)?;
    if connection.provider == Provider::Shopify {
        let (tz, cur) = store.adopt_shop_zone_and_currency(
            connection.workspace_id,
            facts.timezone.as_deref(),
            facts.currency.as_deref(),
        )?;
        if tz || cur {
            tracing::info!(connection = %connection.id, tz, cur, "workspace took the shop's zone/currency");
        }
    }
    Ok(())
}

/// How old a Shopify connection's facts may be before a sync asks again.
const SHOP_FACTS_MAX_AGE_HOURS: i64 = 24;

/// A Shopify sync first learns the shop's zone, currency and scopes (once a
/// day): the workspace may take them, and the scopes say what will fail.
async fn check_shop(store: &mut Store, connection: &Connection, source: &AnySource) {
    let AnySource::Shopify(shop) = source else {
        return;
    };
    let fresh = store
        .account_facts(connection.id)
        .ok()
        .flatten()
        .and_then(|f| chrono::DateTime::parse_from_rfc3339(&f.checked_at).ok())
        .is_some_and(|t| {
            chrono::Utc::now() - t.with_timezone(&chrono::Utc)
                < chrono::Duration::hours(SHOP_FACTS_MAX_AGE_HOURS)
        });
    if fresh {
        return;
    }
    match shop.account().await {
        Ok(facts) => {
            if let Err(e) = keep_account_facts(store, connection, &facts) {
                tracing::warn!(connection = %connection.id, error = %e, "keeping the shop's facts failed");
            }
        }
        // The run itself will meet (and report) the same failure.
        Err(e) => {
            tracing::warn!(connection = %connection.id, error = %e, "reading the shop's facts failed")
        }
    }
}

/// A Shiprocket run that logged in keeps its new token (and when it ends) in
/// the connection's keychain entry, so the next run need not log in.
fn keep_session(
    source: &AnySource,
    fields: Option<SecretFields>,
    secrets: &dyn SecretStore,
    key: &SecretKey,
) {
    let (AnySource::Shiprocket(s), Some(mut fields)) = (source, fields) else {
        return;
    };
    let Some((token, ends)) = s.renewed_token() else {
        return;
    };
    fields.0.insert(SESSION_TOKEN.into(), token);
    fields.0.insert(
        SESSION_ENDS.into(),
        ends.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    if let Err(e) = secrets.put(key, &fields) {
        tracing::warn!(error = %e, "keeping Shiprocket's token in the keychain failed");
    }
}

use crate::domain::run::{Progress, Run, Trigger};
use crate::domain::ConnectionId;
use crate::secrets::{SecretKey, SecretStore};
use crate::store::{Store, StoreError};
use std::path::Path;

/// Sync each of `ids` in turn, on a store connection of its own (so readers of
/// the same file never wait on it), and hand each outcome to `report`.
pub async fn sync_each(
    db: &Path,
    locks: &Path,
    ids: &[ConnectionId],
    trigger: Trigger,
    secrets: &dyn SecretStore,
    observe: Observer<'_>,
    mut report: impl FnMut(&Connection, Result<Run, String>),
) -> Result<(), StoreError> {
    let mut store = Store::open(db)?;
    let install_id = store.install_id()?;
    for &id in ids {
        let connection = store.connection(id)?;
        let needs_secret = connection.provider.spec().secret_fields().next().is_some();
        let fields = if needs_secret {
            secrets
                .get(&SecretKey::connection(&install_id, id))
                .map_err(|e| e.to_string())
        } else {
            Ok(None)
        };
        let facts = store.account_facts(id).ok().flatten();
        let fields = fields.map(|f| f.map(|f| (f.clone(), f)));
        let kept = fields
            .as_ref()
            .ok()
            .and_then(|f| f.as_ref().map(|(k, _)| k.clone()));
        let source = fields
            .and_then(|f| source_with(&connection, f.as_ref().map(|(_, f)| f), facts.as_ref()));
        let outcome = match source {
            Err(why) => Err(why),
            Ok(source) => {
                check_shop(&mut store, &connection, &source).await;
                let outcome =
                    run_connection_observed(&mut store, locks, id, &source, trigger, observe).await;
                keep_session(
                    &source,
                    kept.clone(),
                    secrets,
                    &SecretKey::connection(&install_id, id),
                );
                match outcome {
                    // A run is already going (the scheduler, the app, another
                    // process): join it — wait for it to end and report it.
                    Err(SyncError::AlreadyRunning(_)) => {
                        let dir = locks.to_path_buf();
                        match tokio::task::spawn_blocking(move || RunLock::wait(&dir, id).map(drop))
                            .await
                        {
                            Ok(Ok(())) => store
                                .runs(Some(id), 1)?
                                .pop()
                                .ok_or_else(|| "the run it joined left no record".to_string()),
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(e) => Err(format!("waiting for the running sync failed: {e}")),
                        }
                    }
                    other => other.map_err(|e| e.to_string()),
                }
            }
        };
        // The run's records are committed; bring the workspace's stored daily
        // figures up to date now, so the next dashboard read is a lookup.
        if let Err(e) = crate::service::rollups::refresh(&store, connection.workspace_id) {
            tracing::warn!(connection = %id, error = %e, "recomputing daily rollups failed");
        }
        if let Err(why) = &outcome {
            observe(&Progress::NotRun {
                connection_id: id.0,
                reason: why.clone(),
            });
        }
        report(&connection, outcome);
    }
    Ok(())
}
