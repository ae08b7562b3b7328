//! Team members: one person across the sales sources, by lower-case e-mail
//! (metrics.md, Sales activity), as the person arranged them — renamed,
//! merged with another e-mail of the same person, hidden after leaving —
//! and their sales figures: one member's, and the leaderboard.

use super::goals::sum;
use super::{Core, Result};
use crate::domain::{InvalidInput, WorkspaceId};
use crate::metrics::{self, Grouping, Totals};
use crate::rollups;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// The keys a member's figures have: their sales activity.
pub const MEMBER_KEYS: [&str; 7] = [
    "emails",
    "crm_calls",
    "leads",
    "calls",
    "calls_answered",
    "calls_missed",
    "talk_time_s",
];

/// One person across the sales sources, by lower-case e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub email: String,
    pub name: String,
    pub sources: Vec<String>,
    /// Other e-mails merged into this member (the same person).
    pub aliases: Vec<String>,
    /// Left the team: not listed, but their history counts.
    pub hidden: bool,
}

/// One member's sales figures over a range (a leaderboard row).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberTotals {
    pub member: Member,
    pub totals: Totals,
}

impl Core {
    /// The people the workspace's sales sources know, as the person arranged
    /// them (names, merges), hidden ones left out.
    pub fn members(&self, workspace: WorkspaceId) -> Result<Vec<Member>> {
        Ok(self
            .team(workspace)?
            .into_iter()
            .filter(|m| !m.hidden)
            .collect())
    }

    /// Every member, hidden ones too.
    pub fn team(&self, workspace: WorkspaceId) -> Result<Vec<Member>> {
        self.store.workspace(workspace)?;
        let said: std::collections::HashMap<String, (Option<String>, Option<String>, bool)> = self
            .store
            .member_overrides(workspace)?
            .into_iter()
            .map(|(email, name, into, hidden)| (email, (name, into, hidden)))
            .collect();
        let people = self.store.members(workspace)?;
        let merged = |email: &str| said.get(email).and_then(|s| s.1.clone());
        let mut out: BTreeMap<String, Member> = BTreeMap::new();
        for (email, name, sources) in &people {
            if merged(email).is_some_and(|into| people.iter().any(|p| p.0 == into)) {
                continue;
            }
            let (named, _, hidden) = said.get(email).cloned().unwrap_or_default();
            out.insert(
                email.clone(),
                Member {
                    email: email.clone(),
                    name: named.unwrap_or_else(|| name.clone()),
                    sources: sources.clone(),
                    aliases: Vec::new(),
                    hidden,
                },
            );
        }
        for (email, _, sources) in &people {
            let Some(m) = merged(email).and_then(|into| out.get_mut(&into)) else {
                continue;
            };
            m.aliases.push(email.clone());
            for s in sources {
                if !m.sources.contains(s) {
                    m.sources.push(s.clone());
                }
            }
            m.sources.sort();
        }
        Ok(out.into_values().collect())
    }

    /// `email`, checked to be one of the workspace's members (hidden ones
    /// too), as its member's own e-mail (an alias gives the one it was
    /// merged into), lower case.
    pub(super) fn member_of(&self, workspace: WorkspaceId, email: &str) -> Result<String> {
        let email = email.trim().to_lowercase();
        self.team(workspace)?
            .into_iter()
            .find(|m| m.email == email || m.aliases.contains(&email))
            .map(|m| m.email)
            .ok_or_else(|| {
                InvalidInput::new(
                    "member",
                    format!("'{email}' is not a member of this workspace; `pulseboard members` lists them"),
                )
                .into()
            })
    }

    /// Every e-mail a member is known by: their own and their aliases.
    pub(super) fn emails_of(&self, workspace: WorkspaceId, member: &str) -> Result<Vec<String>> {
        let canonical = self.member_of(workspace, member)?;
        let mut emails = vec![canonical.clone()];
        if let Some(m) = self
            .team(workspace)?
            .into_iter()
            .find(|m| m.email == canonical)
        {
            emails.extend(m.aliases);
        }
        Ok(emails)
    }

    /// Give a member the name the person wants shown.
    pub fn rename_member(&mut self, workspace: WorkspaceId, email: &str, name: &str) -> Result<()> {
        let email = self.member_of(workspace, email)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(InvalidInput::new("name", "give a name of 1 to 80 characters").into());
        }
        Ok(self
            .store
            .set_member(workspace, &email, Some(name), None, None)?)
    }

    /// Say two members are one person: `email`'s figures become `into`'s.
    pub fn merge_members(&mut self, workspace: WorkspaceId, email: &str, into: &str) -> Result<()> {
        let from = self.member_of(workspace, email)?;
        let into = self.member_of(workspace, into)?;
        if from == into {
            return Err(
                InvalidInput::new("into", "a member cannot be merged into themselves").into(),
            );
        }
        Ok(self
            .store
            .set_member(workspace, &from, None, Some(Some(&into)), None)?)
    }

    /// Hide a member who left (their history stays in every figure), or
    /// show them again.
    pub fn hide_member(&mut self, workspace: WorkspaceId, email: &str, hidden: bool) -> Result<()> {
        let email = self.member_of(workspace, email)?;
        Ok(self
            .store
            .set_member(workspace, &email, None, None, Some(hidden))?)
    }

    /// One member's sales figures for `from..=to`, grouped `by`.
    pub fn member_metrics(
        &self,
        workspace: WorkspaceId,
        member: &str,
        from: NaiveDate,
        to: NaiveDate,
        by: Grouping,
    ) -> Result<Vec<(NaiveDate, Totals)>> {
        if from > to {
            return Err(InvalidInput::new("from", format!("{from} is after {to}")).into());
        }
        let emails = self.emails_of(workspace, member)?;
        let ws = self.store.workspace(workspace)?;
        let days = rollups::member_days(&self.store, &ws, &emails, from, to, None)?;
        Ok(metrics::group(&days, by).into_iter().collect())
    }

    /// Every member's sales figures for `from..=to`: the leaderboard.
    pub fn leaderboard(
        &self,
        workspace: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<MemberTotals>> {
        if from > to {
            return Err(InvalidInput::new("from", format!("{from} is after {to}")).into());
        }
        let ws = self.store.workspace(workspace)?;
        self.members(workspace)?
            .into_iter()
            .map(|member| {
                let emails: Vec<String> = std::iter::once(member.email.clone())
                    .chain(member.aliases.iter().cloned())
                    .collect();
                let days = rollups::member_days(&self.store, &ws, &emails, from, to, None)?;
                Ok(MemberTotals {
                    totals: sum(&days, from, to),
                    member,
                })
            })
            .collect()
    }
}
