//! Billing: Stripe subscriptions for couples (one subscription covers both partners, or is
//! gifted), AI-credit packs, add-ons, discount codes, signed entitlements, revenue analytics.
//!
//! - [`signature`]: Stripe's webhook signature scheme.
//! - [`stripe`]: Stripe's HTTP API with reqwest (form posts, pinned version, idempotency keys).
//! - [`events`]: lenient reading of Stripe events across API versions.
//! - [`store`]: billing's part of the storage seam: one trait per concept (catalog, discounts,
//!   entitlements, checkouts, credits, gifts, webhooks, owed actions, ledger, revenue) with the
//!   rules that must not differ between backends.
//! - [`entitlement`]: Ed25519-signed entitlements the app can honour offline.
//! - [`ai`]: AI suggestions through an OpenAI-compatible endpoint, paid with credits.
//! - [`retry`]: applying a stored event again on the operator's word (the console's "retry now").
//! - [`actions`]: the Stripe calls the server owes after an event (refunding a couple's duplicate
//!   subscription, cancelling what a deleted account paid for), retried until done.
//!
//! Billing's tables live in the server's database, behind [`crate::storage::Storage`] like
//! everything else.

pub mod actions;
pub mod ai;
pub mod entitlement;
pub mod events;
pub mod retry;
pub mod signature;
pub mod store;
pub mod stripe;

use std::path::Path;
use std::sync::Arc;

use crate::clock::Clock;
use crate::storage::Storage;

use crate::secrets::SecretText;

/// The operator's billing settings. Secrets are [`SecretText`]: `Debug` never shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingConfig {
    /// Stripe secret key (`sk_…`); without it checkout and the portal are unavailable.
    pub stripe_secret_key: Option<SecretText>,
    /// Webhook signing secrets (`whsec_…`), several during a rotation.
    pub webhook_secrets: Vec<SecretText>,
    /// Stripe's API base URL.
    pub stripe_api_base: String,
    /// Where Checkout returns after paying (the app's deep link by default).
    pub success_url: String,
    /// Where Checkout returns when the person gives up.
    pub cancel_url: String,
    /// Days of access kept while a payment is past due.
    pub grace_days: i64,
    /// The AI endpoint, if any.
    pub ai: Option<ai::AiConfig>,
    /// Credits one AI request costs.
    pub ai_cost_credits: i64,
}

impl Default for BillingConfig {
    fn default() -> Self {
        Self {
            stripe_secret_key: None,
            webhook_secrets: Vec::new(),
            stripe_api_base: "https://api.stripe.com".into(),
            success_url: "bettertogether://premium?checkout=success".into(),
            cancel_url: "bettertogether://premium?checkout=canceled".into(),
            grace_days: 3,
            ai: None,
            ai_cost_credits: 1,
        }
    }
}

/// Billing's shared state (its tables are behind the storage seam, in the server's state).
#[derive(Debug)]
pub struct Billing {
    /// Settings.
    pub config: BillingConfig,
    /// The Stripe client, when a secret key is configured.
    pub stripe: Option<stripe::Stripe>,
    /// The entitlement signing key.
    pub signer: entitlement::Signer25519,
    /// The server's clock.
    pub clock: Arc<dyn Clock>,
}

impl Billing {
    /// Billing with the entitlement signing key kept in `storage` (every instance signs with the
    /// same key). A key file left in `data_dir` by an earlier version becomes that key, so devices
    /// that pinned it keep trusting the server.
    pub async fn new(
        storage: &dyn Storage,
        config: BillingConfig,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, entitlement::KeyError> {
        let signer = entitlement::Signer25519::from_storage(
            storage,
            &data_dir.join(entitlement::LEGACY_KEY_FILE),
        )
        .await?;
        let stripe = config
            .stripe_secret_key
            .as_ref()
            .map(|key| stripe::Stripe::new(&config.stripe_api_base, key.expose()));
        Ok(Self {
            config,
            stripe,
            signer,
            clock,
        })
    }
}
