//! Pure: synced records → the daily figures of `shared/metrics.md`, and periods
//! built from them. Days are calendar days in the workspace time zone (DST
//! included); money is summed exactly as `Decimal`; every ratio is computed at
//! the end from sums, and is empty (`None`) when its denominator is zero.

pub mod goals;
pub mod keys;
pub mod products;

pub use crate::domain::records::CustomerHistory;
use crate::domain::records::{
    Activity, ActivityKind, AdDay, AdPlatform, CallOutcome, Order, Shipment, ShipmentStatus,
    VariantCost,
};
use crate::domain::RecurringExpense;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The workspace settings the figures depend on.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub timezone: Tz,
    /// Estimate for lines with no known cost, as % of unit price; `None` = no estimate.
    pub default_cogs_percent: Option<Decimal>,
    pub payment_fee_percent: Decimal,
    pub payment_fee_fixed: Decimal,
    pub expenses: &'a [RecurringExpense],
    /// Unit costs by variant id.
    pub costs: &'a HashMap<String, VariantCost>,
}

/// The records to compute from. New and returning customers need each
/// customer's whole stored history: either `customers` holds it (keyed like
/// `Order::customer_id`), or, when it is `None`, `orders` must hold every
/// stored order of each customer who has one in range.
#[derive(Debug, Clone, Copy, Default)]
pub struct Records<'a> {
    pub orders: &'a [Order],
    pub ads: &'a [AdDay],
    pub shipments: &'a [Shipment],
    pub activities: &'a [Activity],
    pub customers: Option<&'a HashMap<String, CustomerHistory>>,
}

pub use crate::domain::totals::Totals;

fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    (!denominator.is_zero()).then(|| numerator / denominator)
}

impl Totals {
    /// Add another day's (or period's) additive figures to these.
    pub fn add(&mut self, o: &Totals) {
        self.orders += o.orders;
        self.gross_sales += o.gross_sales;
        self.discounts += o.discounts;
        self.shipping_charged += o.shipping_charged;
        self.taxes += o.taxes;
        self.refunds += o.refunds;
        self.units += o.units;
        self.cogs += o.cogs;
        self.cogs_estimated += o.cogs_estimated;
        self.ad_spend += o.ad_spend;
        self.ad_spend_meta += o.ad_spend_meta;
        self.ad_spend_google += o.ad_spend_google;
        self.shipping_cost += o.shipping_cost;
        self.payment_fees += o.payment_fees;
        self.other_expenses += o.other_expenses;
        self.impressions += o.impressions;
        self.reach += o.reach;
        self.clicks += o.clicks;
        self.platform_purchases += o.platform_purchases;
        self.platform_purchase_value += o.platform_purchase_value;
        self.new_customers += o.new_customers;
        self.returning_customers += o.returning_customers;
        self.shipments += o.shipments;
        self.delivered += o.delivered;
        self.in_transit += o.in_transit;
        self.rto += o.rto;
        self.ndr += o.ndr;
        self.emails += o.emails;
        self.crm_calls += o.crm_calls;
        self.leads += o.leads;
        self.calls += o.calls;
        self.calls_answered += o.calls_answered;
        self.calls_missed += o.calls_missed;
        self.talk_time_s += o.talk_time_s;
    }

    /// `gross_sales − discounts + shipping_charged` of the orders counted here.
    fn order_value(&self) -> Decimal {
        self.gross_sales - self.discounts + self.shipping_charged
    }

    pub fn revenue(&self) -> Decimal {
        self.order_value() - self.refunds
    }

    pub fn gross_profit(&self) -> Decimal {
        self.revenue() - self.cogs
    }

    pub fn net_profit(&self) -> Decimal {
        self.revenue()
            - self.cogs
            - self.ad_spend
            - self.shipping_cost
            - self.payment_fees
            - self.other_expenses
    }

    pub fn customers(&self) -> i64 {
        self.new_customers + self.returning_customers
    }

    pub fn aov(&self) -> Option<Decimal> {
        ratio(self.order_value(), self.orders.into())
    }
    pub fn gross_margin(&self) -> Option<Decimal> {
        ratio(self.gross_profit(), self.revenue())
    }
    pub fn net_margin(&self) -> Option<Decimal> {
        ratio(self.net_profit(), self.revenue())
    }
    pub fn roas(&self) -> Option<Decimal> {
        ratio(self.revenue(), self.ad_spend)
    }
    pub fn platform_roas(&self) -> Option<Decimal> {
        ratio(self.platform_purchase_value, self.ad_spend)
    }
    pub fn poas(&self) -> Option<Decimal> {
        ratio(self.gross_profit(), self.ad_spend)
    }
    pub fn cpp(&self) -> Option<Decimal> {
        ratio(self.ad_spend, self.orders.into())
    }
    pub fn cpc(&self) -> Option<Decimal> {
        ratio(self.ad_spend, self.clicks.into())
    }
    pub fn ctr(&self) -> Option<Decimal> {
        ratio(self.clicks.into(), self.impressions.into())
    }
    pub fn cpm(&self) -> Option<Decimal> {
        ratio(
            self.ad_spend * Decimal::ONE_THOUSAND,
            self.impressions.into(),
        )
    }
    pub fn returning_rate(&self) -> Option<Decimal> {
        ratio(self.returning_customers.into(), self.customers().into())
    }
    pub fn delivery_rate(&self) -> Option<Decimal> {
        ratio(self.delivered.into(), self.shipments.into())
    }
    pub fn rto_rate(&self) -> Option<Decimal> {
        ratio(self.rto.into(), self.shipments.into())
    }
}

/// The calendar day of `at` in the workspace zone.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The local days that the instants of one UTC calendar day fall on in `tz`
/// (two for any zone but UTC itself).
pub fn local_days_of_utc_day(utc_day: NaiveDate, tz: Tz) -> Vec<NaiveDate> {
    let first = local_day(utc_day.and_time(chrono::NaiveTime::MIN).and_utc(), tz);
    let last = local_day(
        utc_day
            .and_hms_opt(23, 59, 59)
            .expect("a valid time")
            .and_utc(),
        tz,
    );
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// A line's unit cost on the local day its order is booked, and whether it
/// is an estimate; `None` when nothing is known. The cost the user entered
/// that is in force that day, else the shop's, else the estimate. A refunded
/// unit takes back the cost its sale was booked at, whatever the refund's day.
pub fn unit_cost(
    s: &Settings<'_>,
    variant: Option<&str>,
    unit_price: Decimal,
    day: NaiveDate,
) -> Option<(Decimal, bool)> {
    let known = variant.and_then(|v| s.costs.get(v));
    if let Some(c) = known.and_then(|c| c.entered_on(day).or(c.shopify)) {
        return Some((c, false));
    }
    s.default_cogs_percent
        .map(|p| (p / Decimal::ONE_HUNDRED * unit_price, true))
}

/// Each customer's history, from `orders` holding all their stored orders.
pub fn customer_histories(orders: &[Order]) -> HashMap<String, CustomerHistory> {
    let mut firsts: HashMap<&str, &Order> = HashMap::new();
    let mut out: HashMap<String, CustomerHistory> = HashMap::new();
    for o in orders {
        let Some(c) = o.customer_id.as_deref() else {
            continue;
        };
        let h = out.entry(c.to_string()).or_insert(CustomerHistory {
            stored: 0,
            reported: None,
            first_order: o.id.clone(),
        });
        h.stored += 1;
        h.reported = h.reported.max(o.customer_order_count);
        let first = firsts.entry(c).or_insert(o);
        if (o.booked_at(), o.id.as_str()) < (first.booked_at(), first.id.as_str()) {
            *first = o;
            h.first_order = o.id.clone();
        }
    }
    out
}

/// For each customer: the id of their first order, when it can be known — the
/// stored orders (counted or not) number as many as the shop reports; fewer
/// means older orders lie before the synced history.
fn first_orders(histories: &HashMap<String, CustomerHistory>) -> HashMap<&str, &str> {
    histories
        .iter()
        .filter(|(_, h)| h.reported == Some(h.stored))
        .map(|(c, h)| (c.as_str(), h.first_order.as_str()))
        .collect()
}

/// Count `n` activities of `kind` (with `talk_time_s` seconds of talk
/// between them) into a day's figures, as metrics.md's Sales activity says.
pub fn add_activities(t: &mut Totals, kind: ActivityKind, n: i64, talk_time_s: i64) {
    match kind {
        ActivityKind::Email => t.emails += n,
        ActivityKind::CrmCall => t.crm_calls += n,
        ActivityKind::Lead => t.leads += n,
        ActivityKind::Call(outcome) => {
            t.calls += n;
            match outcome {
                CallOutcome::Answered => t.calls_answered += n,
                CallOutcome::Missed => t.calls_missed += n,
                CallOutcome::Other => {}
            }
            t.talk_time_s += talk_time_s;
        }
    }
}

/// The daily figures for every day from `from` to `to` (both included).
pub fn daily(
    records: Records<'_>,
    s: &Settings<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, Totals> {
    let mut days: BTreeMap<NaiveDate, Totals> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, Totals::default()))
        .collect();
    let own;
    let histories = match records.customers {
        Some(h) => h,
        None => {
            own = customer_histories(records.orders);
            &own
        }
    };
    let firsts = first_orders(histories);
    let mut new_seen: HashSet<(NaiveDate, &str)> = HashSet::new();
    let mut returning_seen: HashSet<(NaiveDate, &str)> = HashSet::new();

    for o in records.orders.iter().filter(|o| o.counts()) {
        let day = local_day(o.booked_at(), s.timezone);
        let booked = day;
        if let Some(t) = days.get_mut(&day) {
            t.orders += 1;
            t.discounts += o.discounts;
            t.shipping_charged += o.shipping;
            t.taxes += o.taxes;
            for line in &o.lines {
                t.gross_sales += line.unit_price * Decimal::from(line.quantity);
                t.units += line.quantity;
                if let Some((cost, estimated)) =
                    unit_cost(s, line.variant_id.as_deref(), line.unit_price, booked)
                {
                    let amount = cost * Decimal::from(line.quantity);
                    t.cogs += amount;
                    if estimated {
                        t.cogs_estimated += amount;
                    }
                }
            }
            if let Some(customer) = o.customer_id.as_deref() {
                if firsts.get(customer) == Some(&o.id.as_str()) {
                    if new_seen.insert((day, customer)) {
                        t.new_customers += 1;
                    }
                } else {
                    returning_seen.insert((day, customer));
                }
            }
        }
        for r in &o.refunds {
            let Some(t) = days.get_mut(&local_day(r.created_at, s.timezone)) else {
                continue;
            };
            t.refunds += r.shipping;
            for rl in &r.lines {
                t.refunds += rl.subtotal;
                t.units -= rl.quantity;
                let line = o.lines.iter().find(|l| l.id == rl.line_id);
                let cost =
                    line.and_then(|l| unit_cost(s, l.variant_id.as_deref(), l.unit_price, booked));
                if let Some((cost, estimated)) = cost {
                    let amount = cost * Decimal::from(rl.quantity);
                    t.cogs -= amount;
                    if estimated {
                        t.cogs_estimated -= amount;
                    }
                }
            }
        }
    }
    // A customer new on a day is not also returning that day.
    for (day, customer) in returning_seen {
        if !new_seen.contains(&(day, customer)) {
            if let Some(t) = days.get_mut(&day) {
                t.returning_customers += 1;
            }
        }
    }

    for a in records.ads {
        if let Some(t) = days.get_mut(&a.date) {
            t.ad_spend += a.spend;
            t.impressions += a.impressions;
            t.clicks += a.clicks;
            match a.platform {
                AdPlatform::Meta => {
                    t.ad_spend_meta += a.spend;
                    t.reach += a.reach;
                }
                AdPlatform::Google => t.ad_spend_google += a.spend,
            }
            t.platform_purchases += a.purchases;
            t.platform_purchase_value += a.purchase_value;
        }
    }

    for sh in records.shipments {
        if let Some(t) = days.get_mut(&local_day(sh.created_at, s.timezone)) {
            t.shipments += 1;
            t.shipping_cost += sh.freight;
            match sh.status {
                ShipmentStatus::Delivered => t.delivered += 1,
                ShipmentStatus::InTransit => t.in_transit += 1,
                ShipmentStatus::Rto => t.rto += 1,
                ShipmentStatus::Ndr => t.ndr += 1,
                ShipmentStatus::Other => {}
            }
        }
    }

    for a in records.activities {
        if let Some(t) = days.get_mut(&local_day(a.at, s.timezone)) {
            add_activities(t, a.kind, 1, a.talk_time_s);
        }
    }

    for (day, t) in days.iter_mut() {
        t.payment_fees = t.revenue() * s.payment_fee_percent / Decimal::ONE_HUNDRED
            + s.payment_fee_fixed * Decimal::from(t.orders);
        t.other_expenses = expenses_on(*day, s.expenses);
    }
    days
}

/// The recurring expenses that fall on `day`: each monthly amount spread evenly
/// over the days of its month.
pub fn expenses_on(day: NaiveDate, expenses: &[RecurringExpense]) -> Decimal {
    let month = format!("{:04}-{:02}", day.year(), day.month());
    let days_in_month = days_in_month(day);
    expenses
        .iter()
        .filter(|e| e.start_month <= month && e.end_month.as_ref().is_none_or(|end| month <= *end))
        .map(|e| e.monthly_amount / Decimal::from(days_in_month))
        .sum()
}

/// Each recurring expense's share of the days `from..=to`, in the order given:
/// the same per-day amounts `expenses_on` adds into `other_expenses`, summed
/// per expense instead of per day, so the shares add up to the range's
/// `other_expenses`.
pub fn expense_shares(
    from: NaiveDate,
    to: NaiveDate,
    expenses: &[RecurringExpense],
) -> Vec<Decimal> {
    let mut shares = vec![Decimal::ZERO; expenses.len()];
    for day in from.iter_days().take_while(|d| *d <= to) {
        for (share, e) in shares.iter_mut().zip(expenses) {
            *share += expenses_on(day, std::slice::from_ref(e));
        }
    }
    shares
}

/// `parts` written to the cent so that they add up to `total` written to the
/// cent (largest remainder): each part is cut to whole cents, and the cents
/// left over go one each to the parts that lost the most. A reader who adds
/// the printed lines gets the printed total.
pub fn cents_summing_to(parts: &[Decimal], total: Decimal) -> Vec<Decimal> {
    use rust_decimal::RoundingStrategy;
    let cents = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let floors: Vec<Decimal> = parts
        .iter()
        .map(|p| p.round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity))
        .collect();
    let cent = Decimal::new(1, 2);
    let left: Decimal = cents(total) - floors.iter().sum::<Decimal>();
    let mut out = floors.clone();
    if parts.is_empty() {
        return out;
    }
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Largest remainder first; ties go to the earlier part.
    order.sort_by(|&a, &b| {
        (parts[b] - floors[b])
            .cmp(&(parts[a] - floors[a]))
            .then(a.cmp(&b))
    });
    let mut n = (left / cent).round().to_i64().unwrap_or(0);
    let step = if n < 0 { -cent } else { cent };
    let mut i = 0;
    while n != 0 {
        out[order[i % order.len()]] += step;
        n -= n.signum();
        i += 1;
    }
    for o in &mut out {
        o.rescale(2);
    }
    out
}

fn days_in_month(day: NaiveDate) -> u32 {
    let first = day.with_day(1).expect("day 1 exists");
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .expect("in range");
    (next - first).num_days() as u32
}

/// How days are grouped into periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
    /// The whole range as one period.
    Total,
}

/// The first day of the period that holds `day`.
pub fn period_start(day: NaiveDate, by: Grouping, range_start: NaiveDate) -> NaiveDate {
    match by {
        Grouping::Day => day,
        Grouping::Week => day - chrono::Days::new(day.weekday().num_days_from_monday().into()),
        Grouping::Month => day.with_day(1).expect("day 1 exists"),
        Grouping::Total => range_start,
    }
}

/// Sum daily totals into periods (keyed by each period's first day). Ratios are
/// then computed from these sums, never averaged.
pub fn group(days: &BTreeMap<NaiveDate, Totals>, by: Grouping) -> BTreeMap<NaiveDate, Totals> {
    let Some(first) = days.keys().next().copied() else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<NaiveDate, Totals> = BTreeMap::new();
    for (day, t) in days {
        out.entry(period_start(*day, by, first)).or_default().add(t);
    }
    out
}

#[cfg(test)]
mod tests;
