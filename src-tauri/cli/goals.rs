//! `pulseboard members`, `member`, `pipeline`, `goals` and `goal add|history|edit|remove`.

use super::{print_json, table, CliError, CliResult};
use crate::service::goals::{parse_as_of, GoalReport, PastPeriod};
use crate::service::Core;
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use serde_json::{json, Value};

#[derive(Debug, Args)]
pub struct MembersArgs {
    #[arg(long, value_name = "W")]
    workspace: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn members(core: &Core, args: MembersArgs) -> CliResult {
    let ws = core.workspace_by_name(&args.workspace)?;
    let list = core.members(ws.id)?;
    if args.json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("No team members yet: they appear after a Copper or JustCall sync.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|m| vec![m.email.clone(), m.name.clone(), m.sources.join(", ")])
        .collect();
    println!("{}", table::render(&["email", "name", "sources"], &rows));
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Show a member under another name.
    Rename {
        email: String,
        #[arg(long, value_name = "W")]
        workspace: String,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Say two e-mails are one person: EMAIL's figures become INTO's.
    Merge {
        email: String,
        #[arg(long, value_name = "W")]
        workspace: String,
        #[arg(long, value_name = "INTO")]
        into: String,
    },
    /// Hide a member who left; their history stays in every figure.
    Hide {
        email: String,
        #[arg(long, value_name = "W")]
        workspace: String,
    },
    /// Show a hidden member again.
    Show {
        email: String,
        #[arg(long, value_name = "W")]
        workspace: String,
    },
}

pub fn member(core: &mut Core, cmd: MemberCommand) -> CliResult {
    let said = match cmd {
        MemberCommand::Rename {
            email,
            workspace,
            name,
        } => {
            let ws = core.workspace_by_name(&workspace)?;
            core.rename_member(ws.id, &email, &name)?;
            format!("{email} is shown as '{name}'.")
        }
        MemberCommand::Merge {
            email,
            workspace,
            into,
        } => {
            let ws = core.workspace_by_name(&workspace)?;
            core.merge_members(ws.id, &email, &into)?;
            format!("{email} is now part of {into}.")
        }
        MemberCommand::Hide { email, workspace } => {
            let ws = core.workspace_by_name(&workspace)?;
            core.hide_member(ws.id, &email, true)?;
            format!("{email} is hidden; their history still counts.")
        }
        MemberCommand::Show { email, workspace } => {
            let ws = core.workspace_by_name(&workspace)?;
            core.hide_member(ws.id, &email, false)?;
            format!("{email} is shown again.")
        }
    };
    println!("{said}");
    Ok(())
}

#[derive(Debug, Args)]
pub struct GoalsArgs {
    #[arg(long, value_name = "W")]
    workspace: String,
    /// Only this member's goals (their e-mail).
    #[arg(long, value_name = "EMAIL")]
    member: Option<String>,
    /// The instant to stand at, in the workspace's zone (default: now).
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM:SS")]
    as_of: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum GoalCommand {
    /// Add a goal: a metric over a period, for the workspace or one member;
    /// prints its id.
    Add {
        #[arg(long, value_name = "W")]
        workspace: String,
        /// Any metric key (`pulseboard metrics --help`); a member's goal is
        /// one of their sales figures.
        #[arg(long, value_name = "KEY")]
        metric: String,
        #[arg(long, value_name = "daily|weekly|monthly")]
        period: String,
        /// The target, a number above 0.
        #[arg(long, value_name = "N")]
        target: String,
        /// A member's e-mail: the goal is theirs, not the workspace's.
        #[arg(long, value_name = "EMAIL")]
        member: Option<String>,
    },
    /// Past periods, newest first: their figure, the target then, met or not.
    History {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change the target from the current period on (past periods keep theirs).
    Edit {
        id: i64,
        #[arg(long, value_name = "N")]
        target: Option<String>,
    },
    /// Remove a goal and its history.
    Remove { id: i64 },
}

/// A decimal as a JSON number, as `metrics --format json` writes them
/// (serde_json parses the text to a float: 15 to 17 significant digits, more
/// than the six decimals promised).
fn number(d: Option<Decimal>) -> Value {
    d.and_then(|d| d.normalize().to_string().parse::<serde_json::Number>().ok())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn report_json(r: &GoalReport) -> Value {
    json!({
        "id": r.goal.id,
        "metric": r.goal.metric,
        "member": r.goal.member,
        "period": r.goal.period.as_str(),
        "target": number(Some(r.target)),
        "period_start": r.span.first_day.to_string(),
        "period_end": r.span.last_day.to_string(),
        "current": number(r.standing.current),
        "expected_now": number(r.standing.expected_now),
        "pace": number(r.standing.pace),
        "projected": number(r.standing.projected),
        "status": r.standing.status.as_str(),
        "streak": r.streak,
    })
}

fn past_json(p: &PastPeriod) -> Value {
    json!({
        "period_start": p.span.first_day.to_string(),
        "period_end": p.span.last_day.to_string(),
        "current": number(p.current),
        "target": number(Some(p.target)),
        "met": p.met,
    })
}

fn shown(d: Option<Decimal>) -> String {
    d.map(|d| d.round_dp(2).normalize().to_string())
        .unwrap_or_else(|| "—".into())
}

pub fn goals(core: &Core, args: GoalsArgs) -> CliResult {
    let ws = core.workspace_by_name(&args.workspace)?;
    let tz = ws.timezone.parse().map_err(|_| {
        CliError::Failed(format!("the workspace's zone '{}' is unknown", ws.timezone))
    })?;
    let as_of = match &args.as_of {
        Some(raw) => parse_as_of(raw, tz)?,
        None => chrono::Utc::now(),
    };
    let reports = core.goal_reports(ws.id, args.member.as_deref(), as_of)?;
    if args.json {
        return print_json(&reports.iter().map(report_json).collect::<Vec<_>>());
    }
    if reports.is_empty() {
        println!("No goals yet. `pulseboard goal add --workspace W --metric KEY --period monthly --target N` adds one.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            vec![
                r.goal.id.to_string(),
                r.goal.metric.clone(),
                r.goal.member.clone().unwrap_or_else(|| "workspace".into()),
                format!(
                    "{} {}..{}",
                    r.goal.period.as_str(),
                    r.span.first_day,
                    r.span.last_day
                ),
                shown(r.standing.current),
                shown(Some(r.target)),
                shown(r.standing.pace),
                shown(r.standing.projected),
                r.standing.status.as_str().replace('_', " "),
                r.streak.to_string(),
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(
            &[
                "id",
                "metric",
                "for",
                "period",
                "current",
                "target",
                "pace",
                "projected",
                "status",
                "streak"
            ],
            &rows
        )
    );
    Ok(())
}

pub fn goal(core: &mut Core, cmd: GoalCommand) -> CliResult {
    match cmd {
        GoalCommand::Add {
            workspace,
            metric,
            period,
            target,
            member,
        } => {
            let ws = core.workspace_by_name(&workspace)?;
            let id = core.add_goal(ws.id, &metric, &period, &target, member.as_deref())?;
            println!("{id}");
            Ok(())
        }
        GoalCommand::History { id, json } => {
            let past = core.goal_history(id)?;
            if json {
                return print_json(&past.iter().map(past_json).collect::<Vec<_>>());
            }
            let rows: Vec<Vec<String>> = past
                .iter()
                .map(|p| {
                    vec![
                        p.span.first_day.to_string(),
                        p.span.last_day.to_string(),
                        shown(p.current),
                        shown(Some(p.target)),
                        if p.met {
                            "met".into()
                        } else {
                            "not met".into()
                        },
                    ]
                })
                .collect();
            println!(
                "{}",
                table::render(&["from", "to", "figure", "target", ""], &rows)
            );
            Ok(())
        }
        GoalCommand::Edit { id, target } => {
            let Some(target) = target else {
                return Err(CliError::Usage("nothing to change: give --target N".into()));
            };
            core.edit_goal(id, &target)?;
            println!("Goal {id}: the target is {target} from this period on.");
            Ok(())
        }
        GoalCommand::Remove { id } => {
            core.remove_goal(id)?;
            println!("Removed goal {id}.");
            Ok(())
        }
    }
}

#[derive(Debug, Args)]
pub struct PipelineArgs {
    #[arg(long, value_name = "W")]
    workspace: String,
    /// First day of the stage moves, YYYY-MM-DD (default: 30 days before --to).
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<String>,
    /// Last day of the stage moves, included (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<String>,
    /// Only the opportunities assigned to this team member (their e-mail).
    #[arg(long, value_name = "EMAIL")]
    member: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// `pulseboard pipeline`: open opportunities per stage now, stage moves per day.
pub fn pipeline(core: &Core, args: PipelineArgs) -> CliResult {
    use super::metrics::parse_day;
    let ws = core.workspace_by_name(&args.workspace)?;
    let tz: chrono_tz::Tz = ws.timezone.parse().map_err(|_| {
        CliError::Failed(format!(
            "the workspace's time zone '{}' is unknown",
            ws.timezone
        ))
    })?;
    let to = match &args.to {
        Some(raw) => parse_day("to", raw)?,
        None => chrono::Utc::now().with_timezone(&tz).date_naive(),
    };
    let from = match &args.from {
        Some(raw) => parse_day("from", raw)?,
        None => to - chrono::Days::new(29),
    };
    let view = core.pipeline(ws.id, from, to, args.member.as_deref())?;
    if args.json {
        return print_json(&view);
    }
    if view.stages.is_empty() {
        println!("No pipelines yet: they appear after a Copper sync.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = view
        .stages
        .iter()
        .map(|s| {
            vec![
                s.pipeline.clone(),
                s.stage.clone(),
                s.open.to_string(),
                s.open_value.round_dp(2).to_string(),
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(&["pipeline", "stage", "open", "open value"], &rows)
    );
    let moved: u64 = view.moves.iter().map(|d| d.moves).sum();
    println!("\n{moved} stage moves from {from} to {to}.");
    Ok(())
}
