//! Who has Premium, in PostgreSQL: the candidate subscriptions of a holder with the facts
//! [`crate::billing::store::entitlements::holds`] decides on.

use deadpool_postgres::GenericClient;
use jiff::Timestamp;

use crate::billing::store::entitlements::{Access, Candidate, Entitlements, Holder, best_access};
use crate::storage::StorageError;
use crate::storage::postgres::{PostgresStorage, opt, rows};

/// The subscriptions that may cover `holder`: bought for the holder's relationship, paid by the
/// lone payer, or paid by one of the relationship's current members.
pub(super) async fn candidates<C: GenericClient>(
    c: &C,
    holder: &Holder,
) -> Result<Vec<Candidate>, StorageError> {
    let (relationship, payer) = match holder {
        Holder::Relationship(id) => (Some(id.as_str()), None),
        Holder::Payer(user) => (None, Some(user.as_str())),
    };
    Ok(rows(
        c,
        "SELECT s.stripe_subscription_id, s.status, s.current_period_end, s.plan_id,
                coalesce(p.plan_type, 'premium'), s.is_gift, s.created_at,
                coalesce($1::text IS NOT NULL AND s.relationship_id = $1::text, false),
                coalesce(r.id IS NOT NULL AND r.ended_at IS NULL, false),
                coalesce(s.relationship_id IS NULL OR EXISTS (SELECT 1 FROM memberships pm
                    WHERE pm.relationship_id = s.relationship_id AND pm.user_id = s.user_id), false),
                coalesce(s.user_id = $2::text OR s.user_id IN (SELECT user_id FROM memberships
                    WHERE relationship_id = $1::text AND ended_at IS NULL), false)
         FROM subscriptions s
         LEFT JOIN subscription_plans p ON p.id = s.plan_id
         LEFT JOIN relationships r ON r.id = s.relationship_id
         WHERE (s.relationship_id = $1::text OR s.user_id = $2::text
                OR s.user_id IN (SELECT user_id FROM memberships
                                 WHERE relationship_id = $1::text AND ended_at IS NULL))",
        &[&relationship, &payer],
    )
    .await?
    .into_iter()
    .map(|row| Candidate {
        stripe_subscription_id: row.get(0),
        status: row.get(1),
        current_period_end: row.get(2),
        plan_id: row.get(3),
        plan_type: row.get(4),
        is_gift: row.get(5),
        created_at: row.get(6),
        for_holder: row.get(7),
        relationship_goes_on: row.get(8),
        payer_was_member: row.get(9),
        payer_is_holder: row.get(10),
    })
    .collect())
}

#[async_trait::async_trait]
impl Entitlements for PostgresStorage {
    async fn access(
        &self,
        holder: Holder,
        grace_days: i64,
        now: Timestamp,
    ) -> Result<Access, StorageError> {
        let client = self.client().await?;
        Ok(best_access(
            &candidates(&client, &holder).await?,
            grace_days,
            now.as_second(),
        ))
    }

    async fn customer_of_payer(&self, user_id: String) -> Result<Option<String>, StorageError> {
        let client = self.client().await?;
        Ok(opt(
            &client,
            "SELECT stripe_customer_id FROM subscriptions
             WHERE user_id = $1 AND stripe_customer_id IS NOT NULL
             ORDER BY created_at DESC, updated_at DESC LIMIT 1",
            &[&user_id],
        )
        .await?
        .map(|row| row.get(0)))
    }
}
