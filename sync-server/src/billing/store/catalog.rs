//! What is on sale: subscription plans and add-ons (AI-credit packs...), managed by the operator's
//! admin commands and listed to devices.

use crate::storage::StorageError;

/// A plan as sold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `premium`, `premium_plus`...
    pub plan_type: String,
    /// `month`, `year`, `one_time`.
    pub billing_period: String,
    /// Price.
    pub price_cents: i64,
    /// Currency.
    pub currency: String,
    /// Stripe price.
    pub stripe_price_id: Option<String>,
    /// On sale.
    pub is_active: bool,
    /// What it includes.
    pub features: Vec<String>,
}

/// An add-on (an AI-credits pack, a theme...).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Addon {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `ai_credits`, `feature`...
    pub addon_type: String,
    /// Price.
    pub price_cents: i64,
    /// Stripe price.
    pub stripe_price_id: Option<String>,
    /// Credits granted (packs).
    pub credits: i64,
    /// On sale.
    pub is_active: bool,
}

impl Plan {
    /// Couples can buy it: on sale and linked to a Stripe price (one without a price cannot be
    /// paid for, so it is not offered).
    pub fn for_sale(&self) -> bool {
        self.is_active && self.stripe_price_id.is_some()
    }
}

impl Addon {
    /// Couples can buy it: on sale and linked to a Stripe price.
    pub fn for_sale(&self) -> bool {
        self.is_active && self.stripe_price_id.is_some()
    }
}

/// Plans and add-ons.
#[async_trait::async_trait]
pub trait Catalog {
    /// Adds a plan (admin command).
    #[allow(clippy::too_many_arguments)]
    async fn add_plan(
        &self,
        name: String,
        plan_type: String,
        billing_period: String,
        price_cents: i64,
        currency: String,
        stripe_price_id: Option<String>,
        features: Vec<String>,
    ) -> Result<String, StorageError>;

    /// Plans, in display order; only those on sale with `active_only`.
    async fn plans(&self, active_only: bool) -> Result<Vec<Plan>, StorageError>;

    /// Takes a plan off sale or back on.
    async fn set_plan_active(&self, id: String, active: bool) -> Result<(), StorageError>;

    /// Adds an add-on (admin command).
    async fn add_addon(
        &self,
        name: String,
        addon_type: String,
        price_cents: i64,
        stripe_price_id: Option<String>,
        credits: i64,
    ) -> Result<String, StorageError>;

    /// Add-ons; only those on sale with `active_only`.
    async fn addons(&self, active_only: bool) -> Result<Vec<Addon>, StorageError>;

    /// Takes an add-on off sale or back on (owners keep what they bought).
    async fn set_addon_active(&self, id: String, active: bool) -> Result<(), StorageError>;
}
