//! One open Checkout per couple, in PostgreSQL (the lifecycle is told in
//! `storage/sqlite/billing/checkouts.rs`). Opening one locks the couple's row first, so both
//! partners clicking at once are decided one after the other; the primary key of
//! `pending_checkouts` backs that up.

use deadpool_postgres::GenericClient;

use super::{discounts, new_id};
use crate::billing::store::checkouts::{CheckoutLock, CheckoutRequest, Checkouts};
use crate::billing::store::discounts::Redemption;
use crate::storage::StorageError;
use crate::storage::postgres::relationships::lock_relationship;
use crate::storage::postgres::{PostgresStorage, exec, opt, rows};

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

async fn pending<C: GenericClient>(
    c: &C,
    relationship: &str,
) -> Result<Option<Pending>, StorageError> {
    Ok(opt(
        c,
        "SELECT lock_id, user_id, plan_id, discount_usage_id, session_id, checkout_url, expires_at
         FROM pending_checkouts WHERE relationship_id = $1",
        &[&relationship],
    )
    .await?
    .map(|r| Pending {
        lock_id: r.get(0),
        user_id: r.get(1),
        plan_id: r.get(2),
        usage_id: r.get(3),
        session_id: r.get(4),
        url: r.get(5),
        expires_at: r.get(6),
    }))
}

/// The reservation held by a lock, as a redemption (for a retried request).
async fn held_redemption<C: GenericClient>(
    c: &C,
    usage_id: &str,
) -> Result<Option<Redemption>, StorageError> {
    Ok(opt(
        c,
        "SELECT u.id, u.discount_amount_cents, d.stripe_coupon_id
         FROM discount_usage u JOIN discount_codes d ON d.id = u.discount_id WHERE u.id = $1",
        &[&usage_id],
    )
    .await?
    .map(|r| Redemption {
        usage_id: r.get(0),
        amount_off_cents: r.get(1),
        stripe_coupon_id: r.get(2),
    }))
}

/// Drops a lock and gives its discount reservation back.
async fn drop_lock<C: GenericClient>(c: &C, lock_id: &str) -> Result<(), StorageError> {
    let usage: Option<Option<String>> = opt(
        c,
        "DELETE FROM pending_checkouts WHERE lock_id = $1 RETURNING discount_usage_id",
        &[&lock_id],
    )
    .await?
    .map(|r| r.get(0));
    if let Some(Some(usage)) = usage {
        discounts::release(c, &usage).await?;
    }
    Ok(())
}

/// Stripe says a session completed (its discount use counts) or expired (given back): the couple
/// may open another Checkout.
pub(super) async fn close_session<C: GenericClient>(
    c: &C,
    session_id: &str,
    completed: bool,
) -> Result<(), StorageError> {
    if completed {
        discounts::count_for_session(c, session_id).await?;
        exec(
            c,
            "DELETE FROM pending_checkouts WHERE session_id = $1",
            &[&session_id],
        )
        .await?;
    } else {
        discounts::release_for_session(c, session_id).await?;
        let lock: Option<String> = opt(
            c,
            "SELECT lock_id FROM pending_checkouts WHERE session_id = $1",
            &[&session_id],
        )
        .await?
        .map(|r| r.get(0));
        if let Some(lock) = lock {
            drop_lock(c, &lock).await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl Checkouts for PostgresStorage {
    async fn begin_checkout(&self, request: CheckoutRequest) -> Result<CheckoutLock, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_relationship(&tx, &request.relationship_id).await?;
        if let Some(open) = pending(&tx, &request.relationship_id).await? {
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
                    (Some(session_id), Some(url)) => Ok(CheckoutLock::Existing { session_id, url }),
                    _ => {
                        let redemption = match &open.usage_id {
                            Some(usage) => held_redemption(&tx, usage).await?,
                            None => None,
                        };
                        Ok(CheckoutLock::Open {
                            lock_id: open.lock_id,
                            redemption,
                        })
                    }
                };
            }
            drop_lock(&tx, &open.lock_id).await?;
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
                )
                .await?;
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
        exec(
            &tx,
            "INSERT INTO pending_checkouts (relationship_id, lock_id, user_id, plan_id,
                discount_usage_id, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &request.relationship_id,
                &lock_id,
                &request.user_id,
                &request.plan_id,
                &redemption.as_ref().map(|r| r.usage_id.clone()),
                &request.expires_at,
                &request.now,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(CheckoutLock::Open {
            lock_id,
            redemption,
        })
    }

    async fn attach_checkout(
        &self,
        lock_id: String,
        session_id: String,
        url: String,
    ) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let usage: Option<Option<String>> = opt(
            &tx,
            "UPDATE pending_checkouts SET session_id = $2, checkout_url = $3 WHERE lock_id = $1
             RETURNING discount_usage_id",
            &[&lock_id, &session_id, &url],
        )
        .await?
        .map(|r| r.get(0));
        if let Some(Some(usage)) = usage {
            discounts::attach_session(&tx, &usage, &session_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn abandon_checkout(&self, lock_id: String) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        drop_lock(&tx, &lock_id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sweep_checkouts(&self, before: String) -> Result<usize, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let stale: Vec<String> = rows(
            &tx,
            "SELECT lock_id FROM pending_checkouts WHERE expires_at < $1",
            &[&before],
        )
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
        for lock in &stale {
            drop_lock(&tx, lock).await?;
        }
        tx.commit().await?;
        Ok(stale.len())
    }
}
