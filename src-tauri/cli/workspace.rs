//! `pulseboard workspace add|edit|list`.

use super::{print_json, table, CliResult};
use crate::domain::WorkspaceInput;
use crate::service::Core;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Add a workspace.
    Add {
        /// Its name, unique (case-insensitive).
        name: String,
        #[command(flatten)]
        fields: WorkspaceFields,
    },
    /// Change a workspace's settings; flags left out keep their value.
    Edit {
        /// The workspace to change.
        name: String,
        /// A new name.
        #[arg(long = "name", value_name = "NEW_NAME")]
        new_name: Option<String>,
        #[command(flatten)]
        fields: WorkspaceFields,
    },
    /// List workspaces.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct WorkspaceFields {
    /// IANA time zone, e.g. Asia/Kolkata (default: this computer's).
    #[arg(long, value_name = "TZ")]
    timezone: Option<String>,
    /// ISO 4217 currency, e.g. INR (default: USD).
    #[arg(long, value_name = "CUR")]
    currency: Option<String>,
    /// Estimate COGS as this % of price where no cost is known; `none` to unset.
    #[arg(long, value_name = "P")]
    default_cogs_percent: Option<String>,
    /// Payment fees as a % of revenue.
    #[arg(long, value_name = "P")]
    payment_fee_percent: Option<String>,
    /// Payment fee per order, in the workspace currency.
    #[arg(long, value_name = "AMOUNT")]
    payment_fee_fixed: Option<String>,
}

impl WorkspaceFields {
    fn into_input(self, name: String) -> WorkspaceInput {
        WorkspaceInput {
            name,
            timezone: self.timezone,
            currency: self.currency,
            default_cogs_percent: self.default_cogs_percent,
            payment_fee_percent: self.payment_fee_percent,
            payment_fee_fixed: self.payment_fee_fixed,
        }
    }
}

pub fn run(core: &mut Core, cmd: WorkspaceCommand) -> CliResult {
    match cmd {
        WorkspaceCommand::Add { name, fields } => {
            let ws = core.add_workspace(&fields.into_input(name))?;
            println!(
                "Added workspace '{}' ({}, {}).",
                ws.name, ws.timezone, ws.currency
            );
            if ws.default_cogs_percent.is_none() {
                println!("No default COGS % is set: products without a cost will count as 0 until you set one.");
            }
        }
        WorkspaceCommand::Edit {
            name,
            new_name,
            fields,
        } => {
            let id = core.workspace_by_name(&name)?.id;
            let ws = core.edit_workspace(id, &fields.into_input(new_name.unwrap_or_default()))?;
            println!(
                "Saved workspace '{}' ({}, {}).",
                ws.name, ws.timezone, ws.currency
            );
        }
        WorkspaceCommand::List { json } => {
            let list = core.workspaces()?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No workspaces yet. Add one with `pulseboard workspace add NAME`.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|w| {
                    vec![
                        w.id.to_string(),
                        format!("{}{}", w.name, if w.active { " *" } else { "" }),
                        w.timezone.clone(),
                        w.currency.clone(),
                        w.default_cogs_percent
                            .map(|p| format!("{p}%"))
                            .unwrap_or_else(|| "unset".into()),
                        format!("{}% + {}", w.payment_fee_percent, w.payment_fee_fixed),
                    ]
                })
                .collect();
            println!(
                "{}",
                table::render(
                    &[
                        "id",
                        "name",
                        "timezone",
                        "currency",
                        "default cogs",
                        "payment fees"
                    ],
                    &rows
                )
            );
        }
    }
    Ok(())
}
