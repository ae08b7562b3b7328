//! Snapshot tests of the SVG's structure (what is drawn, how many, in which
//! colours and words), not of its pixels.

use super::*;

fn days(n: usize) -> Vec<NaiveDate> {
    let first: NaiveDate = "2026-09-01".parse().unwrap();
    (0..n)
        .map(|i| first + chrono::Days::new(i as u64))
        .collect()
}

fn series(name: &str, n: usize, f: impl Fn(usize) -> f64) -> Series {
    Series {
        name: name.into(),
        points: (0..n).map(|i| Some(f(i))).collect(),
    }
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

fn light(w: u32, h: u32) -> Frame {
    Frame::new(w, h, Theme::Light)
}

fn money_trend(n: usize) -> Trend {
    Trend {
        periods: days(n),
        weekly: false,
        series: vec![
            series("Revenue", n, |i| 1000.0 + 10.0 * i as f64),
            series("Net profit", n, |i| 200.0 - 5.0 * i as f64),
            series("Ad spend", n, |_| 300.0),
        ],
        previous: vec![series("Revenue", n, |_| 900.0)],
        unit: Unit::Money("₹".into()),
        reference: None,
    }
}

#[test]
fn a_trend_draws_a_line_per_series_a_faint_one_before_and_a_legend() {
    let svg = trend(&money_trend(30), light(800, 300)).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.contains(r#"viewBox="0 0 800 300""#));
    // Three lines and their three legend marks; one faint line.
    assert_eq!(count(&svg, r#"stroke-width="2""#), 3 + 3, "{svg}");
    // One faint line, and its legend mark.
    assert_eq!(count(&svg, r#"opacity="0.3""#), 2);
    assert!(svg.contains("The period before"));
    for word in ["Revenue", "Net profit", "Ad spend", "₹1k", "Sep 1"] {
        assert!(svg.contains(word), "{word} missing");
    }
    // The light theme's text and first series colour; the faint line is see-through.
    assert!(svg.contains("#1F2430") || svg.contains("#6B7280"));
    assert!(svg.contains("#2F6FDE"));
}

#[test]
fn the_dark_theme_draws_in_its_own_colours() {
    let svg = trend(&money_trend(10), Frame::new(600, 240, Theme::Dark)).unwrap();
    assert!(svg.contains("#6EA2FF"), "dark first series");
    assert!(
        !svg.contains("#2F6FDE"),
        "no light colour in the dark theme"
    );
    assert!(svg.contains("#E6E8EC") || svg.contains("#9AA1AD"));
}

#[test]
fn an_empty_or_one_day_series_draws_an_honest_chart() {
    let mut t = money_trend(0);
    let svg = trend(&t, light(500, 200)).unwrap();
    assert!(svg.contains("No figures for this range yet"));
    assert_eq!(count(&svg, "<polyline"), 0);

    // Periods but no value anywhere (a ratio with no denominator all range).
    t.periods = days(5);
    t.series = vec![Series {
        name: "ROAS".into(),
        points: vec![None; 5],
    }];
    t.previous.clear();
    let svg = trend(&t, light(500, 200)).unwrap();
    assert!(svg.contains("No figures for this range yet"));

    // One day: a dot per series, no line, and the day named.
    let svg = trend(&money_trend(1), light(500, 200)).unwrap();
    assert_eq!(count(&svg, "<circle"), 3, "{svg}");
    assert!(svg.contains("Sep 1"));
}

#[test]
fn a_gap_breaks_the_line_instead_of_joining_across_it() {
    let t = Trend {
        periods: days(7),
        weekly: false,
        series: vec![Series {
            name: "ROAS".into(),
            points: vec![
                Some(2.0),
                Some(2.5),
                None,
                Some(3.0),
                Some(1.0),
                None,
                Some(0.5),
            ],
        }],
        previous: vec![],
        unit: Unit::Multiple,
        reference: Some((1.0, "Break-even".into())),
    };
    let svg = trend(&t, light(600, 240)).unwrap();
    // Two runs of two points and the legend's mark; a lone point; the
    // break-even line and its legend mark (thin, muted).
    assert_eq!(
        count(&svg, r##"stroke="#2F6FDE" stroke-width="2""##),
        2 + 1,
        "{svg}"
    );
    assert_eq!(
        count(&svg, r##"stroke="#6B7280" stroke-width="1""##),
        2,
        "{svg}"
    );
    assert_eq!(count(&svg, "<circle"), 1);
    assert!(svg.contains("Break-even") && svg.contains("2×"));
}

#[test]
fn a_sparkline_is_a_bare_line() {
    let svg = sparkline(&[Some(1.0), Some(3.0), Some(2.0)], light(120, 32), 0).unwrap();
    assert_eq!(count(&svg, "<polyline"), 1, "{svg}");
    assert_eq!(count(&svg, "<text"), 0);
    let none = sparkline(&[None, None], light(120, 32), 0).unwrap();
    assert_eq!(count(&none, "<polyline"), 0);
}

#[test]
fn the_waterfall_steps_down_from_revenue_to_net_profit() {
    let step = |l: &str, a: f64| Step {
        label: l.into(),
        amount: a,
    };
    let costs = [
        step("COGS", 400.0),
        step("Ad spend", 300.0),
        step("Shipping", 100.0),
        step("Payment fees", 20.0),
        step("Other expenses", 80.0),
    ];
    let unit = Unit::Money("$".into());
    let svg = waterfall(
        &step("Revenue", 1000.0),
        &costs,
        &step("Net profit", 100.0),
        &unit,
        light(800, 300),
    )
    .unwrap();
    for word in [
        "Revenue",
        "COGS",
        "Ad spend",
        "Net profit",
        "$1k",
        "−$400",
        "$100",
    ] {
        assert!(svg.contains(word), "{word} missing: {svg}");
    }
    // Seven bars (the frame's own rects aside) and the profit in the good colour.
    assert!(count(&svg, "<rect") >= 7);
    assert!(svg.contains("#1A7F4B"));

    // A loss: the last bar goes below zero, in the bad colour, and says so.
    let svg = waterfall(
        &step("Revenue", 100.0),
        &costs,
        &step("Net profit", -800.0),
        &unit,
        light(800, 300),
    )
    .unwrap();
    assert!(svg.contains("−$800"));
    assert!(svg.contains("#C0392B"));

    let none = waterfall(
        &step("Revenue", 0.0),
        &[],
        &step("Net profit", 0.0),
        &unit,
        light(400, 200),
    )
    .unwrap();
    assert!(none.contains("No revenue or costs in this range"));
}

#[test]
fn stacked_bars_with_a_rate_on_an_axis_of_its_own() {
    let n = 14;
    let s = Stacked {
        periods: days(n),
        weekly: false,
        parts: vec![
            series("Delivered", n, |_| 8.0),
            series("In transit", n, |_| 3.0),
            series("RTO", n, |i| (i % 3) as f64),
            series("NDR", n, |_| 1.0),
        ],
        unit: Unit::Count,
        line: Some((
            series("RTO rate", n, |i| (i % 3) as f64 / 14.0),
            Unit::Percent,
        )),
    };
    let svg = stacked(&s, light(800, 300)).unwrap();
    for word in ["Delivered", "In transit", "RTO", "NDR", "RTO rate", "%"] {
        assert!(svg.contains(word), "{word} missing");
    }
    // A bar per part and day (RTO is zero every third day and still drawn flat).
    assert!(count(&svg, "<rect") >= 4 * n, "{}", count(&svg, "<rect"));
    let empty_one = stacked(
        &Stacked {
            parts: vec![series("Delivered", n, |_| 0.0)],
            line: None,
            ..s
        },
        light(400, 200),
    )
    .unwrap();
    assert!(empty_one.contains("Nothing here for this range yet"));
}

#[test]
fn numbers_on_axes_are_short_and_in_the_unit() {
    let inr = Unit::Money(currency_symbol("INR"));
    assert_eq!(inr.axis(2_500_000.0), "₹2.5M");
    assert_eq!(inr.axis(-1200.0), "−₹1.2k");
    assert_eq!(inr.axis(0.0), "₹0");
    assert_eq!(Unit::Money(currency_symbol("XYZ")).axis(5.5), "XYZ 5.5");
    assert_eq!(Unit::Multiple.axis(2.4), "2.4×");
    assert_eq!(Unit::Percent.axis(0.125), "12.5%");
    assert_eq!(Unit::Percent.axis(0.2), "20%");
    assert_eq!(Unit::Count.axis(12.0), "12");
    assert_eq!(Unit::Seconds.axis(5400.0), "1.5h");
    assert_eq!(
        Frame::new(10, 5, Theme::Light),
        Frame::new(120, 32, Theme::Light)
    );
}
