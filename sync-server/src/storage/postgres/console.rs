//! The operator console's storage in PostgreSQL.

use super::{PostgresStorage, exec, one, opt, rows, unique};
use crate::storage::StorageError;
use crate::storage::console::{
    AccountSummary, Console, FAILED_LIMIT, FailedWebhook, OperatorRow, OperatorSession, Overview,
    SEARCH_LIMIT,
};

/// The columns [`account_row`] reads, with the current relationship.
const ACCOUNT_COLUMNS: &str = "SELECT u.id, u.email, u.created_at, u.disabled, u.stored_bytes,
    (SELECT m.relationship_id FROM memberships m WHERE m.user_id = u.id AND m.ended_at IS NULL)
    FROM users u";

fn account_row(row: &tokio_postgres::Row) -> AccountSummary {
    AccountSummary {
        id: row.get(0),
        email: row.get(1),
        created_at: row.get(2),
        disabled: row.get(3),
        stored_bytes: row.get(4),
        relationship_id: row.get(5),
    }
}

#[async_trait::async_trait]
impl Console for PostgresStorage {
    async fn create_operator(
        &self,
        id: String,
        email: String,
        password_hash: String,
        now: String,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        exec(
            &client,
            "INSERT INTO operators (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
            &[&id, &email, &password_hash, &now],
        )
        .await
        .map_err(unique(|| {
            StorageError::Conflict("an operator with this email already exists".into())
        }))?;
        Ok(())
    }

    async fn operator_by_email(&self, email: String) -> Result<Option<OperatorRow>, StorageError> {
        let client = self.client().await?;
        let row = opt(
            &client,
            "SELECT id, email, password_hash FROM operators WHERE lower(email) = lower($1)",
            &[&email],
        )
        .await?;
        Ok(row.map(|row| OperatorRow {
            id: row.get(0),
            email: row.get(1),
            password_hash: row.get(2),
        }))
    }

    async fn create_operator_session(
        &self,
        token_hash: [u8; 32],
        operator_id: String,
        now: String,
        expires_at: String,
        csrf_token: String,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        exec(
            &client,
            "DELETE FROM operator_sessions WHERE expires_at <= $1",
            &[&now],
        )
        .await?;
        exec(
            &client,
            "INSERT INTO operator_sessions (token_hash, operator_id, created_at, expires_at, csrf_token)
             VALUES ($1, $2, $3, $4, $5)",
            &[&token_hash.as_slice(), &operator_id, &now, &expires_at, &csrf_token],
        )
        .await?;
        Ok(())
    }

    async fn operator_session(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> Result<Option<OperatorSession>, StorageError> {
        let client = self.client().await?;
        let row = opt(
            &client,
            "SELECT s.operator_id, o.email, s.csrf_token FROM operator_sessions s
             JOIN operators o ON o.id = s.operator_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
            &[&token_hash.as_slice(), &now],
        )
        .await?;
        Ok(row.map(|row| OperatorSession {
            operator_id: row.get(0),
            email: row.get(1),
            csrf_token: row.get(2),
        }))
    }

    async fn end_operator_session(&self, token_hash: [u8; 32]) -> Result<(), StorageError> {
        let client = self.client().await?;
        exec(
            &client,
            "DELETE FROM operator_sessions WHERE token_hash = $1",
            &[&token_hash.as_slice()],
        )
        .await?;
        Ok(())
    }

    async fn overview(&self, seen_since: [String; 3]) -> Result<Overview, StorageError> {
        let client = self.client().await?;
        let seen = "SELECT count(*) FROM devices WHERE revoked_at IS NULL AND last_seen_at >= $1";
        let mut devices_seen = [0; 3];
        for (slot, since) in devices_seen.iter_mut().zip(&seen_since) {
            *slot = one(&client, seen, &[since]).await?.get(0);
        }
        let top_couples = rows(
            &client,
            "SELECT m.relationship_id, sum(u.stored_bytes)::BIGINT AS bytes FROM memberships m
             JOIN users u ON u.id = m.user_id WHERE m.ended_at IS NULL
             GROUP BY m.relationship_id ORDER BY bytes DESC, m.relationship_id LIMIT 10",
            &[],
        )
        .await?
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
        Ok(Overview {
            accounts: one(&client, "SELECT count(*) FROM users", &[])
                .await?
                .get(0),
            couples: one(
                &client,
                "SELECT count(*) FROM (SELECT relationship_id FROM memberships
                 WHERE ended_at IS NULL GROUP BY relationship_id HAVING count(*) = 2) AS c",
                &[],
            )
            .await?
            .get(0),
            devices_seen,
            stored_bytes: one(
                &client,
                "SELECT coalesce(sum(stored_bytes), 0)::BIGINT FROM users",
                &[],
            )
            .await?
            .get(0),
            top_couples,
        })
    }

    async fn webhook_statuses(&self) -> Result<Vec<(String, i64)>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT CASE WHEN processed THEN 'processed'
                         WHEN last_error IS NOT NULL THEN 'failed' ELSE 'pending' END AS status,
                    count(*) FROM stripe_webhooks GROUP BY status ORDER BY status",
            &[],
        )
        .await?
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect())
    }

    async fn failed_webhooks(&self) -> Result<Vec<FailedWebhook>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT event_id, event_type, retry_count::BIGINT, received_at, last_error
             FROM stripe_webhooks WHERE NOT processed AND last_error IS NOT NULL
             ORDER BY received_at DESC, event_id LIMIT $1",
            &[&FAILED_LIMIT],
        )
        .await?
        .into_iter()
        .map(|row| FailedWebhook {
            event_id: row.get(0),
            event_type: row.get(1),
            retry_count: row.get(2),
            received_at: row.get(3),
            last_error: row.get(4),
        })
        .collect())
    }

    async fn unprocessed_webhook(&self, event_id: String) -> Result<Option<String>, StorageError> {
        let client = self.client().await?;
        let row = opt(
            &client,
            "SELECT event_data::TEXT FROM stripe_webhooks WHERE event_id = $1 AND NOT processed",
            &[&event_id],
        )
        .await?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn search_accounts(&self, text: String) -> Result<Vec<AccountSummary>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            &format!(
                "{ACCOUNT_COLUMNS} WHERE strpos(lower(u.email), lower($1)) > 0
                 ORDER BY u.email, u.id LIMIT $2"
            ),
            &[&text, &SEARCH_LIMIT],
        )
        .await?
        .iter()
        .map(account_row)
        .collect())
    }

    async fn account_summary(
        &self,
        user_id: String,
    ) -> Result<Option<AccountSummary>, StorageError> {
        let client = self.client().await?;
        let row = opt(
            &client,
            &format!("{ACCOUNT_COLUMNS} WHERE u.id = $1"),
            &[&user_id],
        )
        .await?;
        Ok(row.as_ref().map(account_row))
    }

    async fn set_account_disabled(
        &self,
        user_id: String,
        disabled: bool,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        let changed = exec(
            &client,
            "UPDATE users SET disabled = $2 WHERE id = $1",
            &[&user_id, &disabled],
        )
        .await?;
        if changed == 0 {
            return Err(StorageError::NotFound("no such account".into()));
        }
        Ok(())
    }
}
