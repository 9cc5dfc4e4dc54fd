//! Relationships and pairing: register, list, invite (and see the invites' state), redeem, leave.
//! Membership only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use together_core::wire::{
    CreateInviteRequest, CreateRelationshipRequest, ErrorBody, InviteInfo, InviteResponse,
    RedeemInviteRequest, RedeemInviteResponse, RelationshipInfo,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::SignedIn;
use super::{ApiError, ApiJson, ApiPath, AppState, Caller};
use crate::secrets;
use crate::storage::Broadcast;
use crate::storage::RelationshipRow;
use crate::storage::rules;

/// Default life of an invite.
const DEFAULT_INVITE_DAYS: u32 = 7;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(invite, invites))
        .routes(routes!(leave))
        .routes(routes!(redeem))
        .routes(routes!(show))
}

fn relationship_id(raw: &str) -> Result<String, ApiError> {
    raw.parse::<together_core::ids::RelationshipId>()
        .map(|id| id.to_string())
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Registers a relationship the device created, with the caller as its first member.
#[utoipa::path(post, path = "/v1/relationships", tag = "relationships", security(("bearer" = [])),
    request_body = CreateRelationshipRequest,
    responses((status = 201, body = RelationshipInfo), SignedIn,
        (status = 409, description = "Someone else's id, or the caller is in another relationship (`already_in_relationship`)", body = ErrorBody),
        (status = 410, description = "This relationship ended (`relationship_ended`)", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateRelationshipRequest>,
) -> Result<(StatusCode, Json<RelationshipInfo>), ApiError> {
    let id = relationship_id(&body.relationship_id)?;
    state
        .database
        .create_relationship(id.clone(), caller.user_id.clone(), state.now_text())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RelationshipInfo {
            relationship_id: id,
            members: vec![caller.user_id],
            ended_at: None,
        }),
    ))
}

/// The caller's relationships, current and ended.
#[utoipa::path(get, path = "/v1/relationships", tag = "relationships", security(("bearer" = [])),
    responses((status = 200, body = Vec<RelationshipInfo>), SignedIn))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RelationshipInfo>>, ApiError> {
    let rows = state.database.relationships_of(caller.user_id).await?;
    Ok(Json(rows.into_iter().map(info).collect()))
}

/// One of the caller's relationships.
#[utoipa::path(get, path = "/v1/relationships/{relationship_id}", tag = "relationships", security(("bearer" = [])),
    params(("relationship_id" = String, Path, description = "The relationship (a UUID)")),
    responses((status = 200, body = RelationshipInfo), SignedIn))]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<RelationshipInfo>, ApiError> {
    let id = relationship_id(&raw)?;
    let rows = state.database.relationships_of(caller.user_id).await?;
    rows.into_iter()
        .find(|row| row.id == id)
        .map(|row| Json(info(row)))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such relationship"))
}

/// Stores an invite (the hash of its one-time secret and the sealed relationship key).
#[utoipa::path(post, path = "/v1/relationships/{relationship_id}/invites", tag = "relationships", security(("bearer" = [])),
    params(("relationship_id" = String, Path, description = "The relationship (a UUID)")),
    request_body = CreateInviteRequest,
    responses((status = 201, body = InviteResponse), SignedIn,
        (status = 409, description = "This invite exists already", body = ErrorBody),
        (status = 410, description = "This relationship ended (`relationship_ended`)", body = ErrorBody)))]
async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(body): ApiJson<CreateInviteRequest>,
) -> Result<(StatusCode, Json<InviteResponse>), ApiError> {
    let id = relationship_id(&raw)?;
    let hash = secrets::decode_32(&body.secret_hash)
        .ok_or_else(|| ApiError::bad_request("secret_hash must be 32 bytes in base64"))?;
    let days = body.expires_in_days.unwrap_or(DEFAULT_INVITE_DAYS);
    if !(1..=30).contains(&days) {
        return Err(ApiError::bad_request(
            "expires_in_days must be between 1 and 30",
        ));
    }
    let expires_at = (state.now() + jiff::SignedDuration::from_hours(24 * i64::from(days)))
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let wrapped_key = match &body.wrapped_key {
        Some(text) => Some(
            secrets::decode(text)
                .filter(|k| !k.is_empty() && k.len() <= 256)
                .ok_or_else(|| {
                    ApiError::bad_request("wrapped_key must be base64 of at most 256 bytes")
                })?,
        ),
        None => None,
    };
    state
        .database
        .create_invite(
            id,
            caller.user_id,
            hash,
            wrapped_key,
            state.now_text(),
            expires_at.clone(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(InviteResponse { expires_at })))
}

/// The relationship's invites, newest first (at most 20), with their state now: the inviter's
/// screen shows whether the partner joined or the code ran out. Members (current or former) only.
#[utoipa::path(get, path = "/v1/relationships/{relationship_id}/invites", tag = "relationships", security(("bearer" = [])),
    params(("relationship_id" = String, Path, description = "The relationship (a UUID)")),
    responses((status = 200, body = Vec<InviteInfo>), SignedIn,
        (status = 404, description = "Not a member (or no such relationship)", body = ErrorBody)))]
async fn invites(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Vec<InviteInfo>>, ApiError> {
    let id = relationship_id(&raw)?;
    let now = state.now_text();
    let rows = state.database.invites_of(id, caller.user_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| InviteInfo {
                state: rules::invite_state(
                    row.redeemed_at.is_some(),
                    &row.expires_at,
                    row.relationship_ended,
                    &now,
                ),
                created_at: row.created_at,
                expires_at: row.expires_at,
                used_at: row.redeemed_at,
            })
            .collect(),
    ))
}

/// Joins a relationship with an invite's secret.
#[utoipa::path(post, path = "/v1/invites/redeem", tag = "relationships", security(("bearer" = [])),
    request_body = RedeemInviteRequest,
    responses((status = 200, body = RedeemInviteResponse), SignedIn,
        (status = 409, description = "The caller is in another relationship (`already_in_relationship`)", body = ErrorBody)))]
async fn redeem(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RedeemInviteRequest>,
) -> Result<Json<RedeemInviteResponse>, ApiError> {
    let secret = secrets::decode(&body.secret)
        .filter(|s| (10..=64).contains(&s.len()))
        .ok_or_else(|| ApiError::bad_request("secret must be base64 of 10 to 64 bytes"))?;
    let (relationship_id, wrapped_key) = state
        .database
        .redeem_invite(
            secrets::sha256(&[&secret]),
            caller.user_id,
            state.now_text(),
        )
        .await?;
    Ok(Json(RedeemInviteResponse {
        relationship_id,
        wrapped_key: wrapped_key.map(|k| secrets::encode(&k)),
    }))
}

/// A partner leaves: the relationship ends for both, and both partners' devices hear of it now.
#[utoipa::path(delete, path = "/v1/relationships/{relationship_id}/membership", tag = "relationships", security(("bearer" = [])),
    params(("relationship_id" = String, Path, description = "The relationship (a UUID)")),
    responses((status = 204, description = "Ended for both"), SignedIn))]
async fn leave(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = relationship_id(&raw)?;
    let members = state
        .database
        .leave_relationship(id.clone(), caller.user_id, state.now_text())
        .await?;
    state
        .announce(Broadcast::RelationshipEnded {
            members,
            relationship_id: id,
        })
        .await;
    Ok(StatusCode::NO_CONTENT)
}

fn info(row: RelationshipRow) -> RelationshipInfo {
    RelationshipInfo {
        relationship_id: row.id,
        members: row.members,
        ended_at: row.ended_at,
    }
}
