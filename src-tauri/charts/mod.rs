//! **Pure**: series in, SVG out, drawn with the `plotters` crate's SVG
//! backend. No IO, no tauri, no store: `service` hands the figures, the UI
//! only places the SVG. Every chart takes a [`Frame`] (size and light or dark
//! theme) and a [`Unit`] (how its numbers are written: the workspace
//! currency's symbol, a multiple, a percent, a count); an empty series draws
//! an honest empty chart that says so.
//!
//! Numbers become `f64` only here, to be placed on a canvas: every figure a
//! person reads as a number was summed exactly before it got here.

mod bars;
mod trend;

pub use bars::{stacked, waterfall, Stacked, Step};
pub use trend::{sparkline, trend, Trend};

use chrono::{Datelike, NaiveDate};
use plotters::prelude::*;
use plotters::style::RGBColor;

/// Why a chart could not be drawn (the SVG backend writes to a string, so in
/// practice never; kept so no drawing error becomes a panic).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct ChartError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        Self(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, ChartError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
}

/// The colours of a theme: text, grid, and the series in order.
pub struct Palette {
    pub text: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub good: RGBColor,
    pub bad: RGBColor,
    pub series: [RGBColor; 5],
}

impl Theme {
    pub fn palette(self) -> Palette {
        match self {
            // The UI's own colours (ui/css/app.css) so a chart sits in its card.
            Theme::Light => Palette {
                text: RGBColor(0x1f, 0x24, 0x30),
                muted: RGBColor(0x6b, 0x72, 0x80),
                grid: RGBColor(0xe3, 0xe6, 0xeb),
                good: RGBColor(0x1a, 0x7f, 0x4b),
                bad: RGBColor(0xc0, 0x39, 0x2b),
                series: [
                    RGBColor(0x2f, 0x6f, 0xde),
                    RGBColor(0x1a, 0x7f, 0x4b),
                    RGBColor(0xd9, 0x7a, 0x1c),
                    RGBColor(0x8e, 0x44, 0xad),
                    RGBColor(0xc0, 0x39, 0x2b),
                ],
            },
            Theme::Dark => Palette {
                text: RGBColor(0xe6, 0xe8, 0xec),
                muted: RGBColor(0x9a, 0xa1, 0xad),
                grid: RGBColor(0x33, 0x39, 0x44),
                good: RGBColor(0x4c, 0xc3, 0x82),
                bad: RGBColor(0xf0, 0x6a, 0x5c),
                series: [
                    RGBColor(0x6e, 0xa2, 0xff),
                    RGBColor(0x4c, 0xc3, 0x82),
                    RGBColor(0xf2, 0xa6, 0x4b),
                    RGBColor(0xc3, 0x8a, 0xe6),
                    RGBColor(0xf0, 0x6a, 0x5c),
                ],
            },
        }
    }
}

/// A chart's size in pixels and its theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub theme: Theme,
}

impl Frame {
    /// Sizes outside what a window shows are brought inside it.
    pub fn new(width: u32, height: u32, theme: Theme) -> Self {
        Self {
            width: width.clamp(120, 2400),
            height: height.clamp(32, 1600),
            theme,
        }
    }
}

/// How a chart's numbers are written.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    /// Money, with the currency's symbol (or code) in front.
    Money(String),
    Count,
    /// A multiple: `2.4×`.
    Multiple,
    /// A share: `0.125` is written `12.5%`.
    Percent,
    /// Seconds, written as hours and minutes.
    Seconds,
}

impl Unit {
    /// An axis label: short, with k, M or B for large numbers.
    pub fn axis(&self, v: f64) -> String {
        match self {
            Unit::Money(symbol) => {
                let sign = if v < 0.0 { "−" } else { "" };
                format!("{sign}{symbol}{}", compact(v.abs()))
            }
            Unit::Count => compact(v),
            Unit::Multiple => format!("{}×", trim(v, 1)),
            Unit::Percent => format!("{}%", trim(v * 100.0, 1)),
            Unit::Seconds => format!("{}h", trim(v / 3600.0, 1)),
        }
    }

    /// A value written on the chart itself (a waterfall's bars).
    pub fn value(&self, v: f64) -> String {
        self.axis(v)
    }
}

/// 1234 → `1.2k`, 2500000 → `2.5M`, 12 → `12`.
fn compact(v: f64) -> String {
    let a = v.abs();
    let (n, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    format!(
        "{}{suffix}",
        trim(n, if suffix.is_empty() && a < 10.0 { 2 } else { 1 })
    )
}

/// `v` with at most `dp` decimals and no trailing zeros.
fn trim(v: f64, dp: usize) -> String {
    let s = format!("{v:.dp$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// The symbol a currency is written with, else its code and a space.
pub fn currency_symbol(code: &str) -> String {
    match code {
        "USD" | "CAD" | "AUD" | "NZD" | "SGD" | "HKD" | "MXN" => "$".into(),
        "EUR" => "€".into(),
        "GBP" => "£".into(),
        "INR" => "₹".into(),
        "JPY" | "CNY" => "¥".into(),
        "KRW" => "₩".into(),
        "BRL" => "R$".into(),
        "CHF" => "CHF ".into(),
        other => format!("{other} "),
    }
}

/// One named line or stack of a chart, a point per period (`None`: nothing
/// to draw there, e.g. a ratio with no denominator that day).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Option<f64>>,
}

/// The x label at `v` of a chart whose points are `periods` (each period's
/// first day): `Sep 15`, `wk Sep 15` by week, `Sep 2026` when a daily chart
/// spans years; empty between points.
fn period_label(periods: &[NaiveDate], weekly: bool, v: f64) -> String {
    let i = v.round();
    if (v - i).abs() > 0.01 || i < 0.0 || i as usize >= periods.len() {
        return String::new();
    }
    let day = periods[i as usize];
    let years = periods.first().map(Datelike::year) != periods.last().map(Datelike::year);
    if weekly {
        format!("wk {}", day.format("%b %-d"))
    } else if years && periods.len() > 60 {
        day.format("%b %Y").to_string()
    } else {
        day.format("%b %-d").to_string()
    }
}

fn font(px: u32, color: RGBColor) -> TextStyle<'static> {
    ("sans-serif", f64::from(px) * 1.24)
        .into_font()
        .color(&color)
}

/// A chart with nothing to draw: its frame and a sentence saying so.
fn empty(frame: Frame, message: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        let p = frame.theme.palette();
        root.draw(&Rectangle::new(
            [(0, 0), (frame.width as i32 - 1, frame.height as i32 - 1)],
            p.grid.stroke_width(1),
        ))?;
        if frame.height >= 40 {
            let style = font(13, p.muted).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
            root.draw(&Text::new(
                message.to_string(),
                (frame.width as i32 / 2, frame.height as i32 / 2),
                style,
            ))?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// How a legend entry is marked: a line (a series drawn as one) or a box.
#[derive(Clone, Copy)]
enum Mark {
    Line { width: u32 },
    Box,
}

/// A legend entry: name, colour, opacity, mark.
type Entry = (String, RGBColor, f64, Mark);

/// The legend as one row along the top strip of a chart, so it never covers
/// what is drawn.
fn legend_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[Entry],
    frame: Frame,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let p = frame.theme.palette();
    let mut x = 64;
    let y = 12;
    for (name, colour, opacity, mark) in entries {
        let c = colour.mix(*opacity);
        match mark {
            Mark::Line { width } => area
                .draw(&PathElement::new(
                    [(x, y), (x + 16, y)],
                    c.stroke_width(*width),
                ))
                .map_err(|e| ChartError(e.to_string()))?,
            Mark::Box => area
                .draw(&Rectangle::new(
                    [(x + 3, y - 5), (x + 13, y + 5)],
                    c.filled(),
                ))
                .map_err(|e| ChartError(e.to_string()))?,
        }
        let style = font(12, p.text).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        area.draw(&Text::new(name.clone(), (x + 22, y), style))
            .map_err(|e| ChartError(e.to_string()))?;
        x += 22 + 7 * name.chars().count() as i32 + 18;
    }
    Ok(())
}

/// The low and high ends of a y axis that holds `values` and zero, with a
/// little room above and below.
fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.08;
    (if lo < 0.0 { lo - pad } else { lo }, hi + pad)
}

#[cfg(test)]
mod tests;
