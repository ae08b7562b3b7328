//! Pure: product figures over a range (metrics.md, Products), from the same
//! lines as the workspace's figures, so products add up to the workspace.
//! An order's discounts and shipping, and a refund's shipping, are shared out
//! over its lines by line value (original unit price × quantity), the last
//! line taking what is left so the shares add up exactly.

use super::{local_day, unit_cost, Settings};
use crate::domain::records::{Order, VariantCost};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The additive figures of one variant (or of what no line carries).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineTotals {
    /// Units sold in the range (on counted orders booked in it).
    pub sold: i64,
    /// Units refunded in the range.
    pub refunded: i64,
    /// Line value − discount share + shipping share − refunded subtotals −
    /// refunded shipping share.
    pub revenue: Decimal,
    /// Refunded line subtotals + refunded shipping share.
    pub refunds: Decimal,
    pub cogs: Decimal,
}

impl LineTotals {
    pub fn add(&mut self, o: &LineTotals) {
        self.sold += o.sold;
        self.refunded += o.refunded;
        self.revenue += o.revenue;
        self.refunds += o.refunds;
        self.cogs += o.cogs;
    }
    /// Sold − refunded, as the workspace's `units`.
    pub fn units(&self) -> i64 {
        self.sold - self.refunded
    }
    pub fn gross_profit(&self) -> Decimal {
        self.revenue - self.cogs
    }
    pub fn margin(&self) -> Option<Decimal> {
        (!self.revenue.is_zero()).then(|| self.gross_profit() / self.revenue)
    }
    /// Units refunded in the range ÷ units sold in the range.
    pub fn refund_rate(&self) -> Option<Decimal> {
        (self.sold != 0).then(|| Decimal::from(self.refunded) / Decimal::from(self.sold))
    }
}

/// Where a line's figures go: its variant, a line with no variant (a custom
/// item), or nowhere (an order's shipping and discounts when it has no line
/// value to share them by).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineKey {
    Variant(String),
    NoVariant,
    Unallocated,
}

/// `amount` shared over `weights` in proportion, the last taking the rest.
fn shares(amount: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let total: Decimal = weights.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    let mut given = Decimal::ZERO;
    for (i, w) in weights.iter().enumerate() {
        let share = if i + 1 == weights.len() {
            amount - given
        } else {
            amount * *w / total
        };
        given += share;
        out.push(share);
    }
    out
}

/// Each line's figures over the local days `from..=to`, by where they go.
/// `orders` must hold every order booked in the range and every order with
/// a refund in it.
pub fn by_line(
    orders: &[Order],
    s: &Settings<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<LineKey, LineTotals> {
    let mut lines = ByLine::new(s, from, to);
    for o in orders {
        lines.add(o);
    }
    lines.finish()
}

/// [`by_line`] an order at a time, for orders read as a stream.
pub struct ByLine<'a> {
    s: &'a Settings<'a>,
    from: NaiveDate,
    to: NaiveDate,
    variants: HashMap<String, LineTotals>,
    no_variant: LineTotals,
    unallocated: LineTotals,
}

impl<'a> ByLine<'a> {
    pub fn new(s: &'a Settings<'a>, from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            s,
            from,
            to,
            variants: HashMap::new(),
            no_variant: LineTotals::default(),
            unallocated: LineTotals::default(),
        }
    }

    fn slot(&mut self, variant: Option<&str>) -> &mut LineTotals {
        match variant {
            None => &mut self.no_variant,
            Some(v) => {
                if !self.variants.contains_key(v) {
                    self.variants.insert(v.to_string(), LineTotals::default());
                }
                self.variants.get_mut(v).expect("just inserted")
            }
        }
    }

    /// `amount` shared over the order's lines by line value (`f` applies a
    /// share), or left unallocated when the order has no line value.
    fn share_out(
        &mut self,
        o: &Order,
        values: &[Decimal],
        amount: Decimal,
        f: fn(&mut LineTotals, Decimal),
    ) {
        if amount.is_zero() {
            return;
        }
        if values.iter().all(Decimal::is_zero) {
            f(&mut self.unallocated, amount);
            return;
        }
        for (l, share) in o.lines.iter().zip(shares(amount, values)) {
            f(self.slot(l.variant_id.as_deref()), share);
        }
    }

    /// Count one order: its lines if it is booked in the range, and its
    /// refunds created in the range.
    pub fn add(&mut self, o: &Order) {
        if !o.counts() {
            return;
        }
        let s = self.s;
        let (from, to) = (self.from, self.to);
        let in_range = move |d: NaiveDate| from <= d && d <= to;
        let cost = |variant: Option<&str>, price, day| {
            unit_cost(s, variant, price, day).map_or(Decimal::ZERO, |(c, _)| c)
        };
        let booked = local_day(o.booked_at(), s.timezone);
        let values: Vec<Decimal> = o
            .lines
            .iter()
            .map(|l| l.unit_price * Decimal::from(l.quantity))
            .collect();
        if in_range(booked) {
            for (l, value) in o.lines.iter().zip(&values) {
                let c =
                    cost(l.variant_id.as_deref(), l.unit_price, booked) * Decimal::from(l.quantity);
                let t = self.slot(l.variant_id.as_deref());
                t.sold += l.quantity;
                t.revenue += *value;
                t.cogs += c;
            }
            self.share_out(o, &values, o.discounts, |t, a| t.revenue -= a);
            self.share_out(o, &values, o.shipping, |t, a| t.revenue += a);
        }
        for r in o
            .refunds
            .iter()
            .filter(|r| in_range(local_day(r.created_at, s.timezone)))
        {
            for rl in &r.lines {
                let line = o.lines.iter().find(|l| l.id == rl.line_id);
                let c = line.map_or(Decimal::ZERO, |l| {
                    cost(l.variant_id.as_deref(), l.unit_price, booked) * Decimal::from(rl.quantity)
                });
                let t = match line {
                    Some(l) => self.slot(l.variant_id.as_deref()),
                    None => &mut self.unallocated,
                };
                t.refunded += rl.quantity;
                t.revenue -= rl.subtotal;
                t.refunds += rl.subtotal;
                t.cogs -= c;
            }
            self.share_out(o, &values, r.shipping, |t, a| {
                t.revenue -= a;
                t.refunds += a;
            });
        }
    }

    pub fn finish(self) -> HashMap<LineKey, LineTotals> {
        let mut out: HashMap<LineKey, LineTotals> = self
            .variants
            .into_iter()
            .map(|(v, t)| (LineKey::Variant(v), t))
            .collect();
        if self.no_variant != LineTotals::default() {
            out.insert(LineKey::NoVariant, self.no_variant);
        }
        if self.unallocated != LineTotals::default() {
            out.insert(LineKey::Unallocated, self.unallocated);
        }
        out
    }
}

/// Where a variant's cost in use comes from (the Costs page, `pulseboard costs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostSource {
    Yours,
    Shopify,
    Estimate,
    Missing,
}

impl CostSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yours => "yours",
            Self::Shopify => "shopify",
            Self::Estimate => "estimate",
            Self::Missing => "missing",
        }
    }
}

/// The unit cost a line of this variant booked on `day` would take, and where
/// it comes from: the same order as `cogs` (yours in force that day, the
/// shop's, the default COGS % of the price, else missing).
pub fn cost_in_use(
    known: Option<&VariantCost>,
    price: Option<Decimal>,
    default_cogs_percent: Option<Decimal>,
    day: NaiveDate,
) -> (Option<Decimal>, CostSource) {
    if let Some(c) = known.and_then(|k| k.entered_on(day)) {
        return (Some(c), CostSource::Yours);
    }
    if let Some(c) = known.and_then(|k| k.shopify) {
        return (Some(c), CostSource::Shopify);
    }
    // The estimate is of each line's own price; shown here at the listed
    // price, or not at all when the shop lists none.
    match default_cogs_percent {
        Some(p) => (
            price.map(|price| p / Decimal::ONE_HUNDRED * price),
            CostSource::Estimate,
        ),
        None => (None, CostSource::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_exactly_with_the_last_taking_the_rest() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let s = shares(d("100"), &[d("1"), d("1"), d("1")]);
        assert_eq!(s.iter().sum::<Decimal>(), d("100"));
        assert_eq!(s[0], s[1]);
        assert_eq!(shares(d("10"), &[d("300"), d("100")]), [d("7.5"), d("2.5")]);
    }
}
