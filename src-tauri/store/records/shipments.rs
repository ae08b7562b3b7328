//! Shipments, upserted by the courier platform's id, listed with the order
//! they are linked to, and read by creation time.

use super::{parse_ts, ts, LoadedRecords, Range};
use crate::domain::records::{Shipment, ShipmentStatus};
use crate::store::{parse_decimal, Result, Store};
use rusqlite::{params, Connection, Transaction};

/// A shipment as the UI and CLI list it, with the Shopify order it is linked to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShipmentRow {
    pub id: String,
    pub created_at: String,
    pub status: String,
    pub freight: String,
    pub awb: Option<String>,
    pub courier: Option<String>,
    /// The channel's order reference as Shiprocket sent it.
    pub order_ref: Option<String>,
    /// The Shopify order (its name) of the same workspace that reference
    /// names, by order name ("#1001" or "1001") or numeric id.
    pub order: Option<String>,
}

impl Store {
    /// The workspace's newest shipments first, each linked to its Shopify order when one matches.
    pub fn shipments(
        &self,
        workspace: crate::domain::WorkspaceId,
        limit: u32,
    ) -> Result<Vec<ShipmentRow>> {
        let mut stmt = self.conn.prepare(
            // By name first; then by numeric id, which is the last part of a
            // Shopify order's GID, so the orders' primary key finds it.
            "SELECT s.source_id, s.created_at, s.status, s.freight, s.awb, s.courier, s.order_ref,
                    COALESCE(
                      (SELECT o.name FROM orders o JOIN connections oc ON oc.id = o.connection_id
                        WHERE oc.workspace_id = c.workspace_id
                          AND (o.name = s.order_ref OR o.name = '#' || s.order_ref)
                        LIMIT 1),
                      (SELECT o.name FROM orders o JOIN connections oc ON oc.id = o.connection_id
                        WHERE oc.workspace_id = c.workspace_id
                          AND o.source_id = 'gid://shopify/Order/' || s.order_ref
                        LIMIT 1))
             FROM shipments s JOIN connections c ON c.id = s.connection_id
             WHERE c.workspace_id = ?1
             ORDER BY s.created_at DESC, s.source_id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![workspace.0, limit], |r| {
                Ok(ShipmentRow {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    status: r.get(2)?,
                    freight: r.get(3)?,
                    awb: r.get(4)?,
                    courier: r.get(5)?,
                    order_ref: r.get(6)?,
                    order: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// Store a page of shipments.
pub(super) fn upsert(tx: &Transaction<'_>, c: i64, list: &[Shipment]) -> rusqlite::Result<u64> {
    let mut n = 0;
    let mut stmt = tx.prepare_cached(
            "INSERT INTO shipments (connection_id, source_id, created_at, status, freight, awb, courier, order_ref)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (connection_id, source_id) DO UPDATE SET
                 created_at = excluded.created_at, status = excluded.status, freight = excluded.freight,
                 awb = excluded.awb, courier = excluded.courier, order_ref = excluded.order_ref",
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
            s.freight.to_string(),
            s.awb,
            s.courier,
            s.order_ref,
        ])?;
        n += 1;
    }
    Ok(n)
}

/// The range's shipments.
pub(super) fn load(db: &Connection, q: &Range<'_>, out: &mut LoadedRecords) -> Result<()> {
    let mut stmt = db.prepare(
            "SELECT source_id, created_at, status, freight FROM shipments
             WHERE connection_id IN (SELECT value FROM json_each(?1)) AND created_at >= ?2 AND created_at < ?3",
        )?;
    let mut rows = stmt.query(params![q.ids, q.from_utc, q.to_utc])?;
    while let Some(r) = rows.next()? {
        let status = match r.get::<_, String>(2)?.as_str() {
            "delivered" => ShipmentStatus::Delivered,
            "in_transit" => ShipmentStatus::InTransit,
            "rto" => ShipmentStatus::Rto,
            "ndr" => ShipmentStatus::Ndr,
            _ => ShipmentStatus::Other,
        };
        out.shipments.push(Shipment {
            id: r.get(0)?,
            awb: None,
            courier: None,
            order_ref: None,
            created_at: parse_ts("shipment created_at", &r.get::<_, String>(1)?)?,
            status,
            freight: parse_decimal("freight", &r.get::<_, String>(3)?)?,
        });
    }
    Ok(())
}
