//! Discount codes: created by the operator, applied at Checkout through a Stripe coupon.
//!
//! A use is **reserved** when a Checkout Session opens (so a code is never promised more often than
//! its `max_uses`, enforced by a CHECK and a conditional update), **counted** when that session's
//! payment completes, and **given back** when the session expires or cannot be created. Once per
//! person; not after `valid_until`.

use rusqlite::{Connection, OptionalExtension, params};

use super::{constraint, new_id};
use crate::billing::store::discounts::{DiscountCode, Discounts, Redemption};
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

/// The columns [`discount_from_row`] reads, in order.
const DISCOUNT_COLUMNS: &str = "id, code, discount_type, discount_value, max_uses, current_uses, \
     valid_until, stripe_coupon_id, is_active";

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
        is_active: row.get(8)?,
    })
}

#[async_trait::async_trait]
impl Discounts for SqliteStorage {
    async fn create_discount(&self, code: DiscountCode) -> Result<String, StorageError> {
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
                "a discount code with these letters exists already",
            ))?;
            Ok(id)
        })
        .await
    }
    async fn discounts(&self) -> Result<Vec<DiscountCode>, StorageError> {
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
    async fn set_discount_active(&self, code: String, active: bool) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            // `code` is COLLATE NOCASE: any case finds it.
            let changed = conn.execute(
                "UPDATE discount_codes SET is_active = ?2 WHERE code = ?1",
                params![code.trim(), active],
            )?;
            if changed == 0 {
                return Err(StorageError::NotFound(format!("no discount code {code}")));
            }
            Ok(())
        })
        .await
    }
}

/// Reserves a use of `code` for `user_id` on a price of `price_cents`, inside the caller's
/// transaction: never more than its `max_uses`, once per person, not after `valid_until`.
pub(super) fn reserve(
    conn: &Connection,
    code: &str,
    user_id: &str,
    price_cents: i64,
    now: &str,
) -> Result<Redemption, StorageError> {
    let found: Option<DiscountCode> = conn
        .query_row(
            &format!("SELECT {DISCOUNT_COLUMNS} FROM discount_codes WHERE code = ?1"),
            [code.trim()],
            discount_from_row,
        )
        .optional()?;
    let unusable = || StorageError::Conflict("this discount code is not valid".into());
    let found = found.filter(|code| code.is_active).ok_or_else(unusable)?;
    if found
        .valid_until
        .as_deref()
        .is_some_and(|until| until < now)
    {
        return Err(StorageError::Conflict(
            "this discount code has expired".into(),
        ));
    }
    let taken = conn.execute(
        "UPDATE discount_codes SET current_uses = current_uses + 1
         WHERE id = ?1 AND (max_uses IS NULL OR current_uses < max_uses)",
        [&found.id],
    )?;
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
    conn.execute(
        "INSERT INTO discount_usage (id, discount_id, user_id, discount_amount_cents, used_at, status)
         VALUES (?1, ?2, ?3, ?4, ?5, 'reserved')",
        params![usage_id, found.id, user_id, off, now],
    )
    .map_err(constraint("you have already used this discount code"))?;
    Ok(Redemption {
        usage_id,
        amount_off_cents: off,
        stripe_coupon_id: found.stripe_coupon_id,
    })
}

/// Ties a reservation to the Checkout Session it was made for.
pub(super) fn attach_session(
    conn: &Connection,
    usage_id: &str,
    session_id: &str,
) -> Result<(), StorageError> {
    conn.execute(
        "UPDATE discount_usage SET checkout_session_id = ?2 WHERE id = ?1",
        params![usage_id, session_id],
    )?;
    Ok(())
}

/// Gives a reserved use back (its session expired or was never created). A counted use stays.
pub(super) fn release(conn: &Connection, usage_id: &str) -> Result<(), StorageError> {
    let discount: Option<String> = conn
        .query_row(
            "SELECT discount_id FROM discount_usage WHERE id = ?1 AND status = 'reserved'",
            [usage_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(discount) = discount {
        conn.execute("DELETE FROM discount_usage WHERE id = ?1", [usage_id])?;
        conn.execute(
            "UPDATE discount_codes SET current_uses = current_uses - 1 WHERE id = ?1 AND current_uses > 0",
            [&discount],
        )?;
    }
    Ok(())
}

/// The reservation made for a Checkout Session, if any.
fn reservation_of(conn: &Connection, session_id: &str) -> Result<Option<String>, StorageError> {
    Ok(conn
        .query_row(
            "SELECT id FROM discount_usage WHERE checkout_session_id = ?1",
            [session_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The session's payment completed: its reserved use counts for good.
pub(super) fn count_for_session(conn: &Connection, session_id: &str) -> Result<(), StorageError> {
    conn.execute(
        "UPDATE discount_usage SET status = 'used' WHERE checkout_session_id = ?1",
        [session_id],
    )?;
    Ok(())
}

/// The session expired (or its payment failed): its reserved use is given back.
pub(super) fn release_for_session(conn: &Connection, session_id: &str) -> Result<(), StorageError> {
    if let Some(usage) = reservation_of(conn, session_id)? {
        release(conn, &usage)?;
    }
    Ok(())
}
