//! The console's product pages, from the opt-in usage aggregates and the cohorts
//! ([`crate::storage::usage`]): feature usage per feature and day, read through
//! [`crate::storage::usage::feature_usage`], which leaves out every day of a feature with fewer
//! contributors than the k-threshold; and the weekly sign-up cohorts as a retention heat map.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::AdminState;
use super::layout::{self, page};
use super::session::Operator;

/// Days of feature usage the page shows.
pub const USAGE_DAYS: u16 = 30;

/// Logs a storage error and answers 500.
fn failed(what: &str, error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "console: {what}");
    layout::failure()
}

/// `GET /usage`: per feature and day, the k-filtered figures.
pub async fn usage(State(state): State<AdminState>, operator: Operator) -> Response {
    let today = state.app.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let rows = match crate::storage::usage::feature_usage(
        &*state.app.database,
        today,
        USAGE_DAYS,
        state.usage_k,
    )
    .await
    {
        Ok(rows) => rows,
        Err(error) => return failed("feature usage", error),
    };
    let mut by_feature: BTreeMap<&str, Vec<&crate::storage::rules::usage::FeatureUsageMetric>> =
        BTreeMap::new();
    for row in &rows {
        by_feature
            .entry(row.feature.as_str())
            .or_default()
            .push(row);
    }
    let body = html! {
        p.muted {
            "Aggregates of the devices that opted in, per feature and day (last " (USAGE_DAYS) " days). "
            "A day of a feature with fewer than " (state.usage_k.get()) " reporting devices is not shown."
        }
        @if rows.is_empty() { p.notice { "No feature usage to show yet." } }
        @for (feature, days) in &by_feature {
            h2 { (feature) }
            div.scroll { table.stack.usage {
                thead { tr {
                    th { "Day" } th.num { "Devices" } th.num { "Active" } th.num { "Interactions" }
                    th.num { "Avg. time (s)" } th.num { "Completion" }
                } }
                tbody {
                    @for day in days {
                        tr {
                            td data-label="Day" { (day.date) }
                            td.num data-label="Devices" { (day.total_users) }
                            td.num data-label="Active" { (day.active_users) }
                            td.num data-label="Interactions" { (day.total_interactions) }
                            td.num data-label="Avg. time (s)" { (day.average_time_spent_seconds.map_or("—".to_owned(), |s| format!("{s:.1}"))) }
                            td.num data-label="Completion" { (day.completion_rate.map_or("—".to_owned(), |r| format!("{:.0}%", r * 100.0))) }
                        }
                    }
                }
            } }
        }
    };
    page(&operator, "/usage", "Feature usage", body).into_response()
}

/// The shade class of a retention rate: `heat0` (none) to `heat10` (everyone).
fn shade(rate: f64) -> String {
    let bucket = if rate.is_finite() {
        (rate.clamp(0.0, 1.0) * 10.0).round()
    } else {
        0.0
    };
    // 0..=10 after the clamp: the cast cannot wrap.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bucket = bucket as u8;
    format!("heat{bucket}")
}

/// `GET /cohorts`: a row per sign-up week, a column per week since, each cell the share of the
/// cohort active that week, shaded by it.
pub async fn cohorts(State(state): State<AdminState>, operator: Operator) -> Response {
    let rows = match state.app.database.user_cohorts().await {
        Ok(rows) => rows,
        Err(error) => return failed("cohorts", error),
    };
    let weeks = rows
        .iter()
        .map(|r| r.weeks_since_signup)
        .max()
        .unwrap_or(0)
        .clamp(0, 52);
    let mut cohorts: BTreeMap<
        &str,
        (i64, BTreeMap<i64, &crate::storage::rules::usage::CohortRow>),
    > = BTreeMap::new();
    for row in &rows {
        let entry = cohorts.entry(row.cohort_week.as_str()).or_default();
        entry.0 = row.cohort_size;
        entry.1.insert(row.weeks_since_signup, row);
    }
    let body = html! {
        p.muted {
            "Accounts by the week they were created (rows), and the share of them with device activity "
            "in each week after (columns; week 0 is the sign-up week). Darker is more."
        }
        @if rows.is_empty() { p.notice { "No cohorts computed yet." } }
        @else {
            div.scroll { table.heatmap #cohorts {
                thead { tr {
                    th { "Cohort" } th.num { "Accounts" }
                    @for week in 0..=weeks { th.num { "W" (week) } }
                } }
                tbody {
                    @for (week, (size, cells)) in cohorts.iter().rev() {
                        tr {
                            td { (week) } td.num { (size) }
                            @for n in 0..=weeks {
                                @if let Some(cell) = cells.get(&n) {
                                    td class=(format!("num {}", shade(cell.retention_rate)))
                                        title=(format!("{} of {} active, {} paying", cell.active_users, cell.cohort_size, cell.paying_users)) {
                                        (format!("{:.0}%", cell.retention_rate * 100.0))
                                    }
                                } @else { td {} }
                            }
                        }
                    }
                }
            } }
        }
    };
    page(&operator, "/cohorts", "Cohorts", body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_shades_are_bounded_whatever_the_rate() {
        assert_eq!(shade(0.0), "heat0");
        assert_eq!(shade(0.44), "heat4");
        assert_eq!(shade(1.0), "heat10");
        assert_eq!(shade(7.0), "heat10");
        assert_eq!(shade(-1.0), "heat0");
        assert_eq!(shade(f64::NAN), "heat0");
    }
}
