//! Shiprocket's orders → shipments: the status mapping of metrics.md, India's
//! display dates, freight from each order's detail.

use super::ZONE;
use crate::connectors::json::decimal;
use crate::domain::records::{Shipment, ShipmentStatus};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// The status mapping of metrics.md, from the order's status text.
pub fn status_of(text: &str) -> ShipmentStatus {
    let s = text.trim().to_ascii_uppercase().replace(['_', '-'], " ");
    if s.starts_with("RTO") {
        ShipmentStatus::Rto
    } else if s == "DELIVERED" {
        ShipmentStatus::Delivered
    } else if s == "UNDELIVERED" || s.starts_with("NDR") {
        ShipmentStatus::Ndr
    } else if matches!(
        s.as_str(),
        "PICKED UP"
            | "SHIPPED"
            | "IN TRANSIT"
            | "OUT FOR DELIVERY"
            | "REACHED AT DESTINATION HUB"
            | "REACHED DESTINATION HUB"
            | "MISROUTED"
            | "DELAYED"
    ) {
        ShipmentStatus::InTransit
    } else {
        ShipmentStatus::Other
    }
}

/// "24 Jul 2026, 11:58 AM" (India time), or ISO forms, as UTC.
pub fn shiprocket_time(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = ["%d %b %Y, %I:%M %p", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw.trim(), f).ok())
        .ok_or_else(|| format!("'{raw}' is not a date Shiprocket sends"))?;
    ZONE.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("'{raw}' does not exist in India's time"))
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An amount sent as a string, a number, or not at all (0).
fn amount(v: &Value, key: &str) -> Result<rust_decimal::Decimal, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(rust_decimal::Decimal::ZERO),
        Some(Value::String(s)) if s.is_empty() => Ok(rust_decimal::Decimal::ZERO),
        Some(x) => decimal(x, key),
    }
}

/// One shipment of an order: its status is the order's current one, its
/// freight the order's forward plus RTO charges.
pub(super) fn shipment(order: &Value, s: &Value, charges: &Value) -> Result<Shipment, String> {
    let id = text(s, "id").ok_or("the shipment has no id")?;
    let created = text(order, "created_at").ok_or("the order has no created_at")?;
    let status = text(order, "status").ok_or("the order has no status")?;
    let freight =
        amount(charges, "freight_charges")? + amount(charges, "charged_weight_amount_rto")?;
    Ok(Shipment {
        id,
        awb: text(s, "awb"),
        courier: text(s, "courier"),
        order_ref: text(order, "channel_order_id"),
        created_at: shiprocket_time(&created)?,
        status: status_of(&status),
        freight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_as_metrics_md_says() {
        use ShipmentStatus::*;
        for (s, want) in [
            ("DELIVERED", Delivered),
            ("IN TRANSIT", InTransit),
            ("Out For Delivery", InTransit),
            ("PICKED UP", InTransit),
            ("RTO INITIATED", Rto),
            ("RTO DELIVERED", Rto),
            ("UNDELIVERED", Ndr),
            ("NEW", Other),
            ("CANCELED", Other),
            ("LOST", Other),
        ] {
            assert_eq!(status_of(s), want, "{s}");
        }
    }

    #[test]
    fn display_dates_are_india_time() {
        let t = shiprocket_time("24 Jul 2026, 11:58 AM").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-24T06:28:00+00:00");
        assert_eq!(
            shiprocket_time("2026-07-24 00:10:00").unwrap().to_rfc3339(),
            "2026-07-23T18:40:00+00:00"
        );
        assert!(shiprocket_time("yesterday").is_err());
    }
}
