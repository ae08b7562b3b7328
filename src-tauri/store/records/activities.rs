//! Sales activities (e-mails, CRM calls, leads, dialer calls), upserted by
//! the source's id and read by time.

use super::{parse_ts, ts, with_page_marks, LoadedRecords, Range};
use crate::domain::records::{Activity, ActivityKind, CallOutcome};
use crate::store::Result;
use rusqlite::{params, Connection, Transaction};

/// Store a page of activities. An activity stored already and unchanged is
/// not written again; the days of those inserted or changed are marked once
/// each (migration 16).
pub(super) fn upsert(tx: &Transaction<'_>, c: i64, list: &[Activity]) -> rusqlite::Result<u64> {
    with_page_marks(tx, c, "utc_day", |days| {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO activities (connection_id, source_id, kind, at, talk_time_s, member)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (connection_id, source_id) DO UPDATE SET
                     kind = excluded.kind, at = excluded.at, talk_time_s = excluded.talk_time_s,
                     member = excluded.member
                 WHERE kind IS NOT excluded.kind OR at IS NOT excluded.at
                    OR talk_time_s IS NOT excluded.talk_time_s OR member IS NOT excluded.member
                 RETURNING substr(at, 1, 10)",
        )?;
        for a in list {
            let mut written = stmt.query(params![
                c,
                a.id,
                kind_text(a.kind),
                ts(a.at),
                a.talk_time_s,
                a.member
            ])?;
            if let Some(row) = written.next()? {
                days.insert(row.get::<_, String>(0)?);
            }
        }
        Ok(())
    })?;
    Ok(list.len() as u64)
}

fn kind_text(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::Email => "email",
        ActivityKind::CrmCall => "crm_call",
        ActivityKind::Lead => "lead",
        ActivityKind::Call(CallOutcome::Answered) => "call_answered",
        ActivityKind::Call(CallOutcome::Missed) => "call_missed",
        ActivityKind::Call(CallOutcome::Other) => "call_other",
    }
}

/// A re-read window's end: delete the stored activities of its kinds in its
/// time span that the source no longer lists. Returns how many went.
pub(super) fn reconcile(
    tx: &Transaction<'_>,
    c: i64,
    w: &crate::domain::records::ActivityWindow,
) -> rusqlite::Result<u64> {
    let listed = serde_json::to_string(&w.listed).expect("ids serialise");
    let mut stmt = tx.prepare_cached(
        "DELETE FROM activities
         WHERE connection_id = ?1 AND kind = ?2 AND at >= ?3 AND at < ?4
           AND source_id NOT IN (SELECT value FROM json_each(?5))",
    )?;
    let mut gone = 0;
    for kind in &w.kinds {
        gone += stmt.execute(params![c, kind_text(*kind), ts(w.from), ts(w.to), listed])? as u64;
    }
    Ok(gone)
}

/// Store a page of a source's people (Copper users, JustCall agents).
pub(super) fn upsert_users(
    tx: &Transaction<'_>,
    c: i64,
    list: &[crate::domain::records::SourceUser],
) -> rusqlite::Result<u64> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO source_users (connection_id, source_id, email, name) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (connection_id, source_id) DO UPDATE SET email = excluded.email, name = excluded.name",
    )?;
    for u in list {
        stmt.execute(params![c, u.id, u.email, u.name])?;
    }
    Ok(list.len() as u64)
}

/// The activities of `connections` stamped in `from_utc..to_utc` whose
/// member is one of `emails` (a JSON array of lower-case e-mails), for
/// counting: their kind, time and talk time, without ids or member (a
/// member's three years are tens of thousands of rows, read for every goal
/// question, so nothing is allocated per row).
pub(super) fn of_members(
    db: &Connection,
    ids: &str,
    emails: &str,
    from_utc: &str,
    to_utc: &str,
) -> Result<Vec<Activity>> {
    let mut stmt = db.prepare(
        "SELECT CASE kind WHEN 'email' THEN 0 WHEN 'crm_call' THEN 1 WHEN 'lead' THEN 2
                          WHEN 'call_answered' THEN 3 WHEN 'call_missed' THEN 4 ELSE 5 END,
                unixepoch(at), talk_time_s
         FROM activities INDEXED BY activities_by_member
         WHERE connection_id IN (SELECT value FROM json_each(?1))
           AND member IN (SELECT value FROM json_each(?2))
           AND at >= ?3 AND at < ?4",
    )?;
    let mut rows = stmt.query(params![ids, emails, from_utc, to_utc])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let secs: i64 = r.get(1)?;
        out.push(Activity {
            id: String::new(),
            kind: match r.get::<_, i64>(0)? {
                0 => ActivityKind::Email,
                1 => ActivityKind::CrmCall,
                2 => ActivityKind::Lead,
                3 => ActivityKind::Call(CallOutcome::Answered),
                4 => ActivityKind::Call(CallOutcome::Missed),
                _ => ActivityKind::Call(CallOutcome::Other),
            },
            at: chrono::DateTime::from_timestamp(secs, 0).ok_or_else(|| {
                crate::store::StoreError::Corrupt(format!("activity time {secs}"))
            })?,
            talk_time_s: r.get(2)?,
            member: None,
        });
    }
    Ok(out)
}

fn kind_of(text: &str) -> ActivityKind {
    match text {
        "email" => ActivityKind::Email,
        "crm_call" => ActivityKind::CrmCall,
        "lead" => ActivityKind::Lead,
        "call_answered" => ActivityKind::Call(CallOutcome::Answered),
        "call_missed" => ActivityKind::Call(CallOutcome::Missed),
        _ => ActivityKind::Call(CallOutcome::Other),
    }
}

fn row(r: &rusqlite::Row<'_>) -> Result<Activity> {
    Ok(Activity {
        id: r.get(0)?,
        kind: kind_of(&r.get::<_, String>(1)?),
        at: parse_ts("activity at", &r.get::<_, String>(2)?)?,
        talk_time_s: r.get(3)?,
        member: r.get(4)?,
    })
}

/// The range's activities.
pub(super) fn load(db: &Connection, q: &Range<'_>, out: &mut LoadedRecords) -> Result<()> {
    let mut stmt = db.prepare(
        "SELECT source_id, kind, at, talk_time_s, member FROM activities
             WHERE connection_id IN (SELECT value FROM json_each(?1)) AND at >= ?2 AND at < ?3",
    )?;
    let mut rows = stmt.query(params![q.ids, q.from_utc, q.to_utc])?;
    while let Some(r) = rows.next()? {
        out.activities.push(row(r)?);
    }
    Ok(())
}
