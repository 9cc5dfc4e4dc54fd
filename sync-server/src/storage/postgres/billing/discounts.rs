//! Discount codes in PostgreSQL (see `storage/sqlite/billing/discounts.rs`): a use is reserved at
//! Checkout by a conditional update (never past `max_uses`, whatever runs at the same time; a CHECK
//! backs it up), counted on payment, given back on expiry; once per person.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::new_id;
use crate::billing::store::discounts::{DiscountCode, Discounts, Redemption};
use crate::storage::StorageError;
use crate::storage::postgres::{PostgresStorage, constraint, exec, opt, rows};

/// The columns [`discount_from_row`] reads, in order.
const DISCOUNT_COLUMNS: &str = "id, code, discount_type, discount_value, max_uses, current_uses, \
     valid_until, stripe_coupon_id, is_active";

fn discount_from_row(row: &Row) -> DiscountCode {
    DiscountCode {
        id: row.get(0),
        code: row.get(1),
        discount_type: row.get(2),
        discount_value: row.get(3),
        max_uses: row.get(4),
        current_uses: row.get(5),
        valid_until: row.get(6),
        stripe_coupon_id: row.get(7),
        is_active: row.get(8),
    }
}

#[async_trait::async_trait]
impl Discounts for PostgresStorage {
    async fn create_discount(&self, code: DiscountCode) -> Result<String, StorageError> {
        let client = self.client().await?;
        let id = new_id();
        exec(
            &client,
            "INSERT INTO discount_codes (id, code, discount_type, discount_value, max_uses,
                current_uses, valid_until, stripe_coupon_id)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
            &[
                &id,
                &code.code.trim(),
                &code.discount_type,
                &code.discount_value,
                &code.max_uses,
                &code.valid_until,
                &code.stripe_coupon_id,
            ],
        )
        .await
        .map_err(constraint(
            "a discount code with these letters exists already",
        ))?;
        Ok(id)
    }

    async fn discounts(&self) -> Result<Vec<DiscountCode>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            &format!("SELECT {DISCOUNT_COLUMNS} FROM discount_codes ORDER BY lower(code), code"),
            &[],
        )
        .await?
        .iter()
        .map(discount_from_row)
        .collect())
    }

    async fn set_discount_active(&self, code: String, active: bool) -> Result<(), StorageError> {
        let client = self.client().await?;
        let changed = exec(
            &client,
            "UPDATE discount_codes SET is_active = $2 WHERE lower(code) = lower($1)",
            &[&code.trim(), &active],
        )
        .await?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("no discount code {code}")));
        }
        Ok(())
    }
}

/// Reserves a use of `code` for `user_id` on a price of `price_cents`, inside the caller's
/// transaction: never more than its `max_uses`, once per person, not after `valid_until`.
pub(super) async fn reserve<C: GenericClient>(
    c: &C,
    code: &str,
    user_id: &str,
    price_cents: i64,
    now: &str,
) -> Result<Redemption, StorageError> {
    let found = opt(
        c,
        &format!("SELECT {DISCOUNT_COLUMNS} FROM discount_codes WHERE lower(code) = lower($1)"),
        &[&code.trim()],
    )
    .await?
    .map(|row| discount_from_row(&row));
    let found = found
        .filter(|code| code.is_active)
        .ok_or_else(|| StorageError::Conflict("this discount code is not valid".into()))?;
    if found
        .valid_until
        .as_deref()
        .is_some_and(|until| until < now)
    {
        return Err(StorageError::Conflict(
            "this discount code has expired".into(),
        ));
    }
    let taken = exec(
        c,
        "UPDATE discount_codes SET current_uses = current_uses + 1
         WHERE id = $1 AND (max_uses IS NULL OR current_uses < max_uses)",
        &[&found.id],
    )
    .await?;
    if taken == 0 {
        return Err(StorageError::Conflict(
            "this discount code has been used up".into(),
        ));
    }
    let off = match found.discount_type.as_str() {
        "percent" => price_cents.saturating_mul(found.discount_value) / 100,
        _ => found.discount_value.min(price_cents),
    };
    let usage_id = new_id();
    exec(
        c,
        "INSERT INTO discount_usage (id, discount_id, user_id, discount_amount_cents, used_at, status)
         VALUES ($1, $2, $3, $4, $5, 'reserved')",
        &[&usage_id, &found.id, &user_id, &off, &now],
    )
    .await
    .map_err(constraint("you have already used this discount code"))?;
    Ok(Redemption {
        usage_id,
        amount_off_cents: off,
        stripe_coupon_id: found.stripe_coupon_id,
    })
}

/// Ties a reservation to the Checkout Session it was made for.
pub(super) async fn attach_session<C: GenericClient>(
    c: &C,
    usage_id: &str,
    session_id: &str,
) -> Result<(), StorageError> {
    exec(
        c,
        "UPDATE discount_usage SET checkout_session_id = $2 WHERE id = $1",
        &[&usage_id, &session_id],
    )
    .await?;
    Ok(())
}

/// Gives a reserved use back (its session expired or was never created). A counted use stays.
pub(super) async fn release<C: GenericClient>(c: &C, usage_id: &str) -> Result<(), StorageError> {
    let discount: Option<String> = opt(
        c,
        "DELETE FROM discount_usage WHERE id = $1 AND status = 'reserved' RETURNING discount_id",
        &[&usage_id],
    )
    .await?
    .map(|row| row.get(0));
    if let Some(discount) = discount {
        exec(
            c,
            "UPDATE discount_codes SET current_uses = current_uses - 1
             WHERE id = $1 AND current_uses > 0",
            &[&discount],
        )
        .await?;
    }
    Ok(())
}

/// The session's payment completed: its reserved use counts for good.
pub(super) async fn count_for_session<C: GenericClient>(
    c: &C,
    session_id: &str,
) -> Result<(), StorageError> {
    exec(
        c,
        "UPDATE discount_usage SET status = 'used' WHERE checkout_session_id = $1",
        &[&session_id],
    )
    .await?;
    Ok(())
}

/// The session expired (or its payment failed): its reserved use is given back.
pub(super) async fn release_for_session<C: GenericClient>(
    c: &C,
    session_id: &str,
) -> Result<(), StorageError> {
    let usage: Option<String> = opt(
        c,
        "SELECT id FROM discount_usage WHERE checkout_session_id = $1",
        &[&session_id],
    )
    .await?
    .map(|row| row.get(0));
    if let Some(usage) = usage {
        release(c, &usage).await?;
    }
    Ok(())
}
