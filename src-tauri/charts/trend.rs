//! Lines over time: the dashboard's trend chart (a few figures by day or week,
//! the period before as faint lines, an optional reference line such as ROAS
//! break-even) and the tiles' sparklines.

use super::{
    empty, font, legend_strip, period_label, y_range, Entry, Frame, Mark, Result, Series, Unit,
};
use chrono::NaiveDate;
use plotters::prelude::*;

/// What a trend chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// Each period's first day; every series has a point per period.
    pub periods: Vec<NaiveDate>,
    /// Whether a period is a week (the labels then say so).
    pub weekly: bool,
    pub series: Vec<Series>,
    /// The same figures over the period before, drawn faint, point for point
    /// (the first period before beside the first period); may be empty.
    pub previous: Vec<Series>,
    pub unit: Unit,
    /// A horizontal line and its name (ROAS break-even at 1×).
    pub reference: Option<(f64, String)>,
}

/// Runs of consecutive points that have a value, as (x, y).
fn runs(points: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![];
    let mut current = vec![];
    for (i, p) in points.iter().enumerate() {
        match p.filter(|v| v.is_finite()) {
            Some(v) => current.push((i as f64, v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn has_points(series: &[Series]) -> bool {
    series
        .iter()
        .any(|s| s.points.iter().any(|p| p.is_some_and(f64::is_finite)))
}

pub fn trend(t: &Trend, frame: Frame) -> Result<String> {
    if t.periods.is_empty() || !has_points(&t.series) {
        return empty(frame, "No figures for this range yet");
    }
    let p = frame.theme.palette();
    let n = t.periods.len();
    let values = t
        .series
        .iter()
        .chain(&t.previous)
        .flat_map(|s| s.points.iter().flatten().copied())
        .chain(t.reference.iter().map(|r| r.0));
    let (lo, hi) = y_range(values);
    let x = if n == 1 {
        -0.5..0.5
    } else {
        0.0..(n - 1) as f64
    };
    let label_x = |v: &f64| period_label(&t.periods, t.weekly, *v);
    let label_y = |v: &f64| t.unit.axis(*v);

    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        let (top, body) = root.split_vertically(24);
        let mut entries: Vec<Entry> = t
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.name.clone(),
                    p.series[i % p.series.len()],
                    1.0,
                    Mark::Line { width: 2 },
                )
            })
            .collect();
        if !t.previous.is_empty() {
            entries.push((
                "The period before".into(),
                p.series[0],
                0.3,
                Mark::Line { width: 1 },
            ));
        }
        if let Some((_, name)) = &t.reference {
            entries.push((name.clone(), p.muted, 1.0, Mark::Line { width: 1 }));
        }
        legend_strip(&top, &entries, frame)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_top(4)
            .x_label_area_size(26)
            .y_label_area_size(58)
            .build_cartesian_2d(x, lo..hi)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(p.grid)
            .light_line_style(p.grid.mix(0.0))
            .axis_style(p.grid)
            .label_style(font(12, p.muted))
            .x_labels((frame.width as usize / 110).clamp(2, 12).min(n))
            .y_labels(5)
            .x_label_formatter(&label_x)
            .y_label_formatter(&label_y)
            .draw()?;

        if let Some((at, _)) = &t.reference {
            let x0 = if n == 1 { -0.5 } else { 0.0 };
            let x1 = if n == 1 { 0.5 } else { (n - 1) as f64 };
            chart.draw_series(LineSeries::new(
                [(x0, *at), (x1, *at)],
                p.muted.stroke_width(1),
            ))?;
        }
        for (i, s) in t.previous.iter().enumerate() {
            let color = p.series[i % p.series.len()].mix(0.3);
            for run in runs(&s.points) {
                chart.draw_series(LineSeries::new(run, color.stroke_width(1)))?;
            }
        }
        for (i, s) in t.series.iter().enumerate() {
            let color = p.series[i % p.series.len()];
            for run in runs(&s.points) {
                if run.len() == 1 {
                    chart.draw_series(
                        run.iter()
                            .map(|&(x, y)| Circle::new((x, y), 3, color.filled())),
                    )?;
                } else {
                    chart.draw_series(LineSeries::new(run, color.stroke_width(2)))?;
                }
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// A tile's small line: no axes, no labels, its own scale.
pub fn sparkline(points: &[Option<f64>], frame: Frame, color_index: usize) -> Result<String> {
    let values: Vec<f64> = points
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return empty(frame, "");
    }
    let p = frame.theme.palette();
    let color = p.series[color_index % p.series.len()];
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let n = points.len();
    let x = if n == 1 {
        -0.5..0.5
    } else {
        0.0..(n - 1) as f64
    };
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin(2)
            .build_cartesian_2d(x, lo..hi)?;
        for run in runs(points) {
            if run.len() == 1 {
                chart.draw_series(
                    run.iter()
                        .map(|&(x, y)| Circle::new((x, y), 2, color.filled())),
                )?;
            } else {
                chart.draw_series(LineSeries::new(run, color.stroke_width(1)))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}
