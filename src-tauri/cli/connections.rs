//! `pulseboard connect|connections|disconnect`.

use super::{print_json, table, CliError, CliResult};
use crate::domain::provider::{BTreeMapSecret, SecretFields};
use crate::domain::{ConnectionId, ConnectionInput, Provider};
use crate::service::Core;
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};

#[derive(Debug, Args)]
#[command(
    after_help = "Secret fields are read from standard input as a JSON object, e.g.\n  \
    echo '{\"access_token\":\"shpat_…\"}' | pulseboard connect shopify --workspace Acme --shop acme.myshopify.com"
)]
pub struct ConnectArgs {
    #[command(subcommand)]
    provider: ProviderArgs,
}

#[derive(Debug, Args)]
struct Common {
    /// The workspace the connection belongs to.
    #[arg(long, value_name = "W")]
    workspace: String,
    /// Replace the scheme and host of the vendor's URLs (a proxy or a local fake).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Cron expression for syncing (default depends on the provider).
    #[arg(long, value_name = "CRON")]
    schedule: Option<String>,
    /// A name to show instead of the default.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ProviderArgs {
    /// Shopify store; stdin: {"access_token"}.
    #[command(name = "shopify")]
    Shopify {
        /// The store's domain, NAME.myshopify.com.
        #[arg(long)]
        shop: String,
        /// Days of orders the first sync reads, or "all" (default 365).
        #[arg(long, value_name = "DAYS|all")]
        history_days: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Meta ad account; stdin: {"access_token"}.
    #[command(name = "meta_ads")]
    MetaAds {
        /// The ad account id, act_N.
        #[arg(long)]
        ad_account: String,
        /// Days re-read on every sync (default 28).
        #[arg(long, value_name = "DAYS")]
        lookback_days: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Google Ads customer; stdin: {"client_id","client_secret","refresh_token","developer_token"}.
    #[command(name = "google_ads")]
    GoogleAds {
        /// Customer id (hyphens allowed).
        #[arg(long)]
        customer_id: String,
        /// Manager account id, when access goes through one.
        #[arg(long)]
        login_customer_id: Option<String>,
        /// OAuth token endpoint, when not Google's own.
        #[arg(long)]
        token_url: Option<String>,
        /// Days re-read on every sync (default 30).
        #[arg(long, value_name = "DAYS")]
        lookback_days: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Shiprocket API user; stdin: {"password"}.
    #[command(name = "shiprocket")]
    Shiprocket {
        /// The API user's e-mail.
        #[arg(long)]
        email: String,
        /// Days of shipments re-read on every sync (default 45).
        #[arg(long, value_name = "DAYS")]
        lookback_days: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Copper CRM; stdin: {"api_key"}.
    #[command(name = "copper")]
    Copper {
        /// E-mail of the API key's owner.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        common: Common,
    },
    /// JustCall; stdin: {"api_key","api_secret"}.
    #[command(name = "justcall")]
    Justcall {
        #[command(flatten)]
        common: Common,
    },
    /// The built-in demo business; stdin: {} or nothing.
    #[command(name = "demo")]
    Demo {
        #[command(flatten)]
        common: Common,
    },
}

impl ProviderArgs {
    fn split(self) -> (Provider, BTreeMap<String, String>, Common) {
        let mut s = BTreeMap::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                s.insert(k.to_string(), v);
            }
        };
        let (provider, common) = match self {
            Self::Shopify {
                shop,
                history_days,
                common,
            } => {
                put("shop", Some(shop));
                put("history_days", history_days);
                (Provider::Shopify, common)
            }
            Self::MetaAds {
                ad_account,
                lookback_days,
                common,
            } => {
                put("ad_account", Some(ad_account));
                put("lookback_days", lookback_days);
                (Provider::MetaAds, common)
            }
            Self::GoogleAds {
                customer_id,
                login_customer_id,
                token_url,
                lookback_days,
                common,
            } => {
                put("customer_id", Some(customer_id));
                put("login_customer_id", login_customer_id);
                put("token_url", token_url);
                put("lookback_days", lookback_days);
                (Provider::GoogleAds, common)
            }
            Self::Shiprocket {
                email,
                lookback_days,
                common,
            } => {
                put("email", Some(email));
                put("lookback_days", lookback_days);
                (Provider::Shiprocket, common)
            }
            Self::Copper { email, common } => {
                put("email", Some(email));
                (Provider::Copper, common)
            }
            Self::Justcall { common } => (Provider::Justcall, common),
            Self::Demo { common } => (Provider::Demo, common),
        };
        (provider, s, common)
    }
}

fn read_secrets(provider: Provider) -> Result<SecretFields, CliError> {
    let fields: Vec<&str> = provider.spec().secret_fields().map(|f| f.key).collect();
    if std::io::stdin().is_terminal() {
        if fields.is_empty() {
            return Ok(SecretFields::default());
        }
        eprintln!(
            "Paste the secret fields as a JSON object ({}), then press Ctrl-D:",
            fields.join(", ")
        );
    }
    let text = read_stdin()?;
    if text.trim().is_empty() && !fields.is_empty() {
        return Err(CliError::Usage(format!(
            "expected the secret fields on standard input as a JSON object with {}",
            fields.join(", ")
        )));
    }
    Ok(SecretFields::from_json(&text)?)
}

pub fn connect(core: &mut Core, args: ConnectArgs) -> CliResult {
    let (provider, settings, common) = args.provider.split();
    // Look the workspace up before reading stdin, so a typo fails fast.
    let ws = core.workspace_by_name(&common.workspace)?;
    let secrets = read_secrets(provider)?;
    let input = ConnectionInput {
        display_name: common.name,
        settings,
        secrets: BTreeMapSecret(secrets.0),
        base_url: common.base_url,
        schedule: common.schedule,
    };
    let c = core.connect(ws.id, provider, &input)?;
    println!(
        "Connected {} as id {} ('{}') in workspace '{}', syncing on '{}'.",
        c.provider, c.id, c.display_name, c.workspace_name, c.schedule
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Only this workspace's connections.
    #[arg(long, value_name = "W")]
    workspace: Option<String>,
}

pub fn list(core: &Core, args: ListArgs) -> CliResult {
    let ws = args
        .workspace
        .as_deref()
        .map(|w| core.workspace_by_name(w))
        .transpose()?;
    let list = core.connections(ws.map(|w| w.id))?;
    if args.json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("No connections yet. Add one with `pulseboard connect PROVIDER --workspace W`.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.workspace_name.clone(),
                c.provider.to_string(),
                c.display_name.clone(),
                if c.enabled { "yes".into() } else { "no".into() },
                c.status.as_str().to_string(),
                c.schedule.clone(),
                c.last_sync_at.clone().unwrap_or_else(|| "never".into()),
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(
            &[
                "id",
                "workspace",
                "provider",
                "name",
                "enabled",
                "status",
                "schedule",
                "last sync"
            ],
            &rows
        )
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// The connection's id, from `pulseboard connections`.
    id: i64,
}

pub fn disconnect(core: &mut Core, args: DisconnectArgs) -> CliResult {
    let c = core.connection(ConnectionId(args.id))?;
    core.disconnect(c.id)?;
    println!(
        "Removed connection {} ('{}') and its stored credentials.",
        c.id, c.display_name
    );
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Change a connection; flags left out keep their value. With --secrets, new
    /// secret fields are read as JSON from stdin (fields left out are kept).
    Edit(Box<EditArgs>),
    /// Let a connection sync on its schedule again.
    Enable {
        /// The connection's id, from `pulseboard connections`.
        id: i64,
    },
    /// Stop a connection from syncing, keeping its data and credentials.
    Disable {
        /// The connection's id, from `pulseboard connections`.
        id: i64,
    },
    /// Ask the platform about the account: name, currency, time zone and when
    /// the token ends; say what differs from the workspace. Exit 1 on failure.
    Test {
        /// The connection's id, from `pulseboard connections`.
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The connection's id, from `pulseboard connections`.
    id: i64,
    /// A name to show.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Cron expression for syncing.
    #[arg(long, value_name = "CRON")]
    schedule: Option<String>,
    /// Replace the vendor's scheme and host; an empty value goes back to the vendor's own.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Shopify: the store's domain.
    #[arg(long)]
    shop: Option<String>,
    /// Meta Ads: the ad account id.
    #[arg(long)]
    ad_account: Option<String>,
    /// Google Ads: the customer id.
    #[arg(long)]
    customer_id: Option<String>,
    /// Google Ads: the manager account id.
    #[arg(long)]
    login_customer_id: Option<String>,
    /// Google Ads: the OAuth token endpoint.
    #[arg(long)]
    token_url: Option<String>,
    /// Meta, Google Ads or Shiprocket: days re-read on every sync.
    #[arg(long, value_name = "DAYS")]
    lookback_days: Option<String>,
    /// Shopify: days of orders the first sync reads, or "all".
    #[arg(long, value_name = "DAYS|all")]
    history_days: Option<String>,
    /// Shiprocket or Copper: the e-mail.
    #[arg(long)]
    email: Option<String>,
    /// Read new secret fields as a JSON object from standard input.
    #[arg(long)]
    secrets: bool,
}

pub fn manage(core: &mut Core, cmd: ConnectionCommand) -> CliResult {
    match cmd {
        ConnectionCommand::Edit(args) => edit(core, *args),
        ConnectionCommand::Enable { id } | ConnectionCommand::Disable { id } => {
            let enabled = matches!(cmd, ConnectionCommand::Enable { .. });
            let c = core.set_connection_enabled(ConnectionId(id), enabled)?;
            let word = if enabled { "Enabled" } else { "Disabled" };
            println!("{word} connection {} ('{}').", c.id, c.display_name);
            Ok(())
        }
        ConnectionCommand::Test { id } => test(core, ConnectionId(id)),
    }
}

fn test(core: &mut Core, id: ConnectionId) -> CliResult {
    let c = core.connection(id)?;
    let secrets = core.connection_secrets(id)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let facts = runtime
        .block_on(crate::sync::test_connection(&c, secrets.as_ref()))
        .map_err(|e| CliError::Failed(format!("{}: {e}", c.display_name)))?;
    core.save_account_facts(id, &facts)?;
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
    println!(
        "{}: connected to '{}' ({}, {}){}",
        c.display_name,
        shown(&facts.name),
        shown(&facts.currency),
        shown(&facts.timezone),
        facts
            .token_expires_at
            .as_deref()
            .map(|t| format!("; the token ends {t}"))
            .unwrap_or_default()
    );
    for w in core.account_warnings(id)? {
        println!("warning: {w}");
    }
    Ok(())
}

fn edit(core: &mut Core, args: EditArgs) -> CliResult {
    let old = core.connection(ConnectionId(args.id))?;
    // Start from what is stored; the flags given replace it.
    let mut settings: BTreeMap<String, String> = old
        .settings
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect();
    for (key, value) in [
        ("shop", args.shop),
        ("ad_account", args.ad_account),
        ("customer_id", args.customer_id),
        ("login_customer_id", args.login_customer_id),
        ("token_url", args.token_url),
        ("lookback_days", args.lookback_days),
        ("history_days", args.history_days),
        ("email", args.email),
    ] {
        if let Some(v) = value {
            settings.insert(key.to_string(), v);
        }
    }
    let secrets = if args.secrets {
        let fields = SecretFields::from_json(&read_stdin()?)?;
        if fields.is_empty() {
            return Err(CliError::Usage(
                "--secrets expects a JSON object with at least one secret field on standard input"
                    .into(),
            ));
        }
        fields
    } else {
        SecretFields::default()
    };
    let input = ConnectionInput {
        display_name: Some(args.name.unwrap_or(old.display_name)),
        settings,
        secrets: BTreeMapSecret(secrets.0),
        base_url: args.base_url.or(old.base_url),
        schedule: args.schedule,
    };
    let c = core.update_connection(old.id, &input)?;
    println!(
        "Saved connection {} ('{}'), syncing on '{}'.",
        c.id, c.display_name, c.schedule
    );
    Ok(())
}

fn read_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
    Ok(text)
}
