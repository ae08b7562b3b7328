//! Google Ads searchStream rows → ad days (int64 values arrive as strings,
//! money in micros).

use crate::connectors::json::{decimal, integer};
use crate::domain::records::{AdDay, AdPlatform};
use chrono::NaiveDate;
use serde_json::Value;

/// One searchStream result row → an ad day.
pub fn ad_day(row: &Value) -> Result<AdDay, String> {
    let get = |p: &str| row.pointer(p).unwrap_or(&Value::Null);
    let campaign = match get("/campaign/id") {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err("campaign.id is missing".into()),
    };
    let date = get("/segments/date")
        .as_str()
        .ok_or("segments.date is missing")?
        .parse::<NaiveDate>()
        .map_err(|_| "segments.date is not a date".to_string())?;
    let micros = integer(get("/metrics/costMicros"), "metrics.cost_micros")?;
    Ok(AdDay {
        platform: AdPlatform::Google,
        campaign_id: campaign,
        date,
        spend: rust_decimal::Decimal::new(micros, 6).normalize(),
        impressions: integer(get("/metrics/impressions"), "metrics.impressions")?,
        clicks: integer(get("/metrics/clicks"), "metrics.clicks")?,
        reach: 0,
        purchases: decimal(get("/metrics/conversions"), "metrics.conversions")?,
        purchase_value: decimal(
            get("/metrics/conversionsValue"),
            "metrics.conversions_value",
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_read_micros_and_string_integers() {
        let row = json!({"campaign": {"id": "55", "name": "Brand"}, "segments": {"date": "2026-03-10"},
            "metrics": {"costMicros": "200000000", "impressions": "5000", "clicks": "100",
                        "conversions": 4.0, "conversionsValue": 540.5}});
        let d = ad_day(&row).unwrap();
        assert_eq!(d.spend, rust_decimal::Decimal::from(200));
        assert_eq!((d.impressions, d.clicks), (5000, 100));
        assert_eq!(d.purchases, rust_decimal::Decimal::from(4));
        assert_eq!(d.purchase_value, rust_decimal::Decimal::new(5405, 1));
        let cents = json!({"campaign": {"id": "55"}, "segments": {"date": "2026-03-10"},
            "metrics": {"costMicros": "12345678"}});
        assert_eq!(
            ad_day(&cents).unwrap().spend,
            rust_decimal::Decimal::new(12345678, 6)
        );
        assert!(ad_day(&json!({"segments": {"date": "2026-03-10"}})).is_err());
    }
}
