//! The synced records the metrics are computed from, as plain values: orders with
//! their lines and refunds, product costs, ad rows, shipments and sales activity.
//! Connectors produce them; `metrics` reads them. Money is `Decimal`, never float.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// Shopify's `displayFinancialStatus`, reduced to what the metrics ask of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinancialStatus {
    /// Cancelled without any captured payment: never counts.
    Voided,
    /// Anything else (pending, paid, refunded, …).
    Other,
}

/// An order line after order edits.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    pub id: String,
    pub variant_id: Option<String>,
    /// Units sold after edits and before refunds (Shopify: `currentQuantity`
    /// plus the line's refunded quantity).
    pub quantity: i64,
    /// Original unit price, before discounts.
    pub unit_price: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefundLine {
    pub line_id: String,
    pub quantity: i64,
    /// Refunded line subtotal after discounts, without tax.
    pub subtotal: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Refund {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub lines: Vec<RefundLine>,
    pub shipping: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: String,
    /// Shopify's order name ("#1001") and numeric id, when the source has them.
    pub name: Option<String>,
    pub legacy_id: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub test: bool,
    pub financial_status: FinancialStatus,
    pub customer_id: Option<String>,
    /// The customer's lifetime order count as Shopify reports it now.
    pub customer_order_count: Option<u64>,
    pub discounts: Decimal,
    pub shipping: Decimal,
    pub taxes: Decimal,
    pub lines: Vec<OrderLine>,
    pub refunds: Vec<Refund>,
}

impl Order {
    /// The moment that decides the order's day: `processedAt`, else `createdAt`.
    pub fn booked_at(&self) -> DateTime<Utc> {
        self.processed_at.unwrap_or(self.created_at)
    }

    /// Test orders and orders cancelled with no captured payment do not count.
    pub fn counts(&self) -> bool {
        !self.test && self.financial_status != FinancialStatus::Voided
    }
}

/// What is known of one variant's unit cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VariantCost {
    /// Entered by the user in Pulseboard, each from a local day on (`None`:
    /// from the beginning), oldest first; the one in force on a day wins
    /// over everything.
    pub entered: Vec<(Option<NaiveDate>, Decimal)>,
    /// Shopify's inventory item `unitCost`.
    pub shopify: Option<Decimal>,
}

impl VariantCost {
    /// The cost the user entered that is in force on `day`: the latest one
    /// that starts on or before it.
    pub fn entered_on(&self, day: NaiveDate) -> Option<Decimal> {
        self.entered
            .iter()
            .rev()
            .find(|(from, _)| from.is_none_or(|f| f <= day))
            .map(|(_, cost)| *cost)
    }
}

/// One variant as the shop lists it: its cost, and what names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variant {
    pub id: String,
    /// The shop's unit cost (`None`: the shop has none).
    pub unit_cost: Option<Decimal>,
    pub sku: Option<String>,
    /// The variant's own title ("Large / Blue", "Default Title").
    pub title: Option<String>,
    pub price: Option<Decimal>,
    pub product_id: Option<String>,
    pub product: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdPlatform {
    Meta,
    Google,
}

/// One campaign's figures on one day, as the platform reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct AdDay {
    pub platform: AdPlatform,
    pub date: NaiveDate,
    pub campaign_id: String,
    pub spend: Decimal,
    pub impressions: i64,
    /// Meta `inline_link_clicks`; Google `clicks`.
    pub clicks: i64,
    /// Meta only; 0 for Google.
    pub reach: i64,
    pub purchases: Decimal,
    pub purchase_value: Decimal,
}

/// A shipment's current status, mapped as metrics.md says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentStatus {
    Delivered,
    InTransit,
    Rto,
    Ndr,
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    pub id: String,
    pub awb: Option<String>,
    pub courier: Option<String>,
    /// The sales channel's order reference (Shiprocket `channel_order_id`):
    /// links the shipment to a Shopify order by its name or numeric id.
    pub order_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub status: ShipmentStatus,
    /// Forward plus RTO freight.
    pub freight: Decimal,
}

/// How a dialer call ended, as metrics.md counts it: every call is one of
/// `calls`; `Answered` ones are `calls_answered`, `Missed` ones (incoming
/// Missed, Voicemail or Abandoned) `calls_missed`, and `Other` ones (an
/// outgoing call nobody picked up, a busy or failed one) neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallOutcome {
    Answered,
    Missed,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    Email,
    CrmCall,
    Lead,
    Call(CallOutcome),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: String,
    pub kind: ActivityKind,
    pub at: DateTime<Utc>,
    /// Talk time in seconds (dialer calls).
    pub talk_time_s: i64,
    /// The team member it belongs to: their e-mail, lower case; `None` when
    /// it has no user (it counts for the workspace only).
    pub member: Option<String>,
}

/// A person as one source knows them (a Copper user, a JustCall agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUser {
    pub id: String,
    /// Lower case; `None` when the source has no e-mail for them.
    pub email: Option<String>,
    pub name: String,
}

/// The end of a re-read window of activities: every stored activity of
/// `kinds` stamped in `from..to` that the source no longer lists (its id is
/// not in `listed`) was deleted at the source, and goes.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub kinds: Vec<ActivityKind>,
    pub listed: Vec<String>,
}

/// Where an opportunity stands (Copper's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DealStatus {
    Open,
    Won,
    Lost,
    Abandoned,
}

impl DealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::Abandoned => "abandoned",
        }
    }

    /// `Open`, `won`, ... → the status; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "open" => Some(Self::Open),
            "won" => Some(Self::Won),
            "lost" => Some(Self::Lost),
            "abandoned" => Some(Self::Abandoned),
            _ => None,
        }
    }
}

/// A CRM opportunity (a deal) as it stands now: its pipeline and stage, and
/// when it last changed stage. Not a lead (metrics.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    pub id: String,
    pub name: String,
    /// The assignee's e-mail, lower case; `None` when unassigned.
    pub member: Option<String>,
    pub pipeline_id: String,
    pub stage_id: String,
    pub status: DealStatus,
    pub value: Option<Decimal>,
    /// `None`: the account's currency.
    pub currency: Option<String>,
    /// When it entered its stage; the same as `created_at` when it never moved.
    pub stage_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

/// One stage of a CRM pipeline, in the pipeline's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineStage {
    pub pipeline_id: String,
    pub pipeline: String,
    pub stage_id: String,
    pub stage: String,
    /// 0 for the pipeline's first stage.
    pub position: u32,
    pub win_probability: Option<i64>,
}

/// One page of one stream's records, as a connector hands it to the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Batch {
    Orders(Vec<Order>),
    /// The shop's variants with their unit costs.
    Variants(Vec<Variant>),
    AdDays(Vec<AdDay>),
    Shipments(Vec<Shipment>),
    Activities(Vec<Activity>),
    /// Customer id and the lifetime order count the shop reports now.
    CustomerCounts(Vec<(String, u64)>),
    /// A product's id and its title now: every stored variant of it takes
    /// the title (a product renamed in the shop).
    ProductTitles(Vec<(String, String)>),
    Users(Vec<SourceUser>),
    /// A re-read window's end: what the source no longer lists is deleted.
    ActivityWindow(ActivityWindow),
    Opportunities(Vec<Opportunity>),
    /// Every stage of every pipeline: the ones not listed are gone.
    Pipelines(Vec<PipelineStage>),
}

impl Batch {
    pub fn len(&self) -> usize {
        match self {
            Self::Orders(v) => v.len(),
            Self::Variants(v) => v.len(),
            Self::AdDays(v) => v.len(),
            Self::Shipments(v) => v.len(),
            Self::Activities(v) => v.len(),
            Self::CustomerCounts(v) => v.len(),
            Self::ProductTitles(v) => v.len(),
            Self::Users(v) => v.len(),
            Self::ActivityWindow(_) => 0,
            Self::Opportunities(v) => v.len(),
            Self::Pipelines(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What new-or-returning needs of a customer's whole stored history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerHistory {
    /// Orders stored for the customer, counted or not.
    pub stored: u64,
    /// The most orders the shop reported for them; `None` if it never did.
    pub reported: Option<u64>,
    /// Their earliest stored order: least booked time, then least id.
    pub first_order: String,
}
