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
    /// Accepted at checkout (the operator can switch a code off and on).
    pub is_active: bool,
}

/// The shortest and longest code people can type (one rule with the app's counter).
pub const CODE_LENGTH: std::ops::RangeInclusive<usize> =
    together_core::wire::billing::DISCOUNT_CODE_LENGTH;

/// Why a new code cannot be created as given, in the operator's words; `now` is RFC 3339 like
/// `valid_until`. The one home of these rules: the admin command asks before it stores.
pub fn check_new_code(code: &DiscountCode, now: &str) -> Result<(), String> {
    let length = code.code.trim().chars().count();
    if !CODE_LENGTH.contains(&length) {
        return Err(format!(
            "a discount code is {} to {} characters (got {length})",
            CODE_LENGTH.start(),
            CODE_LENGTH.end()
        ));
    }
    if code.valid_until.as_deref().is_some_and(|until| until < now) {
        return Err("--valid-until is in the past: the code would never work".into());
    }
    Ok(())
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

    /// Switches a code (any case) off or back on; `NotFound` when there is none.
    async fn set_discount_active(&self, code: String, active: bool) -> Result<(), StorageError>;
}
