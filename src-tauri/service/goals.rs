//! Team members and goals: the people the sales sources know, one member's
//! sales figures, and goals with their standing at an instant and their
//! history, exactly as `shared/metrics.md` (Goals) defines them.

use super::{Core, Result, ServiceError};
use crate::domain::goals::{parse_target, Goal, Period};
use crate::domain::{InvalidInput, Workspace, WorkspaceId};
use crate::metrics::goals::{self as g, Span, Standing};
use crate::metrics::Totals;
use crate::rollups;
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Every metric a goal can follow.
pub use crate::metrics::keys::KEYS as METRIC_KEYS;

pub use super::members::{Member, MemberTotals, MEMBER_KEYS};

/// A goal's current period at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalReport {
    pub goal: Goal,
    pub span: Span,
    pub target: Decimal,
    pub standing: Standing,
    pub streak: u32,
    /// Finished periods, newest first, back to the first day of data.
    pub history: Vec<PastPeriod>,
}

/// Each member's figure for a team goal's current period, largest first.
pub type Shares = Vec<(Member, Option<Decimal>)>;

/// A finished period of a goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastPeriod {
    pub span: Span,
    pub current: Option<Decimal>,
    pub target: Decimal,
    pub met: bool,
}

/// Something about a goal worth a desktop notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum News {
    /// It was on track or ahead this period, and is behind now.
    FellBehind,
    Met,
}

/// What to tell, given the status last seen this period (`None`: not seen
/// yet), the status now, and what was already told this period. Each is told
/// once per goal and period; a goal first seen behind was never on track.
pub fn news(
    last: Option<g::Status>,
    now: g::Status,
    told_behind: bool,
    told_met: bool,
) -> Option<News> {
    use g::Status::*;
    match now {
        Met if !told_met => Some(News::Met),
        Behind if !told_behind && matches!(last, Some(OnTrack | Ahead)) => Some(News::FellBehind),
        _ => None,
    }
}

/// A goal's name in a sentence: "Calls (this week, ana@acme.example)".
pub fn describe(goal: &Goal) -> String {
    let period = match goal.period {
        Period::Daily => "today",
        Period::Weekly => "this week",
        Period::Monthly => "this month",
    };
    let metric = goal.metric.replace('_', " ");
    let mut title: String = metric[..1].to_uppercase();
    title.push_str(&metric[1..]);
    match &goal.member {
        Some(m) => format!("{title} ({period}, {m})"),
        None => format!("{title} ({period})"),
    }
}

fn status_of(raw: &str) -> Option<g::Status> {
    Some(match raw {
        "met" => g::Status::Met,
        "ahead" => g::Status::Ahead,
        "on_track" => g::Status::OnTrack,
        "behind" => g::Status::Behind,
        _ => return None,
    })
}

fn zone(ws: &Workspace) -> Result<Tz> {
    ws.timezone.parse().map_err(|_| {
        ServiceError::Invalid(InvalidInput::new(
            "timezone",
            format!("the workspace's zone '{}' is unknown", ws.timezone),
        ))
    })
}

/// `YYYY-MM-DDTHH:MM:SS` in the workspace's zone → an instant.
pub fn parse_as_of(raw: &str, tz: Tz) -> std::result::Result<DateTime<Utc>, InvalidInput> {
    let bad = || {
        InvalidInput::new(
            "as_of",
            format!("'{raw}' is not a local time like 2026-11-30T14:00:00"),
        )
    };
    let local = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| bad())?;
    use chrono::TimeZone;
    // A time a DST change skips is read as the instant just after the gap;
    // one it repeats, as the first of the two.
    let mut t = local;
    loop {
        if let Some(at) = tz.from_local_datetime(&t).earliest() {
            return Ok(at.with_timezone(&Utc));
        }
        t += chrono::Duration::minutes(1);
    }
}

/// The 80th percentile by nearest rank: the smallest figure at least 80 %
/// of the figures are at or below.
pub fn percentile_80(mut figures: Vec<Decimal>) -> Option<Decimal> {
    if figures.is_empty() {
        return None;
    }
    figures.sort();
    let rank = (figures.len() * 4).div_ceil(5);
    Some(figures[rank - 1])
}

pub(super) fn sum(days: &BTreeMap<NaiveDate, Totals>, from: NaiveDate, to: NaiveDate) -> Totals {
    if from == to {
        return days.get(&from).cloned().unwrap_or_default();
    }
    let mut t = Totals::default();
    for (_, d) in days.range(from..=to) {
        t.add(d);
    }
    t
}

impl Core {
    /// Add a goal; its target applies to the current period and every one
    /// before it. Returns its id.
    pub fn add_goal(
        &mut self,
        workspace: WorkspaceId,
        metric: &str,
        period: &str,
        target: &str,
        member: Option<&str>,
    ) -> Result<i64> {
        let ws = self.store.workspace(workspace)?;
        if g::is_additive(metric).is_none() {
            return Err(InvalidInput::new(
                "metric",
                format!("'{metric}' is not a metric; `pulseboard metrics --help` lists them"),
            )
            .into());
        }
        let period: Period = period
            .parse()
            .map_err(|e: String| InvalidInput::new("period", e))?;
        let target = parse_target(target)?;
        let member = match member {
            Some(m) => {
                if !MEMBER_KEYS.contains(&metric) {
                    return Err(InvalidInput::new(
                        "metric",
                        format!(
                            "a member's goal is one of their sales figures ({}), not '{metric}'",
                            MEMBER_KEYS.join(", ")
                        ),
                    )
                    .into());
                }
                Some(self.member_of(workspace, m)?)
            }
            None => None,
        };
        zone(&ws)?;
        // The first target applies to every period before a change, so it is
        // kept from the start of time: a change made in this very period
        // then leaves the past periods with it.
        let id = self.store.insert_goal(
            workspace,
            metric,
            member.as_deref(),
            period,
            NaiveDate::from_ymd_opt(1, 1, 1).expect("a date"),
            target,
        )?;
        tracing::info!(goal = id, %workspace, "goal added");
        Ok(id)
    }

    /// Change a goal's target from the current period on; past periods keep
    /// theirs.
    pub fn edit_goal(&mut self, id: i64, target: &str) -> Result<()> {
        let target = parse_target(target)?;
        let goal = self.store.goal(id)?;
        let ws = self.store.workspace(goal.workspace_id)?;
        let span = g::span_at(goal.period, Utc::now(), zone(&ws)?);
        self.store.set_goal_target(id, span.first_day, target)?;
        Ok(())
    }

    pub fn remove_goal(&mut self, id: i64) -> Result<()> {
        Ok(self.store.delete_goal(id)?)
    }

    /// The workspace's goals (or one member's) at the instant `as_of`, each
    /// with its history. The daily figures are read once for all of them.
    pub fn goal_reports(
        &self,
        workspace: WorkspaceId,
        member: Option<&str>,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<GoalReport>> {
        let ws = self.store.workspace(workspace)?;
        let member = member.map(|m| m.trim().to_lowercase());
        let mut books = Books::new(self, &ws, as_of)?;
        let mut out = Vec::new();
        for goal in self.store.goals(workspace)? {
            if member.is_some() && goal.member != member {
                continue;
            }
            let tz = books.tz;
            let ledger = books.of(goal.member.as_deref())?;
            out.push(report(goal, ledger, tz));
        }
        Ok(out)
    }

    /// The goals of every workspace that are behind now.
    pub fn goals_behind(&self) -> Result<usize> {
        let mut n = 0;
        for ws in self.store.workspaces()? {
            n += self
                .goal_reports(ws.id, None, Utc::now())?
                .iter()
                .filter(|r| r.standing.status == g::Status::Behind)
                .count();
        }
        Ok(n)
    }

    /// What is new about the workspace's goals since last asked (a goal fell
    /// behind, or was met), each told once per goal and period; remembers
    /// what it saw.
    pub fn goal_news(&mut self, workspace: WorkspaceId) -> Result<Vec<(Goal, News)>> {
        let reports = self.goal_reports(workspace, None, Utc::now())?;
        let mut out = Vec::new();
        for r in reports {
            let mark = self.store.goal_mark(r.goal.id, r.span.first_day)?;
            let (last, told_behind, told_met) = match &mark {
                Some((s, b, m)) => (status_of(s), *b, *m),
                None => (None, false, false),
            };
            let said = news(last, r.standing.status, told_behind, told_met);
            self.store.set_goal_mark(
                r.goal.id,
                r.span.first_day,
                r.standing.status.as_str(),
                told_behind || said == Some(News::FellBehind),
                told_met || said == Some(News::Met),
            )?;
            if let Some(n) = said {
                out.push((r.goal, n));
            }
        }
        Ok(out)
    }

    /// A goal's finished periods, newest first.
    pub fn goal_history(&self, id: i64) -> Result<Vec<PastPeriod>> {
        let goal = self.store.goal(id)?;
        let ws = self.store.workspace(goal.workspace_id)?;
        let mut books = Books::new(self, &ws, Utc::now())?;
        let tz = books.tz;
        Ok(report(goal.clone(), books.of(goal.member.as_deref())?, tz).history)
    }

    /// For each report, each member's figure for a workspace goal's current
    /// period (its share), for a goal of a sales figure; empty otherwise.
    /// The members' days are read once for all the reports.
    pub fn goal_shares(
        &self,
        workspace: WorkspaceId,
        reports: &[GoalReport],
        as_of: DateTime<Utc>,
    ) -> Result<Vec<Shares>> {
        let ws = self.store.workspace(workspace)?;
        let members = self.members(ws.id)?;
        let mut books = Books::new(self, &ws, as_of)?;
        let mut all = Vec::with_capacity(reports.len());
        for report in reports {
            let mut out = Vec::new();
            if report.goal.member.is_none() && MEMBER_KEYS.contains(&report.goal.metric.as_str()) {
                for member in &members {
                    let figure = g::figure(
                        &books.of(Some(&member.email))?.current(&report.span),
                        &report.goal.metric,
                    );
                    out.push((member.clone(), figure));
                }
                out.sort_by_key(|s| std::cmp::Reverse(s.1));
            }
            all.push(out);
        }
        Ok(all)
    }

    /// A target to suggest for a new goal: the 80th percentile (nearest
    /// rank) of the metric over the last 12 finished periods of that scope;
    /// `None` without a finished period with a figure.
    pub fn suggested_target(
        &self,
        workspace: WorkspaceId,
        metric: &str,
        period: &str,
        member: Option<&str>,
    ) -> Result<Option<Decimal>> {
        let ws = self.store.workspace(workspace)?;
        if g::is_additive(metric).is_none() {
            return Err(InvalidInput::new("metric", format!("'{metric}' is not a metric")).into());
        }
        let period: Period = period
            .parse()
            .map_err(|e: String| InvalidInput::new("period", e))?;
        let member = member.map(|m| self.member_of(workspace, m)).transpose()?;
        let probe = Goal {
            id: 0,
            workspace_id: workspace,
            metric: metric.to_string(),
            member,
            period,
            targets: vec![(NaiveDate::MIN, Decimal::ONE)],
        };
        let mut books = Books::new(self, &ws, Utc::now())?;
        let tz = books.tz;
        let figures: Vec<Decimal> = report(probe.clone(), books.of(probe.member.as_deref())?, tz)
            .history
            .into_iter()
            .take(12)
            .filter_map(|p| p.current)
            .collect();
        Ok(percentile_80(figures))
    }
}

/// The daily figures of one scope (the workspace, or one member), read once
/// for every goal asked about at one instant: every whole day from before
/// the first period of data up to the instant's day, and that day up to the
/// instant.
struct Ledger {
    as_of: DateTime<Utc>,
    as_of_day: NaiveDate,
    /// The first local day of data; `None` when there is none.
    first: Option<NaiveDate>,
    whole: BTreeMap<NaiveDate, Totals>,
    partial: Totals,
    /// The finished periods of each length (daily, weekly, monthly) and
    /// their totals, summed once for every goal of that length.
    past: [std::cell::OnceCell<Vec<(Span, Totals)>>; 3],
}

impl Ledger {
    /// The finished periods before the one holding the instant, newest
    /// first, back to the one holding the first day of data, with their
    /// totals.
    fn past(&self, period: Period, tz: Tz) -> &[(Span, Totals)] {
        let slot = match period {
            Period::Daily => 0,
            Period::Weekly => 1,
            Period::Monthly => 2,
        };
        self.past[slot].get_or_init(|| {
            let span = g::span_at(period, self.as_of, tz);
            let mut out = Vec::new();
            if let Some(first) = self.first.filter(|f| *f < span.first_day) {
                let oldest = g::span_of_day(period, first, tz);
                let mut past = g::before(period, &span, tz);
                while past.last_day >= oldest.first_day {
                    out.push((past, sum(&self.whole, past.first_day, past.last_day)));
                    past = g::before(period, &past, tz);
                }
            }
            out
        })
    }

    /// The totals of `span` up to the instant.
    fn current(&self, span: &Span) -> Totals {
        if self.as_of <= span.start {
            return Totals::default();
        }
        if self.as_of >= span.end {
            return sum(&self.whole, span.first_day, span.last_day);
        }
        let mut t = if self.as_of_day > span.first_day {
            sum(&self.whole, span.first_day, self.as_of_day - Days::new(1))
        } else {
            Totals::default()
        };
        t.add(&self.partial);
        t
    }
}

/// The ledgers of one workspace at one instant, by scope, read as needed.
struct Books<'a> {
    core: &'a Core,
    ws: &'a Workspace,
    tz: Tz,
    as_of: DateTime<Utc>,
    first: Option<NaiveDate>,
    /// Every member, hidden ones too, read once.
    team: Vec<Member>,
    ledgers: std::collections::HashMap<Option<String>, Ledger>,
}

impl<'a> Books<'a> {
    fn new(core: &'a Core, ws: &'a Workspace, as_of: DateTime<Utc>) -> Result<Self> {
        let tz = zone(ws)?;
        let first = core
            .store
            .first_record_at(ws.id)?
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&tz).date_naive());
        Ok(Self {
            core,
            ws,
            tz,
            as_of,
            first,
            team: core.team(ws.id)?,
            ledgers: Default::default(),
        })
    }

    /// The member an e-mail names (their own or an alias), and every e-mail
    /// they are known by.
    fn emails(&self, email: &str) -> Result<(String, Vec<String>)> {
        let email = email.trim().to_lowercase();
        let m = self
            .team
            .iter()
            .find(|m| m.email == email || m.aliases.contains(&email))
            .ok_or_else(|| {
                InvalidInput::new(
                    "member",
                    format!("'{email}' is not a member of this workspace"),
                )
            })?;
        let mut all = vec![m.email.clone()];
        all.extend(m.aliases.iter().cloned());
        Ok((m.email.clone(), all))
    }

    /// The ledger of the workspace (`None`) or of a member, by any of their
    /// e-mails.
    fn of(&mut self, member: Option<&str>) -> Result<&Ledger> {
        let (key, emails) = match member {
            Some(m) => {
                let (own, all) = self.emails(m)?;
                (Some(own), Some(all))
            }
            None => (None, None),
        };
        if !self.ledgers.contains_key(&key) {
            let ledger = self.read(emails.as_deref())?;
            self.ledgers.insert(key.clone(), ledger);
        }
        Ok(&self.ledgers[&key])
    }

    fn read(&self, emails: Option<&[String]>) -> Result<Ledger> {
        let as_of_day = self.as_of.with_timezone(&self.tz).date_naive();
        // A month before the first day of data covers the first period of
        // any length.
        let from = self
            .first
            .map(|f| f.min(as_of_day) - Days::new(31))
            .unwrap_or(as_of_day);
        let (store, ws) = (&self.core.store, self.ws);
        let (whole, partial) = match emails {
            Some(emails) => {
                let whole = rollups::member_days(store, ws, emails, from, as_of_day, None)?;
                let partial = rollups::member_days(
                    store,
                    ws,
                    emails,
                    as_of_day,
                    as_of_day,
                    Some(self.as_of),
                )?
                .remove(&as_of_day)
                .unwrap_or_default();
                (whole, partial)
            }
            None => (
                rollups::read(store, ws.id, from, as_of_day)?,
                rollups::compute_until(store, ws, as_of_day, self.as_of)?,
            ),
        };
        Ok(Ledger {
            as_of: self.as_of,
            as_of_day,
            first: self.first,
            whole,
            partial,
            past: Default::default(),
        })
    }
}

/// A goal's standing at the ledger's instant, and its finished periods back
/// to the one holding the first day of data (newest first), with the streak.
fn report(goal: Goal, ledger: &Ledger, tz: Tz) -> GoalReport {
    let span = g::span_at(goal.period, ledger.as_of, tz);
    let target = goal.target_for(span.first_day);
    let additive = g::is_additive(&goal.metric).unwrap_or(true);
    let current = g::figure(&ledger.current(&span), &goal.metric);
    let standing = g::standing(current, target, g::elapsed(&span, ledger.as_of), additive);
    let history: Vec<PastPeriod> = ledger
        .past(goal.period, tz)
        .iter()
        .map(|(past, totals)| {
            let figure = g::figure(totals, &goal.metric);
            let target = goal.target_for(past.first_day);
            PastPeriod {
                span: *past,
                current: figure,
                target,
                met: figure.is_some_and(|c| c >= target),
            }
        })
        .collect();
    let met: Vec<bool> = history.iter().map(|p| p.met).collect();
    let streak = g::streak(standing.status == g::Status::Met, &met);
    GoalReport {
        goal,
        span,
        target,
        standing,
        streak,
        history,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_is_told_once_per_period_and_only_for_a_fall_from_on_track() {
        use g::Status::*;
        assert_eq!(
            news(Some(OnTrack), Behind, false, false),
            Some(News::FellBehind)
        );
        assert_eq!(
            news(Some(Ahead), Behind, false, false),
            Some(News::FellBehind)
        );
        assert_eq!(
            news(Some(Behind), Behind, false, false),
            None,
            "it was never on track"
        );
        assert_eq!(news(None, Behind, false, false), None, "first seen behind");
        assert_eq!(
            news(Some(OnTrack), Behind, true, false),
            None,
            "told already"
        );
        assert_eq!(news(Some(Ahead), Met, false, false), Some(News::Met));
        assert_eq!(news(Some(Met), Met, false, true), None);
        assert_eq!(news(None, OnTrack, false, false), None);
    }

    #[test]
    fn the_suggestion_is_the_80th_percentile_by_nearest_rank() {
        let d = |v: &[i64]| v.iter().map(|n| Decimal::from(*n)).collect::<Vec<_>>();
        // 12 periods: rank ceil(9.6) = 10 → the 10th smallest.
        assert_eq!(
            percentile_80(d(&[5, 1, 9, 3, 7, 11, 2, 8, 4, 10, 6, 12])),
            Some(Decimal::from(10))
        );
        assert_eq!(percentile_80(d(&[7])), Some(Decimal::from(7)));
        assert_eq!(percentile_80(d(&[1, 2, 3, 4, 5])), Some(Decimal::from(4)));
        assert_eq!(percentile_80(vec![]), None);
    }
}
