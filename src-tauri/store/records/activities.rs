//! Sales activities (e-mails, CRM calls, leads, dialer calls), upserted by
//! the source's id and read by time.

use super::{parse_ts, ts, LoadedRecords, Range};
use crate::domain::records::{Activity, ActivityKind};
use crate::store::Result;
use rusqlite::{params, Connection, Transaction};

/// Store a page of activities.
pub(super) fn upsert(tx: &Transaction<'_>, c: i64, list: &[Activity]) -> rusqlite::Result<u64> {
    let mut n = 0;
    let mut stmt = tx.prepare_cached(
            "INSERT INTO activities (connection_id, source_id, kind, at, talk_time_s) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (connection_id, source_id) DO UPDATE SET
                 kind = excluded.kind, at = excluded.at, talk_time_s = excluded.talk_time_s",
        )?;
    for a in list {
        let kind = match a.kind {
            ActivityKind::Email => "email",
            ActivityKind::CrmCall => "crm_call",
            ActivityKind::Lead => "lead",
            ActivityKind::Call { answered: true } => "call_answered",
            ActivityKind::Call { answered: false } => "call_missed",
        };
        stmt.execute(params![c, a.id, kind, ts(a.at), a.talk_time_s])?;
        n += 1;
    }
    Ok(n)
}

/// The range's activities.
pub(super) fn load(db: &Connection, q: &Range<'_>, out: &mut LoadedRecords) -> Result<()> {
    let mut stmt = db.prepare(
        "SELECT source_id, kind, at, talk_time_s FROM activities
             WHERE connection_id IN (SELECT value FROM json_each(?1)) AND at >= ?2 AND at < ?3",
    )?;
    let mut rows = stmt.query(params![q.ids, q.from_utc, q.to_utc])?;
    while let Some(r) = rows.next()? {
        let kind = match r.get::<_, String>(1)?.as_str() {
            "email" => ActivityKind::Email,
            "crm_call" => ActivityKind::CrmCall,
            "lead" => ActivityKind::Lead,
            "call_answered" => ActivityKind::Call { answered: true },
            _ => ActivityKind::Call { answered: false },
        };
        out.activities.push(Activity {
            id: r.get(0)?,
            kind,
            at: parse_ts("activity at", &r.get::<_, String>(2)?)?,
            talk_time_s: r.get(3)?,
        });
    }
    Ok(())
}
