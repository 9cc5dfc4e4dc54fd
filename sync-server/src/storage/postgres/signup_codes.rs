//! Sign-up codes in PostgreSQL.

use super::{PostgresStorage, exec, rows};
use crate::storage::signup_codes::{SignupCodeRow, SignupCodes};
use crate::storage::{NewAccount, StorageError};

#[async_trait::async_trait]
impl SignupCodes for PostgresStorage {
    async fn create_signup_code(
        &self,
        id: String,
        code_hash: [u8; 32],
        max_uses: i64,
        now: String,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        exec(
            &client,
            "INSERT INTO signup_codes (id, code_hash, max_uses, created_at) VALUES ($1, $2, $3, $4)",
            &[&id, &code_hash.as_slice(), &max_uses, &now],
        )
        .await?;
        Ok(())
    }

    async fn signup_codes(&self) -> Result<Vec<SignupCodeRow>, StorageError> {
        let client = self.client().await?;
        let found = rows(
            &client,
            "SELECT id, max_uses, uses, created_at, last_used_at FROM signup_codes
             ORDER BY created_at DESC, id DESC",
            &[],
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|row| SignupCodeRow {
                id: row.get(0),
                max_uses: row.get(1),
                uses: row.get(2),
                created_at: row.get(3),
                last_used_at: row.get(4),
            })
            .collect())
    }

    async fn create_account_with_code(
        &self,
        a: NewAccount,
        code_hash: [u8; 32],
    ) -> Result<(), StorageError> {
        super::accounts::create_account(self, &a, Some(code_hash)).await
    }
}
