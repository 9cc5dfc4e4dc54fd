//! The encrypted document logs: append (idempotent), pull after a seq, list what the caller can reach.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use together_core::wire::{
    AppendRequest, AppendResponse, AppendedEntry, DocInfo, ErrorBody, PullResponse, Snapshot,
    StoredEntry,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::SignedIn;
use super::{ApiError, ApiJson, ApiPath, AppState, Caller};
use crate::hub::{CARRY_BYTES_PER_DOCUMENT, Carried};
use crate::secrets;
use crate::storage::Broadcast;
use crate::storage::{AppendJob, Appended, DocAccess, NewSnapshot};

/// Most entries per append.
pub const MAX_ENTRIES_PER_APPEND: usize = 256;
/// Largest sealed entry.
pub const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;
/// Default and largest page of a pull.
const DEFAULT_PULL: i64 = 100;
const MAX_PULL: i64 = 1000;
/// Most ciphertext bytes in one pull page (the page always holds at least one entry, so a device
/// makes progress). Bounds the memory one pull takes under the database lock and in the answer.
pub const MAX_PULL_PAGE_BYTES: usize = 8 * 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(append, pull))
        .routes(routes!(put_snapshot, get_snapshot))
}

fn access(doc_id: &str) -> Result<DocAccess, ApiError> {
    DocAccess::of(doc_id)
        .ok_or_else(|| ApiError::bad_request(format!("{doc_id:?} is not a document id")))
}

/// Appends sealed entries to a document's log (idempotent by entry id), committed before the
/// answer.
#[utoipa::path(post, path = "/v1/docs/{doc_id}/entries", tag = "documents", security(("bearer" = [])),
    params(("doc_id" = String, Path, description = "`user-<uuid>`, `rel-<uuid>` or `rel-<uuid>-<year>`")),
    request_body = AppendRequest,
    responses((status = 200, body = AppendResponse), SignedIn,
        (status = 410, description = "The relationship ended (`relationship_ended`)", body = ErrorBody),
        (status = 507, description = "The account's storage quota is used up (`quota_exceeded`)", body = ErrorBody)))]
async fn append(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(doc_id): ApiPath<String>,
    ApiJson(body): ApiJson<AppendRequest>,
) -> Result<Json<AppendResponse>, ApiError> {
    let rule = access(&doc_id)?;
    if body.entries.is_empty() || body.entries.len() > MAX_ENTRIES_PER_APPEND {
        return Err(ApiError::bad_request(format!(
            "send between 1 and {MAX_ENTRIES_PER_APPEND} entries"
        )));
    }
    let mut entries = Vec::with_capacity(body.entries.len());
    for entry in body.entries {
        let id = entry.entry_id.trim();
        if id.is_empty()
            || id.len() > 64
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ApiError::bad_request(format!(
                "{:?} is not a valid entry_id",
                entry.entry_id
            )));
        }
        let bytes = secrets::decode(&entry.ciphertext)
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(format!("entry {id}: ciphertext must be non-empty base64"))
            })?;
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(ApiError::bad_request(format!(
                "entry {id} is larger than {MAX_ENTRY_BYTES} bytes"
            )));
        }
        entries.push((id.to_owned(), bytes));
    }
    // Small appends travel inside the live news too (kept aside before the job takes them).
    let sealed: usize = entries.iter().map(|(_, bytes)| bytes.len()).sum();
    let carry = (sealed <= CARRY_BYTES_PER_DOCUMENT).then(|| entries.clone());
    let device_id = caller.device_id.clone();
    let now = state.now_text();
    let Appended { placed, audience } = state
        .database
        .append_entries(AppendJob {
            doc_id: doc_id.clone(),
            access: rule,
            user_id: caller.user_id,
            device_id: caller.device_id,
            entries,
            now: now.clone(),
            max_account_bytes: state.max_account_bytes,
        })
        .await?;
    state.metrics.appended(placed.len());
    if let Some(latest_seq) = placed.iter().map(|(_, seq)| *seq).max() {
        let carried = carry
            .map(|sent| Carried::of_append(&sent, &placed, &device_id, &now))
            .unwrap_or_default();
        // Nobody listening is fine: devices pull when they connect.
        state
            .announce(Broadcast::NewEntries {
                audience,
                doc_id: doc_id.clone(),
                seq: latest_seq,
                carried,
            })
            .await;
    }
    Ok(Json(AppendResponse {
        entries: placed
            .into_iter()
            .map(|(entry_id, seq)| AppendedEntry { entry_id, seq })
            .collect(),
    }))
}

/// Query of a pull.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PullQuery {
    /// Entries after this seq (default 0).
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Most entries in the page, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// Entries after a seq, a page at a time (`more` says whether to ask again).
#[utoipa::path(get, path = "/v1/docs/{doc_id}/entries", tag = "documents", security(("bearer" = [])),
    params(("doc_id" = String, Path, description = "`user-<uuid>`, `rel-<uuid>` or `rel-<uuid>-<year>`"), PullQuery),
    responses((status = 200, body = PullResponse), SignedIn))]
async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(doc_id): ApiPath<String>,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let rule = access(&doc_id)?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(DEFAULT_PULL);
    if after < 0 || !(1..=MAX_PULL).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "after must be >= 0 and limit between 1 and {MAX_PULL}"
        )));
    }
    let (rows, more) = state
        .database
        .pull_entries(
            doc_id,
            rule,
            caller.user_id,
            after,
            limit,
            MAX_PULL_PAGE_BYTES,
        )
        .await?;
    state
        .metrics
        .pulled(rows.iter().map(|r| r.ciphertext.len()).sum());
    Ok(Json(PullResponse {
        entries: rows
            .into_iter()
            .map(|r| StoredEntry {
                seq: r.seq,
                entry_id: r.entry_id,
                device_id: r.device_id,
                ciphertext: secrets::encode(&r.ciphertext),
                created_at: r.created_at,
            })
            .collect(),
        more,
    }))
}

/// Every document the caller can reach, with its latest seq.
#[utoipa::path(get, path = "/v1/docs", tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = Vec<DocInfo>), SignedIn))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DocInfo>>, ApiError> {
    let docs = state.database.accessible_documents(caller.user_id).await?;
    Ok(Json(
        docs.into_iter()
            .map(|(doc_id, latest_seq)| DocInfo { doc_id, latest_seq })
            .collect(),
    ))
}

/// Largest snapshot.
pub const MAX_SNAPSHOT_BYTES: usize = 12 * 1024 * 1024;

/// Stores a sealed snapshot unless a newer one exists (204 stored, 200 kept the newer one).
#[utoipa::path(put, path = "/v1/docs/{doc_id}/snapshot", tag = "documents", security(("bearer" = [])),
    params(("doc_id" = String, Path, description = "`user-<uuid>`, `rel-<uuid>` or `rel-<uuid>-<year>`")),
    request_body = Snapshot,
    responses((status = 204, description = "Stored"), (status = 200, description = "A newer snapshot is kept"),
        SignedIn,
        (status = 409, description = "It covers entries the log does not have", body = ErrorBody),
        (status = 410, description = "The relationship ended (`relationship_ended`)", body = ErrorBody),
        (status = 507, description = "The account's storage quota is used up (`quota_exceeded`)", body = ErrorBody)))]
async fn put_snapshot(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(doc_id): ApiPath<String>,
    ApiJson(body): ApiJson<Snapshot>,
) -> Result<StatusCode, ApiError> {
    let rule = access(&doc_id)?;
    if body.covers_seq < 1 {
        return Err(ApiError::bad_request("covers_seq must be at least 1"));
    }
    let bytes = secrets::decode(&body.ciphertext)
        .filter(|b| !b.is_empty() && b.len() <= MAX_SNAPSHOT_BYTES)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "ciphertext must be non-empty base64 of at most {MAX_SNAPSHOT_BYTES} bytes"
            ))
        })?;
    let stored = state
        .database
        .put_snapshot(NewSnapshot {
            doc_id,
            access: rule,
            user_id: caller.user_id,
            device_id: caller.device_id,
            covers_seq: body.covers_seq,
            ciphertext: bytes,
            now: state.now_text(),
            max_account_bytes: state.max_account_bytes,
        })
        .await?;
    Ok(if stored {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::OK
    })
}

/// The newest sealed snapshot of a document.
#[utoipa::path(get, path = "/v1/docs/{doc_id}/snapshot", tag = "documents", security(("bearer" = [])),
    params(("doc_id" = String, Path, description = "`user-<uuid>`, `rel-<uuid>` or `rel-<uuid>-<year>`")),
    responses((status = 200, body = Snapshot), SignedIn))]
async fn get_snapshot(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(doc_id): ApiPath<String>,
) -> Result<Json<Snapshot>, ApiError> {
    let rule = access(&doc_id)?;
    let (covers_seq, bytes) = state
        .database
        .snapshot(doc_id, rule, caller.user_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "this document has no snapshot yet"))?;
    Ok(Json(Snapshot {
        covers_seq,
        ciphertext: secrets::encode(&bytes),
    }))
}
