//! One open Checkout per couple for a subscription, so a couple is never charged twice by two
//! clicks or by both partners paying at once: the couple's lock, its session, its discount.

use super::discounts::Redemption;
use crate::storage::StorageError;

/// How long a Checkout Session stays open (Stripe's shortest allowed).
pub const CHECKOUT_OPEN_MINUTES: i64 = 30;

/// What opening a Checkout found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutLock {
    /// Ask Stripe for a session with this idempotency key and this discount (reserved).
    Open {
        /// The lock's id: Stripe's idempotency key for the session.
        lock_id: String,
        /// The discount reserved for it.
        redemption: Option<Redemption>,
    },
    /// The caller's session is already open: send them there again.
    Existing {
        /// Stripe's session id.
        session_id: String,
        /// Its page.
        url: String,
    },
}

/// What `begin_checkout` needs.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    /// The couple.
    pub relationship_id: String,
    /// Who pays.
    pub user_id: String,
    /// What they buy.
    pub plan_id: String,
    /// Its price, for the discount's amount.
    pub price_cents: i64,
    /// A code the person typed.
    pub discount_code: Option<String>,
    /// RFC 3339.
    pub now: String,
    /// When the session (and the lock) expires, RFC 3339.
    pub expires_at: String,
}

/// The couple's checkout lock.
#[async_trait::async_trait]
pub trait Checkouts {
    /// Takes the couple's checkout lock (and reserves the discount), or finds the caller's open
    /// session. The partner's open checkout, or the caller's for another plan, is a conflict.
    async fn begin_checkout(&self, request: CheckoutRequest) -> Result<CheckoutLock, StorageError>;

    /// Records the session Stripe opened for a lock.
    async fn attach_checkout(
        &self,
        lock_id: String,
        session_id: String,
        url: String,
    ) -> Result<(), StorageError>;

    /// Stripe refused to open the session: the lock and the discount reservation go.
    async fn abandon_checkout(&self, lock_id: String) -> Result<(), StorageError>;

    /// Drops locks that expired more than an hour ago (their `expired` event never came) and gives
    /// their discount reservations back.
    async fn sweep_checkouts(&self, before: String) -> Result<usize, StorageError>;
}
