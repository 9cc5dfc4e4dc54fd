//! The console's reading pages: the overview, revenue and billing health (with its "retry now"
//! action). Each reads through the storage seam and renders HTML; a database error is logged and
//! answered with a plain 500 page.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::AdminState;
use super::charts::{self, Series};
use super::layout::{self, bytes, money, page};
use super::session::Operator;

/// Days of revenue the revenue page shows.
pub const REVENUE_DAYS: i64 = 90;

/// Logs a storage error and answers 500.
fn failed(what: &str, error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "console: {what}");
    layout::failure()
}

/// `GET /`: accounts, couples, devices seen, live sockets, storage.
pub async fn overview(State(state): State<AdminState>, operator: Operator) -> Response {
    let now = state.app.now();
    let since = [1, 7, 30]
        .map(|days| crate::clock::stamp(now - jiff::SignedDuration::from_hours(24 * days)));
    let figures = match state.app.database.overview(since).await {
        Ok(figures) => figures,
        Err(error) => return failed("overview", error),
    };
    let database = match state.app.database.database_bytes().await {
        Ok(size) => bytes(i64::try_from(size).unwrap_or(i64::MAX)),
        Err(error) => {
            tracing::warn!(%error, "console: cannot read the database size");
            "unknown".into()
        }
    };
    let cards = [
        ("Accounts", figures.accounts.to_string()),
        ("Couples", figures.couples.to_string()),
        ("Devices seen, 1 day", figures.devices_seen[0].to_string()),
        ("Devices seen, 7 days", figures.devices_seen[1].to_string()),
        ("Devices seen, 30 days", figures.devices_seen[2].to_string()),
        (
            "Live sockets (this instance)",
            state.app.hub.connected().to_string(),
        ),
        ("Storage used", bytes(figures.stored_bytes)),
        ("Database size", database),
    ];
    let body = html! {
        div.cards {
            @for (label, figure) in &cards {
                div.card { div.figure { (figure) } div.label { (label) } }
            }
        }
        h2 { "Couples storing the most" }
        p.muted { "Ciphertext bytes stored by each current couple's members (the quota's count)." }
        div.scroll { table {
            thead { tr { th { "Relationship" } th.num { "Stored" } } }
            tbody {
                @for (relationship, stored) in &figures.top_couples {
                    tr { td { code { (relationship) } } td.num { (bytes(*stored)) } }
                }
                @if figures.top_couples.is_empty() { tr { td colspan="2" { "No couples yet." } } }
            }
        } }
    };
    page(&operator, "/", "Overview", body).into_response()
}

/// `GET /revenue`: MRR and ARR, new and canceled subscriptions, credits revenue and refunds over
/// the last [`REVENUE_DAYS`] days (from `revenue_analytics`).
pub async fn revenue(State(state): State<AdminState>, operator: Operator) -> Response {
    let today = state.app.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let from = today
        .checked_sub(jiff::Span::new().days(REVENUE_DAYS - 1))
        .unwrap_or(today);
    let days = match state.app.database.revenue(from, today).await {
        Ok(days) => days,
        Err(error) => return failed("revenue", error),
    };
    let labels: Vec<String> = days.iter().map(|d| d.date.clone()).collect();
    let column =
        |f: fn(&crate::billing::store::RevenueDay) -> i64| days.iter().map(f).collect::<Vec<_>>();
    // Refunds are what the day's total lacks from its two revenues.
    let refunds = |d: &crate::billing::store::RevenueDay| {
        d.subscription_revenue_cents
            .saturating_add(d.credits_revenue_cents)
            .saturating_sub(d.total_revenue_cents)
            .max(0)
    };
    let money_axis = |v: i64| money(v);
    let count_axis = |v: i64| v.to_string();
    let body = html! {
        @if days.is_empty() {
            p.notice { "No revenue figures in the last " (REVENUE_DAYS) " days." }
        }
        h2 { "MRR" }
        (charts::lines(&labels, &[
            Series { name: "Monthly recurring revenue", colour: "#3b5bdb", values: column(|d| d.mrr_cents) },
        ], &money_axis))
        h2 { "ARR" }
        (charts::lines(&labels, &[
            Series { name: "Annual recurring revenue (12 × MRR)", colour: "#2b8a3e", values: column(|d| d.arr_cents) },
        ], &money_axis))
        h2 { "New and canceled subscriptions" }
        (charts::bars(&labels, &[
            Series { name: "New", colour: "#2b8a3e", values: column(|d| d.new_subscriptions) },
            Series { name: "Canceled", colour: "#c92a2a", values: column(|d| d.canceled_subscriptions) },
        ], &count_axis))
        h2 { "Credits revenue and refunds" }
        (charts::bars(&labels, &[
            Series { name: "Credits", colour: "#1971c2", values: column(|d| d.credits_revenue_cents) },
            Series { name: "Refunds", colour: "#e8590c", values: days.iter().map(refunds).collect() },
        ], &money_axis))
        h2 { "By day" }
        div.scroll { table #revenue-table {
            thead { tr {
                th { "Day" } th.num { "MRR" } th.num { "ARR" } th.num { "New" } th.num { "Canceled" }
                th.num { "Subscriptions" } th.num { "Credits" } th.num { "Refunds" } th.num { "Total" }
            } }
            tbody {
                @for d in days.iter().rev() {
                    tr {
                        td { (d.date) } td.num { (money(d.mrr_cents)) } td.num { (money(d.arr_cents)) }
                        td.num { (d.new_subscriptions) } td.num { (d.canceled_subscriptions) }
                        td.num { (money(d.subscription_revenue_cents)) } td.num { (money(d.credits_revenue_cents)) }
                        td.num { (money(refunds(d))) } td.num { (money(d.total_revenue_cents)) }
                    }
                }
            }
        } }
    };
    page(&operator, "/revenue", "Revenue", body).into_response()
}

/// `GET /billing`: webhook events by status, the failures with their last error and a "retry
/// now" button each, and the discount codes with their uses.
pub async fn billing(State(state): State<AdminState>, operator: Operator) -> Response {
    let database = &state.app.database;
    let (statuses, failures, discounts) = match tokio::try_join!(
        database.webhook_statuses(),
        database.failed_webhooks(),
        database.discounts()
    ) {
        Ok(found) => found,
        Err(error) => return failed("billing health", error),
    };
    let csrf = &operator.0.csrf_token;
    let body = html! {
        h2 { "Stripe webhook events" }
        div.cards {
            @for (status, count) in &statuses {
                div.card { div.figure { (count) } div.label { (status) } }
            }
            @if statuses.is_empty() { p.muted { "No webhook event received yet." } }
        }
        h2 { "Failed events" }
        div.scroll { table.stack #failed-webhooks {
            thead { tr { th { "Event" } th { "Type" } th.num { "Attempts" } th { "Received" } th { "Last error" } th {} } }
            tbody {
                @for failure in &failures {
                    tr {
                        td data-label="Event" { code { (failure.event_id) } }
                        td data-label="Type" { (failure.event_type) }
                        td.num data-label="Attempts" { (failure.retry_count) }
                        td data-label="Received" { (failure.received_at) }
                        td.error data-label="Last error" { (failure.last_error.as_deref().unwrap_or("")) }
                        td {
                            form.inline method="post" action="/billing/retry" {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="event_id" value=(failure.event_id);
                                button type="submit" { "Retry now" }
                            }
                        }
                    }
                }
                @if failures.is_empty() { tr { td colspan="6" { "No failed event." } } }
            }
        } }
        h2 { "Discount codes" }
        div.scroll { table.stack {
            thead { tr { th { "Code" } th { "Discount" } th.num { "Uses" } th { "Valid until" } th { "State" } } }
            tbody {
                @for code in &discounts {
                    tr {
                        td data-label="Code" { code { (code.code) } }
                        td data-label="Discount" { @if code.discount_type == "percent" { (code.discount_value) "%" } @else { (money(code.discount_value)) " off" } }
                        td.num data-label="Uses" { (code.current_uses) @if let Some(max) = code.max_uses { " / " (max) } }
                        td data-label="Valid until" { (code.valid_until.as_deref().unwrap_or("—")) }
                        td data-label="State" { @if code.is_active { "active" } @else { "off" } }
                    }
                }
                @if discounts.is_empty() { tr { td colspan="5" { "No discount code." } } }
            }
        } }
    };
    page(&operator, "/billing", "Billing health", body).into_response()
}

/// The retry form.
#[derive(Debug, serde::Deserialize)]
pub struct RetryForm {
    csrf: String,
    event_id: String,
}

/// `POST /billing/retry`: applies a failed event again now ([`crate::billing::retry`]).
pub async fn retry(
    State(state): State<AdminState>,
    operator: Operator,
    Form(form): Form<RetryForm>,
) -> Response {
    if !operator.csrf_ok(&form.csrf) {
        return layout::csrf_refused();
    }
    if form.event_id.len() > 255 {
        return layout::not_found("No such event waits to be applied.");
    }
    let billing = state.app.billing.as_deref();
    match crate::billing::retry::retry_webhook(
        &*state.app.database,
        billing,
        &form.event_id,
        state.app.now(),
    )
    .await
    {
        Ok(_) => {
            tracing::info!(event = %form.event_id, operator = %operator.0.email, "console: webhook event applied on retry");
            Redirect::to("/billing").into_response()
        }
        Err(crate::billing::retry::RetryError::NotWaiting) => {
            layout::not_found("No such event waits to be applied.")
        }
        // The failure is now the event's last error, shown on the billing page.
        Err(error) => {
            tracing::warn!(%error, event = %form.event_id, "console: webhook retry failed");
            Redirect::to("/billing").into_response()
        }
    }
}
