//! CRM opportunities and their pipelines' stages: upserted by the source's
//! id, every stage move seen kept (migration 14), read for the pipeline view.

use super::ts;
use crate::domain::records::{Opportunity, PipelineStage};
use rusqlite::{params, Connection, Transaction};

/// Store a page of opportunities, and each one's stage move when it has one
/// (entering the first stage at creation is not a move).
pub(super) fn upsert(tx: &Transaction<'_>, c: i64, list: &[Opportunity]) -> rusqlite::Result<u64> {
    let mut put = tx.prepare_cached(
        "INSERT INTO opportunities (connection_id, source_id, name, member, pipeline_id, stage_id,
                                    status, value, currency, stage_changed_at, created_at, modified_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (connection_id, source_id) DO UPDATE SET
                 name = excluded.name, member = excluded.member,
                 pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id,
                 status = excluded.status, value = excluded.value, currency = excluded.currency,
                 stage_changed_at = excluded.stage_changed_at, created_at = excluded.created_at,
                 modified_at = excluded.modified_at",
    )?;
    let mut moved = tx.prepare_cached(
        "INSERT INTO opportunity_stage_changes (connection_id, opportunity_id, at, stage_id, member)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO UPDATE SET stage_id = excluded.stage_id, member = excluded.member",
    )?;
    for o in list {
        put.execute(params![
            c,
            o.id,
            o.name,
            o.member,
            o.pipeline_id,
            o.stage_id,
            o.status.as_str(),
            o.value.map(|v| v.to_string()),
            o.currency,
            o.stage_changed_at.map(ts),
            ts(o.created_at),
            ts(o.modified_at),
        ])?;
        if let Some(at) = o.stage_changed_at.filter(|at| *at > o.created_at) {
            moved.execute(params![c, o.id, ts(at), o.stage_id, o.member])?;
        }
    }
    Ok(list.len() as u64)
}

/// Replace the connection's pipeline stages with `list` (all of them).
pub(super) fn replace_stages(
    tx: &Transaction<'_>,
    c: i64,
    list: &[PipelineStage],
) -> rusqlite::Result<u64> {
    tx.execute("DELETE FROM pipeline_stages WHERE connection_id = ?1", [c])?;
    let mut put = tx.prepare_cached(
        "INSERT INTO pipeline_stages (connection_id, stage_id, pipeline_id, pipeline, stage,
                                      position, win_probability)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for s in list {
        put.execute(params![
            c,
            s.stage_id,
            s.pipeline_id,
            s.pipeline,
            s.stage,
            s.position,
            s.win_probability
        ])?;
    }
    Ok(list.len() as u64)
}

/// A stage with its open opportunities now.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StageNow {
    pub pipeline: String,
    pub stage: String,
    pub open: u64,
    /// Σ of their values (decimal text); opportunities without one add nothing.
    pub open_value: rust_decimal::Decimal,
}

/// The open opportunities per stage of `ids`' pipelines (a JSON array of
/// connection ids), pipelines and stages in their order, empty stages
/// included; `emails` (a JSON array) narrows them to one member.
pub(super) fn open_by_stage(
    db: &Connection,
    ids: &str,
    emails: Option<&str>,
) -> crate::store::Result<Vec<StageNow>> {
    let mut stmt = db.prepare(
        "SELECT s.pipeline, s.stage, o.value, o.source_id IS NOT NULL
         FROM pipeline_stages s
         LEFT JOIN opportunities o
           ON o.connection_id = s.connection_id AND o.stage_id = s.stage_id AND o.status = 'open'
          AND (?2 IS NULL OR o.member IN (SELECT value FROM json_each(?2)))
         WHERE s.connection_id IN (SELECT value FROM json_each(?1))
         ORDER BY s.connection_id, s.pipeline, s.pipeline_id, s.position, s.stage_id",
    )?;
    let mut rows = stmt.query(params![ids, emails])?;
    let mut out: Vec<StageNow> = Vec::new();
    while let Some(r) = rows.next()? {
        let (pipeline, stage): (String, String) = (r.get(0)?, r.get(1)?);
        let value: Option<String> = r.get(2)?;
        let present: bool = r.get(3)?;
        let value = match value {
            Some(text) => text.parse().map_err(|_| {
                crate::store::StoreError::Corrupt(format!("opportunity value '{text}'"))
            })?,
            None => rust_decimal::Decimal::ZERO,
        };
        match out.last_mut() {
            Some(last) if last.pipeline == pipeline && last.stage == stage => {
                last.open += u64::from(present);
                last.open_value += value;
            }
            _ => out.push(StageNow {
                pipeline,
                stage,
                open: u64::from(present),
                open_value: value,
            }),
        }
    }
    Ok(out)
}

/// When each stage move seen in `from_utc..to_utc` happened (Unix seconds).
pub(super) fn stage_moves(
    db: &Connection,
    ids: &str,
    emails: Option<&str>,
    from_utc: &str,
    to_utc: &str,
) -> crate::store::Result<Vec<i64>> {
    let mut stmt = db.prepare(
        "SELECT unixepoch(at) FROM opportunity_stage_changes
         WHERE connection_id IN (SELECT value FROM json_each(?1))
           AND (?2 IS NULL OR member IN (SELECT value FROM json_each(?2)))
           AND at >= ?3 AND at < ?4",
    )?;
    let out = stmt
        .query_map(params![ids, emails, from_utc, to_utc], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(out)
}
