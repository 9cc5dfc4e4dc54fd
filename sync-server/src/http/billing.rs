//! Billing routes: plans and add-ons on sale, Checkout ([`checkout`]: subscriptions, gifts, credit
//! packs), the customer portal, the Stripe webhook ([`webhook`]), signed entitlements, AI credits
//! and suggestions ([`ai`]).

mod ai;
mod checkout;
mod webhook;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use together_core::view::{AddonView, PlanView};
use together_core::wire::billing::{CreditBalance, PortalSession};

use super::{ApiError, AppState, Caller};
use crate::billing::entitlement::{Entitlement, OFFLINE_DAYS, SignedEntitlement};
use crate::billing::store::{Holder, stamp};
use crate::billing::{Billing, stripe::StripeError};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/plans", get(plans))
        .route("/v1/addons", get(addons))
        .route("/v1/billing/checkout", post(checkout::subscription))
        .route("/v1/billing/credits/checkout", post(checkout::credits))
        .route("/v1/billing/portal", post(portal))
        .merge(webhook::router())
        .route("/v1/entitlements", get(entitlements))
        .route("/v1/ai/credits", get(credits))
        .route("/v1/ai/suggest", post(ai::suggest))
}

fn billing(state: &AppState) -> Result<Arc<Billing>, ApiError> {
    state.billing.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "billing is not available on this server",
        )
    })
}

/// The Stripe client, or why purchases are off.
fn stripe_of(billing: &Billing) -> Result<crate::billing::stripe::Stripe, ApiError> {
    billing.stripe.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "purchases are not enabled on this server",
        )
    })
}

fn stripe_error(error: StripeError) -> ApiError {
    tracing::warn!(%error, "Stripe call failed");
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "the payment service is unavailable; please try again",
    )
}

/// The caller's current couple (an account belongs to at most one; the database says so).
async fn relationship_of(state: &AppState, user: &str) -> Result<Option<String>, ApiError> {
    Ok(state.database.current_relationship(user.to_owned()).await?)
}

/// Whose access a caller enjoys: their couple's, or, alone, what they pay for.
async fn holder_of(state: &AppState, user: &str) -> Result<(Holder, Option<String>), ApiError> {
    let relationship = relationship_of(state, user).await?;
    let holder = match &relationship {
        Some(id) => Holder::Relationship(id.clone()),
        None => Holder::Payer(user.to_owned()),
    };
    Ok((holder, relationship))
}

async fn plans(State(state): State<AppState>) -> Result<Json<Vec<PlanView>>, ApiError> {
    let billing = billing(&state)?;
    let plans = billing.db.plans(true).await?;
    Ok(Json(
        plans
            .into_iter()
            .map(|p| PlanView {
                id: p.id,
                name: p.name,
                price_cents: p.price_cents,
                currency: p.currency,
                interval: p.billing_period,
                features: p.features,
            })
            .collect(),
    ))
}

/// Add-ons on sale that can be bought online (AI-credit packs and others).
async fn addons(State(state): State<AppState>) -> Result<Json<Vec<AddonView>>, ApiError> {
    let billing = billing(&state)?;
    Ok(Json(
        billing
            .db
            .addons()
            .await?
            .into_iter()
            .filter(|a| a.stripe_price_id.is_some())
            .map(|a| AddonView {
                id: a.id,
                name: a.name,
                addon_type: a.addon_type,
                price_cents: a.price_cents,
                credits: a.credits,
            })
            .collect(),
    ))
}

/// The customer portal of what the caller pays for, and only that: a gift's recipient or a former
/// partner has nothing to manage there, and a payer keeps managing (and can cancel) what they pay
/// for after leaving the couple.
async fn portal(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PortalSession>, ApiError> {
    let billing = billing(&state)?;
    let stripe = stripe_of(&billing)?;
    let customer = billing
        .db
        .customer_of_payer(caller.user_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "you pay for no subscription here; whoever pays for it manages it",
            )
        })?;
    let session = stripe
        .create_portal_session(
            &customer,
            &billing.config.success_url,
            &uuid::Uuid::now_v7().to_string(),
        )
        .await
        .map_err(stripe_error)?;
    Ok(Json(PortalSession { url: session.url }))
}

async fn entitlements(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SignedEntitlement>, ApiError> {
    let billing = billing(&state)?;
    let (holder, relationship) = holder_of(&state, &caller.user_id).await?;
    let access = billing.db.access(holder, billing.config.grace_days).await?;
    let now = Timestamp::now().as_second();
    let entitlement = Entitlement {
        user_id: caller.user_id,
        relationship_id: relationship,
        level: access.level,
        status: access.status,
        plan_id: access.plan_id,
        entitled_until: access.entitled_until,
        is_gift: access.is_gift,
        issued_at: stamp(now),
        expires_at: stamp(now + OFFLINE_DAYS * 86_400),
    };
    Ok(Json(billing.signer.sign(&entitlement)))
}

async fn credits(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CreditBalance>, ApiError> {
    let billing = billing(&state)?;
    let balance = billing.db.credit_balance(caller.user_id).await?;
    Ok(Json(CreditBalance { balance }))
}
