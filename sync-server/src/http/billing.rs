//! Billing routes: plans and add-ons on sale, Checkout ([`checkout`]: subscriptions, gifts, credit
//! packs), the customer portal, the Stripe webhook ([`webhook`]), signed entitlements, AI credits
//! and suggestions ([`ai`]).

mod ai;
mod checkout;
mod webhook;

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use together_core::view::{AddonView, PlanView};
use together_core::wire::billing::{CreditBalance, PortalSession};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{Refusals, SignedIn};
use super::{ApiError, AppState, Caller};
use crate::billing::entitlement::{Entitlement, OFFLINE_DAYS, SignedEntitlement};
use crate::billing::store::{Addon, Holder, Plan, stamp};
use crate::billing::{Billing, stripe::StripeError};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plans))
        .routes(routes!(addons))
        .routes(routes!(checkout::subscription))
        .routes(routes!(checkout::credits))
        .routes(routes!(portal))
        .merge(webhook::router())
        .routes(routes!(entitlements))
        .routes(routes!(credits))
        .routes(routes!(ai::suggest))
}

fn billing(state: &AppState) -> Result<Arc<Billing>, ApiError> {
    state.billing.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "billing is not available on this server",
        )
        .expected()
    })
}

/// The Stripe client, or why purchases are off.
fn stripe_of(billing: &Billing) -> Result<crate::billing::stripe::Stripe, ApiError> {
    billing.stripe.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "purchases are not enabled on this server",
        )
        .expected()
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

/// Plans on sale.
#[utoipa::path(get, path = "/v1/plans", tag = "billing",
    responses((status = 200, body = Vec<PlanView>), Refusals,
        (status = 503, description = "Billing is not available on this server", body = together_core::wire::ErrorBody)))]
async fn plans(State(state): State<AppState>) -> Result<Json<Vec<PlanView>>, ApiError> {
    billing(&state)?;
    let plans = state.database.plans(true).await?;
    Ok(Json(
        plans
            .into_iter()
            .filter(Plan::for_sale)
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
#[utoipa::path(get, path = "/v1/addons", tag = "billing",
    responses((status = 200, body = Vec<AddonView>), Refusals,
        (status = 503, description = "Billing is not available on this server", body = together_core::wire::ErrorBody)))]
async fn addons(State(state): State<AppState>) -> Result<Json<Vec<AddonView>>, ApiError> {
    billing(&state)?;
    Ok(Json(
        state
            .database
            .addons(true)
            .await?
            .into_iter()
            .filter(Addon::for_sale)
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
#[utoipa::path(post, path = "/v1/billing/portal", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = PortalSession), SignedIn,
        (status = 502, description = "Stripe did not answer", body = together_core::wire::ErrorBody),
        (status = 503, description = "Billing or purchases are not enabled", body = together_core::wire::ErrorBody)))]
async fn portal(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PortalSession>, ApiError> {
    let billing = billing(&state)?;
    let stripe = stripe_of(&billing)?;
    let customer = state
        .database
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

/// The couple's (or a lone payer's) access, signed with Ed25519 so the app honours it offline.
#[utoipa::path(get, path = "/v1/entitlements", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SignedEntitlement), SignedIn,
        (status = 503, description = "Billing is not available on this server", body = together_core::wire::ErrorBody)))]
async fn entitlements(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SignedEntitlement>, ApiError> {
    let billing = billing(&state)?;
    let (holder, relationship) = holder_of(&state, &caller.user_id).await?;
    let access = state
        .database
        .access(holder, billing.config.grace_days, state.now())
        .await?;
    let now = state.now().as_second();
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

/// The caller's AI-credit balance.
#[utoipa::path(get, path = "/v1/ai/credits", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = CreditBalance), SignedIn,
        (status = 503, description = "Billing is not available on this server", body = together_core::wire::ErrorBody)))]
async fn credits(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CreditBalance>, ApiError> {
    billing(&state)?;
    let balance = state.database.credit_balance(caller.user_id).await?;
    Ok(Json(CreditBalance { balance }))
}
