//! The canonical metric keys of shared/metrics.md, in the order the CLI, the
//! JSON and the CSV header use, and each one's value for a day or a period.

use super::Totals;
use rust_decimal::{Decimal, RoundingStrategy};

/// What kind of number a key holds, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Count(i64),
    /// Money in the workspace currency; written to the cent.
    Money(Decimal),
    /// A quantity that may be fractional (Google's conversions).
    Quantity(Decimal),
    /// `None` when its denominator is zero: JSON null, an empty CSV cell, "—".
    Ratio(Option<Decimal>),
}

impl Value {
    /// Plain text with `.` decimals; empty for an empty ratio.
    pub fn render(self) -> String {
        match self {
            Self::Count(n) => n.to_string(),
            Self::Money(d) => {
                let mut cents = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                cents.rescale(2);
                cents.to_string()
            }
            Self::Quantity(d) => d.round_dp(4).normalize().to_string(),
            Self::Ratio(Some(d)) => d.round_dp(6).normalize().to_string(),
            Self::Ratio(None) => String::new(),
        }
    }

    pub fn to_json(self) -> serde_json::Value {
        match self {
            Self::Ratio(None) => serde_json::Value::Null,
            Self::Count(n) => n.into(),
            other => other
                .render()
                .parse::<serde_json::Number>()
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Every key, in output order.
pub const KEYS: &[&str] = &[
    "orders",
    "gross_sales",
    "discounts",
    "shipping_charged",
    "taxes",
    "refunds",
    "revenue",
    "aov",
    "units",
    "cogs",
    "cogs_estimated",
    "ad_spend",
    "shipping_cost",
    "payment_fees",
    "other_expenses",
    "gross_profit",
    "gross_margin",
    "net_profit",
    "net_margin",
    "impressions",
    "reach",
    "clicks",
    "platform_purchases",
    "platform_purchase_value",
    "roas",
    "platform_roas",
    "poas",
    "cpp",
    "cpc",
    "ctr",
    "cpm",
    "new_customers",
    "returning_customers",
    "customers",
    "returning_rate",
    "shipments",
    "delivered",
    "in_transit",
    "rto",
    "ndr",
    "delivery_rate",
    "rto_rate",
    "emails",
    "crm_calls",
    "leads",
    "calls",
    "calls_answered",
    "calls_missed",
    "talk_time_s",
];

/// The P&L's keys, in the order of its lines and of `pulseboard pnl`'s JSON
/// and CSV: metrics.md's keys, with `ad_spend` split by platform.
pub const PNL_KEYS: &[&str] = &[
    "gross_sales",
    "discounts",
    "refunds",
    "shipping_charged",
    "revenue",
    "cogs",
    "cogs_estimated",
    "gross_profit",
    "ad_spend",
    "ad_spend_meta",
    "ad_spend_google",
    "shipping_cost",
    "payment_fees",
    "other_expenses",
    "net_profit",
    "gross_margin",
    "net_margin",
];

/// The value of `key` for these totals.
pub fn value(t: &Totals, key: &str) -> Option<Value> {
    use Value::{Count, Money, Quantity, Ratio};
    Some(match key {
        "orders" => Count(t.orders),
        "gross_sales" => Money(t.gross_sales),
        "discounts" => Money(t.discounts),
        "shipping_charged" => Money(t.shipping_charged),
        "taxes" => Money(t.taxes),
        "refunds" => Money(t.refunds),
        "revenue" => Money(t.revenue()),
        "aov" => Ratio(t.aov()),
        "units" => Count(t.units),
        "cogs" => Money(t.cogs),
        "cogs_estimated" => Money(t.cogs_estimated),
        "ad_spend" => Money(t.ad_spend),
        // The P&L's split of `ad_spend`; not in KEYS (metrics.md's list).
        "ad_spend_meta" => Money(t.ad_spend_meta),
        "ad_spend_google" => Money(t.ad_spend_google),
        "shipping_cost" => Money(t.shipping_cost),
        "payment_fees" => Money(t.payment_fees),
        "other_expenses" => Money(t.other_expenses),
        "gross_profit" => Money(t.gross_profit()),
        "gross_margin" => Ratio(t.gross_margin()),
        "net_profit" => Money(t.net_profit()),
        "net_margin" => Ratio(t.net_margin()),
        "impressions" => Count(t.impressions),
        "reach" => Count(t.reach),
        "clicks" => Count(t.clicks),
        "platform_purchases" => Quantity(t.platform_purchases),
        "platform_purchase_value" => Money(t.platform_purchase_value),
        "roas" => Ratio(t.roas()),
        "platform_roas" => Ratio(t.platform_roas()),
        "poas" => Ratio(t.poas()),
        "cpp" => Ratio(t.cpp()),
        "cpc" => Ratio(t.cpc()),
        "ctr" => Ratio(t.ctr()),
        "cpm" => Ratio(t.cpm()),
        "new_customers" => Count(t.new_customers),
        "returning_customers" => Count(t.returning_customers),
        "customers" => Count(t.customers()),
        "returning_rate" => Ratio(t.returning_rate()),
        "shipments" => Count(t.shipments),
        "delivered" => Count(t.delivered),
        "in_transit" => Count(t.in_transit),
        "rto" => Count(t.rto),
        "ndr" => Count(t.ndr),
        "delivery_rate" => Ratio(t.delivery_rate()),
        "rto_rate" => Ratio(t.rto_rate()),
        "emails" => Count(t.emails),
        "crm_calls" => Count(t.crm_calls),
        "leads" => Count(t.leads),
        "calls" => Count(t.calls),
        "calls_answered" => Count(t.calls_answered),
        "calls_missed" => Count(t.calls_missed),
        "talk_time_s" => Count(t.talk_time_s),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_value_and_keys_are_unique() {
        let t = Totals::default();
        for k in KEYS {
            assert!(value(&t, k).is_some(), "{k}");
        }
        let mut sorted = KEYS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), KEYS.len());
        assert_eq!(value(&t, "nope"), None);
    }

    #[test]
    fn rendering() {
        assert_eq!(Value::Money(Decimal::new(12345, 3)).render(), "12.35");
        assert_eq!(Value::Money(Decimal::new(-45000, 2)).render(), "-450.00");
        assert_eq!(
            Value::Money(Decimal::from(3100) / Decimal::from(31)).render(),
            "100.00"
        );
        assert_eq!(Value::Ratio(None).render(), "");
        assert_eq!(
            Value::Ratio(Some(Decimal::from(1) / Decimal::from(3))).render(),
            "0.333333"
        );
        assert_eq!(Value::Ratio(Some(Decimal::new(35, 1))).render(), "3.5");
        assert_eq!(Value::Ratio(None).to_json(), serde_json::Value::Null);
        assert_eq!(
            Value::Money(Decimal::new(175000, 2)).to_json().to_string(),
            "1750.0"
        );
        assert_eq!(Value::Count(3).to_json(), serde_json::json!(3));
    }
}
