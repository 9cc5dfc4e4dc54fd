//! Charts as inline SVG, drawn here from the figures (no script, nothing fetched): a line chart
//! of one or more series over days, and paired bars. Each chart has a table under it on its page,
//! so the numbers are readable without the picture.

use maud::{Markup, html};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One series of a chart: its name, colour and one value per label.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Shown in the legend.
    pub name: &'a str,
    /// A CSS colour.
    pub colour: &'a str,
    /// One value per label of the chart.
    pub values: Vec<i64>,
}

/// The scale's top: the largest value, at least 1.
fn top(series: &[Series<'_>]) -> i64 {
    series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1)
}

/// An f64 for drawing (values beyond f64's exact range only lose precision, never wrap).
#[allow(clippy::cast_precision_loss)]
fn float(n: i64) -> f64 {
    n as f64
}

#[allow(clippy::cast_precision_loss)]
fn float_usize(n: usize) -> f64 {
    n as f64
}

fn y(value: i64, top: i64) -> f64 {
    let plot = HEIGHT - TOP - BOTTOM;
    TOP + plot - plot * float(value.max(0)) / float(top)
}

fn frame(labels: &[String], top: i64, axis: &dyn Fn(i64) -> String, inner: Markup) -> Markup {
    let first = labels.first().cloned().unwrap_or_default();
    let last = labels.last().cloned().unwrap_or_default();
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" xmlns="http://www.w3.org/2000/svg" {
            line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(HEIGHT - BOTTOM) stroke="#b8c0cc" {}
            line x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH - RIGHT) y2=(HEIGHT - BOTTOM) stroke="#b8c0cc" {}
            text x=(LEFT - 6.0) y=(TOP + 10.0) text-anchor="end" font-size="12" fill="#5a6475" { (axis(top)) }
            text x=(LEFT - 6.0) y=(HEIGHT - BOTTOM) text-anchor="end" font-size="12" fill="#5a6475" { (axis(0)) }
            text x=(LEFT) y=(HEIGHT - 8.0) font-size="12" fill="#5a6475" { (first) }
            text x=(WIDTH - RIGHT) y=(HEIGHT - 8.0) text-anchor="end" font-size="12" fill="#5a6475" { (last) }
            (inner)
        }
    }
}

fn legend(series: &[Series<'_>]) -> Markup {
    html! {
        p.legend {
            @for s in series {
                // A drawn swatch, not a styled one: the console's CSP allows no inline style.
                span {
                    svg.swatch viewBox="0 0 10 10" width="12" height="12" aria-hidden="true" {
                        rect width="10" height="10" rx="2" fill=(s.colour) {}
                    }
                    (s.name)
                }
            }
        }
    }
}

/// A line per series over `labels` (days); `axis` writes a value of the scale.
pub fn lines(labels: &[String], series: &[Series<'_>], axis: &dyn Fn(i64) -> String) -> Markup {
    let top = top(series);
    let step = (WIDTH - LEFT - RIGHT) / float_usize(labels.len().saturating_sub(1).max(1));
    let inner = html! {
        @for s in series {
            @let points = s.values.iter().enumerate()
                .map(|(i, v)| format!("{:.1},{:.1}", LEFT + step * float_usize(i), y(*v, top)))
                .collect::<Vec<_>>().join(" ");
            polyline points=(points) fill="none" stroke=(s.colour) stroke-width="2" {}
        }
    };
    html! { (frame(labels, top, axis, inner)) (legend(series)) }
}

/// Side-by-side bars per label, one per series.
pub fn bars(labels: &[String], series: &[Series<'_>], axis: &dyn Fn(i64) -> String) -> Markup {
    let top = top(series);
    let slot = (WIDTH - LEFT - RIGHT) / float_usize(labels.len().max(1));
    let bar = (slot * 0.8 / float_usize(series.len().max(1))).max(0.5);
    let inner = html! {
        @for (k, s) in series.iter().enumerate() {
            @for (i, v) in s.values.iter().enumerate() {
                @let x = LEFT + slot * float_usize(i) + slot * 0.1 + bar * float_usize(k);
                @let height = (HEIGHT - BOTTOM) - y(*v, top);
                rect x=(format!("{x:.1}")) y=(format!("{:.1}", y(*v, top))) width=(format!("{bar:.1}"))
                    height=(format!("{height:.1}")) fill=(s.colour) {}
            }
        }
    };
    html! { (frame(labels, top, axis, inner)) (legend(series)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_chart_has_a_point_per_day_and_survives_empty_and_extreme_data() {
        let labels: Vec<String> = ["2026-11-01", "2026-11-02", "2026-11-03"]
            .map(String::from)
            .to_vec();
        let chart = lines(
            &labels,
            &[Series {
                name: "MRR",
                colour: "#3b5bdb",
                values: vec![0, 500, i64::MAX],
            }],
            &|v| v.to_string(),
        )
        .into_string();
        let points = chart
            .split("points=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default();
        assert_eq!(points.split(' ').count(), 3, "{chart}");
        assert!(!chart.contains("NaN"));
        let empty = bars(&[], &[], &|v| v.to_string()).into_string();
        assert!(empty.starts_with("<svg"), "{empty}");
    }
}
