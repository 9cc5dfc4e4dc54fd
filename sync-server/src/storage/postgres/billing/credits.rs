//! AI credits in PostgreSQL (see `storage/sqlite/billing/credits.rs`): a balance row per person
//! changed only by conditional updates, a ledger row per movement (idempotent by request id), and
//! AI requests spent and answered once. A movement first locks the person's balance row (made if
//! missing), so one person's movements run one after the other and a replayed request id is
//! recognised, whatever runs at the same time on any instance.

use deadpool_postgres::GenericClient;

use super::new_id;
use crate::billing::store::credits::{AiStart, Credits, Moved, Movement};
use crate::storage::StorageError;
use crate::storage::postgres::{PostgresStorage, exec, one, opt};

/// A person's balance.
pub(super) async fn balance<C: GenericClient>(c: &C, user: &str) -> Result<i64, StorageError> {
    Ok(opt(
        c,
        "SELECT balance FROM ai_credit_balances WHERE user_id = $1",
        &[&user],
    )
    .await?
    .map_or(0, |r| r.get(0)))
}

/// Locks `user`'s balance row until the transaction ends, making it (at zero) if missing.
async fn lock_balance<C: GenericClient>(c: &C, user: &str, now: &str) -> Result<(), StorageError> {
    exec(
        c,
        "INSERT INTO ai_credit_balances (user_id, balance, updated_at) VALUES ($1, 0, $2)
         ON CONFLICT (user_id) DO NOTHING",
        &[&user, &now],
    )
    .await?;
    exec(
        c,
        "SELECT 1 FROM ai_credit_balances WHERE user_id = $1 FOR UPDATE",
        &[&user],
    )
    .await?;
    Ok(())
}

/// Applies a movement inside the caller's transaction: once per request id, never below zero.
pub(super) async fn move_credits<C: GenericClient>(
    c: &C,
    m: &Movement<'_>,
) -> Result<Moved, StorageError> {
    lock_balance(c, m.user, m.now).await?;
    let earlier = opt(
        c,
        "SELECT user_id, credits_balance FROM ai_credits WHERE request_id = $1",
        &[&m.request_id],
    )
    .await?;
    if let Some(earlier) = earlier {
        let owner: String = earlier.get(0);
        if owner != m.user {
            return Err(StorageError::Conflict(
                "this request id was used by someone else".into(),
            ));
        }
        return Ok(Moved::Repeated(earlier.get(1)));
    }
    let after: Option<i64> = opt(
        c,
        "UPDATE ai_credit_balances SET balance = balance + $2, updated_at = $3
         WHERE user_id = $1 AND balance + $2 >= 0
         RETURNING balance",
        &[&m.user, &m.amount, &m.now],
    )
    .await?
    .map(|r| r.get(0));
    let Some(after) = after else {
        return Ok(Moved::Short(balance(c, m.user).await?));
    };
    // Another person's movement with this request id, committed meanwhile: the unique index.
    exec(
        c,
        "INSERT INTO ai_credits (id, user_id, relationship_id, transaction_type, credits_amount,
            credits_balance, stripe_payment_id, request_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &new_id(),
            &m.user,
            &m.relationship,
            &m.kind,
            &m.amount,
            &after,
            &m.payment,
            &m.request_id,
            &m.now,
        ],
    )
    .await
    .map_err(crate::storage::postgres::unique(|| {
        StorageError::Conflict("this request id was used by someone else".into())
    }))?;
    Ok(Moved::Done(after))
}

/// Takes back, as far as they are unspent, the credits bought with a refunded payment.
pub(super) async fn take_back<C: GenericClient>(
    c: &C,
    user: &str,
    relationship: Option<&str>,
    payment: &str,
    refund_key: &str,
    now: &str,
) -> Result<(), StorageError> {
    let bought: i64 = one(
        c,
        "SELECT coalesce(sum(credits_amount), 0)::bigint FROM ai_credits
         WHERE stripe_payment_id = $1 AND transaction_type = 'purchase'",
        &[&payment],
    )
    .await?
    .get(0);
    let take = bought.min(balance(c, user).await?);
    if take > 0 {
        move_credits(
            c,
            &Movement {
                user,
                relationship,
                kind: "refund",
                amount: -take,
                request_id: refund_key,
                payment: Some(payment),
                now,
            },
        )
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Credits for PostgresStorage {
    async fn credit_balance(&self, user_id: String) -> Result<i64, StorageError> {
        let client = self.client().await?;
        balance(&client, &user_id).await
    }

    async fn begin_ai_request(
        &self,
        user_id: String,
        relationship_id: Option<String>,
        cost: i64,
        key: String,
        now: String,
    ) -> Result<AiStart, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The person's requests one after the other: a replay sees the first one.
        lock_balance(&tx, &user_id, &now).await?;
        let stored = opt(
            &tx,
            "SELECT user_id, state, answer FROM ai_requests WHERE request_key = $1",
            &[&key],
        )
        .await?;
        if let Some(stored) = stored {
            let owner: String = stored.get(0);
            let state: String = stored.get(1);
            let answer: Option<String> = stored.get(2);
            if owner != user_id {
                return Err(StorageError::Conflict(
                    "this request id was used by someone else".into(),
                ));
            }
            return match (state.as_str(), answer) {
                ("answered", Some(answer)) => {
                    let answer: Vec<String> = serde_json::from_str(&answer)
                        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                    Ok(AiStart::Answered(answer, balance(&tx, &user_id).await?))
                }
                ("answered", None) => Err(StorageError::Conflict(
                    "this request was answered long ago; ask again with a new request id".into(),
                )),
                ("pending", _) => Err(StorageError::Conflict(
                    "this request is still being answered; try again in a moment".into(),
                )),
                _ => Err(StorageError::Conflict(
                    "this request failed and its credits were given back; ask again with a new request id".into(),
                )),
            };
        }
        let spent = move_credits(
            &tx,
            &Movement {
                user: &user_id,
                relationship: relationship_id.as_deref(),
                kind: "spend",
                amount: -cost,
                request_id: &key,
                payment: None,
                now: &now,
            },
        )
        .await?;
        let after = match spent {
            Moved::Done(after) => after,
            Moved::Repeated(_) => {
                return Err(StorageError::Conflict(
                    "this request id was used before".into(),
                ));
            }
            Moved::Short(current) => {
                return Err(StorageError::Forbidden(format!(
                    "not enough AI credits: {current} left, {cost} needed"
                )));
            }
        };
        exec(
            &tx,
            "INSERT INTO ai_requests (request_key, user_id, state, created_at, updated_at)
             VALUES ($1, $2, 'pending', $3, $3)",
            &[&key, &user_id, &now],
        )
        .await
        .map_err(crate::storage::postgres::unique(|| {
            StorageError::Conflict("this request id was used by someone else".into())
        }))?;
        tx.commit().await?;
        Ok(AiStart::Fresh(after))
    }

    async fn finish_ai_request(
        &self,
        key: String,
        answer: Vec<String>,
        now: String,
    ) -> Result<(), StorageError> {
        let answer =
            serde_json::to_string(&answer).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let client = self.client().await?;
        exec(
            &client,
            "UPDATE ai_requests SET state = 'answered', answer = $2, updated_at = $3
             WHERE request_key = $1 AND state = 'pending'",
            &[&key, &answer, &now],
        )
        .await?;
        Ok(())
    }

    async fn fail_ai_request(&self, key: String, now: String) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let failed = exec(
            &tx,
            "UPDATE ai_requests SET state = 'failed', updated_at = $2
             WHERE request_key = $1 AND state = 'pending'",
            &[&key, &now],
        )
        .await?;
        let spent = opt(
            &tx,
            "SELECT user_id, relationship_id, credits_amount FROM ai_credits
             WHERE request_id = $1 AND transaction_type = 'spend'",
            &[&key],
        )
        .await?;
        if failed > 0
            && let Some(spent) = spent
        {
            let user: String = spent.get(0);
            let relationship: Option<String> = spent.get(1);
            let amount: i64 = spent.get(2);
            move_credits(
                &tx,
                &Movement {
                    user: &user,
                    relationship: relationship.as_deref(),
                    kind: "refund",
                    amount: -amount,
                    request_id: &format!("refund:{key}"),
                    payment: None,
                    now: &now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn forget_ai_answers(&self, before: String) -> Result<usize, StorageError> {
        let client = self.client().await?;
        let forgotten = exec(
            &client,
            "UPDATE ai_requests SET answer = NULL WHERE answer IS NOT NULL AND updated_at < $1",
            &[&before],
        )
        .await?;
        Ok(usize::try_from(forgotten).unwrap_or(usize::MAX))
    }
}
