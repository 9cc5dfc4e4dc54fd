//! Billing's tables in SQLite: each concept of [`crate::billing::store`] implemented with SQLite's
//! SQL, one file each, plus the SQL helpers they share.

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

use rusqlite::Connection;

use crate::storage::StorageError;

// New row ids, as everywhere on the server.
use crate::storage::new_id;

fn constraint(message: &'static str) -> impl Fn(rusqlite::Error) -> StorageError {
    move |error| match error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StorageError::Conflict(message.into())
        }
        other => StorageError::Query(other),
    }
}

/// A relationship id from our metadata, only if it exists here (foreign events carry none).
fn known_relationship(
    conn: &Connection,
    id: Option<String>,
) -> Result<Option<String>, StorageError> {
    let Some(id) = id else { return Ok(None) };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM relationships WHERE id = ?1)",
        [&id],
        |r| r.get(0),
    )?;
    Ok(exists.then_some(id))
}

fn known_user(conn: &Connection, id: Option<String>) -> Result<Option<String>, StorageError> {
    let Some(id) = id else { return Ok(None) };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
        [&id],
        |r| r.get(0),
    )?;
    Ok(exists.then_some(id))
}
