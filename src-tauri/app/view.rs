//! IPC payload types: what the UI receives. Never a secret; at most a masked hint.

use crate::domain::{Connection, FieldSpec, Provider, RecurringExpense, Workspace};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceView {
    pub id: i64,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub active: bool,
    /// Decimal strings, as typed; `None` = unset (no COGS estimate).
    pub default_cogs_percent: Option<String>,
    pub payment_fee_percent: String,
    pub payment_fee_fixed: String,
}

impl From<Workspace> for WorkspaceView {
    fn from(w: Workspace) -> Self {
        Self {
            id: w.id.0,
            name: w.name,
            timezone: w.timezone,
            currency: w.currency,
            active: w.active,
            default_cogs_percent: w.default_cogs_percent.map(|d| d.to_string()),
            payment_fee_percent: w.payment_fee_percent.to_string(),
            payment_fee_fixed: w.payment_fee_fixed.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionView {
    pub id: i64,
    pub workspace_id: i64,
    pub workspace_name: String,
    pub provider: String,
    pub provider_label: String,
    pub display_name: String,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub base_url: Option<String>,
    pub schedule: String,
    pub enabled: bool,
    pub status: String,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    /// What the last "Test connection" learned about the account.
    pub account: Option<crate::domain::AccountFacts>,
    /// What differs from the workspace, or needs doing soon.
    pub warnings: Vec<String>,
}

impl From<Connection> for ConnectionView {
    fn from(c: Connection) -> Self {
        Self {
            id: c.id.0,
            workspace_id: c.workspace_id.0,
            workspace_name: c.workspace_name,
            provider: c.provider.as_str().to_string(),
            provider_label: c.provider.spec().label.to_string(),
            display_name: c.display_name,
            settings: c.settings,
            base_url: c.base_url,
            schedule: c.schedule,
            enabled: c.enabled,
            status: c.status.as_str().to_string(),
            last_sync_at: c.last_sync_at,
            last_error: c.last_error,
            account: None,
            warnings: Vec::new(),
        }
    }
}

/// A connection for the edit form: its fields plus a masked hint of the secret.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionDetail {
    #[serde(flatten)]
    pub connection: ConnectionView,
    pub secret_hint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    pub data_dir: String,
    pub log_dir: String,
    pub database: String,
    pub schema_version: i64,
    pub keychain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UiState {
    pub page: String,
    pub sync_paused: bool,
}

/// A provider's connection form: its fields and default schedule.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderView {
    pub provider: &'static str,
    pub label: &'static str,
    pub instructions: &'static str,
    pub fields: &'static [FieldSpec],
    pub default_schedule: &'static str,
    /// Its connections sync in this version.
    pub syncs: bool,
    /// Test connection can ask the platform about the account.
    pub testable: bool,
}

impl From<Provider> for ProviderView {
    fn from(p: Provider) -> Self {
        let spec = p.spec();
        let can = crate::service::capabilities(p);
        Self {
            provider: p.as_str(),
            label: spec.label,
            instructions: spec.instructions,
            fields: spec.fields,
            default_schedule: crate::settings::default_schedule(p),
            syncs: can.syncs,
            testable: can.testable,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpenseView {
    pub id: i64,
    pub name: String,
    /// Decimal string in the workspace currency.
    pub monthly_amount: String,
    pub start_month: String,
    pub end_month: Option<String>,
}

impl From<RecurringExpense> for ExpenseView {
    fn from(e: RecurringExpense) -> Self {
        Self {
            id: e.id,
            name: e.name,
            monthly_amount: e.monthly_amount.to_string(),
            start_month: e.start_month,
            end_month: e.end_month,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    pub syncing: bool,
    pub paused: bool,
    /// The latest progress of each connection syncing now.
    /// Each running connection's latest progress, as the `sync-progress` event carries it.
    pub running: Vec<serde_json::Value>,
}

/// A run for the Sync history page, with its connection's name.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    #[serde(flatten)]
    pub run: crate::domain::run::Run,
    pub connection_name: String,
}

/// One KPI tile: the value for the range and for the period before it.
/// The dashboard crosses IPC as the service computes it: figures, labels,
/// comparison and direction, so the UI only draws.
pub type DashboardView = crate::service::Dashboard;

/// A finished CSV export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportView {
    pub path: String,
    pub rows: usize,
}

/// One backup in Settings.
#[derive(Debug, Clone, Serialize)]
pub struct BackupView {
    pub path: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub size: u64,
    pub kind: &'static str,
}

impl From<crate::service::backups::Backup> for BackupView {
    fn from(b: crate::service::backups::Backup) -> Self {
        Self {
            path: b.path.display().to_string(),
            time: b.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            size: b.size,
            kind: b.kind.word(),
        }
    }
}

/// What a restore did, for Settings to say.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreView {
    /// The backup of the file replaced (restore it to undo), or where a
    /// damaged one was moved aside.
    pub replaced: Option<String>,
    pub replaced_damaged: bool,
    /// Connections whose credentials this computer's keychain does not have.
    pub need_credentials: Vec<String>,
}

/// A decimal for the UI: plain text with `.` decimals, `None` when empty.
fn text(d: Option<rust_decimal::Decimal>) -> Option<String> {
    d.map(|d| d.round_dp(6).normalize().to_string())
}

/// A finished period of a goal.
#[derive(Debug, Clone, Serialize)]
pub struct PastPeriodView {
    pub period_start: String,
    pub period_end: String,
    pub current: Option<String>,
    pub target: String,
    pub met: bool,
}

impl From<&crate::service::goals::PastPeriod> for PastPeriodView {
    fn from(p: &crate::service::goals::PastPeriod) -> Self {
        Self {
            period_start: p.span.first_day.to_string(),
            period_end: p.span.last_day.to_string(),
            current: text(p.current),
            target: p.target.normalize().to_string(),
            met: p.met,
        }
    }
}

/// A goal's current period as the Goals page draws it, with its recent
/// past periods (newest first).
#[derive(Debug, Clone, Serialize)]
pub struct GoalView {
    pub id: i64,
    pub metric: String,
    pub member: Option<String>,
    pub period: &'static str,
    pub period_start: String,
    pub period_end: String,
    pub target: String,
    pub current: Option<String>,
    pub expected_now: Option<String>,
    pub pace: Option<String>,
    pub projected: Option<String>,
    pub status: &'static str,
    pub streak: u32,
    pub recent: Vec<PastPeriodView>,
    /// A team goal of a sales figure: each member's part, largest first.
    pub shares: Vec<ShareView>,
}

impl GoalView {
    pub fn new(
        r: &crate::service::goals::GoalReport,
        recent: &[crate::service::goals::PastPeriod],
        shares: Vec<(crate::service::goals::Member, Option<rust_decimal::Decimal>)>,
    ) -> Self {
        Self {
            id: r.goal.id,
            metric: r.goal.metric.clone(),
            member: r.goal.member.clone(),
            period: r.goal.period.as_str(),
            period_start: r.span.first_day.to_string(),
            period_end: r.span.last_day.to_string(),
            target: r.target.normalize().to_string(),
            current: text(r.standing.current),
            expected_now: text(r.standing.expected_now),
            pace: text(r.standing.pace),
            projected: text(r.standing.projected),
            status: r.standing.status.as_str(),
            streak: r.streak,
            recent: recent.iter().take(12).map(Into::into).collect(),
            shares: shares
                .into_iter()
                .map(|(m, current)| ShareView {
                    email: m.email,
                    name: m.name,
                    current: text(current),
                })
                .collect(),
        }
    }
}

/// A member's share of a team goal's current period.
#[derive(Debug, Clone, Serialize)]
pub struct ShareView {
    pub email: String,
    pub name: String,
    pub current: Option<String>,
}

/// A leaderboard row: a member's sales figures for the range.
#[derive(Debug, Clone, Serialize)]
pub struct LeaderView {
    pub email: String,
    pub name: String,
    pub emails: i64,
    pub crm_calls: i64,
    pub leads: i64,
    pub calls: i64,
    pub calls_answered: i64,
    pub calls_missed: i64,
    pub talk_time_s: i64,
}

impl From<&crate::service::goals::MemberTotals> for LeaderView {
    fn from(m: &crate::service::goals::MemberTotals) -> Self {
        let t = &m.totals;
        Self {
            email: m.member.email.clone(),
            name: m.member.name.clone(),
            emails: t.emails,
            crm_calls: t.crm_calls,
            leads: t.leads,
            calls: t.calls,
            calls_answered: t.calls_answered,
            calls_missed: t.calls_missed,
            talk_time_s: t.talk_time_s,
        }
    }
}

/// What the goal form offers: every metric key, and the members.
#[derive(Debug, Clone, Serialize)]
pub struct GoalOptions {
    pub metrics: &'static [&'static str],
    pub member_metrics: &'static [&'static str],
    pub members: Vec<crate::service::goals::Member>,
}
