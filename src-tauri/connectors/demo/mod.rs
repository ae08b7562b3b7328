//! The built-in demo business: an Indian direct-to-consumer shop with about 40
//! products, Meta and Google campaigns, Shiprocket shipments and a four-person
//! sales team. Everything is generated from a seed, deterministically per
//! (stream, day): re-reading a day gives the same records, and as time passes
//! each sync brings the days since the last one. It goes through the real
//! engine like any other source.
//!
//! Streams and cursors: each page is one UTC day; the cursor is the start of
//! the next day to read (RFC 3339). Orders are read by the day they were
//! *updated*, so a refund created today brings its older order back, as
//! Shopify's `updated_at` does. Ads and shipments restate (attribution,
//! status changes), so each run re-reads a lookback window.

use crate::connectors::FetchError;
use crate::domain::records::*;
use crate::sync::{Page, Source};
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

pub const STREAMS: [&str; 5] = [
    "variant_costs",
    "orders",
    "ad_days",
    "shipments",
    "activities",
];

/// Days of ads and shipments re-read at the start of every run.
const ADS_LOOKBACK_DAYS: u64 = 3;
const SHIPMENTS_LOOKBACK_DAYS: u64 = 14;
/// A refund comes this many days after its order, at the latest.
const MAX_REFUND_DELAY: i64 = 10;
const PRODUCTS: usize = 40;

#[derive(Debug, Clone)]
pub struct DemoConfig {
    pub seed: u64,
    /// Generated history starts here (the first sync backfills from it).
    pub history_start: NaiveDate,
    /// Nothing after this moment exists yet.
    pub now: DateTime<Utc>,
    /// Average orders on a weekday.
    pub orders_per_day: u32,
}

impl DemoConfig {
    /// 90 days of history up to now, ~60 orders a day.
    pub fn live(seed: u64) -> Self {
        let now = Utc::now();
        Self {
            seed,
            history_start: now.date_naive() - Days::new(90),
            now,
            orders_per_day: 60,
        }
    }
}

pub struct DemoSource {
    cfg: DemoConfig,
    requests: std::sync::atomic::AtomicU64,
}

impl DemoSource {
    pub fn new(cfg: DemoConfig) -> Self {
        Self {
            cfg,
            requests: Default::default(),
        }
    }

    fn rng(&self, stream: u64, day: NaiveDate) -> StdRng {
        let day_number = day.signed_duration_since(NaiveDate::MIN).num_days() as u64;
        StdRng::seed_from_u64(
            self.cfg.seed ^ (stream << 56) ^ day_number.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        )
    }

    fn day_start(day: NaiveDate) -> DateTime<Utc> {
        day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
    }

    fn today(&self) -> NaiveDate {
        self.cfg.now.date_naive()
    }

    /// Unit price and (if the shop knows it) unit cost of product `p`.
    fn product(&self, p: usize) -> (Decimal, Option<Decimal>) {
        let mut rng = StdRng::seed_from_u64(self.cfg.seed ^ 0xC057 ^ p as u64);
        let price = Decimal::from(rng.random_range(4..60) * 50 - 1); // 199 … 2949
        let margin = Decimal::new(rng.random_range(25..55), 2);
        let cost = (price * margin).round_dp(2);
        // One product in five has no cost in the shop: those are estimated.
        (price, (p % 5 != 3).then_some(cost))
    }

    /// Every order placed on `day`, complete with the refunds that exist by `now`.
    fn orders_placed(&self, day: NaiveDate) -> Vec<Order> {
        let mut rng = self.rng(1, day);
        let weekday = chrono::Datelike::weekday(&day).num_days_from_monday();
        let base = self.cfg.orders_per_day as f64 * if weekday >= 5 { 1.3 } else { 1.0 };
        let growth = 1.0 + (day - self.cfg.history_start).num_days().max(0) as f64 / 365.0 * 0.4;
        let count = (base * growth * rng.random_range(0.8..1.2)).round() as usize;
        let mut orders = Vec::with_capacity(count);
        for n in 0..count {
            let at = Self::day_start(day) + Duration::seconds(rng.random_range(0..86_400));
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
    fn orders_updated(&self, day: NaiveDate) -> Vec<Order> {
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

    fn ad_days(&self, day: NaiveDate) -> Vec<AdDay> {
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
    fn shipments(&self, day: NaiveDate) -> Vec<Shipment> {
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

    fn activities(&self, day: NaiveDate) -> Vec<Activity> {
        let mut rng = self.rng(4, day);
        let weekend = chrono::Datelike::weekday(&day).num_days_from_monday() >= 5;
        let mut out = Vec::new();
        for rep in ["asha", "vikram", "meera", "rohan"] {
            let scale = if weekend { 0 } else { 1 };
            let mut add = |kind: ActivityKind, n: u32, rng: &mut StdRng| {
                for i in 0..n * scale {
                    let at = Self::day_start(day)
                        + Duration::seconds(rng.random_range(3 * 3600..14 * 3600));
                    if at > self.cfg.now {
                        continue;
                    }
                    let talk = match kind {
                        ActivityKind::Call { answered: true } => rng.random_range(45..900),
                        _ => 0,
                    };
                    out.push(Activity {
                        id: format!("{rep}-{}-{kind:?}-{i}", day.format("%Y%m%d")),
                        kind,
                        at,
                        talk_time_s: talk,
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
            add(ActivityKind::Call { answered: true }, answered, &mut rng);
            add(ActivityKind::Call { answered: false }, missed, &mut rng);
        }
        out
    }

    fn day_page(
        &self,
        cursor: Option<&str>,
        batch: impl FnOnce(NaiveDate) -> Batch,
    ) -> Result<Page, FetchError> {
        let day = match cursor {
            None => self.cfg.history_start,
            Some(c) => DateTime::parse_from_rfc3339(c)
                .map(|t| t.date_naive())
                .map_err(|_| FetchError::Fatal {
                    url: "demo://".into(),
                    status: 400,
                    message: format!("not a demo cursor: {c}"),
                })?,
        };
        let next = day + Days::new(1);
        Ok(Page {
            batch: batch(day),
            bad: Vec::new(),
            cursor: Some(Self::day_start(next).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            // Today is read again next run: it is not over yet.
            more: next <= self.today(),
        })
    }
}

impl Source for DemoSource {
    fn streams(&self) -> Vec<String> {
        STREAMS.iter().map(|s| s.to_string()).collect()
    }

    fn start_cursor(&self, stream: &str, stored: Option<String>) -> Option<String> {
        let lookback = match stream {
            "ad_days" => ADS_LOOKBACK_DAYS,
            "shipments" => SHIPMENTS_LOOKBACK_DAYS,
            // The last page read was today's, which was not over: read it again.
            _ => 1,
        };
        let stored = stored?;
        let at = DateTime::parse_from_rfc3339(&stored)
            .ok()?
            .with_timezone(&Utc);
        let start = (at.date_naive() - Days::new(lookback)).max(self.cfg.history_start);
        Some(Self::day_start(start).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }

    async fn fetch(&self, stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match stream {
            "variant_costs" => Ok(Page {
                batch: Batch::VariantCosts(
                    (0..PRODUCTS)
                        .map(|p| (format!("V{p:02}"), self.product(p).1))
                        .collect(),
                ),
                bad: Vec::new(),
                cursor: None,
                more: false,
            }),
            "orders" => self.day_page(cursor, |d| Batch::Orders(self.orders_updated(d))),
            "ad_days" => self.day_page(cursor, |d| Batch::AdDays(self.ad_days(d))),
            "shipments" => self.day_page(cursor, |d| Batch::Shipments(self.shipments(d))),
            "activities" => self.day_page(cursor, |d| Batch::Activities(self.activities(d))),
            other => Err(FetchError::Fatal {
                url: "demo://".into(),
                status: 404,
                message: format!("the demo has no stream '{other}'"),
            }),
        }
    }

    fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DemoConfig {
        DemoConfig {
            seed: 7,
            history_start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            now: DateTime::parse_from_rfc3339("2026-02-15T12:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            orders_per_day: 40,
        }
    }

    #[test]
    fn the_same_day_gives_the_same_records() {
        let a = DemoSource::new(cfg());
        let b = DemoSource::new(cfg());
        let day = NaiveDate::from_ymd_opt(2026, 1, 20).unwrap();
        assert_eq!(a.orders_updated(day), b.orders_updated(day));
        assert_eq!(a.ad_days(day), b.ad_days(day));
        assert_eq!(a.activities(day), b.activities(day));
        assert!(!a.orders_placed(day).is_empty());
    }

    #[test]
    fn nothing_exists_after_now() {
        let s = DemoSource::new(cfg());
        let today = s.today();
        assert!(s
            .orders_placed(today)
            .iter()
            .all(|o| o.created_at <= s.cfg.now));
        assert!(s.orders_placed(today + Days::new(1)).is_empty());
        let refunds = (0..40)
            .flat_map(|d| s.orders_placed(s.cfg.history_start + Days::new(d)))
            .flat_map(|o| o.refunds)
            .collect::<Vec<_>>();
        assert!(!refunds.is_empty() && refunds.iter().all(|r| r.created_at <= s.cfg.now));
    }

    #[test]
    fn a_refund_brings_its_order_back_on_the_refund_day() {
        let s = DemoSource::new(cfg());
        let refunded = (0..30)
            .flat_map(|d| s.orders_placed(s.cfg.history_start + Days::new(d)))
            .find(|o| !o.refunds.is_empty())
            .expect("some order is refunded");
        let refund_day = refunded.refunds[0].created_at.date_naive();
        assert!(s
            .orders_updated(refund_day)
            .iter()
            .any(|o| o.id == refunded.id));
    }

    #[test]
    fn the_business_looks_real() {
        let s = DemoSource::new(cfg());
        let orders: Vec<Order> = (0..30)
            .flat_map(|d| s.orders_placed(s.cfg.history_start + Days::new(d)))
            .collect();
        let guests = orders.iter().filter(|o| o.customer_id.is_none()).count();
        let voided = orders
            .iter()
            .filter(|o| o.financial_status == FinancialStatus::Voided)
            .count();
        assert!(orders.len() > 900, "{}", orders.len());
        assert!(guests > orders.len() / 10 && guests < orders.len() / 2);
        assert!(voided > 0);
        let without_cost = (0..PRODUCTS).filter(|p| s.product(*p).1.is_none()).count();
        assert_eq!(
            without_cost,
            PRODUCTS / 5,
            "some products have no cost, so estimates show"
        );
    }

    #[test]
    fn lookbacks_restart_a_few_days_back() {
        let s = DemoSource::new(cfg());
        let stored = Some("2026-02-15T00:00:00Z".to_string());
        assert_eq!(
            s.start_cursor("shipments", stored.clone()).unwrap(),
            "2026-02-01T00:00:00Z"
        );
        assert_eq!(
            s.start_cursor("ad_days", stored.clone()).unwrap(),
            "2026-02-12T00:00:00Z"
        );
        assert_eq!(
            s.start_cursor("orders", stored).unwrap(),
            "2026-02-14T00:00:00Z"
        );
        assert_eq!(s.start_cursor("orders", None), None);
    }
}
