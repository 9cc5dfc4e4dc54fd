//! Billing routes: plans, Checkout (subscriptions, gifts, credit packs), the customer portal, the
//! Stripe webhook, signed entitlements, AI credits and suggestions.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use together_core::view::{AddonView, PlanView};

use super::{ApiError, ApiJson, AppState, Caller, now_text};
use crate::billing::ai::{self, SuggestionKind};
use crate::billing::entitlement::{Entitlement, OFFLINE_DAYS, SignedEntitlement};
use crate::billing::events::Event;
use crate::billing::signature;
use crate::billing::store::{Holder, Processed, stamp};
use crate::billing::{Billing, stripe::StripeError};
use crate::storage::StorageError;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/plans", get(plans))
        .route("/v1/addons", get(addons))
        .route("/v1/billing/checkout", post(checkout))
        .route("/v1/billing/credits/checkout", post(credits_checkout))
        .route("/v1/billing/portal", post(portal))
        .route("/v1/stripe/webhook", post(webhook))
        .route("/v1/entitlements", get(entitlements))
        .route("/v1/ai/credits", get(credits))
        .route("/v1/ai/suggest", post(suggest))
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

/// The Idempotency-Key of a purchase: stable for a client's retried request, else unique.
fn purchase_key(kind: &str, user: &str, request_id: Option<String>) -> String {
    request_id
        .map(|id| format!("{kind}:{user}:{id}"))
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
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

/// `POST /v1/billing/checkout`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutRequest {
    plan_id: String,
    discount_code: Option<String>,
    /// Gift for another couple: the email of one of its partners.
    gift_to_email: Option<String>,
    /// A gift for the caller's own couple, bought ahead.
    #[serde(default)]
    gift: bool,
    /// Makes a retried request reuse the same Checkout Session.
    request_id: Option<String>,
}

/// Where to send the person.
#[derive(Debug, Serialize)]
struct CheckoutResponse {
    session_id: String,
    checkout_url: String,
}

async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CheckoutRequest>,
) -> Result<(StatusCode, Json<CheckoutResponse>), ApiError> {
    let billing = billing(&state)?;
    let stripe = stripe_of(&billing)?;
    let plan = billing
        .db
        .plans(true)
        .await?
        .into_iter()
        .find(|p| p.id == body.plan_id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such plan on sale"))?;
    let price = plan
        .stripe_price_id
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "this plan cannot be bought online"))?;
    let gifting_other = body.gift_to_email.is_some();
    let relationship = match &body.gift_to_email {
        Some(email) => {
            let credentials = state
                .database
                .credentials(email.trim().to_owned())
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "nobody with this email uses Better Together",
                    )
                })?;
            relationship_of(&state, &credentials.user_id)
                .await?
                .ok_or_else(|| {
                    ApiError::new(StatusCode::CONFLICT, "this person has no couple space yet")
                })?
        }
        None => relationship_of(&state, &caller.user_id)
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "create your couple space first"))?,
    };
    let access = billing
        .db
        .access(
            Holder::Relationship(relationship.clone()),
            billing.config.grace_days,
        )
        .await?;
    if access.level != "free" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "{} already has Premium until {}; nothing was charged",
                if gifting_other {
                    "this couple"
                } else {
                    "your couple"
                },
                access
                    .entitled_until
                    .as_deref()
                    .and_then(|t| t.get(..10))
                    .unwrap_or("later")
            ),
        ));
    }
    let is_gift = gifting_other || body.gift;
    let kind = if is_gift { "gift" } else { "subscription" };
    let mut form: Vec<(String, String)> = vec![
        ("mode".into(), "subscription".into()),
        ("line_items[0][price]".into(), price),
        ("line_items[0][quantity]".into(), "1".into()),
        ("success_url".into(), billing.config.success_url.clone()),
        ("cancel_url".into(), billing.config.cancel_url.clone()),
        ("client_reference_id".into(), relationship.clone()),
    ];
    let mut metadata = vec![
        ("kind", kind.to_owned()),
        ("relationship_id", relationship.clone()),
        ("user_id", caller.user_id.clone()),
        ("plan_id", plan.id.clone()),
    ];
    if is_gift {
        metadata.push(("gift_from_user_id", caller.user_id.clone()));
    }
    for (key, value) in &metadata {
        form.push((format!("metadata[{key}]"), value.clone()));
        form.push((format!("subscription_data[metadata][{key}]"), value.clone()));
    }
    let redemption = match body
        .discount_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(
            billing
                .db
                .redeem_discount(
                    code.to_owned(),
                    caller.user_id.clone(),
                    plan.price_cents,
                    now_text(),
                )
                .await?,
        ),
        None => None,
    };
    if let Some(redemption) = &redemption {
        match &redemption.stripe_coupon_id {
            Some(coupon) => form.push(("discounts[0][coupon]".into(), coupon.clone())),
            None => {
                billing
                    .db
                    .release_discount(redemption.usage_id.clone())
                    .await?;
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "this discount code cannot be used for online payment",
                ));
            }
        }
    }
    let key = purchase_key("checkout", &caller.user_id, body.request_id);
    match stripe.create_checkout_session(&form, &key).await {
        Ok(session) => Ok((
            StatusCode::CREATED,
            Json(CheckoutResponse {
                session_id: session.id,
                checkout_url: session.url,
            }),
        )),
        Err(error) => {
            if let Some(redemption) = redemption {
                billing.db.release_discount(redemption.usage_id).await?;
            }
            Err(stripe_error(error))
        }
    }
}

/// `POST /v1/billing/credits/checkout`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreditsRequest {
    addon_id: String,
    request_id: Option<String>,
}

async fn credits_checkout(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreditsRequest>,
) -> Result<(StatusCode, Json<CheckoutResponse>), ApiError> {
    let billing = billing(&state)?;
    let stripe = stripe_of(&billing)?;
    let addon = billing
        .db
        .addons()
        .await?
        .into_iter()
        .find(|a| a.id == body.addon_id && a.addon_type == "ai_credits" && a.credits > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such credit pack"))?;
    let price = addon
        .stripe_price_id
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "this pack cannot be bought online"))?;
    let relationship = relationship_of(&state, &caller.user_id)
        .await?
        .unwrap_or_default();
    let form: Vec<(String, String)> = vec![
        ("mode".into(), "payment".into()),
        ("line_items[0][price]".into(), price),
        ("line_items[0][quantity]".into(), "1".into()),
        ("success_url".into(), billing.config.success_url.clone()),
        ("cancel_url".into(), billing.config.cancel_url.clone()),
        ("client_reference_id".into(), caller.user_id.clone()),
        ("metadata[kind]".into(), "credits".into()),
        ("metadata[user_id]".into(), caller.user_id.clone()),
        ("metadata[relationship_id]".into(), relationship),
        ("metadata[addon_id]".into(), addon.id.clone()),
        ("metadata[credits]".into(), addon.credits.to_string()),
    ];
    let key = purchase_key("credits", &caller.user_id, body.request_id);
    let session = stripe
        .create_checkout_session(&form, &key)
        .await
        .map_err(stripe_error)?;
    Ok((
        StatusCode::CREATED,
        Json(CheckoutResponse {
            session_id: session.id,
            checkout_url: session.url,
        }),
    ))
}

async fn portal(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let billing = billing(&state)?;
    let stripe = stripe_of(&billing)?;
    let relationship = relationship_of(&state, &caller.user_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, "there is no subscription to manage")
        })?;
    let customer = billing.db.customer_of(relationship).await?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "there is no subscription to manage")
    })?;
    let session = stripe
        .create_portal_session(
            &customer,
            &billing.config.success_url,
            &uuid::Uuid::now_v7().to_string(),
        )
        .await
        .map_err(stripe_error)?;
    Ok(Json(json!({ "url": session.url })))
}

async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let billing = billing(&state)?;
    if billing.config.webhook_secrets.is_empty() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks are not configured on this server",
        ));
    }
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    signature::verify(
        header,
        &body,
        &billing.config.webhook_secrets,
        Timestamp::now().as_second(),
    )
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let event = Event::parse(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let raw = String::from_utf8_lossy(&body).into_owned();
    // For a subscription event, Stripe's current object is the truth whatever the delivery order.
    let mut current = None;
    let mut retrieved_at = 0;
    if event.event_type.starts_with("customer.subscription.")
        && event.event_type != "customer.subscription.trial_will_end"
        && let Some(stripe) = &billing.stripe
        && let Some(id) = event.object.get("id").and_then(|v| v.as_str())
    {
        retrieved_at = Timestamp::now().as_second().max(event.created);
        match stripe.retrieve_subscription(id).await {
            Ok(found) => current = found,
            Err(error) => {
                tracing::warn!(%error, event = %event.id, "cannot retrieve the subscription; Stripe will retry");
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the payment service is unavailable; retry later",
                ));
            }
        }
    }
    let event_id = event.id.clone();
    match billing
        .db
        .process_event(event, raw, current, retrieved_at, now_text())
        .await
    {
        Ok(outcome) => Ok(Json(
            json!({ "received": true, "duplicate": outcome == Processed::Duplicate }),
        )),
        Err(error) => {
            tracing::error!(%error, event = %event_id, "webhook processing failed; Stripe will retry");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the event could not be processed; it will be retried",
            ))
        }
    }
}

async fn entitlements(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SignedEntitlement>, ApiError> {
    let billing = billing(&state)?;
    let relationship = relationship_of(&state, &caller.user_id).await?;
    let holder = match &relationship {
        Some(id) => Holder::Relationship(id.clone()),
        None => Holder::Payer(caller.user_id.clone()),
    };
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
) -> Result<Json<serde_json::Value>, ApiError> {
    let billing = billing(&state)?;
    let balance = billing.db.credit_balance(caller.user_id).await?;
    Ok(Json(json!({ "balance": balance })))
}

/// `POST /v1/ai/suggest`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestRequest {
    kind: SuggestionKind,
    /// What the couple chooses to share (interests, city...), at most 2,000 characters.
    context: String,
    /// Makes a retried request spend once.
    request_id: String,
}

async fn suggest(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SuggestRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let billing = billing(&state)?;
    let config = billing.config.ai.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "AI suggestions are not configured on this server",
        )
    })?;
    let request_id = body.request_id.trim().to_owned();
    if request_id.is_empty() || request_id.len() > 64 {
        return Err(ApiError::bad_request(
            "request_id must be 1 to 64 characters",
        ));
    }
    if body.context.chars().count() > 2000 {
        return Err(ApiError::bad_request(
            "context must be at most 2000 characters",
        ));
    }
    let relationship = relationship_of(&state, &caller.user_id).await?;
    let spend_key = format!("ai:{}:{request_id}", caller.user_id);
    let balance = billing
        .db
        .spend_credits(
            caller.user_id.clone(),
            relationship,
            billing.config.ai_cost_credits,
            spend_key.clone(),
            now_text(),
        )
        .await
        .map_err(|error| match error {
            StorageError::Forbidden(message) => {
                ApiError::new(StatusCode::PAYMENT_REQUIRED, message)
            }
            other => other.into(),
        })?;
    match ai::suggest(&config, body.kind, &body.context).await {
        Ok(suggestions) => Ok(Json(
            json!({ "suggestions": suggestions, "balance": balance }),
        )),
        Err(error) => {
            tracing::warn!(%error, "AI request failed; credits given back");
            billing.db.refund_spend(spend_key, now_text()).await?;
            Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "the AI service did not answer; your credits were not used",
            ))
        }
    }
}
