//! Accounts, credentials and devices.

use rusqlite::{OptionalExtension, params};

use crate::storage::StorageError;
use crate::storage::accounts::{Accounts, Credentials, DeviceRow, NewAccount};

use super::SqliteStorage;

fn to_array<const N: usize>(bytes: Vec<u8>) -> Result<[u8; N], StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Conflict("stored credential has the wrong length".into()))
}

/// Creates the account `a` in one transaction; with `signup_code`, one use of that sign-up code is
/// taken first (a conditional update: never past its uses), and given back if anything after
/// fails — so a refused code tells nothing about the email.
pub(super) fn create_account(
    conn: &rusqlite::Connection,
    a: &NewAccount,
    signup_code: Option<[u8; 32]>,
) -> Result<(), StorageError> {
    let tx = crate::storage::sqlite::write_transaction(conn)?;
    if let Some(code) = signup_code {
        let taken = tx.execute(
            "UPDATE signup_codes SET uses = uses + 1, last_used_at = ?2
             WHERE code_hash = ?1 AND uses < max_uses",
            params![code.as_slice(), a.now],
        )?;
        if taken == 0 {
            return Err(StorageError::SignupCodeRefused);
        }
    }
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE email = ?1 COLLATE NOCASE)",
        [&a.email],
        |row| row.get(0),
    )?;
    if taken {
        return Err(StorageError::Conflict(
            "an account with this email already exists".into(),
        ));
    }
    let id_taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
        [&a.user_id],
        |row| row.get(0),
    )?;
    if id_taken {
        return Err(StorageError::Conflict(
            "this user id is already taken".into(),
        ));
    }
    tx.execute(
        "INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![a.user_id, a.email, a.name, a.now],
    )?;
    tx.execute(
        "INSERT INTO credentials (user_id, salt, secret_hash, updated_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            a.user_id,
            a.salt.as_slice(),
            a.secret_hash.as_slice(),
            a.now
        ],
    )?;
    tx.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            a.device_id,
            a.user_id,
            a.device_name,
            a.token_hash.as_slice(),
            a.now
        ],
    )?;
    tx.commit()?;
    Ok(())
}

#[async_trait::async_trait]
impl Accounts for SqliteStorage {
    async fn create_account(&self, a: NewAccount) -> Result<(), StorageError> {
        self.with_conn(move |conn| create_account(conn, &a, None))
            .await
    }
    async fn credentials(&self, email: String) -> Result<Option<Credentials>, StorageError> {
        self.with_conn(move |conn| {
            let row: Option<(String, Vec<u8>, Vec<u8>)> = conn
                .query_row(
                    "SELECT c.user_id, c.salt, c.secret_hash FROM credentials c
                     JOIN users u ON u.id = c.user_id
                     WHERE u.email = ?1 COLLATE NOCASE AND u.disabled = 0",
                    [&email],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            row.map(|(user_id, salt, hash)| {
                Ok(Credentials {
                    user_id,
                    salt: to_array(salt)?,
                    secret_hash: to_array(hash)?,
                })
            })
            .transpose()
        })
        .await
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
        self.with_conn(move |conn| {
            let added = conn.execute(
                "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?5
                 WHERE (SELECT count(*) FROM devices WHERE user_id = ?2 AND revoked_at IS NULL) < ?6",
                params![device_id, user_id, name, token_hash.as_slice(), now, max_devices],
            )?;
            if added == 0 {
                return Err(StorageError::Conflict(format!(
                    "this account has {max_devices} devices signed in; sign one out first"
                )));
            }
            Ok(())
        })
        .await
    }
    async fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> Result<Option<(String, String)>, StorageError> {
        let found: Option<(String, String, String)> = self
            .with_reader(move |conn| {
                Ok(conn
                    .prepare_cached(
                        "SELECT d.user_id, d.id, d.last_seen_at FROM devices d
                         JOIN users u ON u.id = d.user_id
                         WHERE d.token_hash = ?1 AND d.revoked_at IS NULL AND u.disabled = 0",
                    )?
                    .query_row([token_hash.as_slice()], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()?)
            })
            .await?;
        let Some((user, device, last_seen)) = found else {
            return Ok(None);
        };
        // "Last seen" is shown to the minute: writing it on every request would cost every read
        // a durable write.
        if !crate::storage::accounts::same_minute(&last_seen, &now) {
            let id = device.clone();
            self.with_conn(move |conn| {
                conn.prepare_cached("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1")?
                    .execute(params![id, now])?;
                Ok(())
            })
            .await?;
        }
        Ok(Some((user, device)))
    }
    async fn devices(&self, user_id: String) -> Result<Vec<DeviceRow>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT d.id, d.name, d.created_at, d.last_seen_at FROM devices d
                 JOIN users u ON u.id = d.user_id
                 WHERE d.user_id = ?1 AND d.revoked_at IS NULL AND u.disabled = 0
                 ORDER BY d.created_at, d.id",
            )?;
            let rows = stmt
                .query_map([&user_id], |row| {
                    Ok(DeviceRow {
                        device_id: row.get(0)?,
                        name: row.get(1)?,
                        created_at: row.get(2)?,
                        last_seen_at: row.get(3)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }
    async fn revoke_device(
        &self,
        user_id: String,
        device_id: String,
        now: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let changed = conn.execute(
                "UPDATE devices SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                params![device_id, user_id, now],
            )?;
            if changed == 0 {
                return Err(StorageError::NotFound("no such device".into()));
            }
            Ok(())
        })
        .await
    }
    async fn put_key_bundle(
        &self,
        user_id: String,
        bundle: Vec<u8>,
        now: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO key_bundles (user_id, bundle, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET bundle = excluded.bundle, updated_at = excluded.updated_at",
                params![user_id, bundle, now],
            )?;
            Ok(())
        })
        .await
    }
    async fn key_bundle(&self, user_id: String) -> Result<Option<Vec<u8>>, StorageError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT bundle FROM key_bundles WHERE user_id = ?1",
                    [&user_id],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }
    async fn delete_account(
        &self,
        user_id: String,
        now: String,
    ) -> Result<Option<(String, Vec<String>)>, StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let mut ended = None;
            if let Some(current) = super::relationships::current_relationship(&tx, &user_id)? {
                let mut partners = super::relationships::end_relationship(&tx, &current, &now)?;
                partners.retain(|member| *member != user_id);
                ended = Some((current, partners));
            }
            let relationships: Vec<String> = tx
                .prepare("SELECT relationship_id FROM memberships WHERE user_id = ?1")?
                .query_map([&user_id], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            tx.execute("DELETE FROM users WHERE id = ?1", [&user_id])?;
            for relationship in relationships {
                tx.execute(
                    "DELETE FROM relationships WHERE id = ?1
                       AND NOT EXISTS (SELECT 1 FROM memberships WHERE relationship_id = ?1)",
                    [&relationship],
                )?;
            }
            tx.commit()?;
            Ok(ended)
        })
        .await
    }
}
