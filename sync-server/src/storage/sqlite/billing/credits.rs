//! AI credits: a balance per person and a ledger of every movement, and the AI requests they pay.
//!
//! The balance lives in one row per person (`ai_credit_balances`) that only conditional updates
//! change — a spend takes credits only while enough remain — so concurrent spends never overspend
//! and a purchase landing among them is never lost, whatever the clock says. Every movement is also
//! a ledger row (`ai_credits`), idempotent by its request id, with the balance after it.
//!
//! An AI request (`ai_requests`) is spent once and answered once: a replay of its request id gets
//! the stored answer (kept a day), or a refusal while it is in flight or after it failed (its
//! credits were given back then).

use rusqlite::{Connection, OptionalExtension, params};

use super::new_id;
use crate::billing::store::credits::{AiStart, Credits, Moved, Movement};
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

/// A person's balance.
pub(super) fn balance(conn: &Connection, user: &str) -> Result<i64, StorageError> {
    Ok(conn
        .prepare_cached("SELECT balance FROM ai_credit_balances WHERE user_id = ?1")?
        .query_row([user], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Applies a movement inside the caller's transaction: once per request id, never below zero.
pub(super) fn move_credits(conn: &Connection, m: &Movement<'_>) -> Result<Moved, StorageError> {
    let earlier: Option<(String, i64)> = conn
        .prepare_cached("SELECT user_id, credits_balance FROM ai_credits WHERE request_id = ?1")?
        .query_row([m.request_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((owner, after)) = earlier {
        if owner != m.user {
            return Err(StorageError::Conflict(
                "this request id was used by someone else".into(),
            ));
        }
        return Ok(Moved::Repeated(after));
    }
    let after: Option<i64> = if m.amount >= 0 {
        conn.prepare_cached(
            "INSERT INTO ai_credit_balances (user_id, balance, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id) DO UPDATE SET balance = balance + excluded.balance,
                updated_at = excluded.updated_at
             RETURNING balance",
        )?
        .query_row(params![m.user, m.amount, m.now], |r| r.get(0))
        .optional()?
    } else {
        conn.prepare_cached(
            "UPDATE ai_credit_balances SET balance = balance + ?2, updated_at = ?3
             WHERE user_id = ?1 AND balance + ?2 >= 0
             RETURNING balance",
        )?
        .query_row(params![m.user, m.amount, m.now], |r| r.get(0))
        .optional()?
    };
    let Some(after) = after else {
        return Ok(Moved::Short(balance(conn, m.user)?));
    };
    conn.prepare_cached(
        "INSERT INTO ai_credits (id, user_id, relationship_id, transaction_type, credits_amount,
            credits_balance, stripe_payment_id, request_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        new_id(),
        m.user,
        m.relationship,
        m.kind,
        m.amount,
        after,
        m.payment,
        m.request_id,
        m.now
    ])?;
    Ok(Moved::Done(after))
}

/// Takes back, as far as they are unspent, the credits bought with a refunded payment.
pub(super) fn take_back(
    conn: &Connection,
    user: &str,
    relationship: Option<&str>,
    payment: &str,
    refund_key: &str,
    now: &str,
) -> Result<(), StorageError> {
    let bought: i64 = conn.query_row(
        "SELECT coalesce(sum(credits_amount), 0) FROM ai_credits
         WHERE stripe_payment_id = ?1 AND transaction_type = 'purchase'",
        [payment],
        |r| r.get(0),
    )?;
    let take = bought.min(balance(conn, user)?);
    if take > 0 {
        move_credits(
            conn,
            &Movement {
                user,
                relationship,
                kind: "refund",
                amount: -take,
                request_id: refund_key,
                payment: Some(payment),
                now,
            },
        )?;
    }
    Ok(())
}

/// An AI request as stored.
fn ai_request(
    conn: &Connection,
    key: &str,
) -> Result<Option<(String, String, Option<String>)>, StorageError> {
    Ok(conn
        .query_row(
            "SELECT user_id, state, answer FROM ai_requests WHERE request_key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

#[async_trait::async_trait]
impl Credits for SqliteStorage {
    async fn credit_balance(&self, user_id: String) -> Result<i64, StorageError> {
        self.with_conn(move |conn| balance(conn, &user_id)).await
    }
    async fn begin_ai_request(
        &self,
        user_id: String,
        relationship_id: Option<String>,
        cost: i64,
        key: String,
        now: String,
    ) -> Result<AiStart, StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            if let Some((owner, state, answer)) = ai_request(&tx, &key)? {
                if owner != user_id {
                    return Err(StorageError::Conflict("this request id was used by someone else".into()));
                }
                return match (state.as_str(), answer) {
                    ("answered", Some(answer)) => {
                        let answer: Vec<String> = serde_json::from_str(&answer)
                            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                        Ok(AiStart::Answered(answer, balance(&tx, &user_id)?))
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
            )?;
            let after = match spent {
                Moved::Done(after) => after,
                Moved::Repeated(_) => {
                    return Err(StorageError::Conflict("this request id was used before".into()));
                }
                Moved::Short(current) => {
                    return Err(StorageError::Forbidden(format!(
                        "not enough AI credits: {current} left, {cost} needed"
                    )));
                }
            };
            tx.execute(
                "INSERT INTO ai_requests (request_key, user_id, state, created_at, updated_at)
                 VALUES (?1, ?2, 'pending', ?3, ?3)",
                params![key, user_id, now],
            )?;
            tx.commit()?;
            Ok(AiStart::Fresh(after))
        })
        .await
    }
    async fn finish_ai_request(
        &self,
        key: String,
        answer: Vec<String>,
        now: String,
    ) -> Result<(), StorageError> {
        let answer =
            serde_json::to_string(&answer).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        self.with_conn(move |conn| {
            conn.execute(
                "UPDATE ai_requests SET state = 'answered', answer = ?2, updated_at = ?3
                 WHERE request_key = ?1 AND state = 'pending'",
                params![key, answer, now],
            )?;
            Ok(())
        })
        .await
    }
    async fn fail_ai_request(&self, key: String, now: String) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let failed = tx.execute(
                "UPDATE ai_requests SET state = 'failed', updated_at = ?2
                 WHERE request_key = ?1 AND state = 'pending'",
                params![key, now],
            )?;
            let spent: Option<(String, Option<String>, i64)> = tx
                .query_row(
                    "SELECT user_id, relationship_id, credits_amount FROM ai_credits
                     WHERE request_id = ?1 AND transaction_type = 'spend'",
                    [&key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if failed > 0
                && let Some((user, relationship, amount)) = spent
            {
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
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
    async fn forget_ai_answers(&self, before: String) -> Result<usize, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn.execute(
                "UPDATE ai_requests SET answer = NULL WHERE answer IS NOT NULL AND updated_at < ?1",
                [before],
            )?)
        })
        .await
    }
}
