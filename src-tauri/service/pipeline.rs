//! The CRM pipeline: open opportunities per stage now, and the stage moves
//! per local day of a range. Opportunities are not `leads` and feed no
//! figure of metrics.md; this is their own view.

use super::{Core, Result};
use crate::domain::{InvalidInput, WorkspaceId};
use crate::metrics;
use crate::rollups;
pub use crate::store::StageNow;
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineView {
    /// Every stage of every pipeline, in order, with its open opportunities.
    pub stages: Vec<StageNow>,
    /// Every local day of the range with the stage moves seen that day.
    pub moves: Vec<DayMoves>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayMoves {
    pub day: NaiveDate,
    pub moves: u64,
}

impl Core {
    /// The workspace's pipeline now and its stage moves over `from..=to`;
    /// with `member`, only the opportunities assigned to that member.
    pub fn pipeline(
        &self,
        workspace: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
        member: Option<&str>,
    ) -> Result<PipelineView> {
        if from > to {
            return Err(InvalidInput::new("from", format!("{from} is after {to}")).into());
        }
        let emails = member.map(|m| self.emails_of(workspace, m)).transpose()?;
        let ws = self.store.workspace(workspace)?;
        let tz = rollups::timezone(&ws)?;
        let connections: Vec<_> = self
            .store
            .connections(Some(workspace))?
            .iter()
            .map(|c| c.id)
            .collect();
        let stages = self.store.pipeline_now(&connections, emails.as_deref())?;
        // Two days either side hold every instant of the local days.
        let utc = |d: NaiveDate| format!("{d}T00:00:00Z");
        let seen = self.store.stage_moves(
            &connections,
            emails.as_deref(),
            &utc(from - Days::new(2)),
            &utc(to + Days::new(2)),
        )?;
        let mut days: BTreeMap<NaiveDate, u64> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|d| (d, 0))
            .collect();
        for secs in seen {
            let Some(at) = chrono::DateTime::from_timestamp(secs, 0) else {
                continue;
            };
            if let Some(n) = days.get_mut(&metrics::local_day(at, tz)) {
                *n += 1;
            }
        }
        Ok(PipelineView {
            stages,
            moves: days
                .into_iter()
                .map(|(day, moves)| DayMoves { day, moves })
                .collect(),
        })
    }
}
