//! Billing's tables in PostgreSQL: each concept of [`crate::billing::store`] implemented with
//! PostgreSQL's SQL, one file each (mirroring `storage/sqlite/billing/`), plus the helpers they
//! share. The rules stay above ([`crate::billing::store::entitlements`]).

mod access;
mod actions;
mod catalog;
mod checkouts;
mod credits;
mod discounts;
mod gifts;
mod ledger;
mod payments;
mod revenue;
mod subscriptions;
mod webhooks;

use deadpool_postgres::GenericClient;

use super::one;
use crate::storage::StorageError;

// New row ids, as everywhere on the server.
use crate::storage::new_id;

/// A relationship id from our metadata, only if it exists here (foreign events carry none).
async fn known_relationship<C: GenericClient>(
    c: &C,
    id: Option<String>,
) -> Result<Option<String>, StorageError> {
    let Some(id) = id else { return Ok(None) };
    let exists: bool = one(
        c,
        "SELECT EXISTS (SELECT 1 FROM relationships WHERE id = $1)",
        &[&id],
    )
    .await?
    .get(0);
    Ok(exists.then_some(id))
}

/// A user id from our metadata, only if it exists here.
async fn known_user<C: GenericClient>(
    c: &C,
    id: Option<String>,
) -> Result<Option<String>, StorageError> {
    let Some(id) = id else { return Ok(None) };
    let exists: bool = one(
        c,
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)",
        &[&id],
    )
    .await?
    .get(0);
    Ok(exists.then_some(id))
}
