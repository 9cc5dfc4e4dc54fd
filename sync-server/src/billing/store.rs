//! Billing's part of the storage seam: one trait per concept, each with its types, implemented by
//! every backend ([`crate::storage::sqlite`]...). The rules that must not differ between backends
//! live here, above them ([`entitlements`]: who holds which subscription, what a status entitles).
//!
//! - [`catalog`]: plans and add-ons.
//! - [`discounts`]: discount codes, reserved at Checkout, counted on payment, given back on expiry.
//! - [`entitlements`]: who has Premium ([`Holder`], [`Access`]), whose customer a person manages.
//! - [`checkouts`]: one open Checkout per couple.
//! - [`credits`]: the AI-credit balance, its ledger, AI requests spent once.
//! - [`gifts`]: the rate of gift lookups by email.
//! - [`webhooks`]: a Stripe event recorded once and applied ([`Processed`]).
//! - [`actions`]: Stripe calls owed after an event (refund a duplicate, cancel for a deleted payer).
//! - [`ledger`]: the whole billing state as typed records.
//! - [`revenue`]: daily revenue analytics.

pub mod actions;
pub mod catalog;
pub mod checkouts;
pub mod credits;
pub mod discounts;
pub mod entitlements;
pub mod gifts;
pub mod ledger;
pub mod revenue;
pub mod webhooks;

pub use actions::{ActionKind, BillingAction, OwedActions};
pub use catalog::{Addon, Catalog, Plan};
pub use checkouts::{CHECKOUT_OPEN_MINUTES, CheckoutLock, CheckoutRequest, Checkouts};
pub use credits::{AiStart, Credits};
pub use discounts::{DiscountCode, Discounts, Redemption};
pub use entitlements::{Access, Entitlements, Holder, entitled_until};
pub use gifts::Gifts;
pub use ledger::{BillingLedger, Ledger};
pub use revenue::{Revenue, RevenueDay};
pub use webhooks::{Processed, Webhooks};

/// Every billing concept a backend stores.
pub trait BillingStore:
    Catalog
    + Discounts
    + Entitlements
    + Checkouts
    + Credits
    + Gifts
    + Webhooks
    + OwedActions
    + Ledger
    + Revenue
{
}

impl<T> BillingStore for T where
    T: Catalog
        + Discounts
        + Entitlements
        + Checkouts
        + Credits
        + Gifts
        + Webhooks
        + OwedActions
        + Ledger
        + Revenue
{
}

/// RFC 3339 (milliseconds, UTC) for Unix seconds, as the server stores times.
pub fn stamp(unix: i64) -> String {
    crate::clock::stamp(jiff::Timestamp::from_second(unix).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
}
