//! The dashboard's charts: a range's daily figures (weekly past 120 days)
//! turned into the series `charts` draws. The numbers are the rollups', the
//! same the tiles and the P&L show; only their drawing is here.

use super::dashboard::{previous, tile_facts, Kind};
use super::{Core, Result};
pub use crate::charts::Theme;
use crate::charts::{self, Frame, Series, Stacked, Step, Trend, Unit};
use crate::domain::{InvalidInput, WorkspaceId};
use crate::metrics::keys::{value, Value};
use crate::metrics::{self, Grouping, Totals};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use std::collections::BTreeMap;

/// Past this many days a chart is drawn by week.
pub const DAILY_UP_TO: i64 = 120;

/// What the dashboard asks to be drawn, and at what size.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The main chart's figure (a tile's key); `None`: revenue, net profit
    /// and ad spend together.
    pub metric: Option<String>,
    pub theme: Theme,
    /// The main charts' width in pixels (the window's content width).
    pub width: u32,
}

/// Every chart of the dashboard, as SVG.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DashboardCharts {
    /// Whether a point is a day or a week.
    pub by: &'static str,
    /// The main chart's figure, as asked (or `None` for the three together).
    pub metric: Option<String>,
    pub trend: String,
    pub waterfall: String,
    pub marketing: String,
    pub spend: String,
    pub shipping: String,
    /// Each tile's key and its sparkline.
    pub sparklines: Vec<(String, String)>,
}

/// A figure as a number to place; `None` for an empty ratio.
fn point(t: &Totals, key: &str) -> Option<f64> {
    match value(t, key)? {
        Value::Count(n) => Some(n as f64),
        Value::Money(d) | Value::Quantity(d) => d.to_f64(),
        Value::Ratio(r) => r.and_then(|d| d.to_f64()),
    }
}

fn series(name: &str, periods: &[Totals], key: &str) -> Series {
    Series {
        name: name.into(),
        points: periods.iter().map(|t| point(t, key)).collect(),
    }
}

fn unit_of(kind: Kind, currency: &str) -> Unit {
    match kind {
        Kind::Money => Unit::Money(charts::currency_symbol(currency)),
        Kind::Count => Unit::Count,
        Kind::Ratio => Unit::Multiple,
        Kind::Percent => Unit::Percent,
        Kind::Seconds => Unit::Seconds,
    }
}

/// Daily figures grouped for drawing: by day, or by ISO week past
/// [`DAILY_UP_TO`] days (ratios recomputed from each week's sums).
fn grouped(days: &BTreeMap<NaiveDate, Totals>, weekly: bool) -> (Vec<NaiveDate>, Vec<Totals>) {
    let by = if weekly {
        Grouping::Week
    } else {
        Grouping::Day
    };
    metrics::group(days, by).into_iter().unzip()
}

impl Core {
    /// The dashboard's charts for a range.
    pub fn dashboard_charts(
        &self,
        workspace: WorkspaceId,
        req: &ChartRequest,
    ) -> Result<DashboardCharts> {
        let ws = self.store.workspace(workspace)?;
        let facts = match &req.metric {
            Some(key) => Some(tile_facts(key).ok_or_else(|| {
                InvalidInput::new(
                    "metric",
                    format!("'{key}' is not a figure the dashboard draws"),
                )
            })?),
            None => None,
        };
        let days: BTreeMap<NaiveDate, Totals> = self
            .metrics(ws.id, req.from, req.to, Grouping::Day)?
            .into_iter()
            .collect();
        let (previous_from, previous_to) = previous(req.from, req.to);
        let before: BTreeMap<NaiveDate, Totals> = self
            .metrics(ws.id, previous_from, previous_to, Grouping::Day)?
            .into_iter()
            .collect();
        let weekly = (req.to - req.from).num_days() + 1 > DAILY_UP_TO;
        let (periods, now) = grouped(&days, weekly);
        let (_, then) = grouped(&before, weekly);
        let money = Unit::Money(charts::currency_symbol(&ws.currency));
        let wide = Frame::new(req.width, 300, req.theme);
        let half = Frame::new(req.width / 2, 260, req.theme);
        let err = |e: charts::ChartError| super::ServiceError::Chart(e.to_string());

        let trend = match facts {
            None => Trend {
                periods: periods.clone(),
                weekly,
                series: vec![
                    series("Revenue", &now, "revenue"),
                    series("Net profit", &now, "net_profit"),
                    series("Ad spend", &now, "ad_spend"),
                ],
                previous: vec![series("Revenue before", &then, "revenue")],
                unit: money.clone(),
                reference: None,
            },
            Some((key, label, kind)) => Trend {
                periods: periods.clone(),
                weekly,
                series: vec![series(label, &now, key)],
                previous: vec![series(label, &then, key)],
                unit: unit_of(kind, &ws.currency),
                reference: None,
            },
        };

        let mut total = Totals::default();
        for t in &now {
            total.add(t);
        }
        let f = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);
        let step = |label: &str, amount| Step {
            label: label.into(),
            amount: f(amount),
        };
        let waterfall = charts::waterfall(
            &step("Revenue", total.revenue()),
            &[
                step("COGS", total.cogs),
                step("Ad spend", total.ad_spend),
                step("Shipping", total.shipping_cost),
                step("Payment fees", total.payment_fees),
                step("Other expenses", total.other_expenses),
            ],
            &step("Net profit", total.net_profit()),
            &money,
            wide,
        )
        .map_err(err)?;

        let marketing = Trend {
            periods: periods.clone(),
            weekly,
            series: vec![series("ROAS", &now, "roas"), series("POAS", &now, "poas")],
            previous: vec![],
            unit: Unit::Multiple,
            reference: Some((1.0, "Break-even (1×)".into())),
        };
        let spend = Stacked {
            periods: periods.clone(),
            weekly,
            parts: vec![
                series("Meta", &now, "ad_spend_meta"),
                series("Google", &now, "ad_spend_google"),
            ],
            unit: money.clone(),
            line: None,
        };
        let shipping = Stacked {
            periods: periods.clone(),
            weekly,
            parts: vec![
                series("Delivered", &now, "delivered"),
                series("In transit", &now, "in_transit"),
                series("RTO", &now, "rto"),
                series("NDR", &now, "ndr"),
            ],
            unit: Unit::Count,
            line: Some((series("RTO rate", &now, "rto_rate"), Unit::Percent)),
        };

        let spark = Frame::new(140, 34, req.theme);
        let sparklines = super::dashboard::TILES
            .iter()
            .enumerate()
            .map(|(i, (key, ..))| {
                let points: Vec<Option<f64>> = now.iter().map(|t| point(t, key)).collect();
                Ok((
                    key.to_string(),
                    charts::sparkline(&points, spark, i % 3).map_err(err)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(DashboardCharts {
            by: if weekly { "week" } else { "day" },
            metric: req.metric.clone(),
            trend: charts::trend(&trend, wide).map_err(err)?,
            waterfall,
            marketing: charts::trend(&marketing, half).map_err(err)?,
            spend: charts::stacked(&spend, half).map_err(err)?,
            shipping: charts::stacked(&shipping, wide).map_err(err)?,
            sparklines,
        })
    }
}
