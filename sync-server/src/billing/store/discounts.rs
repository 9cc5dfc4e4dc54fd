//! Discount codes: created by the operator, applied at Checkout through a Stripe coupon. A use is
//! reserved when a Checkout Session opens, counted when its payment completes, given back when it
//! expires (see `checkouts`).

use crate::storage::StorageError;

/// A discount code as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiscountCode {
    /// Id.
    pub id: String,
    /// What people type.
    pub code: String,
    /// `percent` or `amount`.
    pub discount_type: String,
    /// Percent, or cents.
    pub discount_value: i64,
    /// Most uses.
    pub max_uses: Option<i64>,
    /// Uses so far.
    pub current_uses: i64,
    /// Expiry (RFC 3339).
    pub valid_until: Option<String>,
    /// The Stripe coupon applied at checkout.
    pub stripe_coupon_id: Option<String>,
}

/// A redeemed code: what it takes off, and how to undo it if checkout fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// The usage row.
    pub usage_id: String,
    /// Cents off the price.
    pub amount_off_cents: i64,
    /// The Stripe coupon, if the operator linked one.
    pub stripe_coupon_id: Option<String>,
}

/// Discount codes.
#[async_trait::async_trait]
pub trait Discounts {
    /// Creates a discount code (admin command).
    async fn create_discount(&self, code: DiscountCode) -> Result<String, StorageError>;

    /// Every discount code.
    async fn discounts(&self) -> Result<Vec<DiscountCode>, StorageError>;
}
