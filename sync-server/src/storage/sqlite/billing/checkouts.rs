//! One open Checkout per couple for a subscription, so a couple is never charged twice by two
//! clicks or by both partners paying at once.
//!
//! Opening a Checkout takes the couple's lock (`pending_checkouts`, one row per relationship, in the
//! transaction that also reserves a discount use). A second request by the same person for the same
//! plan gets the same session (the lock's id is Stripe's idempotency key, so even a request racing
//! the first one gets Stripe's same session); the partner is told to wait. The lock is released
//! when Stripe says the session completed or expired (sessions are opened for
//! [`CHECKOUT_OPEN_MINUTES`]), or when Stripe refused to open it. Whatever still slips through (a
//! session completed for a couple already covered) is caught by the webhook, which cancels and
//! refunds the newcomer (see `webhooks`).

use rusqlite::{Connection, OptionalExtension, params};

use super::discounts;
use super::new_id;
use crate::billing::store::checkouts::{CheckoutLock, CheckoutRequest, Checkouts};
use crate::billing::store::discounts::Redemption;
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

/// The couple's open checkout.
#[derive(Debug)]
struct Pending {
    lock_id: String,
    user_id: String,
    plan_id: String,
    usage_id: Option<String>,
    session_id: Option<String>,
    url: Option<String>,
    expires_at: String,
}

fn pending(conn: &Connection, relationship: &str) -> Result<Option<Pending>, StorageError> {
    Ok(conn
        .query_row(
            "SELECT lock_id, user_id, plan_id, discount_usage_id, session_id, checkout_url, expires_at
             FROM pending_checkouts WHERE relationship_id = ?1",
            [relationship],
            |r| {
                Ok(Pending {
                    lock_id: r.get(0)?,
                    user_id: r.get(1)?,
                    plan_id: r.get(2)?,
                    usage_id: r.get(3)?,
                    session_id: r.get(4)?,
                    url: r.get(5)?,
                    expires_at: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// The reservation held by a lock, as a redemption (for a retried request).
fn held_redemption(conn: &Connection, usage_id: &str) -> Result<Option<Redemption>, StorageError> {
    Ok(conn
        .query_row(
            "SELECT u.id, u.discount_amount_cents, d.stripe_coupon_id
             FROM discount_usage u JOIN discount_codes d ON d.id = u.discount_id WHERE u.id = ?1",
            [usage_id],
            |r| {
                Ok(Redemption {
                    usage_id: r.get(0)?,
                    amount_off_cents: r.get(1)?,
                    stripe_coupon_id: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Drops a lock and gives its discount reservation back.
fn drop_lock(conn: &Connection, lock_id: &str) -> Result<(), StorageError> {
    let usage: Option<Option<String>> = conn
        .query_row(
            "SELECT discount_usage_id FROM pending_checkouts WHERE lock_id = ?1",
            [lock_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(Some(usage)) = usage {
        discounts::release(conn, &usage)?;
    }
    conn.execute(
        "DELETE FROM pending_checkouts WHERE lock_id = ?1",
        [lock_id],
    )?;
    Ok(())
}

/// Stripe says a session completed (its discount use counts) or expired (given back): the couple
/// may open another Checkout.
pub(super) fn close_session(
    conn: &Connection,
    session_id: &str,
    completed: bool,
) -> Result<(), StorageError> {
    if completed {
        discounts::count_for_session(conn, session_id)?;
        conn.execute(
            "DELETE FROM pending_checkouts WHERE session_id = ?1",
            [session_id],
        )?;
    } else {
        discounts::release_for_session(conn, session_id)?;
        let lock: Option<String> = conn
            .query_row(
                "SELECT lock_id FROM pending_checkouts WHERE session_id = ?1",
                [session_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(lock) = lock {
            drop_lock(conn, &lock)?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl Checkouts for SqliteStorage {
    async fn begin_checkout(&self, request: CheckoutRequest) -> Result<CheckoutLock, StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            if let Some(open) = pending(&tx, &request.relationship_id)? {
                if open.expires_at > request.now {
                    if open.user_id != request.user_id {
                        return Err(StorageError::Conflict(
                            "your partner is paying for Premium right now; wait a few minutes and check again".into(),
                        ));
                    }
                    if open.plan_id != request.plan_id {
                        return Err(StorageError::Conflict(format!(
                            "you have a checkout open for another plan; finish it or try again after {}",
                            open.expires_at.get(11..16).unwrap_or("it expires")
                        )));
                    }
                    return match (open.session_id, open.url) {
                        (Some(session_id), Some(url)) => {
                            Ok(CheckoutLock::Existing { session_id, url })
                        }
                        _ => {
                            let redemption = match &open.usage_id {
                                Some(usage) => held_redemption(&tx, usage)?,
                                None => None,
                            };
                            Ok(CheckoutLock::Open {
                                lock_id: open.lock_id,
                                redemption,
                            })
                        }
                    };
                }
                drop_lock(&tx, &open.lock_id)?;
            }
            let redemption = match request
                .discount_code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                Some(code) => {
                    let redemption = discounts::reserve(
                        &tx,
                        code,
                        &request.user_id,
                        request.price_cents,
                        &request.now,
                    )?;
                    if redemption.stripe_coupon_id.is_none() {
                        return Err(StorageError::Conflict(
                            "this discount code cannot be used for online payment".into(),
                        ));
                    }
                    Some(redemption)
                }
                None => None,
            };
            let lock_id = new_id();
            tx.execute(
                "INSERT INTO pending_checkouts (relationship_id, lock_id, user_id, plan_id,
                    discount_usage_id, expires_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    request.relationship_id,
                    lock_id,
                    request.user_id,
                    request.plan_id,
                    redemption.as_ref().map(|r| r.usage_id.clone()),
                    request.expires_at,
                    request.now
                ],
            )?;
            tx.commit()?;
            Ok(CheckoutLock::Open {
                lock_id,
                redemption,
            })
        })
        .await
    }
    async fn attach_checkout(
        &self,
        lock_id: String,
        session_id: String,
        url: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            tx.execute(
                "UPDATE pending_checkouts SET session_id = ?2, checkout_url = ?3 WHERE lock_id = ?1",
                params![lock_id, session_id, url],
            )?;
            let usage: Option<Option<String>> = tx
                .query_row(
                    "SELECT discount_usage_id FROM pending_checkouts WHERE lock_id = ?1",
                    [&lock_id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(Some(usage)) = usage {
                discounts::attach_session(&tx, &usage, &session_id)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
    async fn abandon_checkout(&self, lock_id: String) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            drop_lock(&tx, &lock_id)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
    async fn sweep_checkouts(&self, before: String) -> Result<usize, StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let stale: Vec<String> = tx
                .prepare("SELECT lock_id FROM pending_checkouts WHERE expires_at < ?1")?
                .query_map([&before], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for lock in &stale {
                drop_lock(&tx, lock)?;
            }
            tx.commit()?;
            Ok(stale.len())
        })
        .await
    }
}
