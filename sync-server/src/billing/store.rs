//! Billing in the server's database: what is on sale, discount codes, who has Premium,
//! subscriptions and payments as Stripe tells of them, AI credits, the couple's checkout lock, owed
//! Stripe calls, and the typed ledger. Every webhook's effects are committed in the same
//! transaction as its `stripe_webhooks` row; every rule that must hold with several server
//! instances (one open checkout per couple, credits never below zero, a discount never over its
//! uses, an AI request spent once) is a constraint or a conditional update in the database.
//!
//! - [`catalog`]: plans and add-ons.
//! - [`discounts`]: discount codes, reserved at Checkout, counted on payment, given back on expiry.
//! - [`access`]: who has Premium ([`Holder`], [`Access`]), whose customer a person manages.
//! - [`checkouts`]: one open Checkout per couple.
//! - [`credits`]: the AI-credit balance, its ledger, AI requests spent once.
//! - [`gifts`]: the rate of gift lookups by email.
//! - [`webhooks`]: a Stripe event recorded once and applied ([`Processed`]).
//! - `subscriptions`, `payments`: what events do to subscriptions, payments and refunds.
//! - [`actions`]: Stripe calls owed after an event (refund a duplicate, cancel for a deleted payer).
//! - [`ledger`]: the whole billing state as typed records.

pub mod access;
pub mod actions;
pub mod catalog;
pub mod checkouts;
pub mod credits;
pub mod discounts;
pub mod gifts;
pub mod ledger;
mod payments;
mod subscriptions;
pub mod webhooks;

use jiff::Timestamp;
use rusqlite::Connection;

pub use access::{Access, Holder, entitled_until};
pub use actions::{ActionKind, BillingAction};
pub use catalog::{Addon, Plan};
pub use checkouts::{CHECKOUT_OPEN_MINUTES, CheckoutLock, CheckoutRequest};
pub use credits::AiStart;
pub use discounts::{DiscountCode, Redemption};
pub use ledger::BillingLedger;
pub use webhooks::Processed;

use crate::storage::StorageError;

/// RFC 3339 (milliseconds, UTC) for Unix seconds, as the server stores times.
pub fn stamp(unix: i64) -> String {
    Timestamp::from_second(unix)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn constraint(message: &'static str) -> impl Fn(rusqlite::Error) -> StorageError {
    move |error| match error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StorageError::Conflict(message.into())
        }
        other => StorageError::Query(other),
    }
}

/// A relationship id from our metadata, only if it exists here (foreign events carry none).
fn known_relationship(
    conn: &Connection,
    id: Option<String>,
) -> Result<Option<String>, StorageError> {
    let Some(id) = id else { return Ok(None) };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM relationships WHERE id = ?1)",
        [&id],
        |r| r.get(0),
    )?;
    Ok(exists.then_some(id))
}

fn known_user(conn: &Connection, id: Option<String>) -> Result<Option<String>, StorageError> {
    let Some(id) = id else { return Ok(None) };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
        [&id],
        |r| r.get(0),
    )?;
    Ok(exists.then_some(id))
}
