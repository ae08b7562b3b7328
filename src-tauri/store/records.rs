//! Synced records: a page is upserted by the source's ids and the stream's
//! cursor moves in the same transaction, so a crash at any moment leaves either
//! the whole page and its cursor, or neither.

use super::{Result, Store};
use crate::domain::records::{ActivityKind, AdPlatform, Batch, ShipmentStatus};
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

fn upsert(tx: &Transaction<'_>, c: i64, batch: &Batch) -> rusqlite::Result<u64> {
    let mut n = 0;
    match batch {
        Batch::Orders(orders) => {
            let mut order_stmt = tx.prepare_cached(
                "INSERT INTO orders (connection_id, source_id, processed_at, created_at, test, voided,
                     customer_id, customer_order_count, discounts, shipping, taxes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (connection_id, source_id) DO UPDATE SET
                     processed_at = excluded.processed_at, created_at = excluded.created_at,
                     test = excluded.test, voided = excluded.voided, customer_id = excluded.customer_id,
                     customer_order_count = excluded.customer_order_count, discounts = excluded.discounts,
                     shipping = excluded.shipping, taxes = excluded.taxes",
            )?;
            // An edited order's lines and refunds replace the old ones whole.
            let mut clear_lines = tx.prepare_cached(
                "DELETE FROM order_lines WHERE connection_id = ?1 AND order_id = ?2",
            )?;
            let mut clear_refunds = tx
                .prepare_cached("DELETE FROM refunds WHERE connection_id = ?1 AND order_id = ?2")?;
            let mut line_stmt = tx.prepare_cached(
                "INSERT INTO order_lines (connection_id, order_id, line_id, variant_id, quantity, unit_price)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut refund_stmt = tx.prepare_cached(
                "INSERT INTO refunds (connection_id, order_id, refund_id, created_at, shipping) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut refund_line_stmt = tx.prepare_cached(
                "INSERT INTO refund_lines (connection_id, order_id, refund_id, line_id, quantity, subtotal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for o in orders {
                order_stmt.execute(params![
                    c,
                    o.id,
                    o.processed_at.map(ts),
                    ts(o.created_at),
                    o.test,
                    o.financial_status == crate::domain::records::FinancialStatus::Voided,
                    o.customer_id,
                    o.customer_order_count.map(|n| n as i64),
                    o.discounts.to_string(),
                    o.shipping.to_string(),
                    o.taxes.to_string(),
                ])?;
                clear_lines.execute(params![c, o.id])?;
                clear_refunds.execute(params![c, o.id])?;
                for l in &o.lines {
                    line_stmt.execute(params![
                        c,
                        o.id,
                        l.id,
                        l.variant_id,
                        l.quantity,
                        l.unit_price.to_string()
                    ])?;
                }
                for r in &o.refunds {
                    refund_stmt.execute(params![
                        c,
                        o.id,
                        r.id,
                        ts(r.created_at),
                        r.shipping.to_string()
                    ])?;
                    for rl in &r.lines {
                        refund_line_stmt.execute(params![
                            c,
                            o.id,
                            r.id,
                            rl.line_id,
                            rl.quantity,
                            rl.subtotal.to_string()
                        ])?;
                    }
                }
                n += 1;
            }
        }
        Batch::VariantCosts(costs) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO variant_costs (connection_id, variant_id, unit_cost) VALUES (?1, ?2, ?3)
                 ON CONFLICT (connection_id, variant_id) DO UPDATE SET unit_cost = excluded.unit_cost",
            )?;
            for (variant, cost) in costs {
                stmt.execute(params![c, variant, cost.map(|d| d.to_string())])?;
                n += 1;
            }
        }
        Batch::AdDays(days) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO ad_days (connection_id, platform, campaign_id, date, spend, impressions, clicks,
                     reach, purchases, purchase_value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (connection_id, campaign_id, date) DO UPDATE SET
                     platform = excluded.platform, spend = excluded.spend, impressions = excluded.impressions,
                     clicks = excluded.clicks, reach = excluded.reach, purchases = excluded.purchases,
                     purchase_value = excluded.purchase_value",
            )?;
            for a in days {
                let platform = match a.platform {
                    AdPlatform::Meta => "meta",
                    AdPlatform::Google => "google",
                };
                stmt.execute(params![
                    c,
                    platform,
                    a.campaign_id,
                    a.date.to_string(),
                    a.spend.to_string(),
                    a.impressions,
                    a.clicks,
                    a.reach,
                    a.purchases.to_string(),
                    a.purchase_value.to_string(),
                ])?;
                n += 1;
            }
        }
        Batch::Shipments(list) => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO shipments (connection_id, source_id, created_at, status, freight)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (connection_id, source_id) DO UPDATE SET
                     created_at = excluded.created_at, status = excluded.status, freight = excluded.freight",
            )?;
            for s in list {
                let status = match s.status {
                    ShipmentStatus::Delivered => "delivered",
                    ShipmentStatus::InTransit => "in_transit",
                    ShipmentStatus::Rto => "rto",
                    ShipmentStatus::Ndr => "ndr",
                    ShipmentStatus::Other => "other",
                };
                stmt.execute(params![
                    c,
                    s.id,
                    ts(s.created_at),
                    status,
                    s.freight.to_string()
                ])?;
                n += 1;
            }
        }
        Batch::Activities(list) => {
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
        }
    }
    Ok(n)
}
