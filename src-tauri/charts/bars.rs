//! Bars: the profit waterfall (revenue stepping down through each cost to net
//! profit) and stacked bars by period (shipments by status with the RTO rate
//! as a line; ad spend by platform).

use super::{
    empty, font, legend_strip, period_label, y_range, Entry, Frame, Mark, Result, Series, Unit,
};
use chrono::NaiveDate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar of a waterfall.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub label: String,
    pub amount: f64,
}

/// `start` (revenue) as a bar from zero, each of `costs` as a bar hanging
/// down from what is left, and `end` (net profit) as a bar from zero.
pub fn waterfall(
    start: &Step,
    costs: &[Step],
    end: &Step,
    unit: &Unit,
    frame: Frame,
) -> Result<String> {
    if start.amount == 0.0 && costs.iter().all(|c| c.amount == 0.0) {
        return empty(frame, "No revenue or costs in this range");
    }
    let p = frame.theme.palette();
    // (label, bottom, top, colour, the value written on it)
    let mut bars: Vec<(String, f64, f64, RGBColor, String)> = vec![(
        start.label.clone(),
        0.0,
        start.amount,
        p.series[0],
        unit.value(start.amount),
    )];
    let mut left = start.amount;
    for c in costs {
        bars.push((
            c.label.clone(),
            left - c.amount,
            left,
            p.bad,
            unit.value(-c.amount),
        ));
        left -= c.amount;
    }
    let end_colour = if end.amount < 0.0 { p.bad } else { p.good };
    bars.push((
        end.label.clone(),
        0.0,
        end.amount,
        end_colour,
        unit.value(end.amount),
    ));

    let (lo, hi) = y_range(bars.iter().flat_map(|b| [b.1, b.2]));
    let k = bars.len();
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .margin_top(18)
            .x_label_area_size(30)
            .y_label_area_size(58)
            .build_cartesian_2d(-0.5..(k as f64 - 0.5), lo..hi)?;
        let label_y = |v: &f64| unit.axis(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .bold_line_style(p.grid)
            .light_line_style(p.grid.mix(0.0))
            .axis_style(p.grid)
            .label_style(font(12, p.muted))
            .y_labels(5)
            .y_label_formatter(&label_y)
            .draw()?;
        for (i, (_, bottom, top, colour, _)) in bars.iter().enumerate() {
            let x = i as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.32, *bottom), (x + 0.32, *top)],
                colour.filled(),
            )))?;
            // A thin line from this bar's end to the next bar's start.
            if i + 1 < k - 1 {
                let level = if i == 0 { *top } else { *bottom };
                chart.draw_series(LineSeries::new(
                    [(x + 0.32, level), (x + 0.68, level)],
                    p.muted.stroke_width(1),
                ))?;
            }
        }
        let centre = Pos::new(HPos::Center, VPos::Bottom);
        let width_per_bar = frame.width as usize / k.max(1);
        for (i, (label, bottom, top, _, value)) in bars.iter().enumerate() {
            let x = i as f64;
            let above = chart.backend_coord(&(x, bottom.max(*top)));
            root.draw(&Text::new(
                value.clone(),
                (above.0, above.1 - 3),
                font(11, p.text).pos(centre),
            ))?;
            let foot = chart.backend_coord(&(x, lo));
            let short: String = if label.chars().count() * 7 > width_per_bar {
                label
                    .chars()
                    .take((width_per_bar / 7).max(3))
                    .collect::<String>()
                    + "…"
            } else {
                label.clone()
            };
            root.draw(&Text::new(
                short,
                (foot.0, foot.1 + 18),
                font(12, p.muted).pos(centre),
            ))?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// Stacked bars by period, and an optional line on an axis of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Stacked {
    pub periods: Vec<NaiveDate>,
    pub weekly: bool,
    /// Stacked bottom to top, in palette order.
    pub parts: Vec<Series>,
    pub unit: Unit,
    /// Drawn over the bars against the right-hand axis (the RTO rate).
    pub line: Option<(Series, Unit)>,
}

pub fn stacked(s: &Stacked, frame: Frame) -> Result<String> {
    let totals: Vec<f64> = (0..s.periods.len())
        .map(|i| {
            s.parts
                .iter()
                .filter_map(|p| p.points.get(i).copied().flatten())
                .sum()
        })
        .collect();
    if s.periods.is_empty() || totals.iter().all(|t| *t == 0.0) {
        return empty(frame, "Nothing here for this range yet");
    }
    let p = frame.theme.palette();
    let n = s.periods.len();
    let (lo, hi) = y_range(totals.iter().copied());
    let label_x = |v: &f64| period_label(&s.periods, s.weekly, *v);
    let label_y = |v: &f64| s.unit.axis(*v);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        let (top, body) = root.split_vertically(24);
        let mut entries: Vec<Entry> = s
            .parts
            .iter()
            .enumerate()
            .map(|(j, part)| {
                (
                    part.name.clone(),
                    p.series[j % p.series.len()],
                    1.0,
                    Mark::Box,
                )
            })
            .collect();
        if let Some((line, _)) = &s.line {
            entries.push((line.name.clone(), p.text, 1.0, Mark::Line { width: 2 }));
        }
        legend_strip(&top, &entries, frame)?;
        let mut builder = ChartBuilder::on(&body);
        builder
            .margin(10)
            .margin_top(4)
            .x_label_area_size(26)
            .y_label_area_size(50);
        if s.line.is_some() {
            builder.margin_right(52);
        }
        let mut chart = builder.build_cartesian_2d(-0.5..(n as f64 - 0.5), lo..hi)?;
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
        let half = 0.38_f64.min(0.5 - 0.5 / (frame.width as f64 / n as f64).max(1.0));
        let mut base = vec![0.0; n];
        for (j, part) in s.parts.iter().enumerate() {
            let colour = p.series[j % p.series.len()];
            chart.draw_series(part.points.iter().enumerate().filter_map(|(i, v)| {
                let v = (*v)?;
                let rect = Rectangle::new(
                    [(i as f64 - half, base[i]), (i as f64 + half, base[i] + v)],
                    colour.filled(),
                );
                base[i] += v;
                Some(rect)
            }))?;
        }
        if let Some((line, unit)) = &s.line {
            // The line has an axis of its own on the right, from 0 to its
            // top; it is drawn scaled into the bars' axis.
            let (_, line_top) = y_range(line.points.iter().flatten().copied());
            let scale = |v: f64| v / line_top * hi;
            let points: Vec<(f64, f64)> = line
                .points
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i as f64, scale(v))))
                .collect();
            chart.draw_series(LineSeries::new(points, p.text.stroke_width(2)))?;
            let right = Pos::new(HPos::Left, VPos::Center);
            for k in 0..=4 {
                let v = line_top * f64::from(k) / 4.0;
                let at = chart.backend_coord(&(n as f64 - 0.5, scale(v)));
                root.draw(&Text::new(
                    unit.axis(v),
                    (at.0 + 6, at.1),
                    font(12, p.muted).pos(right),
                ))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}
