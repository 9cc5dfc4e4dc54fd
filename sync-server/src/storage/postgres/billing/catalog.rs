//! What is on sale, in PostgreSQL: subscription plans and add-ons.

use super::new_id;
use crate::billing::store::catalog::{Addon, Catalog, Plan};
use crate::storage::StorageError;
use crate::storage::postgres::{PostgresStorage, constraint, exec, one, rows};

#[async_trait::async_trait]
impl Catalog for PostgresStorage {
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
        let client = self.client().await?;
        let id = new_id();
        let sort: i64 = one(
            &client,
            "SELECT coalesce(max(sort_order), 0) + 1 FROM subscription_plans",
            &[],
        )
        .await?
        .get(0);
        let display = format!(
            "{}.{:02} {}",
            price_cents / 100,
            price_cents % 100,
            currency.to_uppercase()
        );
        let features = serde_json::to_string(&features).unwrap_or_else(|_| "[]".into());
        exec(
            &client,
            "INSERT INTO subscription_plans (id, plan_name, plan_type, billing_period, price_cents,
                price_display, stripe_price_id, is_active, sort_order, currency, features)
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9, $10)",
            &[
                &id,
                &name,
                &plan_type,
                &billing_period,
                &price_cents,
                &display,
                &stripe_price_id,
                &sort,
                &currency.to_lowercase(),
                &features,
            ],
        )
        .await
        .map_err(constraint(
            "a plan with this Stripe price exists, or a value is out of range",
        ))?;
        Ok(id)
    }

    async fn plans(&self, active_only: bool) -> Result<Vec<Plan>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT id, plan_name, plan_type, billing_period, price_cents, currency,
                    stripe_price_id, is_active, features
             FROM subscription_plans WHERE is_active OR NOT $1 ORDER BY sort_order, id",
            &[&active_only],
        )
        .await?
        .into_iter()
        .map(|row| {
            let features: String = row.get(8);
            Plan {
                id: row.get(0),
                name: row.get(1),
                plan_type: row.get(2),
                billing_period: row.get(3),
                price_cents: row.get(4),
                currency: row.get(5),
                stripe_price_id: row.get(6),
                is_active: row.get(7),
                features: serde_json::from_str(&features).unwrap_or_default(),
            }
        })
        .collect())
    }

    async fn set_plan_active(&self, id: String, active: bool) -> Result<(), StorageError> {
        let client = self.client().await?;
        let changed = exec(
            &client,
            "UPDATE subscription_plans SET is_active = $2 WHERE id = $1",
            &[&id, &active],
        )
        .await?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("no plan {id}")));
        }
        Ok(())
    }

    async fn add_addon(
        &self,
        name: String,
        addon_type: String,
        price_cents: i64,
        stripe_price_id: Option<String>,
        credits: i64,
    ) -> Result<String, StorageError> {
        let client = self.client().await?;
        let id = new_id();
        exec(
            &client,
            "INSERT INTO subscription_addons (id, addon_name, addon_type, price_cents,
                stripe_price_id, credits)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &id,
                &name,
                &addon_type,
                &price_cents,
                &stripe_price_id,
                &credits,
            ],
        )
        .await
        .map_err(constraint(
            "an add-on with this Stripe price exists, or a value is out of range",
        ))?;
        Ok(id)
    }

    async fn addons(&self, active_only: bool) -> Result<Vec<Addon>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT id, addon_name, addon_type, price_cents, stripe_price_id, credits, is_active
             FROM subscription_addons WHERE is_active OR NOT $1 ORDER BY addon_name, id",
            &[&active_only],
        )
        .await?
        .into_iter()
        .map(|row| Addon {
            id: row.get(0),
            name: row.get(1),
            addon_type: row.get(2),
            price_cents: row.get(3),
            stripe_price_id: row.get(4),
            credits: row.get(5),
            is_active: row.get(6),
        })
        .collect())
    }

    async fn set_addon_active(&self, id: String, active: bool) -> Result<(), StorageError> {
        let client = self.client().await?;
        let changed = exec(
            &client,
            "UPDATE subscription_addons SET is_active = $2 WHERE id = $1",
            &[&id, &active],
        )
        .await?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("no add-on {id}")));
        }
        Ok(())
    }
}
