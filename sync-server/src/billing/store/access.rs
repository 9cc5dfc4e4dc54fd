//! Who has Premium: a couple's (or a lone payer's) access, decided from the subscriptions they hold
//! and Stripe's statuses, and whose Stripe customer a person may manage.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::stamp;
use crate::storage::{Database, StorageError};

/// A couple's access, decided from their subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Access {
    /// `premium` (or the plan's type) while entitled, else `free`.
    pub level: String,
    /// The entitling subscription's status, if any.
    pub status: Option<String>,
    /// Its plan.
    pub plan_id: Option<String>,
    /// Until when it entitles (RFC 3339), if it does.
    pub entitled_until: Option<String>,
    /// A gift.
    pub is_gift: bool,
}

impl Access {
    /// No subscription entitles the couple (or there is no couple).
    pub fn free() -> Self {
        Self {
            level: "free".into(),
            status: None,
            plan_id: None,
            entitled_until: None,
            is_gift: false,
        }
    }
}

/// How an entitlement follows a subscription's status: trialing and active entitle until the
/// period ends (also when canceling at period end); past_due keeps access for `grace_days`
/// after the period; every other status gives none.
pub fn entitled_until(
    status: &str,
    period_end: Option<i64>,
    grace_days: i64,
    now: i64,
) -> Option<i64> {
    let end = match status {
        "trialing" | "active" => period_end.unwrap_or(now + 86_400),
        "past_due" => period_end.unwrap_or(now) + grace_days * 86_400,
        _ => return None,
    };
    (end > now).then_some(end)
}

pub(super) fn unix(text: Option<String>) -> Option<i64> {
    text.and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

/// How final a status is, to order two states Stripe stamped in the same second.
pub(super) fn finality(status: &str) -> i32 {
    match status {
        "incomplete" => 0,
        "trialing" => 1,
        "active" => 2,
        "past_due" => 3,
        "paused" => 4,
        "unpaid" => 5,
        "canceled" | "incomplete_expired" => 6,
        _ => -1,
    }
}

/// Whose access is asked for: a couple, or a person with no couple now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A current relationship.
    Relationship(String),
    /// A person without a current relationship (what they pay for still follows them).
    Payer(String),
}

/// Which subscriptions a holder enjoys, as a condition on `s` (subscriptions) and `r` (their
/// relationship), with `?1` the relationship (or NULL) and `?2` the lone payer (or NULL).
///
/// A subscription covers the relationship it was bought for while that relationship goes on. Once
/// it ended (a partner left), it **follows its payer**: it covers the payer's next relationship, or
/// the payer alone, and the former partner's inherited access ends. A gift to another couple
/// follows nobody: it ends with the couple it was given to (the giver still manages it in the
/// customer portal).
const HELD: &str = "
    ((?1 IS NOT NULL AND s.relationship_id = ?1 AND r.ended_at IS NULL)
     OR ((r.id IS NULL OR r.ended_at IS NOT NULL)
         AND (s.relationship_id IS NULL OR EXISTS (SELECT 1 FROM memberships pm
              WHERE pm.relationship_id = s.relationship_id AND pm.user_id = s.user_id))
         AND (s.user_id = ?2 OR s.user_id IN (SELECT user_id FROM memberships
              WHERE relationship_id = ?1 AND ended_at IS NULL))))";

/// A query over the subscriptions a holder enjoys (see [`HELD`]), selecting `columns`, with
/// `extra` conditions (numbered from `?3`).
pub(super) fn held_subscriptions_where(columns: &str, extra: &str) -> String {
    format!(
        "SELECT {columns} FROM subscriptions s
         LEFT JOIN subscription_plans p ON p.id = s.plan_id
         LEFT JOIN relationships r ON r.id = s.relationship_id
         WHERE {HELD} {extra}"
    )
}

/// The access of `holder` at `now` (Unix seconds).
pub(crate) fn access(
    conn: &Connection,
    holder: &Holder,
    grace_days: i64,
    now: i64,
) -> Result<Access, StorageError> {
    let (relationship, payer) = match holder {
        Holder::Relationship(id) => (Some(id.as_str()), None),
        Holder::Payer(user) => (None, Some(user.as_str())),
    };
    let mut stmt = conn.prepare_cached(&held_subscriptions_where(
        "s.status, s.current_period_end, s.plan_id, s.is_gift, coalesce(p.plan_type, 'premium')",
        "",
    ))?;
    let rows = stmt
        .query_map(params![relationship, payer], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, bool>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let best = rows
        .into_iter()
        .filter_map(|(status, end, plan, gift, kind)| {
            entitled_until(&status, unix(end), grace_days, now)
                .map(|until| (until, status, plan, gift, kind))
        })
        .max_by_key(|(until, ..)| *until);
    Ok(match best {
        Some((until, status, plan_id, is_gift, kind)) => Access {
            level: kind,
            status: Some(status),
            plan_id,
            entitled_until: Some(stamp(until)),
            is_gift,
        },
        None => Access::free(),
    })
}

impl Database {
    /// A couple's (or a lone payer's) access now.
    pub async fn access(
        &self,
        holder: Holder,
        grace_days: i64,
        now: Timestamp,
    ) -> Result<Access, StorageError> {
        self.with_conn(move |conn| access(conn, &holder, grace_days, now.as_second()))
            .await
    }

    /// The Stripe customer of what `user_id` pays for (their newest subscription), for the customer
    /// portal. Only the payer's own: a gift's recipient or a former partner gets `None`, and a payer
    /// keeps managing (and can cancel) what they pay for after leaving the couple.
    pub async fn customer_of_payer(&self, user_id: String) -> Result<Option<String>, StorageError> {
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
