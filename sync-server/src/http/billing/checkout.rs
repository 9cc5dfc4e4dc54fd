//! Stripe Checkout: a couple's subscription (or a gift, to one's own couple or to another), and
//! AI-credit packs.
//!
//! A couple is never charged twice: the couple's checkout lock (`store::checkouts`) gives a second
//! click the same session and tells the partner to wait, a couple already covered is refused, and
//! whatever slips past (two sessions completing at once) is refunded by the webhook. A gift by
//! email answers one sentence whether the address is unknown, unpaired or already Premium, and a
//! giver may try only a few addresses an hour.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::SignedDuration;
use together_core::wire::billing::{
    CheckoutRequest, CheckoutSession, CreditsCheckoutRequest, is_request_id,
};

use super::{billing, relationship_of, stripe_error, stripe_of};
use crate::billing::Billing;
use crate::billing::store::{
    CHECKOUT_OPEN_MINUTES, CheckoutLock, CheckoutRequest as LockRequest, Holder, stamp,
};
use crate::http::openapi::SignedIn;
use crate::http::{ApiError, ApiJson, AppState, Caller};
use together_core::wire::ErrorBody;

/// The one answer to a gift that cannot be given, whatever the reason.
const GIFT_UNAVAILABLE: &str = "a gift cannot be started for this address: it needs an account \
     with a partner and without Premium (for privacy, we never say which is missing)";

/// The couple a gift by email goes to, or the one answer that reveals nothing.
async fn gift_recipient(
    state: &AppState,
    billing: &Billing,
    giver: &str,
    email: &str,
) -> Result<String, ApiError> {
    let now = state.now();
    let allowed = state
        .database
        .allow_gift_lookup(
            giver.to_owned(),
            stamp(now.as_second()),
            stamp(now.as_second() - 3600),
        )
        .await?;
    if !allowed {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many gift attempts; try again in an hour",
        ));
    }
    let unavailable = || ApiError::new(StatusCode::NOT_FOUND, GIFT_UNAVAILABLE);
    let Some(credentials) = state.database.credentials(email.trim().to_owned()).await? else {
        return Err(unavailable());
    };
    let relationship = relationship_of(state, &credentials.user_id)
        .await?
        .ok_or_else(unavailable)?;
    let access = state
        .database
        .access(
            Holder::Relationship(relationship.clone()),
            billing.config.grace_days,
            state.now(),
        )
        .await?;
    if access.level != "free" {
        return Err(unavailable());
    }
    Ok(relationship)
}

/// Opens a Checkout Session for the caller's couple (or a gift); 200 with the caller's session
/// already open.
#[utoipa::path(post, path = "/v1/billing/checkout", tag = "billing", security(("bearer" = [])),
    request_body = CheckoutRequest,
    responses(
        (status = 201, description = "A new Checkout Session", body = CheckoutSession),
        (status = 200, description = "The caller's session, already open", body = CheckoutSession),
        SignedIn,
        (status = 409, description = "Already covered, no couple yet, the partner is paying, or the discount is not usable", body = ErrorBody),
        (status = 429, description = "Too many gift attempts", body = ErrorBody),
        (status = 502, description = "Stripe did not answer", body = ErrorBody),
        (status = 503, description = "Billing or purchases are not enabled", body = ErrorBody)))]
pub(super) async fn subscription(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CheckoutRequest>,
) -> Result<(StatusCode, Json<CheckoutSession>), ApiError> {
    let billing = billing(&state)?;
    let stripe = stripe_of(&billing)?;
    let plan = state
        .database
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
        Some(email) => gift_recipient(&state, &billing, &caller.user_id, email).await?,
        None => relationship_of(&state, &caller.user_id)
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "create your couple space first"))?,
    };
    if !gifting_other {
        let access = state
            .database
            .access(
                Holder::Relationship(relationship.clone()),
                billing.config.grace_days,
                state.now(),
            )
            .await?;
        if access.level != "free" {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "your couple already has Premium until {}; nothing was charged",
                    access
                        .entitled_until
                        .as_deref()
                        .and_then(|t| t.get(..10))
                        .unwrap_or("later")
                ),
            ));
        }
    }
    let now = state.now();
    let expires = now + SignedDuration::from_mins(CHECKOUT_OPEN_MINUTES);
    let lock = state
        .database
        .begin_checkout(LockRequest {
            relationship_id: relationship.clone(),
            user_id: caller.user_id.clone(),
            plan_id: plan.id.clone(),
            price_cents: plan.price_cents,
            discount_code: body.discount_code.clone(),
            now: state.now_text(),
            expires_at: stamp(expires.as_second()),
        })
        .await?;
    let (lock_id, redemption) = match lock {
        CheckoutLock::Existing { session_id, url } => {
            return Ok((
                StatusCode::OK,
                Json(CheckoutSession {
                    session_id,
                    checkout_url: url,
                }),
            ));
        }
        CheckoutLock::Open {
            lock_id,
            redemption,
        } => (lock_id, redemption),
    };
    let is_gift = gifting_other || body.gift;
    let kind = if is_gift { "gift" } else { "subscription" };
    let mut form: Vec<(String, String)> = vec![
        ("mode".into(), "subscription".into()),
        ("line_items[0][price]".into(), price),
        ("line_items[0][quantity]".into(), "1".into()),
        ("success_url".into(), billing.config.success_url.clone()),
        ("cancel_url".into(), billing.config.cancel_url.clone()),
        ("client_reference_id".into(), relationship.clone()),
        ("expires_at".into(), expires.as_second().to_string()),
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
    if let Some(coupon) = redemption.and_then(|r| r.stripe_coupon_id) {
        form.push(("discounts[0][coupon]".into(), coupon));
    }
    // The lock's id as idempotency key: a request racing this one gets Stripe's same session.
    match stripe
        .create_checkout_session(&form, &format!("checkout:{lock_id}"))
        .await
    {
        Ok(session) => {
            state
                .database
                .attach_checkout(lock_id, session.id.clone(), session.url.clone())
                .await?;
            Ok((
                StatusCode::CREATED,
                Json(CheckoutSession {
                    session_id: session.id,
                    checkout_url: session.url,
                }),
            ))
        }
        Err(error) => {
            state.database.abandon_checkout(lock_id).await?;
            Err(stripe_error(error))
        }
    }
}

/// The Idempotency-Key of a purchase: stable for a client's retried request, else unique.
fn purchase_key(kind: &str, user: &str, request_id: Option<&str>) -> String {
    request_id
        .map(|id| format!("{kind}:{user}:{id}"))
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Opens a Checkout Session for a pack of AI credits.
#[utoipa::path(post, path = "/v1/billing/credits/checkout", tag = "billing", security(("bearer" = [])),
    request_body = CreditsCheckoutRequest,
    responses(
        (status = 201, description = "A Checkout Session", body = CheckoutSession),
        SignedIn,
        (status = 409, description = "This pack cannot be bought online", body = ErrorBody),
        (status = 502, description = "Stripe did not answer", body = ErrorBody),
        (status = 503, description = "Billing or purchases are not enabled", body = ErrorBody)))]
pub(super) async fn credits(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreditsCheckoutRequest>,
) -> Result<(StatusCode, Json<CheckoutSession>), ApiError> {
    if body
        .request_id
        .as_deref()
        .is_some_and(|id| !is_request_id(id))
    {
        return Err(ApiError::bad_request(
            "request_id must be 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    let billing = billing(&state)?;
    let stripe = stripe_of(&billing)?;
    let addon = state
        .database
        .addons(true)
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
    let key = purchase_key("credits", &caller.user_id, body.request_id.as_deref());
    let session = stripe
        .create_checkout_session(&form, &key)
        .await
        .map_err(stripe_error)?;
    Ok((
        StatusCode::CREATED,
        Json(CheckoutSession {
            session_id: session.id,
            checkout_url: session.url,
        }),
    ))
}
