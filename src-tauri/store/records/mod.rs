//! Synced records: a page is upserted by the source's ids and the stream's
//! cursor moves in the same transaction, so a crash at any moment leaves either
//! the whole page and its cursor, or neither.
//!
//! One file per record kind, each with its upsert and its reads: `orders.rs`
//! (orders, lines, refunds, customers' counts), `costs.rs`, `ad_days.rs`,
//! `shipments.rs`, `activities.rs`, `opportunities.rs`. This file holds the page transaction,
//! the cursor, the rollup-mark pause they share, and the range load.

mod activities;
mod ad_days;
mod costs;
mod opportunities;
mod orders;
mod shipments;

pub use opportunities::StageNow;
pub use shipments::ShipmentRow;

use super::{Result, Store};
use crate::domain::records::Batch;
use crate::domain::ConnectionId;
use rusqlite::{params, OptionalExtension, Transaction};

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// The stream's bookmark, as the last committed page left it.
    pub fn cursor(&self, connection: ConnectionId, stream: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM stream_cursors WHERE connection_id = ?1 AND stream = ?2",
                params![connection.0, stream],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Upsert a page's records and set the stream's cursor, in one transaction.
    /// Returns how many records were written.
    pub fn apply_page(
        &mut self,
        connection: ConnectionId,
        stream: &str,
        batch: &Batch,
        cursor: Option<&str>,
    ) -> Result<u64> {
        // IMMEDIATE, as every write of the store (see `Store::open_at`): the
        // page reads which orders are stored before it writes.
        let tx = self.conn.transaction()?;
        let written = upsert(&tx, connection.0, batch)?;
        if let Some(cursor) = cursor {
            tx.execute(
                "INSERT INTO stream_cursors (connection_id, stream, cursor) VALUES (?1, ?2, ?3)
                 ON CONFLICT (connection_id, stream) DO UPDATE
                 SET cursor = excluded.cursor, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                params![connection.0, stream, cursor],
            )?;
        }
        tx.commit()?;
        Ok(written)
    }

    /// How many records of each kind a connection holds, for tests and status.
    pub fn record_counts(&self, connection: ConnectionId) -> Result<RecordCounts> {
        let count = |table: &str| -> Result<u64> {
            Ok(self.conn.query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE connection_id = ?1"),
                [connection.0],
                |r| r.get::<_, i64>(0),
            )? as u64)
        };
        Ok(RecordCounts {
            orders: count("orders")?,
            order_lines: count("order_lines")?,
            refunds: count("refunds")?,
            variant_costs: count("variant_costs")?,
            ad_days: count("ad_days")?,
            shipments: count("shipments")?,
            activities: count("activities")?,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordCounts {
    pub orders: u64,
    pub order_lines: u64,
    pub refunds: u64,
    pub variant_costs: u64,
    pub ad_days: u64,
    pub shipments: u64,
    pub activities: u64,
}

fn workspace_of(tx: &Transaction<'_>, c: i64) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT workspace_id FROM connections WHERE id = ?1",
        [c],
        |r| r.get(0),
    )
}

/// Pause the marking triggers of orders, refunds and variant costs for this
/// connection (migrations 9 and 10) until [`resume_marks`], in the same
/// transaction, so no other handle ever sees the pause.
fn pause_marks(tx: &Transaction<'_>, c: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO rollup_marks_paused (connection_id) VALUES (?1)",
        [c],
    )
    .map(drop)
}

fn resume_marks(tx: &Transaction<'_>, c: i64) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM rollup_marks_paused WHERE connection_id = ?1",
        [c],
    )
    .map(drop)
}

/// Write `rows` with the connection's INSERT marks paused (migrations 9,
/// 10, 16), then mark once each day `write` collected — the days of the rows
/// it inserted or changed — as `kind` (`utc_day` or `local_day`).
fn with_page_marks(
    tx: &Transaction<'_>,
    c: i64,
    kind: &str,
    write: impl FnOnce(&mut std::collections::BTreeSet<String>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let workspace = workspace_of(tx, c)?;
    pause_marks(tx, c)?;
    let mut days = std::collections::BTreeSet::new();
    write(&mut days)?;
    resume_marks(tx, c)?;
    let mut mark = tx.prepare_cached(
        "INSERT INTO rollup_dirty (workspace_id, kind, day) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    for day in days {
        mark.execute(params![workspace, kind, day])?;
    }
    Ok(())
}

fn utc_day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn upsert(tx: &Transaction<'_>, c: i64, batch: &Batch) -> rusqlite::Result<u64> {
    match batch {
        Batch::Orders(list) => orders::upsert(tx, c, list),
        Batch::Variants(list) => costs::upsert(tx, c, list),
        Batch::ProductTitles(list) => costs::rename_products(tx, c, list),
        Batch::AdDays(list) => ad_days::upsert(tx, c, list),
        Batch::Shipments(list) => shipments::upsert(tx, c, list),
        Batch::Activities(list) => activities::upsert(tx, c, list),
        Batch::CustomerCounts(list) => orders::upsert_customer_counts(tx, c, list),
        Batch::Users(list) => activities::upsert_users(tx, c, list),
        Batch::ActivityWindow(w) => activities::reconcile(tx, c, w).map(|_| 0),
        Batch::Opportunities(list) => opportunities::upsert(tx, c, list),
        Batch::Pipelines(list) => opportunities::replace_stages(tx, c, list),
    }
}

/// Records loaded for computing metrics; see [`Store::metric_records`].
#[derive(Debug, Clone, Default)]
pub struct LoadedRecords {
    pub orders: Vec<crate::domain::records::Order>,
    pub ads: Vec<crate::domain::records::AdDay>,
    pub shipments: Vec<crate::domain::records::Shipment>,
    pub activities: Vec<crate::domain::records::Activity>,
    pub costs: std::collections::HashMap<String, crate::domain::records::VariantCost>,
    /// The whole stored history of every customer with an order loaded,
    /// keyed like `Order::customer_id`.
    pub customers: std::collections::HashMap<String, crate::domain::records::CustomerHistory>,
}

fn parse_ts(column: &str, raw: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| super::StoreError::Corrupt(format!("{column} = '{raw}' is not a timestamp")))
}

fn id_list(connections: &[ConnectionId]) -> String {
    serde_json::to_string(&connections.iter().map(|c| c.0).collect::<Vec<_>>()).expect("ids")
}

impl Store {
    /// The open opportunities per pipeline stage of `connections` now, in
    /// the pipelines' order; `emails` (lower case) narrows them to one person.
    pub fn pipeline_now(
        &self,
        connections: &[ConnectionId],
        emails: Option<&[String]>,
    ) -> Result<Vec<StageNow>> {
        let emails = emails.map(|e| serde_json::to_string(e).expect("e-mails"));
        opportunities::open_by_stage(&self.conn, &id_list(connections), emails.as_deref())
    }

    /// The instants (Unix seconds) of the stage moves seen in
    /// `from_utc..to_utc`; `emails` narrows them to one person.
    pub fn stage_moves(
        &self,
        connections: &[ConnectionId],
        emails: Option<&[String]>,
        from_utc: &str,
        to_utc: &str,
    ) -> Result<Vec<i64>> {
        let emails = emails.map(|e| serde_json::to_string(e).expect("e-mails"));
        opportunities::stage_moves(
            &self.conn,
            &id_list(connections),
            emails.as_deref(),
            from_utc,
            to_utc,
        )
    }

    /// The activities of `connections` stamped in `from_utc..to_utc` that
    /// belong to one person, known by any of `emails` (lower case), for
    /// counting: kind, time and talk time, without ids.
    pub fn member_activities(
        &self,
        connections: &[ConnectionId],
        emails: &[String],
        from_utc: &str,
        to_utc: &str,
    ) -> Result<Vec<crate::domain::records::Activity>> {
        let ids = serde_json::to_string(&connections.iter().map(|c| c.0).collect::<Vec<_>>())
            .expect("ids");
        let emails = serde_json::to_string(emails).expect("e-mails");
        activities::of_members(&self.conn, &ids, &emails, from_utc, to_utc)
    }

    /// The people a workspace's sales sources know, by lower-case e-mail:
    /// each with a name and the providers that know them.
    pub fn members(
        &self,
        workspace: crate::domain::WorkspaceId,
    ) -> Result<Vec<(String, String, Vec<String>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT u.email, u.name, c.provider FROM source_users u
             JOIN connections c ON c.id = u.connection_id
             WHERE c.workspace_id = ?1 AND u.email IS NOT NULL
             ORDER BY u.email, c.provider",
        )?;
        let rows = stmt
            .query_map([workspace.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
        for (email, name, provider) in rows {
            match out.last_mut() {
                Some(m) if m.0 == email => {
                    if !m.2.contains(&provider) {
                        m.2.push(provider);
                    }
                    if m.1.is_empty() {
                        m.1 = name;
                    }
                }
                _ => out.push((email, name, vec![provider])),
            }
        }
        Ok(out)
    }
}

/// What a range load reads: the connections (a JSON array, for `json_each`),
/// the UTC window of timestamps and the local days of dated rows.
struct Range<'a> {
    ids: &'a str,
    from_utc: &'a str,
    to_utc: &'a str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

impl Store {
    /// The records of `connections` that can touch the local days `from..=to`:
    /// everything stamped between `from_utc` and `to_utc` (callers widen the
    /// window by the largest zone offset) — orders booked in it with their
    /// lines, the refunds created in it with their orders, the whole history
    /// of the customers of those orders booked in it — and the shop's variant
    /// costs. An order carries only its refunds created in the window.
    pub fn metric_records(
        &self,
        connections: &[ConnectionId],
        from_utc: &str,
        to_utc: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<LoadedRecords> {
        self.load_range(connections, from_utc, to_utc, from, to, true)
    }

    /// Only the orders of [`Store::metric_records`] (with their lines and
    /// refunds) and the variant costs: what product figures need, without
    /// customers' histories, ads, shipments or activities.
    pub fn order_records(
        &self,
        connections: &[ConnectionId],
        from_utc: &str,
        to_utc: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<LoadedRecords> {
        self.load_range(connections, from_utc, to_utc, from, to, false)
    }

    /// The orders [`Store::order_records`] would hold, handed to `f` one at a
    /// time as they are read.
    pub fn each_order(
        &self,
        connections: &[ConnectionId],
        from_utc: &str,
        to_utc: &str,
        f: &mut dyn FnMut(&crate::domain::records::Order),
    ) -> Result<()> {
        let ids = serde_json::to_string(&connections.iter().map(|c| c.0).collect::<Vec<_>>())
            .expect("ids");
        let day = chrono::NaiveDate::MIN;
        self.in_read_transaction(|s| {
            let q = Range {
                ids: &ids,
                from_utc,
                to_utc,
                from: day,
                to: day,
            };
            orders::each(&s.conn, &q, f)
        })
    }

    /// The variant costs of the connections' shops and of their workspace.
    pub fn variant_costs(
        &self,
        connections: &[ConnectionId],
    ) -> Result<std::collections::HashMap<String, crate::domain::records::VariantCost>> {
        let ids = serde_json::to_string(&connections.iter().map(|c| c.0).collect::<Vec<_>>())
            .expect("ids");
        let day = chrono::NaiveDate::MIN;
        let q = Range {
            ids: &ids,
            from_utc: "",
            to_utc: "",
            from: day,
            to: day,
        };
        let mut out = LoadedRecords::default();
        costs::load(&self.conn, &q, &mut out)?;
        Ok(out.costs)
    }

    fn load_range(
        &self,
        connections: &[ConnectionId],
        from_utc: &str,
        to_utc: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        everything: bool,
    ) -> Result<LoadedRecords> {
        let ids = serde_json::to_string(&connections.iter().map(|c| c.0).collect::<Vec<_>>())
            .expect("ids");
        // Inside a recompute's write transaction the reads join it; otherwise
        // one read transaction keeps them consistent.
        let tx = if self.conn.is_autocommit() {
            // Deferred: a read, which must not wait for (or take) the write
            // lock, as on a reader beside a recompute holding it.
            Some(rusqlite::Transaction::new_unchecked(
                &self.conn,
                rusqlite::TransactionBehavior::Deferred,
            )?)
        } else {
            None
        };
        let db: &rusqlite::Connection = &self.conn;
        let mut out = LoadedRecords::default();
        let q = Range {
            ids: &ids,
            from_utc,
            to_utc,
            from,
            to,
        };
        orders::load(db, &q, &mut out, everything)?;
        costs::load(db, &q, &mut out)?;
        if everything {
            ad_days::load(db, &q, &mut out)?;
            shipments::load(db, &q, &mut out)?;
            activities::load(db, &q, &mut out)?;
        }
        if let Some(tx) = tx {
            tx.commit()?;
        }
        Ok(out)
    }
}
