//! The operator console's storage in SQLite.

use rusqlite::{OptionalExtension, params};

use super::SqliteStorage;
use crate::storage::StorageError;
use crate::storage::console::{
    AccountSummary, Console, FAILED_LIMIT, FailedWebhook, OperatorRow, OperatorSession, Overview,
    SEARCH_LIMIT,
};

/// The columns [`account_row`] reads, with the current relationship.
const ACCOUNT_COLUMNS: &str = "SELECT u.id, u.email, u.created_at, u.disabled, u.stored_bytes,
    (SELECT m.relationship_id FROM memberships m WHERE m.user_id = u.id AND m.ended_at IS NULL)
    FROM users u";

fn account_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountSummary> {
    Ok(AccountSummary {
        id: row.get(0)?,
        email: row.get(1)?,
        created_at: row.get(2)?,
        disabled: row.get(3)?,
        stored_bytes: row.get(4)?,
        relationship_id: row.get(5)?,
    })
}

#[async_trait::async_trait]
impl Console for SqliteStorage {
    async fn create_operator(
        &self,
        id: String,
        email: String,
        password_hash: String,
        now: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let taken: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM operators WHERE email = ?1 COLLATE NOCASE)",
                [&email],
                |row| row.get(0),
            )?;
            if taken {
                return Err(StorageError::Conflict(
                    "an operator with this email already exists".into(),
                ));
            }
            conn.execute(
                "INSERT INTO operators (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, email, password_hash, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn operator_by_email(&self, email: String) -> Result<Option<OperatorRow>, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, email, password_hash FROM operators WHERE email = ?1 COLLATE NOCASE",
                    [&email],
                    |row| {
                        Ok(OperatorRow {
                            id: row.get(0)?,
                            email: row.get(1)?,
                            password_hash: row.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn create_operator_session(
        &self,
        token_hash: [u8; 32],
        operator_id: String,
        now: String,
        expires_at: String,
        csrf_token: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            conn.execute(
                "DELETE FROM operator_sessions WHERE expires_at <= ?1",
                [&now],
            )?;
            conn.execute(
                "INSERT INTO operator_sessions (token_hash, operator_id, created_at, expires_at, csrf_token)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash.as_slice(), operator_id, now, expires_at, csrf_token],
            )?;
            Ok(())
        })
        .await
    }

    async fn operator_session(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> Result<Option<OperatorSession>, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT s.operator_id, o.email, s.csrf_token FROM operator_sessions s
                     JOIN operators o ON o.id = s.operator_id
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                    params![token_hash.as_slice(), now],
                    |row| {
                        Ok(OperatorSession {
                            operator_id: row.get(0)?,
                            email: row.get(1)?,
                            csrf_token: row.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn end_operator_session(&self, token_hash: [u8; 32]) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            conn.execute(
                "DELETE FROM operator_sessions WHERE token_hash = ?1",
                [token_hash.as_slice()],
            )?;
            Ok(())
        })
        .await
    }

    async fn overview(&self, seen_since: [String; 3]) -> Result<Overview, StorageError> {
        self.with_conn(move |conn| {
            let count = |sql: &str, since: Option<&str>| -> Result<i64, StorageError> {
                Ok(match since {
                    Some(since) => conn.query_row(sql, [since], |row| row.get(0))?,
                    None => conn.query_row(sql, [], |row| row.get(0))?,
                })
            };
            let seen =
                "SELECT count(*) FROM devices WHERE revoked_at IS NULL AND last_seen_at >= ?1";
            let mut top = conn.prepare(
                "SELECT m.relationship_id, sum(u.stored_bytes) AS bytes FROM memberships m
                 JOIN users u ON u.id = m.user_id WHERE m.ended_at IS NULL
                 GROUP BY m.relationship_id ORDER BY bytes DESC, m.relationship_id LIMIT 10",
            )?;
            let top_couples = top
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Overview {
                accounts: count("SELECT count(*) FROM users", None)?,
                couples: count(
                    "SELECT count(*) FROM (SELECT relationship_id FROM memberships
                     WHERE ended_at IS NULL GROUP BY relationship_id HAVING count(*) = 2)",
                    None,
                )?,
                devices_seen: [
                    count(seen, Some(&seen_since[0]))?,
                    count(seen, Some(&seen_since[1]))?,
                    count(seen, Some(&seen_since[2]))?,
                ],
                stored_bytes: count("SELECT coalesce(sum(stored_bytes), 0) FROM users", None)?,
                top_couples,
            })
        })
        .await
    }

    async fn webhook_statuses(&self) -> Result<Vec<(String, i64)>, StorageError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare(
                "SELECT CASE WHEN processed THEN 'processed'
                             WHEN last_error IS NOT NULL THEN 'failed' ELSE 'pending' END AS status,
                        count(*) FROM stripe_webhooks GROUP BY status ORDER BY status",
            )?;
            let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn failed_webhooks(&self) -> Result<Vec<FailedWebhook>, StorageError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare(
                "SELECT event_id, event_type, retry_count, received_at, last_error FROM stripe_webhooks
                 WHERE NOT processed AND last_error IS NOT NULL
                 ORDER BY received_at DESC, event_id LIMIT ?1",
            )?;
            let rows = statement.query_map([FAILED_LIMIT], |row| {
                Ok(FailedWebhook {
                    event_id: row.get(0)?,
                    event_type: row.get(1)?,
                    retry_count: row.get(2)?,
                    received_at: row.get(3)?,
                    last_error: row.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn unprocessed_webhook(&self, event_id: String) -> Result<Option<String>, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT event_data FROM stripe_webhooks WHERE event_id = ?1 AND NOT processed",
                    [&event_id],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn search_accounts(&self, text: String) -> Result<Vec<AccountSummary>, StorageError> {
        self.with_conn(move |conn| {
            let mut statement = conn.prepare(&format!(
                "{ACCOUNT_COLUMNS} WHERE instr(lower(u.email), lower(?1)) > 0
                 ORDER BY u.email, u.id LIMIT ?2"
            ))?;
            let rows = statement.query_map(params![text, SEARCH_LIMIT], account_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn account_summary(
        &self,
        user_id: String,
    ) -> Result<Option<AccountSummary>, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    &format!("{ACCOUNT_COLUMNS} WHERE u.id = ?1"),
                    [&user_id],
                    account_row,
                )
                .optional()?)
        })
        .await
    }

    async fn set_account_disabled(
        &self,
        user_id: String,
        disabled: bool,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let changed = conn.execute(
                "UPDATE users SET disabled = ?2 WHERE id = ?1",
                params![user_id, disabled],
            )?;
            if changed == 0 {
                return Err(StorageError::NotFound("no such account".into()));
            }
            Ok(())
        })
        .await
    }
}
