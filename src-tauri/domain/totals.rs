//! The additive figures of a day or a period, as the metrics compute them
//! and the store keeps them in its daily rollups. Plain data: the arithmetic
//! on it lives in `metrics`.

use rust_decimal::Decimal;

/// The additive figures of a day or a period. Periods add these up; ratios and
/// the derived figures are computed from them. Stored as JSON in the daily
/// rollups (decimals as strings, so nothing is rounded on the way).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Totals {
    pub orders: i64,
    pub gross_sales: Decimal,
    pub discounts: Decimal,
    pub shipping_charged: Decimal,
    pub taxes: Decimal,
    pub refunds: Decimal,
    pub units: i64,
    pub cogs: Decimal,
    pub cogs_estimated: Decimal,
    pub ad_spend: Decimal,
    /// The parts of `ad_spend` from Meta and from Google (they sum to it).
    pub ad_spend_meta: Decimal,
    pub ad_spend_google: Decimal,
    pub shipping_cost: Decimal,
    pub payment_fees: Decimal,
    pub other_expenses: Decimal,
    pub impressions: i64,
    pub reach: i64,
    pub clicks: i64,
    pub platform_purchases: Decimal,
    pub platform_purchase_value: Decimal,
    pub new_customers: i64,
    pub returning_customers: i64,
    pub shipments: i64,
    pub delivered: i64,
    pub in_transit: i64,
    pub rto: i64,
    pub ndr: i64,
    pub emails: i64,
    pub crm_calls: i64,
    pub leads: i64,
    pub calls: i64,
    pub calls_answered: i64,
    pub calls_missed: i64,
    pub talk_time_s: i64,
}
