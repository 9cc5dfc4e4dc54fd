//! Small SVG charts drawn from view models: a line chart of one score for both partners, and a
//! calendar heat map of check-ins. No chart library: a few polylines and rectangles.

use leptos::prelude::*;
use together_core::view::{DayPoint, HeatDay, Scores};

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 120.0;
const PAD: f64 = 8.0;

/// The chart coordinates of each day that has a value.
fn coordinates(points: &[DayPoint], pick: impl Fn(&DayPoint) -> Option<i64>) -> Vec<(f64, f64)> {
    let n = points.len().max(2) as f64 - 1.0;
    points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let value = pick(p)? as f64;
            let x = PAD + (WIDTH - 2.0 * PAD) * i as f64 / n;
            let y = HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * (value - 1.0) / 9.0;
            Some((x, y))
        })
        .collect()
}

fn polyline(coordinates: &[(f64, f64)]) -> String {
    coordinates
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A dot per day, so a single check-in is visible too.
fn dots(coordinates: &[(f64, f64)], class: &'static str) -> impl IntoView + use<> {
    coordinates
        .iter()
        .map(|(x, y)| view! { <circle class=class cx=*x cy=*y r="3"/> })
        .collect_view()
}

/// One score (connection, mood or satisfaction) over the window, the person and the partner.
#[component]
pub fn ScoreChart(
    #[prop(into)] title: String,
    #[prop(into)] id: String,
    points: Vec<DayPoint>,
    pick: fn(&Scores) -> i64,
) -> impl IntoView {
    let mine = coordinates(&points, |p| p.mine.as_ref().map(pick));
    let partner = coordinates(&points, |p| p.partner.as_ref().map(pick));
    let count = points.iter().filter(|p| p.mine.is_some()).count();
    view! {
        <figure class="chart" id=id>
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                aria-label=format!("{count} of your check-ins in this period")>
                <line class="axis" x1=PAD y1=HEIGHT - PAD x2=WIDTH - PAD y2=HEIGHT - PAD/>
                <polyline class="line mine" points=polyline(&mine) fill="none"/>
                <polyline class="line partner" points=polyline(&partner) fill="none"/>
                {dots(&mine, "dot mine")}
                {dots(&partner, "dot partner")}
            </svg>
        </figure>
    }
}

/// What a heat-map square says, for its label (read aloud, and shown on hover).
fn heat_words(level: u8) -> &'static str {
    match level {
        0 => "no check-in",
        1 => "one of you checked in",
        _ => "you both checked in",
    }
}

/// The heat map: one cell per day, by week columns.
#[component]
pub fn HeatMap(days: Vec<HeatDay>) -> impl IntoView {
    let cell = 12.0;
    let columns = days.len().div_ceil(7).max(1);
    let width = columns as f64 * (cell + 2.0);
    view! {
        <svg class="heat" id="history-heat" viewBox=format!("0 0 {width} {}", 7.0 * (cell + 2.0))
            role="img" aria-label="Check-ins per day: darker when you both checked in">
            {days.into_iter().enumerate().map(|(i, day)| {
                let x = (i / 7) as f64 * (cell + 2.0);
                let y = (i % 7) as f64 * (cell + 2.0);
                let label = format!("{}: {}", day.date, heat_words(day.level));
                let title = label.clone();
                view! {
                    <rect x=x y=y width=cell height=cell rx="2" class=format!("level{}", day.level)
                        role="img" aria-label=label>
                        <title>{title}</title>
                    </rect>
                }
            }).collect_view()}
        </svg>
    }
}
