//! Who has Premium: a couple's (or a lone payer's) access, decided from the subscriptions they hold
//! and Stripe's statuses, and whose Stripe customer a person may manage.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};

use crate::billing::store::entitlements::{Access, Candidate, Entitlements, Holder, best_access};
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

/// The subscriptions that may cover `holder`, with the facts [`crate::billing::store::entitlements::holds`]
/// decides on: bought for the holder's relationship, paid by the lone payer, or paid by one of the
/// relationship's current members. `extra` adds conditions (numbered from `?3`).
pub(super) fn candidates(
    conn: &Connection,
    holder: &Holder,
    extra: &str,
    extra_params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Candidate>, StorageError> {
    let (relationship, payer) = match holder {
        Holder::Relationship(id) => (Some(id.as_str()), None),
        Holder::Payer(user) => (None, Some(user.as_str())),
    };
    let sql = format!(
        "SELECT s.stripe_subscription_id, s.status, s.current_period_end, s.plan_id,
                coalesce(p.plan_type, 'premium'), s.is_gift, s.created_at,
                coalesce(?1 IS NOT NULL AND s.relationship_id = ?1, 0),
                coalesce(r.id IS NOT NULL AND r.ended_at IS NULL, 0),
                coalesce(s.relationship_id IS NULL OR EXISTS (SELECT 1 FROM memberships pm
                    WHERE pm.relationship_id = s.relationship_id AND pm.user_id = s.user_id), 0),
                coalesce(s.user_id = ?2 OR s.user_id IN (SELECT user_id FROM memberships
                    WHERE relationship_id = ?1 AND ended_at IS NULL), 0)
         FROM subscriptions s
         LEFT JOIN subscription_plans p ON p.id = s.plan_id
         LEFT JOIN relationships r ON r.id = s.relationship_id
         WHERE (s.relationship_id = ?1 OR s.user_id = ?2
                OR s.user_id IN (SELECT user_id FROM memberships
                                 WHERE relationship_id = ?1 AND ended_at IS NULL)) {extra}"
    );
    let mut params: Vec<&dyn rusqlite::ToSql> = vec![&relationship, &payer];
    params.extend_from_slice(extra_params);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params.as_slice(), |row| {
            Ok(Candidate {
                stripe_subscription_id: row.get(0)?,
                status: row.get(1)?,
                current_period_end: row.get(2)?,
                plan_id: row.get(3)?,
                plan_type: row.get(4)?,
                is_gift: row.get(5)?,
                created_at: row.get(6)?,
                for_holder: row.get(7)?,
                relationship_goes_on: row.get(8)?,
                payer_was_member: row.get(9)?,
                payer_is_holder: row.get(10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The access of `holder` at `now` (Unix seconds).
pub(crate) fn access(
    conn: &Connection,
    holder: &Holder,
    grace_days: i64,
    now: i64,
) -> Result<Access, StorageError> {
    Ok(best_access(
        &candidates(conn, holder, "", &[])?,
        grace_days,
        now,
    ))
}

#[async_trait::async_trait]
impl Entitlements for SqliteStorage {
    async fn access(
        &self,
        holder: Holder,
        grace_days: i64,
        now: Timestamp,
    ) -> Result<Access, StorageError> {
        self.with_conn(move |conn| access(conn, &holder, grace_days, now.as_second()))
            .await
    }
    async fn customer_of_payer(&self, user_id: String) -> Result<Option<String>, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT stripe_customer_id FROM subscriptions
                     WHERE user_id = ?1 AND stripe_customer_id IS NOT NULL
                     ORDER BY created_at DESC, updated_at DESC LIMIT 1",
                    [user_id],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }
}
