//! Sign-up codes in SQLite.

use rusqlite::params;

use super::SqliteStorage;
use crate::storage::signup_codes::{SignupCodeRow, SignupCodes};
use crate::storage::{NewAccount, StorageError};

#[async_trait::async_trait]
impl SignupCodes for SqliteStorage {
    async fn create_signup_code(
        &self,
        id: String,
        code_hash: [u8; 32],
        max_uses: i64,
        now: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO signup_codes (id, code_hash, max_uses, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, code_hash.as_slice(), max_uses, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn signup_codes(&self) -> Result<Vec<SignupCodeRow>, StorageError> {
        self.with_conn(|conn| {
            let mut statement = conn.prepare(
                "SELECT id, max_uses, uses, created_at, last_used_at FROM signup_codes
                 ORDER BY created_at DESC, id DESC",
            )?;
            let rows = statement.query_map([], |row| {
                Ok(SignupCodeRow {
                    id: row.get(0)?,
                    max_uses: row.get(1)?,
                    uses: row.get(2)?,
                    created_at: row.get(3)?,
                    last_used_at: row.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn create_account_with_code(
        &self,
        a: NewAccount,
        code_hash: [u8; 32],
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| super::accounts::create_account(conn, &a, Some(code_hash)))
            .await
    }
}
