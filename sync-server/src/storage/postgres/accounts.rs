//! Accounts, credentials and devices in PostgreSQL.

use deadpool_postgres::GenericClient;

use super::{PostgresStorage, exec, one, opt, rows, unique};
use crate::storage::StorageError;
use crate::storage::accounts::{Accounts, Credentials, DeviceRow, NewAccount};

fn to_array<const N: usize>(bytes: Vec<u8>) -> Result<[u8; N], StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Conflict("stored credential has the wrong length".into()))
}

/// Serialises, until the transaction ends, what one person does that must not run twice at once
/// (signing a device in under the bound, joining a couple, a gift lookup under the hourly limit).
/// A transaction-level advisory lock keyed by the user id, not a lock of the user's row: uploads
/// update that row (the quota) and must not queue behind these.
pub(super) async fn lock_user<C: GenericClient>(c: &C, user_id: &str) -> Result<(), StorageError> {
    exec(
        c,
        "SELECT pg_advisory_xact_lock(1, hashtext($1))",
        &[&user_id],
    )
    .await?;
    Ok(())
}

/// Creates the account `a` in one transaction; with `signup_code`, one use of that sign-up code is
/// taken first (a conditional update, which locks the code's row: concurrent sign-ups never pass its
/// uses), and given back if anything after fails — so a refused code tells nothing about the email.
pub(super) async fn create_account(
    storage: &PostgresStorage,
    a: &NewAccount,
    signup_code: Option<[u8; 32]>,
) -> Result<(), StorageError> {
    let mut client = storage.client().await?;
    let tx = client.transaction().await?;
    if let Some(code) = signup_code {
        let taken = exec(
            &tx,
            "UPDATE signup_codes SET uses = uses + 1, last_used_at = $2
                 WHERE code_hash = $1 AND uses < max_uses",
            &[&code.as_slice(), &a.now],
        )
        .await?;
        if taken == 0 {
            return Err(StorageError::SignupCodeRefused);
        }
    }
    let taken = || StorageError::Conflict("an account with this email already exists".into());
    let exists: bool = one(
        &tx,
        "SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))",
        &[&a.email],
    )
    .await?
    .get(0);
    if exists {
        return Err(taken());
    }
    let id_taken: bool = one(
        &tx,
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)",
        &[&a.user_id],
    )
    .await?
    .get(0);
    if id_taken {
        return Err(StorageError::Conflict(
            "this user id is already taken".into(),
        ));
    }
    // Two sign-ups with one email at once: the unique index refuses the second.
    exec(
        &tx,
        "INSERT INTO users (id, email, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        &[&a.user_id, &a.email, &a.name, &a.now],
    )
    .await
    .map_err(unique(taken))?;
    exec(
        &tx,
        "INSERT INTO credentials (user_id, salt, secret_hash, updated_at) VALUES ($1, $2, $3, $4)",
        &[
            &a.user_id,
            &a.salt.as_slice(),
            &a.secret_hash.as_slice(),
            &a.now,
        ],
    )
    .await?;
    exec(
        &tx,
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
        &[
            &a.device_id,
            &a.user_id,
            &a.device_name,
            &a.token_hash.as_slice(),
            &a.now,
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[async_trait::async_trait]
impl Accounts for PostgresStorage {
    async fn create_account(&self, a: NewAccount) -> Result<(), StorageError> {
        create_account(self, &a, None).await
    }

    async fn credentials(&self, email: String) -> Result<Option<Credentials>, StorageError> {
        let client = self.client().await?;
        let row = opt(
            &client,
            "SELECT c.user_id, c.salt, c.secret_hash FROM credentials c
             JOIN users u ON u.id = c.user_id
             WHERE lower(u.email) = lower($1) AND NOT u.disabled",
            &[&email],
        )
        .await?;
        row.map(|row| {
            Ok(Credentials {
                user_id: row.get(0),
                salt: to_array(row.get(1))?,
                secret_hash: to_array(row.get(2))?,
            })
        })
        .transpose()
    }

    async fn add_device(
        &self,
        user_id: String,
        device_id: String,
        name: String,
        token_hash: [u8; 32],
        now: String,
        max_devices: u32,
    ) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Concurrent sign-ins of one account count one after the other.
        lock_user(&tx, &user_id).await?;
        let added = exec(
            &tx,
            "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)
             SELECT $1, $2, $3, $4, $5, $5
             WHERE (SELECT count(*) FROM devices WHERE user_id = $2 AND revoked_at IS NULL) < $6",
            &[
                &device_id,
                &user_id,
                &name,
                &token_hash.as_slice(),
                &now,
                &i64::from(max_devices),
            ],
        )
        .await?;
        if added == 0 {
            return Err(StorageError::Conflict(format!(
                "this account has {max_devices} devices signed in; sign one out first"
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> Result<Option<(String, String)>, StorageError> {
        let client = self.client().await?;
        let Some(row) = opt(
            &client,
            "SELECT d.user_id, d.id, d.last_seen_at FROM devices d
             JOIN users u ON u.id = d.user_id
             WHERE d.token_hash = $1 AND d.revoked_at IS NULL AND NOT u.disabled",
            &[&token_hash.as_slice()],
        )
        .await?
        else {
            return Ok(None);
        };
        let (user, device, last_seen): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        // "Last seen" is shown to the minute: writing it on every request would cost every read
        // a durable write.
        if !crate::storage::accounts::same_minute(&last_seen, &now) {
            exec(
                &client,
                "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
                &[&device, &now],
            )
            .await?;
        }
        Ok(Some((user, device)))
    }

    async fn devices(&self, user_id: String) -> Result<Vec<DeviceRow>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT d.id, d.name, d.created_at, d.last_seen_at FROM devices d
             JOIN users u ON u.id = d.user_id
             WHERE d.user_id = $1 AND d.revoked_at IS NULL AND NOT u.disabled
             ORDER BY d.created_at, d.id",
            &[&user_id],
        )
        .await?
        .into_iter()
        .map(|row| DeviceRow {
            device_id: row.get(0),
            name: row.get(1),
            created_at: row.get(2),
            last_seen_at: row.get(3),
        })
        .collect())
    }

    async fn revoke_device(
        &self,
        user_id: String,
        device_id: String,
        now: String,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        let changed = exec(
            &client,
            "UPDATE devices SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            &[&device_id, &user_id, &now],
        )
        .await?;
        if changed == 0 {
            return Err(StorageError::NotFound("no such device".into()));
        }
        Ok(())
    }

    async fn put_key_bundle(
        &self,
        user_id: String,
        bundle: Vec<u8>,
        now: String,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        exec(
            &client,
            "INSERT INTO key_bundles (user_id, bundle, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET bundle = excluded.bundle,
                updated_at = excluded.updated_at",
            &[&user_id, &bundle, &now],
        )
        .await?;
        Ok(())
    }

    async fn key_bundle(&self, user_id: String) -> Result<Option<Vec<u8>>, StorageError> {
        let client = self.client().await?;
        Ok(opt(
            &client,
            "SELECT bundle FROM key_bundles WHERE user_id = $1",
            &[&user_id],
        )
        .await?
        .map(|row| row.get(0)))
    }

    async fn delete_account(
        &self,
        user_id: String,
        now: String,
    ) -> Result<Option<(String, Vec<String>)>, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_user(&tx, &user_id).await?;
        let mut ended = None;
        if let Some(current) = super::relationships::current_relationship(&tx, &user_id).await? {
            super::relationships::lock_relationship(&tx, &current).await?;
            let mut partners = super::relationships::end_relationship(&tx, &current, &now).await?;
            partners.retain(|member| *member != user_id);
            ended = Some((current, partners));
        }
        let relationships: Vec<String> = rows(
            &tx,
            "SELECT relationship_id FROM memberships WHERE user_id = $1",
            &[&user_id],
        )
        .await?
        .into_iter()
        .map(|row| row.get(0))
        .collect();
        exec(&tx, "DELETE FROM users WHERE id = $1", &[&user_id]).await?;
        for relationship in relationships {
            exec(
                &tx,
                "DELETE FROM relationships WHERE id = $1
                   AND NOT EXISTS (SELECT 1 FROM memberships WHERE relationship_id = $1)",
                &[&relationship],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ended)
    }
}
