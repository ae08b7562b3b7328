//! The built-in demo business: an Indian direct-to-consumer shop with about 40
//! products, Meta and Google campaigns, Shiprocket shipments and a four-person
//! sales team with a pipeline of wholesale deals. Everything is generated from a seed, deterministically per
//! (stream, day): re-reading a day gives the same records, and as time passes
//! each sync brings the days since the last one. It goes through the real
//! engine like any other source.
//!
//! Streams and cursors: each page is one UTC day; the cursor is the start of
//! the next day to read (RFC 3339). Orders are read by the day they were
//! *updated*, so a refund created today brings its older order back, as
//! Shopify's `updated_at` does. Ads and shipments restate (attribution,
//! status changes), so each run re-reads a lookback window.
//!
//! There is no client: `records.rs` generates the records of a (stream,
//! day), `cursor.rs` is the day bookmark and the lookbacks.

pub mod cursor;
mod records;

pub use records::DEMO_TEAM_DOMAIN;

use super::source::{Page, Source, SourceInputs};
use crate::connectors::FetchError;
use crate::domain::records::*;
use chrono::{DateTime, Days, NaiveDate, Utc};

/// The seed of the built-in demo business: the same shop for everyone.
pub const DEMO_SEED: u64 = 42;
/// Days of history the demo backfills on its first sync.
pub const DEMO_HISTORY_DAYS: u64 = 90;

pub const STREAMS: [&str; 8] = [
    "variant_costs",
    "orders",
    "ad_days",
    "shipments",
    "users",
    "activities",
    "pipelines",
    "opportunities",
];

/// Days of ads and shipments re-read at the start of every run.
const ADS_LOOKBACK_DAYS: u64 = 3;
const SHIPMENTS_LOOKBACK_DAYS: u64 = 14;
/// A refund comes this many days after its order, at the latest.
pub(super) const MAX_REFUND_DELAY: i64 = 10;
pub(super) const PRODUCTS: usize = 40;

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

    /// The demo connection's source, anchored to when the connection was
    /// made, so its history does not drift.
    pub fn from_connection(inputs: &SourceInputs<'_>) -> Self {
        let created = DateTime::parse_from_rfc3339(&inputs.connection.created_at)
            .map(|t| t.date_naive())
            .unwrap_or_else(|_| Utc::now().date_naive());
        let mut cfg = DemoConfig::live(DEMO_SEED);
        cfg.history_start = created - Days::new(DEMO_HISTORY_DAYS);
        Self::new(cfg)
    }

    fn today(&self) -> NaiveDate {
        self.cfg.now.date_naive()
    }

    fn day_page(
        &self,
        cursor: Option<&str>,
        batch: impl FnOnce(NaiveDate) -> Batch,
    ) -> Result<Page, FetchError> {
        let day = match cursor {
            None => self.cfg.history_start,
            Some(c) => cursor::day(c).ok_or_else(|| FetchError::Fatal {
                url: "demo://".into(),
                status: 400,
                message: format!("not a demo cursor: {c}"),
            })?,
        };
        let next = day + Days::new(1);
        Ok(Page {
            batch: batch(day),
            bad: Vec::new(),
            cursor: Some(cursor::encode(next)),
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
        cursor::start(stored.as_deref()?, lookback, self.cfg.history_start)
    }

    async fn fetch(&self, stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match stream {
            "variant_costs" => Ok(Page {
                batch: Batch::Variants((0..PRODUCTS).map(|p| self.variant(p)).collect()),
                bad: Vec::new(),
                cursor: None,
                more: false,
            }),
            "orders" => self.day_page(cursor, |d| Batch::Orders(self.orders_updated(d))),
            "ad_days" => self.day_page(cursor, |d| Batch::AdDays(self.ad_days(d))),
            "shipments" => self.day_page(cursor, |d| Batch::Shipments(self.shipments(d))),
            "activities" => self.day_page(cursor, |d| Batch::Activities(self.activities(d))),
            "users" => Ok(Page {
                batch: Batch::Users(records::team()),
                bad: Vec::new(),
                cursor: None,
                more: false,
            }),
            // The whole pipeline, as it stands now, on every run.
            "pipelines" => Ok(Page {
                batch: Batch::Pipelines(records::pipelines()),
                bad: Vec::new(),
                cursor: None,
                more: false,
            }),
            "opportunities" => Ok(Page {
                batch: Batch::Opportunities(self.opportunities()),
                bad: Vec::new(),
                cursor: None,
                more: false,
            }),
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
