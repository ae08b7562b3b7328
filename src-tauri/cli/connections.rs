//! `pulseboard connect|connections|disconnect`.

use super::{print_json, table, CliError, CliResult};
use crate::domain::connection_input::{BTreeMapSecret, SecretFields};
use crate::domain::{ConnectionId, ConnectionInput, Provider};
use crate::service::Core;
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches, Subcommand};
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

/// `connect PROVIDER`: one subcommand per provider, its flags made from the
/// provider's form spec (`domain::provider::SPECS`), so the CLI, the UI's form
/// and validation ask for the same fields.
#[derive(Debug)]
struct ProviderArgs {
    provider: Provider,
    settings: BTreeMap<String, String>,
    common: Common,
}

/// `ad_account` → `--ad-account`.
fn flag(key: &str) -> String {
    key.replace('_', "-")
}

/// A settings field's flag help: its label, and what the form says of it.
fn field_help(f: &crate::domain::FieldSpec) -> String {
    if f.help.is_empty() {
        format!("{}.", f.label)
    } else {
        format!("{}: {}", f.label, f.help)
    }
}

fn provider_command(p: Provider) -> Command {
    let spec = p.spec();
    let secrets: Vec<String> = spec
        .secret_fields()
        .map(|f| format!("\"{}\"", f.key))
        .collect();
    let about = if secrets.is_empty() {
        format!("{}; stdin: {{}} or nothing.", spec.label)
    } else {
        format!("{}; stdin: {{{}}}.", spec.label, secrets.join(","))
    };
    let cmd = spec
        .setting_fields()
        .fold(Command::new(p.as_str()).about(about), |cmd, f| {
            cmd.arg(
                Arg::new(f.key)
                    .long(flag(f.key))
                    .value_name(f.key.to_uppercase())
                    .required(f.required)
                    .help(field_help(f)),
            )
        });
    Common::augment_args(cmd)
}

impl FromArgMatches for ProviderArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let (name, sub) = m
            .subcommand()
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::MissingSubcommand))?;
        let provider: Provider = name
            .parse()
            .map_err(|_| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        let settings = provider
            .spec()
            .setting_fields()
            .filter_map(|f| Some((f.key.to_string(), sub.get_one::<String>(f.key)?.clone())))
            .collect();
        Ok(Self {
            provider,
            settings,
            common: Common::from_arg_matches(sub)?,
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Subcommand for ProviderArgs {
    fn augment_subcommands(cmd: Command) -> Command {
        Provider::ALL
            .into_iter()
            .fold(cmd, |cmd, p| cmd.subcommand(provider_command(p)))
    }

    fn augment_subcommands_for_update(cmd: Command) -> Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        name.parse::<Provider>().is_ok()
    }
}

/// `connection edit`'s settings flags: every key any provider's form has,
/// each once (a key that is not a field of the connection's provider is
/// refused by validation, naming the provider's fields).
#[derive(Debug, Default)]
struct SettingFlags(BTreeMap<String, String>);

/// Every settings key of every provider, with the providers' labels.
fn every_setting() -> BTreeMap<&'static str, (Vec<&'static str>, &'static crate::domain::FieldSpec)>
{
    let mut keys: BTreeMap<&str, (Vec<&str>, &crate::domain::FieldSpec)> = BTreeMap::new();
    for p in Provider::ALL {
        let spec = p.spec();
        for f in spec.setting_fields() {
            keys.entry(f.key)
                .or_insert((Vec::new(), f))
                .0
                .push(spec.label);
        }
    }
    keys
}

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(Self(
            every_setting()
                .into_keys()
                .filter_map(|k| Some((k.to_string(), m.get_one::<String>(k)?.clone())))
                .collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for SettingFlags {
    fn augment_args(cmd: Command) -> Command {
        every_setting()
            .into_iter()
            .fold(cmd, |cmd, (key, (providers, f))| {
                cmd.arg(
                    Arg::new(key)
                        .long(flag(key))
                        .value_name(key.to_uppercase())
                        .help(if providers.len() == 1 {
                            format!("{}: {}", providers[0], field_help(f))
                        } else {
                            format!("{}: {}.", providers.join(", "), f.label)
                        }),
                )
            })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
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
    let ProviderArgs {
        provider,
        settings,
        common,
    } = args.provider;
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
    #[command(flatten)]
    settings: SettingFlags,
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
    let target = core.connection_to_test(id)?;
    let c = &target.connection;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let facts = runtime
        .block_on(crate::service::test_account(&target))
        .map_err(|e| CliError::Failed(format!("{}: {e}", c.display_name)))?;
    core.save_account_facts(id, &facts)?;
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
    println!(
        "{}: connected to '{}' ({}, {}){}{}",
        c.display_name,
        shown(&facts.name),
        shown(&facts.currency),
        shown(&facts.timezone),
        facts
            .users
            .map(|n| format!("; {n} users"))
            .unwrap_or_default(),
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
    settings.extend(args.settings.0);
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
