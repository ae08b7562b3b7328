//! The demo business's records, generated per (stream, day) from the seed.

use super::{DemoSource, MAX_REFUND_DELAY, PRODUCTS};
use crate::domain::records::*;
use chrono::{Days, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

/// The demo sales team's e-mail domain.
pub const DEMO_TEAM_DOMAIN: &str = "team.demo-shop.example";
/// The demo's sales team.
const REPS: [(&str, &str); 4] = [
    ("asha", "Asha Rao"),
    ("vikram", "Vikram Shah"),
    ("meera", "Meera Iyer"),
    ("rohan", "Rohan Das"),
];

/// The demo's sales team as its CRM knows them.
pub(super) fn team() -> Vec<SourceUser> {
    REPS.iter()
        .map(|(id, name)| SourceUser {
            id: id.to_string(),
            email: Some(format!("{id}@{DEMO_TEAM_DOMAIN}")),
            name: name.to_string(),
        })
        .collect()
}

/// The demo's sales pipeline, in order.
const STAGES: [&str; 4] = ["Qualified", "Demo booked", "Proposal", "Negotiation"];
/// Days a demo deal spends in each stage before it moves on.
const DAYS_PER_STAGE: i64 = 6;

/// The demo's one pipeline and its stages.
pub(super) fn pipelines() -> Vec<PipelineStage> {
    STAGES
        .iter()
        .enumerate()
        .map(|(i, stage)| PipelineStage {
            pipeline_id: "1".into(),
            pipeline: "New business".into(),
            stage_id: format!("{}", i + 1),
            stage: stage.to_string(),
            position: i as u32,
            win_probability: Some(10 + 25 * i as i64),
        })
        .collect()
}

/// The part of a demo activity's id that names its kind, as the first
/// versions wrote it (so a re-read day keeps its ids).
fn id_tag(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::Email => "Email",
        ActivityKind::CrmCall => "CrmCall",
        ActivityKind::Lead => "Lead",
        ActivityKind::Call(CallOutcome::Answered) => "Call { answered: true }",
        ActivityKind::Call(CallOutcome::Missed) => "Call { answered: false }",
        ActivityKind::Call(CallOutcome::Other) => "Call",
    }
}

impl DemoSource {
    pub(super) fn rng(&self, stream: u64, day: NaiveDate) -> StdRng {
        let day_number = day.signed_duration_since(NaiveDate::MIN).num_days() as u64;
        StdRng::seed_from_u64(
            self.cfg.seed ^ (stream << 56) ^ day_number.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        )
    }

    /// Unit price and (if the shop knows it) unit cost of product `p`.
    pub(super) fn product(&self, p: usize) -> (Decimal, Option<Decimal>) {
        let mut rng = StdRng::seed_from_u64(self.cfg.seed ^ 0xC057 ^ p as u64);
        let price = Decimal::from(rng.random_range(4..60) * 50 - 1); // 199 … 2949
        let margin = Decimal::new(rng.random_range(25..55), 2);
        let cost = (price * margin).round_dp(2);
        // One product in five has no cost in the shop: those are estimated.
        (price, (p % 5 != 3).then_some(cost))
    }

    /// Variant `p` as the demo shop lists it: two sizes of twenty products,
    /// each with a SKU, one in five without a cost in the shop.
    pub(super) fn variant(&self, p: usize) -> Variant {
        const NAMES: [&str; 20] = [
            "Cotton Kurta",
            "Linen Shirt",
            "Block-Print Scarf",
            "Silk Stole",
            "Denim Jacket",
            "Canvas Tote",
            "Leather Sandals",
            "Jute Rug",
            "Brass Lamp",
            "Ceramic Mug Set",
            "Bamboo Planter",
            "Handwoven Throw",
            "Copper Bottle",
            "Incense Gift Box",
            "Wool Shawl",
            "Batik Cushion Cover",
            "Terracotta Vase",
            "Khadi Notebook",
            "Indigo Bedsheet",
            "Tea Sampler",
        ];
        let (price, cost) = self.product(p);
        Variant {
            id: format!("V{p:02}"),
            unit_cost: cost,
            sku: Some(format!(
                "DS-{:03}-{}",
                p / 2 + 1,
                if p.is_multiple_of(2) { "R" } else { "L" }
            )),
            title: Some(
                if p.is_multiple_of(2) {
                    "Regular"
                } else {
                    "Large"
                }
                .to_string(),
            ),
            price: Some(price),
            product_id: Some(format!("P{:02}", p / 2)),
            product: Some(NAMES[(p / 2) % NAMES.len()].to_string()),
        }
    }

    /// Every order placed on `day`, complete with the refunds that exist by `now`.
    pub(super) fn orders_placed(&self, day: NaiveDate) -> Vec<Order> {
        let mut rng = self.rng(1, day);
        let weekday = chrono::Datelike::weekday(&day).num_days_from_monday();
        let base = self.cfg.orders_per_day as f64 * if weekday >= 5 { 1.3 } else { 1.0 };
        let growth = 1.0 + (day - self.cfg.history_start).num_days().max(0) as f64 / 365.0 * 0.4;
        let count = (base * growth * rng.random_range(0.8..1.2)).round() as usize;
        let mut orders = Vec::with_capacity(count);
        for n in 0..count {
            let at = super::cursor::midnight(day) + Duration::seconds(rng.random_range(0..86_400));
            if at > self.cfg.now {
                continue;
            }
            let id = format!("{}-{n:04}", day.format("%Y%m%d"));
            // Customer: a guest, a returning customer (their k-th order), or a new one.
            let roll: f64 = rng.random();
            let (customer_id, order_count) = if roll < 0.25 {
                (None, None)
            } else if roll < 0.55 {
                let k = rng.random_range(2..6u64);
                (Some(format!("R{}-{n}", day.format("%Y%m%d"))), Some(k))
            } else {
                (Some(format!("N{}-{n}", day.format("%Y%m%d"))), Some(1))
            };
            let mut lines = Vec::new();
            for l in 0..rng.random_range(1..=3) {
                let p = rng.random_range(0..PRODUCTS);
                lines.push(OrderLine {
                    id: format!("{id}-L{l}"),
                    variant_id: Some(format!("V{p:02}")),
                    quantity: rng.random_range(1..=2),
                    unit_price: self.product(p).0,
                });
            }
            let subtotal: Decimal = lines
                .iter()
                .map(|l| l.unit_price * Decimal::from(l.quantity))
                .sum();
            let discounts = if rng.random_bool(0.2) {
                (subtotal * Decimal::new(10, 2)).round_dp(2)
            } else {
                Decimal::ZERO
            };
            let shipping = if subtotal < Decimal::from(1000) {
                Decimal::from(50)
            } else {
                Decimal::ZERO
            };
            let taxes = ((subtotal - discounts) * Decimal::new(18, 2)).round_dp(2);
            let status_roll: f64 = rng.random();
            let financial_status = if status_roll < 0.02 {
                FinancialStatus::Voided
            } else {
                FinancialStatus::Other
            };
            let test = status_roll > 0.995;
            let mut refunds = Vec::new();
            let refund_at = at
                + Duration::days(rng.random_range(2..=MAX_REFUND_DELAY))
                + Duration::hours(rng.random_range(0..12));
            if rng.random_bool(0.06)
                && financial_status == FinancialStatus::Other
                && refund_at <= self.cfg.now
            {
                let line = &lines[0];
                let share = if subtotal.is_zero() {
                    Decimal::ONE
                } else {
                    Decimal::ONE - discounts / subtotal
                };
                refunds.push(Refund {
                    id: format!("{id}-R"),
                    created_at: refund_at,
                    lines: vec![RefundLine {
                        line_id: line.id.clone(),
                        quantity: 1,
                        subtotal: (line.unit_price * share).round_dp(2),
                    }],
                    shipping: Decimal::ZERO,
                });
            }
            orders.push(Order {
                name: Some(format!("#{id}")),
                legacy_id: None,
                id,
                processed_at: Some(at),
                created_at: at,
                test,
                financial_status,
                customer_id,
                customer_order_count: order_count,
                discounts,
                shipping,
                taxes,
                lines,
                refunds,
            });
        }
        orders
    }

    /// Orders whose last update falls on `day`: placed that day, or refunded that day.
    pub(super) fn orders_updated(&self, day: NaiveDate) -> Vec<Order> {
        let mut out = self.orders_placed(day);
        for back in 2..=MAX_REFUND_DELAY as u64 {
            let Some(earlier) = day.checked_sub_days(Days::new(back)) else {
                continue;
            };
            if earlier < self.cfg.history_start {
                continue;
            }
            out.extend(
                self.orders_placed(earlier)
                    .into_iter()
                    .filter(|o| o.refunds.iter().any(|r| r.created_at.date_naive() == day)),
            );
        }
        out
    }

    pub(super) fn ad_days(&self, day: NaiveDate) -> Vec<AdDay> {
        let mut rng = self.rng(2, day);
        let mut out = Vec::new();
        for (platform, campaigns) in [(AdPlatform::Meta, 5), (AdPlatform::Google, 4)] {
            for c in 0..campaigns {
                let spend = Decimal::from(rng.random_range(3000..12000))
                    + Decimal::new(rng.random_range(0..100), 2);
                let impressions = rng.random_range(8_000..60_000);
                let clicks = impressions * rng.random_range(8..25) / 1000;
                let purchases = Decimal::from(clicks * rng.random_range(15..40) / 1000);
                out.push(AdDay {
                    platform,
                    date: day,
                    campaign_id: format!("{platform:?}-{c}").to_lowercase(),
                    spend,
                    impressions,
                    clicks,
                    reach: if platform == AdPlatform::Meta {
                        impressions * 7 / 10
                    } else {
                        0
                    },
                    purchases,
                    purchase_value: purchases * Decimal::from(rng.random_range(900..1600)),
                });
            }
        }
        out
    }

    /// One shipment per counted order placed on `day`, in the state it has by `now`.
    pub(super) fn shipments(&self, day: NaiveDate) -> Vec<Shipment> {
        let age_days = (self.today() - day).num_days();
        self.orders_placed(day)
            .into_iter()
            .filter(Order::counts)
            .map(|o| {
                let mut rng =
                    StdRng::seed_from_u64(self.cfg.seed ^ 0x5817 ^ o.created_at.timestamp() as u64);
                let roll: f64 = rng.random();
                let status = match age_days {
                    0..=1 => ShipmentStatus::InTransit,
                    2..=9 if roll > 0.95 => ShipmentStatus::Ndr,
                    _ if roll < 0.85 => ShipmentStatus::Delivered,
                    _ if roll < 0.93 => ShipmentStatus::Rto,
                    _ if roll < 0.95 => ShipmentStatus::Other,
                    _ => ShipmentStatus::Delivered,
                };
                let forward = Decimal::from(rng.random_range(45..90));
                let rto = if status == ShipmentStatus::Rto {
                    forward
                } else {
                    Decimal::ZERO
                };
                Shipment {
                    id: format!("SR{}", o.id),
                    awb: None,
                    courier: None,
                    order_ref: Some(format!("#{}", o.id)),
                    created_at: o.created_at + Duration::hours(2),
                    status,
                    freight: forward + rto,
                }
            })
            .filter(|s| s.created_at <= self.cfg.now)
            .collect()
    }

    pub(super) fn activities(&self, day: NaiveDate) -> Vec<Activity> {
        let mut rng = self.rng(4, day);
        let weekend = chrono::Datelike::weekday(&day).num_days_from_monday() >= 5;
        let mut out = Vec::new();
        for (rep, _) in REPS {
            let scale = if weekend { 0 } else { 1 };
            let mut add = |kind: ActivityKind, n: u32, rng: &mut StdRng| {
                for i in 0..n * scale {
                    let at = super::cursor::midnight(day)
                        + Duration::seconds(rng.random_range(3 * 3600..14 * 3600));
                    if at > self.cfg.now {
                        continue;
                    }
                    let talk = match kind {
                        ActivityKind::Call(CallOutcome::Answered) => rng.random_range(45..900),
                        _ => 0,
                    };
                    out.push(Activity {
                        id: format!("{rep}-{}-{}-{i}", day.format("%Y%m%d"), id_tag(kind)),
                        kind,
                        at,
                        talk_time_s: talk,
                        member: Some(format!("{rep}@{DEMO_TEAM_DOMAIN}")),
                    });
                }
            };
            let emails = rng.random_range(15..40);
            let crm = rng.random_range(4..12);
            let leads = rng.random_range(0..4);
            let answered = rng.random_range(8..20);
            let missed = rng.random_range(2..8);
            add(ActivityKind::Email, emails, &mut rng);
            add(ActivityKind::CrmCall, crm, &mut rng);
            add(ActivityKind::Lead, leads, &mut rng);
            add(
                ActivityKind::Call(CallOutcome::Answered),
                answered,
                &mut rng,
            );
            add(ActivityKind::Call(CallOutcome::Missed), missed, &mut rng);
        }
        out
    }
}

impl DemoSource {
    /// Every deal of the history, each as it stood after every stage move:
    /// a few opened each weekday, each moving a stage every
    /// [`DAYS_PER_STAGE`] days until it is won or lost after the last one
    /// (some stay open longer).
    pub(super) fn opportunities(&self) -> Vec<Opportunity> {
        let mut out = Vec::new();
        let mut day = self.cfg.history_start;
        while day <= self.cfg.now.date_naive() {
            let mut rng = self.rng(5, day);
            let weekend = chrono::Datelike::weekday(&day).num_days_from_monday() >= 5;
            let opened = if weekend { 0 } else { rng.random_range(1..4) };
            for i in 0..opened {
                let created = super::cursor::midnight(day)
                    + Duration::seconds(rng.random_range(4 * 3600..12 * 3600));
                let (rep, _) = REPS[rng.random_range(0..REPS.len())];
                let value = Decimal::from(rng.random_range(20..400) * 500);
                let stall: i64 = rng.random_range(0..3);
                let wins = rng.random_bool(0.45);
                if created > self.cfg.now {
                    continue;
                }
                let age = (self.cfg.now - created).num_days();
                let steps = (age / DAYS_PER_STAGE).min(STAGES.len() as i64 + stall);
                // Each move in turn, oldest first, so the store keeps every
                // one (a real CRM's first read knows only the latest).
                for step in 0..=steps {
                    let stage = step.min(STAGES.len() as i64 - 1);
                    let closed = step >= STAGES.len() as i64 + stall;
                    let changed = created + Duration::days(step * DAYS_PER_STAGE);
                    out.push(Opportunity {
                        id: format!("deal-{}-{i}", day.format("%Y%m%d")),
                        name: format!("Wholesale order {}-{i}", day.format("%d%m")),
                        member: Some(format!("{rep}@{DEMO_TEAM_DOMAIN}")),
                        pipeline_id: "1".into(),
                        stage_id: format!("{}", stage + 1),
                        status: match (closed, wins) {
                            (false, _) => DealStatus::Open,
                            (true, true) => DealStatus::Won,
                            (true, false) => DealStatus::Lost,
                        },
                        value: Some(value),
                        currency: None,
                        stage_changed_at: Some(changed),
                        created_at: created,
                        modified_at: changed,
                    });
                }
            }
            day = day + Days::new(1);
        }
        out
    }
}
