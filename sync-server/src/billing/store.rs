//! Billing in the server's SQLite database: plans, add-ons, discount codes, subscriptions, payments,
//! the AI-credits ledger, webhook events and revenue analytics. Every webhook's effects are
//! committed in the same transaction as its `stripe_webhooks` row.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::events::{self, Event, SubscriptionState, id_of, int, invoice_subscription, meta, text};
use super::revenue;
use crate::storage::{Database, StorageError};

/// RFC 3339 (milliseconds, UTC) for Unix seconds, as the server stores times.
pub fn stamp(unix: i64) -> String {
    Timestamp::from_second(unix)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A plan as sold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `premium`, `premium_plus`...
    pub plan_type: String,
    /// `month`, `year`, `one_time`.
    pub billing_period: String,
    /// Price.
    pub price_cents: i64,
    /// Currency.
    pub currency: String,
    /// Stripe price.
    pub stripe_price_id: Option<String>,
    /// On sale.
    pub is_active: bool,
    /// What it includes.
    pub features: Vec<String>,
}

/// An add-on (an AI-credits pack, a theme...).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Addon {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `ai_credits`, `feature`...
    pub addon_type: String,
    /// Price.
    pub price_cents: i64,
    /// Stripe price.
    pub stripe_price_id: Option<String>,
    /// Credits granted (packs).
    pub credits: i64,
}

/// A discount code as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiscountCode {
    /// Id.
    pub id: String,
    /// What people type.
    pub code: String,
    /// `percent` or `amount`.
    pub discount_type: String,
    /// Percent, or cents.
    pub discount_value: i64,
    /// Most uses.
    pub max_uses: Option<i64>,
    /// Uses so far.
    pub current_uses: i64,
    /// Expiry (RFC 3339).
    pub valid_until: Option<String>,
    /// The Stripe coupon applied at checkout.
    pub stripe_coupon_id: Option<String>,
}

/// The columns [`discount_from_row`] reads, in order.
const DISCOUNT_COLUMNS: &str = "id, code, discount_type, discount_value, max_uses, current_uses, \
     valid_until, stripe_coupon_id";

fn discount_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DiscountCode> {
    Ok(DiscountCode {
        id: row.get(0)?,
        code: row.get(1)?,
        discount_type: row.get(2)?,
        discount_value: row.get(3)?,
        max_uses: row.get(4)?,
        current_uses: row.get(5)?,
        valid_until: row.get(6)?,
        stripe_coupon_id: row.get(7)?,
    })
}

/// A redeemed code: what it takes off, and how to undo it if checkout fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// The usage row.
    pub usage_id: String,
    /// Cents off the price.
    pub amount_off_cents: i64,
    /// The Stripe coupon, if the operator linked one.
    pub stripe_coupon_id: Option<String>,
}

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

/// What processing a webhook event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processed {
    /// Applied now.
    Applied,
    /// Seen before: nothing done.
    Duplicate,
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

fn unix(text: Option<String>) -> Option<i64> {
    text.and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

/// How final a status is, to order two states Stripe stamped in the same second.
fn finality(status: &str) -> i32 {
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

/// Which subscriptions a holder enjoys. A subscription covers the relationship it was bought for
/// while that relationship goes on. Once it ended (a partner left), it **follows its payer**: it
/// covers the payer's next relationship, or the payer alone, and the former partner's inherited
/// access ends. A gift to another couple follows nobody: it ends with the couple it was given to
/// (the giver still manages it in the customer portal).
const HELD_SUBSCRIPTIONS: &str = "
    SELECT s.status, s.current_period_end, s.plan_id, s.is_gift, coalesce(p.plan_type, 'premium')
    FROM subscriptions s
    LEFT JOIN subscription_plans p ON p.id = s.plan_id
    LEFT JOIN relationships r ON r.id = s.relationship_id
    WHERE (?1 IS NOT NULL AND s.relationship_id = ?1 AND r.ended_at IS NULL)
       OR ((r.id IS NULL OR r.ended_at IS NOT NULL)
           AND (s.relationship_id IS NULL OR EXISTS (SELECT 1 FROM memberships pm
                WHERE pm.relationship_id = s.relationship_id AND pm.user_id = s.user_id))
           AND (s.user_id = ?2 OR s.user_id IN (SELECT user_id FROM memberships
                WHERE relationship_id = ?1 AND ended_at IS NULL)))";

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
    let mut stmt = conn.prepare_cached(HELD_SUBSCRIPTIONS)?;
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
    /// Adds a plan (admin command).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_plan(
        &self,
        name: String,
        plan_type: String,
        billing_period: String,
        price_cents: i64,
        currency: String,
        stripe_price_id: Option<String>,
        features: Vec<String>,
    ) -> Result<String, StorageError> {
        self.with_conn(move |conn| {
            let id = new_id();
            let sort: i64 = conn.query_row(
                "SELECT coalesce(max(sort_order), 0) + 1 FROM subscription_plans",
                [],
                |r| r.get(0),
            )?;
            let display = format!("{}.{:02} {}", price_cents / 100, price_cents % 100, currency.to_uppercase());
            conn.execute(
                "INSERT INTO subscription_plans (id, plan_name, plan_type, billing_period, price_cents,
                    price_display, stripe_price_id, is_active, sort_order, currency, features)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10)",
                params![
                    id, name, plan_type, billing_period, price_cents, display, stripe_price_id,
                    sort, currency.to_lowercase(),
                    serde_json::to_string(&features).unwrap_or_else(|_| "[]".into())
                ],
            )
            .map_err(constraint("a plan with this Stripe price exists, or a value is out of range"))?;
            Ok(id)
        })
        .await
    }

    /// Plans, in display order; only those on sale with `active_only`.
    pub async fn plans(&self, active_only: bool) -> Result<Vec<Plan>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, plan_name, plan_type, billing_period, price_cents, currency,
                        stripe_price_id, is_active, features
                 FROM subscription_plans WHERE is_active = 1 OR ?1 = 0 ORDER BY sort_order, id",
            )?;
            let plans = stmt
                .query_map([active_only], |row| {
                    let features: String = row.get(8)?;
                    Ok(Plan {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        plan_type: row.get(2)?,
                        billing_period: row.get(3)?,
                        price_cents: row.get(4)?,
                        currency: row.get(5)?,
                        stripe_price_id: row.get(6)?,
                        is_active: row.get(7)?,
                        features: serde_json::from_str(&features).unwrap_or_default(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(plans)
        })
        .await
    }

    /// Takes a plan off sale or back on.
    pub async fn set_plan_active(&self, id: String, active: bool) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let changed = conn.execute(
                "UPDATE subscription_plans SET is_active = ?2 WHERE id = ?1",
                params![id, active],
            )?;
            if changed == 0 {
                return Err(StorageError::NotFound(format!("no plan {id}")));
            }
            Ok(())
        })
        .await
    }

    /// Adds an add-on (admin command).
    pub async fn add_addon(
        &self,
        name: String,
        addon_type: String,
        price_cents: i64,
        stripe_price_id: Option<String>,
        credits: i64,
    ) -> Result<String, StorageError> {
        self.with_conn(move |conn| {
            let id = new_id();
            conn.execute(
                "INSERT INTO subscription_addons (id, addon_name, addon_type, price_cents, stripe_price_id, credits)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, name, addon_type, price_cents, stripe_price_id, credits],
            )
            .map_err(constraint("an add-on with this Stripe price exists, or a value is out of range"))?;
            Ok(id)
        })
        .await
    }

    /// Every add-on.
    pub async fn addons(&self) -> Result<Vec<Addon>, StorageError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, addon_name, addon_type, price_cents, stripe_price_id, credits
                 FROM subscription_addons ORDER BY addon_name, id",
            )?;
            let rows = stmt
                .query_map([], |row| {
                    Ok(Addon {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        addon_type: row.get(2)?,
                        price_cents: row.get(3)?,
                        stripe_price_id: row.get(4)?,
                        credits: row.get(5)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Creates a discount code (admin command).
    pub async fn create_discount(&self, code: DiscountCode) -> Result<String, StorageError> {
        self.with_conn(move |conn| {
            let id = new_id();
            conn.execute(
                "INSERT INTO discount_codes (id, code, discount_type, discount_value, max_uses,
                    current_uses, valid_until, stripe_coupon_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)",
                params![
                    id,
                    code.code.trim(),
                    code.discount_type,
                    code.discount_value,
                    code.max_uses,
                    code.valid_until,
                    code.stripe_coupon_id
                ],
            )
            .map_err(constraint(
                "this code exists already, or a value is out of range",
            ))?;
            Ok(id)
        })
        .await
    }

    /// Every discount code.
    pub async fn discounts(&self) -> Result<Vec<DiscountCode>, StorageError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {DISCOUNT_COLUMNS} FROM discount_codes ORDER BY code"
            ))?;
            let rows = stmt
                .query_map([], discount_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Redeems `code` for `user` on a price of `price_cents`, atomically: never more than its
    /// `max_uses`, once per person, not after `valid_until`.
    pub async fn redeem_discount(
        &self,
        code: String,
        user_id: String,
        price_cents: i64,
        now: String,
    ) -> Result<Redemption, StorageError> {
        self.with_conn(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let found: Option<DiscountCode> = tx
                .query_row(
                    &format!("SELECT {DISCOUNT_COLUMNS} FROM discount_codes WHERE code = ?1"),
                    [code.trim()],
                    discount_from_row,
                )
                .optional()?;
            let unusable = || StorageError::Conflict("this discount code is not valid".into());
            let found = found.ok_or_else(unusable)?;
            if found.valid_until.as_deref().is_some_and(|until| until < now.as_str()) {
                return Err(StorageError::Conflict("this discount code has expired".into()));
            }
            let taken = tx.execute(
                "UPDATE discount_codes SET current_uses = current_uses + 1
                 WHERE id = ?1 AND (max_uses IS NULL OR current_uses < max_uses)",
                [&found.id],
            )?;
            if taken == 0 {
                return Err(StorageError::Conflict("this discount code has been used up".into()));
            }
            let off = match found.discount_type.as_str() {
                "percent" => price_cents * found.discount_value / 100,
                _ => found.discount_value.min(price_cents),
            };
            let usage_id = new_id();
            tx.execute(
                "INSERT INTO discount_usage (id, discount_id, user_id, discount_amount_cents, used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![usage_id, found.id, user_id, off, now],
            )
            .map_err(constraint("you have already used this discount code"))?;
            tx.commit()?;
            Ok(Redemption {
                usage_id,
                amount_off_cents: off,
                stripe_coupon_id: found.stripe_coupon_id,
            })
        })
        .await
    }

    /// Gives a redemption back (the checkout it was for could not be created).
    pub async fn release_discount(&self, usage_id: String) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let discount: Option<String> = tx
                .query_row("SELECT discount_id FROM discount_usage WHERE id = ?1", [&usage_id], |r| r.get(0))
                .optional()?;
            if let Some(discount) = discount {
                tx.execute("DELETE FROM discount_usage WHERE id = ?1", [&usage_id])?;
                tx.execute(
                    "UPDATE discount_codes SET current_uses = current_uses - 1 WHERE id = ?1 AND current_uses > 0",
                    [&discount],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// A couple's (or a lone payer's) access now.
    pub async fn access(&self, holder: Holder, grace_days: i64) -> Result<Access, StorageError> {
        self.with_conn(move |conn| access(conn, &holder, grace_days, Timestamp::now().as_second()))
            .await
    }

    /// The Stripe customer paying for a couple, for the customer portal.
    pub async fn customer_of(&self, relationship: String) -> Result<Option<String>, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT stripe_customer_id FROM subscriptions
                     WHERE relationship_id = ?1 AND stripe_customer_id IS NOT NULL
                     ORDER BY updated_at DESC LIMIT 1",
                    [relationship],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    /// A person's AI-credit balance.
    pub async fn credit_balance(&self, user_id: String) -> Result<i64, StorageError> {
        self.with_conn(move |conn| balance(conn, &user_id)).await
    }

    /// Spends `amount` credits for `request_id` (idempotent: the same request id spends once and
    /// answers the same balance). Refused when the balance is short; never negative.
    pub async fn spend_credits(
        &self,
        user_id: String,
        relationship_id: Option<String>,
        amount: i64,
        request_id: String,
        now: String,
    ) -> Result<i64, StorageError> {
        self.with_conn(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let earlier: Option<(String, i64)> = tx
                .query_row(
                    "SELECT user_id, credits_balance FROM ai_credits WHERE request_id = ?1",
                    [&request_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((owner, balance)) = earlier {
                if owner != user_id {
                    return Err(StorageError::Conflict("this request id was used by someone else".into()));
                }
                return Ok(balance);
            }
            let current = balance(&tx, &user_id)?;
            if current < amount {
                return Err(StorageError::Forbidden(format!(
                    "not enough AI credits: {current} left, {amount} needed"
                )));
            }
            let after = current - amount;
            tx.execute(
                "INSERT INTO ai_credits (id, user_id, relationship_id, transaction_type, credits_amount,
                    credits_balance, request_id, created_at)
                 VALUES (?1, ?2, ?3, 'spend', ?4, ?5, ?6, ?7)",
                params![new_id(), user_id, relationship_id, -amount, after, request_id, now],
            )?;
            tx.commit()?;
            Ok(after)
        })
        .await
    }

    /// Gives credits back after a failed AI request (idempotent by `request_id`).
    pub async fn refund_spend(&self, request_id: String, now: String) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let spent: Option<(String, Option<String>, i64)> = tx
                .query_row(
                    "SELECT user_id, relationship_id, credits_amount FROM ai_credits
                     WHERE request_id = ?1 AND transaction_type = 'spend'",
                    [&request_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((user, relationship, amount)) = spent {
                let refund_key = format!("refund:{request_id}");
                let balance = balance(&tx, &user)? - amount;
                tx.execute(
                    "INSERT OR IGNORE INTO ai_credits (id, user_id, relationship_id, transaction_type,
                        credits_amount, credits_balance, request_id, created_at)
                     VALUES (?1, ?2, ?3, 'refund', ?4, ?5, ?6, ?7)",
                    params![new_id(), user, relationship, -amount, balance, refund_key, now],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Records `event` once and applies its effects in the same transaction. `current` is Stripe's
    /// current subscription object when it was retrieved (then it wins over the event's copy). A
    /// failure is recorded (`retry_count`, `last_error`) and returned, so the webhook answers 5xx.
    pub async fn process_event(
        &self,
        event: Event,
        raw: String,
        current: Option<Value>,
        retrieved_at: i64,
        now: String,
    ) -> Result<Processed, StorageError> {
        self.with_conn(move |conn| {
            let outcome: Result<Processed, StorageError> = (|| {
                let tx = conn.unchecked_transaction()?;
                let processed: Option<bool> = tx
                    .query_row(
                        "SELECT processed FROM stripe_webhooks WHERE event_id = ?1",
                        [&event.id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if processed == Some(true) {
                    return Ok(Processed::Duplicate);
                }
                tx.execute(
                    "INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed,
                        retry_count, received_at)
                     VALUES (?1, ?2, ?3, ?4, 0, 0, ?5) ON CONFLICT (event_id) DO NOTHING",
                    params![new_id(), event.id, event.event_type, raw, now],
                )?;
                let mut days = vec![now.get(..10).unwrap_or_default().to_owned()];
                apply(&tx, &event, current.as_ref(), retrieved_at, &now, &mut days)?;
                tx.execute(
                    "UPDATE stripe_webhooks SET processed = 1, last_error = NULL WHERE event_id = ?1",
                    [&event.id],
                )?;
                for day in revenue::affected_days(&tx, days)? {
                    revenue::recompute_day(&tx, &day)?;
                }
                tx.commit()?;
                Ok(Processed::Applied)
            })();
            if let Err(error) = &outcome {
                let message = error.to_string();
                conn.execute(
                    "INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed,
                        retry_count, received_at, last_error)
                     VALUES (?1, ?2, ?3, ?4, 0, 1, ?5, ?6)
                     ON CONFLICT (event_id) DO UPDATE SET retry_count = retry_count + 1,
                        last_error = excluded.last_error",
                    params![new_id(), event.id, event.event_type, raw, now, message],
                )?;
            }
            outcome
        })
        .await
    }

    /// The subscription ids the database knows, with their last applied Stripe state time.
    pub async fn subscription_rows(&self) -> Result<Vec<Value>, StorageError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare(
                "SELECT stripe_subscription_id, relationship_id, status, current_period_end,
                        cancel_at_period_end, price_cents, is_gift, plan_id
                 FROM subscriptions ORDER BY stripe_subscription_id",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(serde_json::json!({
                        "stripe_subscription_id": r.get::<_, Option<String>>(0)?,
                        "relationship_id": r.get::<_, Option<String>>(1)?,
                        "status": r.get::<_, String>(2)?,
                        "current_period_end": r.get::<_, Option<String>>(3)?,
                        "cancel_at_period_end": r.get::<_, bool>(4)?,
                        "price_cents": r.get::<_, i64>(5)?,
                        "is_gift": r.get::<_, bool>(6)?,
                        "plan_id": r.get::<_, Option<String>>(7)?,
                    }))
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// A snapshot of every billing table (for tests comparing final states across orders).
    pub async fn billing_state(&self) -> Result<Value, StorageError> {
        self.with_conn(|conn| {
            let mut state = serde_json::Map::new();
            for (table, sql) in [
                ("subscriptions", "SELECT stripe_subscription_id, relationship_id, (SELECT stripe_price_id FROM subscription_plans WHERE id = plan_id), user_id, stripe_customer_id, status, billing_period, price_cents, current_period_start, current_period_end, is_gift, gift_from_user_id, cancel_at_period_end, canceled_at FROM subscriptions ORDER BY stripe_subscription_id"),
                ("payment_transactions", "SELECT stripe_payment_intent_id, transaction_type, amount_cents, status, relationship_id, user_id FROM payment_transactions ORDER BY stripe_payment_intent_id"),
                ("ai_credits", "SELECT user_id, transaction_type, credits_amount, request_id FROM ai_credits ORDER BY request_id"),
                ("user_addons", "SELECT user_id, addon_id, status FROM user_addons ORDER BY user_id, addon_id"),
                ("stripe_webhooks", "SELECT event_id, processed FROM stripe_webhooks ORDER BY event_id"),
            ] {
                let mut stmt = conn.prepare(sql)?;
                let columns = stmt.column_count();
                let rows: Vec<Value> = stmt
                    .query_map([], |row| {
                        let mut values = Vec::with_capacity(columns);
                        for i in 0..columns {
                            values.push(match row.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => Value::Null,
                                rusqlite::types::ValueRef::Integer(v) => v.into(),
                                rusqlite::types::ValueRef::Real(v) => v.into(),
                                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                                rusqlite::types::ValueRef::Blob(b) => b.len().into(),
                            });
                        }
                        Ok(Value::Array(values))
                    })?
                    .collect::<Result<_, _>>()?;
                state.insert(table.to_owned(), rows.into());
            }
            Ok(Value::Object(state))
        })
        .await
    }
}

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

fn balance(conn: &Connection, user: &str) -> Result<i64, StorageError> {
    Ok(conn
        .query_row(
            "SELECT credits_balance FROM ai_credits WHERE user_id = ?1
             ORDER BY created_at DESC, rowid DESC LIMIT 1",
            [user],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
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

/// Applies one event's effects.
fn apply(
    conn: &Connection,
    event: &Event,
    current: Option<&Value>,
    retrieved_at: i64,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let object = &event.object;
    match event.event_type.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            checkout_completed(conn, object, now, days)
        }
        "checkout.session.async_payment_failed" => {
            if let Some(payment) =
                id_of(object.get("payment_intent")).or_else(|| text(object, "id"))
            {
                let day = upsert_payment(
                    conn,
                    &payment,
                    PaymentRow {
                        stripe_subscription: None,
                        kind: payment_kind(object),
                        amount: int(object, "amount_total").unwrap_or(0),
                        status: "failed",
                        subscription: None,
                        user: known_user(conn, meta(object, "user_id"))?,
                        relationship: known_relationship(conn, meta(object, "relationship_id"))?,
                        created_at: stamp(int(object, "created").unwrap_or(event.created)),
                        method: None,
                    },
                )?;
                days.push(day);
            }
            Ok(())
        }
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted"
        | "customer.subscription.paused"
        | "customer.subscription.resumed" => {
            let (state, at) = match current.and_then(events::subscription_state) {
                Some(state) => (state, retrieved_at),
                None => {
                    let Some(mut state) = events::subscription_state(object) else {
                        return Ok(());
                    };
                    if event.event_type == "customer.subscription.deleted" {
                        state.status = "canceled".into();
                    }
                    (state, event.created)
                }
            };
            apply_subscription(conn, &state, at, now, days)
        }
        "customer.subscription.trial_will_end" => record_analytics(
            conn,
            "trial_will_end",
            None,
            meta(object, "relationship_id"),
            object,
            now,
        ),
        "invoice.paid" | "invoice.payment_succeeded" => {
            invoice(conn, object, "succeeded", event, days)
        }
        "invoice.payment_failed" => invoice(conn, object, "failed", event, days),
        "invoice.payment_action_required" => invoice(conn, object, "requires_action", event, days),
        "charge.refunded" => refunded(conn, object, event, now, days),
        // Every other type is acknowledged and stored, without effect.
        _ => Ok(()),
    }
}

fn payment_kind(session: &Value) -> &'static str {
    match meta(session, "kind").as_deref() {
        Some("credits") => "ai_credits",
        Some("addon") => "addon",
        Some("gift") => "gift",
        _ => "subscription",
    }
}

struct PaymentRow {
    stripe_subscription: Option<String>,
    kind: &'static str,
    amount: i64,
    status: &'static str,
    subscription: Option<String>,
    user: Option<String>,
    relationship: Option<String>,
    created_at: String,
    method: Option<String>,
}

/// One row per Stripe payment: a later event about the same payment updates its status.
fn upsert_payment(
    conn: &Connection,
    stripe_id: &str,
    row: PaymentRow,
) -> Result<String, StorageError> {
    conn.execute(
        "INSERT INTO payment_transactions (id, subscription_id, user_id, relationship_id,
            stripe_payment_intent_id, transaction_type, amount_cents, status, payment_method, created_at,
            stripe_subscription_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (stripe_payment_intent_id) DO UPDATE SET
            status = CASE WHEN (CASE excluded.status WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1
                          WHEN 'failed' THEN 2 WHEN 'canceled' THEN 2 WHEN 'succeeded' THEN 3
                          WHEN 'partially_refunded' THEN 4 WHEN 'refunded' THEN 5 ELSE 0 END) >= (CASE payment_transactions.status WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1
                          WHEN 'failed' THEN 2 WHEN 'canceled' THEN 2 WHEN 'succeeded' THEN 3
                          WHEN 'partially_refunded' THEN 4 WHEN 'refunded' THEN 5 ELSE 0 END) THEN excluded.status
                          ELSE payment_transactions.status END,
            created_at = min(payment_transactions.created_at, excluded.created_at),
            amount_cents = max(payment_transactions.amount_cents, excluded.amount_cents),
            subscription_id = coalesce(payment_transactions.subscription_id, excluded.subscription_id),
            user_id = coalesce(payment_transactions.user_id, excluded.user_id),
            relationship_id = coalesce(payment_transactions.relationship_id, excluded.relationship_id),
            stripe_subscription_id = coalesce(payment_transactions.stripe_subscription_id, excluded.stripe_subscription_id)",
        params![
            new_id(), row.subscription, row.user, row.relationship, stripe_id, row.kind,
            row.amount.max(0), row.status, row.method, row.created_at,
            row.stripe_subscription
        ],
    )?;
    // A refund recorded before this payment learns who and what it was for.
    conn.execute(
        "UPDATE payment_transactions SET
            subscription_id = coalesce(subscription_id, ?2),
            user_id = coalesce(user_id, ?3),
            relationship_id = coalesce(relationship_id, ?4)
         WHERE stripe_payment_intent_id = 'refund:' || ?1",
        params![stripe_id, row.subscription, row.user, row.relationship],
    )?;
    stored_day(conn, stripe_id)
}

/// The day a payment row counts on, as stored (the earliest time seen for it).
fn stored_day(conn: &Connection, stripe_id: &str) -> Result<String, StorageError> {
    let at: String = conn.query_row(
        "SELECT created_at FROM payment_transactions WHERE stripe_payment_intent_id = ?1",
        [stripe_id],
        |r| r.get(0),
    )?;
    Ok(at.get(..10).unwrap_or_default().to_owned())
}

/// Marks every day from a subscription's start as affected (its MRR changes), and its
/// cancellation day.
fn subscription_days(
    conn: &Connection,
    stripe_subscription: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let (created, canceled): (String, Option<String>) = conn.query_row(
        "SELECT created_at, canceled_at FROM subscriptions WHERE stripe_subscription_id = ?1",
        [stripe_subscription],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    days.push(format!(">{}", created.get(..10).unwrap_or_default()));
    if let Some(canceled) = canceled {
        days.push(canceled.get(..10).unwrap_or_default().to_owned());
    }
    Ok(())
}

fn checkout_completed(
    conn: &Connection,
    session: &Value,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let paid = matches!(
        text(session, "payment_status").as_deref(),
        Some("paid" | "no_payment_required")
    );
    let relationship = known_relationship(conn, meta(session, "relationship_id"))?;
    let user = known_user(conn, meta(session, "user_id"))?;
    let session_id = text(session, "id").unwrap_or_default();
    let created = stamp(int(session, "created").unwrap_or(0));
    match meta(session, "kind").as_deref() {
        Some("subscription" | "gift") => {
            let Some(subscription) = id_of(session.get("subscription")) else {
                return Ok(());
            };
            let gift_from = known_user(conn, meta(session, "gift_from_user_id"))?;
            let plan = meta(session, "plan_id");
            let (period, price): (Option<String>, Option<i64>) = match &plan {
                Some(plan) => conn
                    .query_row(
                        "SELECT billing_period, price_cents FROM subscription_plans WHERE id = ?1",
                        [plan],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?
                    .map_or((None, None), |(a, b)| (Some(a), Some(b))),
                None => (None, None),
            };
            // The row exists from here on; Stripe's subscription events set its state. Until one
            // arrives a paid checkout counts as active.
            conn.execute(
                "INSERT INTO subscriptions (id, relationship_id, plan_id, user_id, stripe_customer_id,
                    stripe_subscription_id, status, billing_period, price_cents, is_gift,
                    gift_from_user_id, stripe_state_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?12)
                 ON CONFLICT (stripe_subscription_id) DO UPDATE SET
                    relationship_id = coalesce(subscriptions.relationship_id, excluded.relationship_id),
                    plan_id = coalesce(subscriptions.plan_id, excluded.plan_id),
                    user_id = coalesce(subscriptions.user_id, excluded.user_id),
                    stripe_customer_id = coalesce(subscriptions.stripe_customer_id, excluded.stripe_customer_id),
                    is_gift = max(subscriptions.is_gift, excluded.is_gift),
                    gift_from_user_id = coalesce(subscriptions.gift_from_user_id, excluded.gift_from_user_id),
                    created_at = min(subscriptions.created_at, excluded.created_at),
                    status = CASE WHEN subscriptions.stripe_state_at = 0 THEN excluded.status ELSE subscriptions.status END",
                params![
                    new_id(), relationship, plan, user, id_of(session.get("customer")), subscription,
                    if paid { "active" } else { "incomplete" },
                    period.unwrap_or_else(|| "month".into()),
                    price.unwrap_or(int(session, "amount_total").unwrap_or(0)),
                    gift_from.is_some(), gift_from, created
                ],
            )?;
            subscription_days(conn, &subscription, days)?;
            link_payments(conn, &subscription)?;
            if paid {
                record_analytics(
                    conn,
                    "subscription_conversion",
                    user,
                    relationship,
                    session,
                    now,
                )?;
            }
            Ok(())
        }
        Some("credits") => {
            let Some(user) = user else { return Ok(()) };
            let payment =
                id_of(session.get("payment_intent")).unwrap_or_else(|| session_id.clone());
            let day = upsert_payment(
                conn,
                &payment,
                PaymentRow {
                    stripe_subscription: None,
                    kind: "ai_credits",
                    amount: int(session, "amount_total").unwrap_or(0),
                    status: if paid { "succeeded" } else { "pending" },
                    subscription: None,
                    user: Some(user.clone()),
                    relationship: relationship.clone(),
                    created_at: created.clone(),
                    method: None,
                },
            )?;
            days.push(day);
            let credits: i64 = meta(session, "credits")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            if paid && credits > 0 {
                let balance = balance(conn, &user)? + credits;
                conn.execute(
                    "INSERT OR IGNORE INTO ai_credits (id, user_id, relationship_id, transaction_type,
                        credits_amount, credits_balance, stripe_payment_id, request_id, created_at)
                     VALUES (?1, ?2, ?3, 'purchase', ?4, ?5, ?6, ?7, ?8)",
                    params![new_id(), user, relationship, credits, balance, payment, format!("purchase:{session_id}"), now],
                )?;
                record_analytics(
                    conn,
                    "credits_purchase",
                    Some(user),
                    relationship,
                    session,
                    now,
                )?;
            }
            Ok(())
        }
        Some("addon") => {
            let (Some(user), Some(addon)) = (user, meta(session, "addon_id")) else {
                return Ok(());
            };
            if paid {
                conn.execute(
                    "INSERT INTO user_addons (id, user_id, addon_id, stripe_subscription_id, status, purchase_date)
                     SELECT ?1, ?2, ?3, ?4, 'active', ?5
                     WHERE NOT EXISTS (SELECT 1 FROM user_addons WHERE user_id = ?2 AND addon_id = ?3)",
                    params![new_id(), user, addon, id_of(session.get("subscription")), created],
                )?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Applies Stripe's state of a subscription stamped at `at`, unless a newer one was applied. In
/// the same second, the more final status wins, so any delivery order gives the same result.
fn apply_subscription(
    conn: &Connection,
    state: &SubscriptionState,
    at: i64,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let existing: Option<(i64, String)> = conn
        .query_row(
            "SELECT stripe_state_at, status FROM subscriptions WHERE stripe_subscription_id = ?1",
            [&state.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((applied_at, status)) = &existing {
        let newer =
            at > *applied_at || (at == *applied_at && finality(&state.status) >= finality(status));
        if !newer {
            return Ok(());
        }
    }
    let plan: Option<(String, String)> = match &state.price_id {
        Some(price) => conn
            .query_row(
                "SELECT id, billing_period FROM subscription_plans WHERE stripe_price_id = ?1",
                [price],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
        None => None,
    };
    let period = state
        .interval
        .clone()
        .filter(|i| i == "month" || i == "year")
        .or_else(|| plan.as_ref().map(|p| p.1.clone()))
        .unwrap_or_else(|| "month".into());
    let relationship = known_relationship(conn, state.relationship_id.clone())?;
    let user = known_user(conn, state.user_id.clone())?;
    let gift_from = known_user(conn, state.gift_from_user_id.clone())?;
    let canceled_at = state
        .canceled_at
        .map(stamp)
        .or_else(|| (state.status == "canceled").then(|| stamp(at)));
    let created_at = stamp(state.created.unwrap_or(at));
    let status = if finality(&state.status) < 0 {
        "incomplete".to_owned()
    } else {
        state.status.clone()
    };
    conn.execute(
        "INSERT INTO subscriptions (id, relationship_id, plan_id, user_id, stripe_customer_id,
            stripe_subscription_id, status, billing_period, price_cents, current_period_start,
            current_period_end, is_gift, gift_from_user_id, cancel_at_period_end, stripe_state_at,
            canceled_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?18, ?17)
         ON CONFLICT (stripe_subscription_id) DO UPDATE SET
            relationship_id = coalesce(subscriptions.relationship_id, excluded.relationship_id),
            plan_id = coalesce(excluded.plan_id, subscriptions.plan_id),
            user_id = coalesce(subscriptions.user_id, excluded.user_id),
            stripe_customer_id = coalesce(excluded.stripe_customer_id, subscriptions.stripe_customer_id),
            status = excluded.status,
            billing_period = excluded.billing_period,
            price_cents = excluded.price_cents,
            current_period_start = excluded.current_period_start,
            current_period_end = excluded.current_period_end,
            is_gift = max(subscriptions.is_gift, excluded.is_gift),
            gift_from_user_id = coalesce(subscriptions.gift_from_user_id, excluded.gift_from_user_id),
            cancel_at_period_end = excluded.cancel_at_period_end,
            stripe_state_at = excluded.stripe_state_at,
            canceled_at = excluded.canceled_at,
            created_at = min(subscriptions.created_at, excluded.created_at),
            updated_at = excluded.updated_at",
        params![
            new_id(), relationship, plan.map(|p| p.0), user, state.customer, state.id, status, period,
            state.unit_amount.unwrap_or(0).max(0), state.period_start.map(stamp),
            state.period_end.map(stamp), gift_from.is_some(), gift_from, state.cancel_at_period_end,
            at, canceled_at, now, created_at
        ],
    )?;
    subscription_days(conn, &state.id, days)?;
    link_payments(conn, &state.id)
}

/// Payments (and their refunds) that arrived before their subscription learn who and what they
/// were for.
fn link_payments(conn: &Connection, stripe_subscription: &str) -> Result<(), StorageError> {
    conn.execute(
        "UPDATE payment_transactions SET
            subscription_id = coalesce(payment_transactions.subscription_id, s.id),
            user_id = coalesce(payment_transactions.user_id, s.user_id),
            relationship_id = coalesce(payment_transactions.relationship_id, s.relationship_id)
         FROM (SELECT id, user_id, relationship_id FROM subscriptions WHERE stripe_subscription_id = ?1) AS s
         WHERE payment_transactions.stripe_subscription_id = ?1
            OR payment_transactions.stripe_payment_intent_id IN (
                SELECT 'refund:' || p.stripe_payment_intent_id FROM payment_transactions p
                WHERE p.stripe_subscription_id = ?1)",
        [stripe_subscription],
    )?;
    Ok(())
}

fn invoice(
    conn: &Connection,
    invoice: &Value,
    status: &'static str,
    event: &Event,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let Some(id) = id_of(invoice.get("payment_intent")).or_else(|| text(invoice, "id")) else {
        return Ok(());
    };
    let subscription = invoice_subscription(invoice);
    let (row_id, relationship, user): (Option<String>, Option<String>, Option<String>) = match &subscription {
        Some(sub) => conn
            .query_row(
                "SELECT id, relationship_id, user_id FROM subscriptions WHERE stripe_subscription_id = ?1",
                [sub],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .map_or((None, None, None), |(a, b, c)| (Some(a), b, c)),
        None => (None, None, None),
    };
    let amount = if status == "succeeded" {
        int(invoice, "amount_paid").unwrap_or(0)
    } else {
        int(invoice, "amount_due").unwrap_or(0)
    };
    let paid_at = invoice
        .get("status_transitions")
        .and_then(|s| int(s, "paid_at"))
        .or_else(|| int(invoice, "created"))
        .unwrap_or(event.created);
    let created_at = stamp(paid_at);
    let day = upsert_payment(
        conn,
        &id,
        PaymentRow {
            stripe_subscription: subscription.clone(),
            kind: "subscription",
            amount,
            status,
            subscription: row_id,
            user,
            relationship,
            created_at,
            method: None,
        },
    )?;
    days.push(day);
    Ok(())
}

/// A refunded payment as stored: id, payer, couple, subscription, kind.
type OriginalPayment = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn refunded(
    conn: &Connection,
    charge: &Value,
    event: &Event,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let Some(charge_id) = text(charge, "id") else {
        return Ok(());
    };
    let refunded = int(charge, "amount_refunded").unwrap_or(0);
    let amount = int(charge, "amount").unwrap_or(0);
    let payment = id_of(charge.get("payment_intent"));
    let original: Option<OriginalPayment> = match &payment {
        Some(pi) => conn
            .query_row(
                "SELECT id, user_id, relationship_id, subscription_id, transaction_type
                 FROM payment_transactions WHERE stripe_payment_intent_id = ?1",
                [pi],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?,
        None => None,
    };
    let refund_status = if refunded >= amount {
        "refunded"
    } else {
        "partially_refunded"
    };
    // The refund may arrive before the payment it refunds: record the payment now, refunded;
    // its own event later fills in the rest without undoing the refund.
    if original.is_none()
        && let Some(pi) = &payment
    {
        let day = upsert_payment(
            conn,
            pi,
            PaymentRow {
                stripe_subscription: None,
                kind: "subscription",
                amount,
                status: refund_status,
                subscription: None,
                user: None,
                relationship: None,
                created_at: stamp(int(charge, "created").unwrap_or(event.created)),
                method: None,
            },
        )?;
        days.push(day);
    }
    if let Some((id, ..)) = &original {
        // Refund events carry the cumulative amount: never step back from fully refunded.
        conn.execute(
            "UPDATE payment_transactions SET status = ?2 WHERE id = ?1 AND status <> 'refunded'",
            params![id, refund_status],
        )?;
    }
    // One refund row per payment (per charge without one); Stripe's amounts are cumulative.
    let refund_key = format!("refund:{}", payment.as_deref().unwrap_or(&charge_id));
    let (user, relationship, subscription, kind) = original
        .map(|(_, u, r, s, k)| (u, r, s, Some(k)))
        .unwrap_or((None, None, None, None));
    // The refund itself, once per charge (its latest total).
    let created_at = stamp(event.created);
    conn.execute(
        "INSERT INTO payment_transactions (id, subscription_id, user_id, relationship_id,
            stripe_payment_intent_id, transaction_type, amount_cents, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'refund', ?6, 'succeeded', ?7)
         ON CONFLICT (stripe_payment_intent_id) DO UPDATE SET
            amount_cents = max(payment_transactions.amount_cents, excluded.amount_cents),
            created_at = min(payment_transactions.created_at, excluded.created_at)",
        params![
            new_id(),
            subscription,
            user,
            relationship,
            refund_key,
            refunded,
            created_at
        ],
    )?;
    days.push(stored_day(conn, &refund_key)?);
    // Credits bought with a refunded payment are taken back, as far as they are unspent.
    if kind.as_deref() == Some("ai_credits")
        && let (Some(user), Some(payment)) = (user, payment)
    {
        let bought: i64 = conn.query_row(
            "SELECT coalesce(sum(credits_amount), 0) FROM ai_credits
             WHERE stripe_payment_id = ?1 AND transaction_type = 'purchase'",
            [&payment],
            |r| r.get(0),
        )?;
        let current = balance(conn, &user)?;
        let take = bought.min(current);
        if take > 0 {
            conn.execute(
                "INSERT OR IGNORE INTO ai_credits (id, user_id, relationship_id, transaction_type,
                    credits_amount, credits_balance, stripe_payment_id, request_id, created_at)
                 VALUES (?1, ?2, ?3, 'refund', ?4, ?5, ?6, ?7, ?8)",
                params![
                    new_id(),
                    user,
                    relationship,
                    -take,
                    current - take,
                    payment,
                    format!("refund:{charge_id}"),
                    now
                ],
            )?;
        }
    }
    Ok(())
}

fn record_analytics(
    conn: &Connection,
    name: &str,
    user: Option<String>,
    relationship: Option<String>,
    object: &Value,
    now: &str,
) -> Result<(), StorageError> {
    let relationship = known_relationship(conn, relationship)?;
    let data = serde_json::json!({
        "stripe_object": text(object, "id"),
        "amount_total": int(object, "amount_total"),
        "plan_id": meta(object, "plan_id"),
    });
    conn.execute(
        "INSERT INTO analytics_events (id, event_name, event_category, user_id, relationship_id,
            event_data, created_at)
         VALUES (?1, ?2, 'billing', ?3, ?4, ?5, ?6)",
        params![new_id(), name, user, relationship, data.to_string(), now],
    )?;
    Ok(())
}
