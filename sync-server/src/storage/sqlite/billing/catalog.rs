//! What is on sale: subscription plans and add-ons (AI-credit packs...), managed by the operator's
//! admin commands and listed to devices.

use rusqlite::params;

use super::{constraint, new_id};
use crate::billing::store::catalog::{Addon, Catalog, Plan};
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

#[async_trait::async_trait]
impl Catalog for SqliteStorage {
    async fn add_plan(
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
    async fn plans(&self, active_only: bool) -> Result<Vec<Plan>, StorageError> {
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
    async fn set_plan_active(&self, id: String, active: bool) -> Result<(), StorageError> {
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
    async fn add_addon(
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
    async fn addons(&self, active_only: bool) -> Result<Vec<Addon>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, addon_name, addon_type, price_cents, stripe_price_id, credits, is_active
                 FROM subscription_addons WHERE is_active = 1 OR ?1 = 0 ORDER BY addon_name, id",
            )?;
            let rows = stmt
                .query_map([active_only], |row| {
                    Ok(Addon {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        addon_type: row.get(2)?,
                        price_cents: row.get(3)?,
                        stripe_price_id: row.get(4)?,
                        credits: row.get(5)?,
                        is_active: row.get(6)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }
    async fn set_addon_active(&self, id: String, active: bool) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let changed = conn.execute(
                "UPDATE subscription_addons SET is_active = ?2 WHERE id = ?1",
                params![id, active],
            )?;
            if changed == 0 {
                return Err(StorageError::NotFound(format!("no add-on {id}")));
            }
            Ok(())
        })
        .await
    }
}
