//! Meta's insights rows → ad days.

use crate::connectors::json::{decimal, integer};
use crate::domain::records::{AdDay, AdPlatform};
use chrono::NaiveDate;
use serde_json::Value;

/// One insights row → an ad day. Purchases are `omni_purchase` (what Ads
/// Manager shows), else `purchase`; never a sum of several kinds.
pub fn ad_day(row: &Value) -> Result<AdDay, String> {
    let s = |k: &str| row.get(k).and_then(Value::as_str);
    let campaign = s("campaign_id").ok_or("campaign_id is missing")?;
    let date = s("date_start")
        .ok_or("date_start is missing")?
        .parse::<NaiveDate>()
        .map_err(|_| "date_start is not a date".to_string())?;
    let pick = |list: &str| -> Result<(Option<&str>, rust_decimal::Decimal), String> {
        let items = row.get(list).and_then(Value::as_array);
        for kind in ["omni_purchase", "purchase"] {
            if let Some(item) = items
                .into_iter()
                .flatten()
                .find(|a| a.get("action_type").and_then(Value::as_str) == Some(kind))
            {
                return Ok((Some(kind), decimal(&item["value"], list)?));
            }
        }
        Ok((None, rust_decimal::Decimal::ZERO))
    };
    let (kind, purchases) = pick("actions")?;
    let value = match kind {
        Some(k) => row
            .get("action_values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|a| a.get("action_type").and_then(Value::as_str) == Some(k))
            .map(|a| decimal(&a["value"], "action_values"))
            .transpose()?
            .unwrap_or_default(),
        None => rust_decimal::Decimal::ZERO,
    };
    Ok(AdDay {
        platform: AdPlatform::Meta,
        campaign_id: campaign.to_string(),
        date,
        spend: decimal(row.get("spend").unwrap_or(&Value::Null), "spend")?,
        impressions: integer(
            row.get("impressions").unwrap_or(&Value::Null),
            "impressions",
        )?,
        clicks: integer(
            row.get("inline_link_clicks").unwrap_or(&Value::Null),
            "inline_link_clicks",
        )?,
        reach: integer(row.get("reach").unwrap_or(&Value::Null), "reach")?,
        purchases,
        purchase_value: value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn purchases_are_omni_purchase_else_purchase_never_a_sum() {
        let row = json!({
            "campaign_id": "c1", "date_start": "2026-03-10", "spend": "300.00",
            "impressions": "20000", "inline_link_clicks": "400", "clicks": "700", "reach": "9000",
            "actions": [{"action_type": "purchase", "value": "7"}, {"action_type": "omni_purchase", "value": "9"}],
            "action_values": [{"action_type": "purchase", "value": "700"}, {"action_type": "omni_purchase", "value": "900.50"}]
        });
        let d = ad_day(&row).unwrap();
        assert_eq!((d.clicks, d.impressions, d.reach), (400, 20000, 9000));
        assert_eq!(d.purchases, rust_decimal::Decimal::from(9));
        assert_eq!(d.purchase_value, rust_decimal::Decimal::new(90050, 2));
        let only = json!({"campaign_id": "c1", "date_start": "2026-03-10", "spend": "1",
            "actions": [{"action_type": "purchase", "value": "2"}],
            "action_values": [{"action_type": "purchase", "value": "20"}]});
        assert_eq!(
            ad_day(&only).unwrap().purchase_value,
            rust_decimal::Decimal::from(20)
        );
        assert!(ad_day(&json!({"date_start": "2026-03-10"})).is_err());
    }
}
