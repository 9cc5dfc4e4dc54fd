//! Relationships, memberships and invites. The server knows who belongs to which couple, nothing
//! more.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Database, StorageError};

/// An invite as stored: relationship, who redeemed it, expiry, sealed key.
pub type InviteRow = (String, Option<String>, String, Option<Vec<u8>>);

/// The most members a relationship has: the two partners.
const MAX_MEMBERS: i64 = 2;

pub(crate) fn is_member(
    conn: &Connection,
    relationship_id: &str,
    user_id: &str,
) -> Result<bool, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM memberships WHERE relationship_id = ?1 AND user_id = ?2)",
        )?
        .query_row([relationship_id, user_id], |row| row.get(0))?)
}

impl Database {
    /// Whether `user_id` is a member of `relationship_id` right now.
    pub async fn is_member(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<bool, StorageError> {
        self.with_conn(move |conn| is_member(conn, &relationship_id, &user_id))
            .await
    }

    /// Registers a relationship created on `user_id`'s device, with them as its first member.
    /// Registering again is harmless; someone else's relationship id is a conflict.
    pub async fn create_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM relationships WHERE id = ?1)",
                [&relationship_id],
                |row| row.get(0),
            )?;
            if exists {
                return if is_member(&tx, &relationship_id, &user_id)? {
                    Ok(())
                } else {
                    Err(StorageError::Conflict(
                        "this relationship id is already taken".into(),
                    ))
                };
            }
            tx.execute(
                "INSERT INTO relationships (id, created_by, created_at) VALUES (?1, ?2, ?3)",
                params![relationship_id, user_id, now],
            )?;
            tx.execute(
                "INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
                params![relationship_id, user_id, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// The relationships `user_id` belongs to, with their members.
    pub async fn relationships_of(
        &self,
        user_id: String,
    ) -> Result<Vec<(String, Vec<String>)>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT m.relationship_id, group_concat(o.user_id, ',')
                 FROM memberships m JOIN memberships o ON o.relationship_id = m.relationship_id
                 WHERE m.user_id = ?1 GROUP BY m.relationship_id ORDER BY m.relationship_id",
            )?;
            let rows = stmt
                .query_map([&user_id], |row| {
                    let members: String = row.get(1)?;
                    let mut members: Vec<String> = members.split(',').map(str::to_owned).collect();
                    members.sort();
                    Ok((row.get(0)?, members))
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Stores an invite to `relationship_id` made by one of its members.
    pub async fn create_invite(
        &self,
        relationship_id: String,
        user_id: String,
        secret_hash: [u8; 32],
        wrapped_key: Option<Vec<u8>>,
        now: String,
        expires_at: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            if !is_member(conn, &relationship_id, &user_id)? {
                return Err(StorageError::NotFound("no such relationship".into()));
            }
            conn.execute(
                "INSERT INTO invites (secret_hash, relationship_id, created_by, created_at, expires_at, wrapped_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![secret_hash.as_slice(), relationship_id, user_id, now, expires_at, wrapped_key],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    StorageError::Conflict("this invite already exists".into())
                }
                _ => e.into(),
            })?;
            Ok(())
        })
        .await
    }

    /// Redeems an invite: `user_id` joins its relationship. Unknown, expired, used invites and full
    /// relationships are refused with the same message, so codes cannot be probed.
    pub async fn redeem_invite(
        &self,
        secret_hash: [u8; 32],
        user_id: String,
        now: String,
    ) -> Result<(String, Option<Vec<u8>>), StorageError> {
        self.with_conn(move |conn| {
            let invalid = || StorageError::NotFound("this invite code is not valid (it may have expired or been used)".into());
            let tx = conn.unchecked_transaction()?;
            let invite: Option<InviteRow> = tx
                .query_row(
                    "SELECT relationship_id, redeemed_by, expires_at, wrapped_key FROM invites WHERE secret_hash = ?1",
                    [secret_hash.as_slice()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            let Some((relationship_id, redeemed_by, expires_at, wrapped_key)) = invite else {
                return Err(invalid());
            };
            if redeemed_by.is_some() || expires_at <= now {
                return Err(invalid());
            }
            if !is_member(&tx, &relationship_id, &user_id)? {
                let members: i64 = tx.query_row(
                    "SELECT count(*) FROM memberships WHERE relationship_id = ?1",
                    [&relationship_id],
                    |row| row.get(0),
                )?;
                if members >= MAX_MEMBERS {
                    return Err(invalid());
                }
                tx.execute(
                    "INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
                    params![relationship_id, user_id, now],
                )?;
            }
            tx.execute(
                "UPDATE invites SET redeemed_by = ?2, redeemed_at = ?3 WHERE secret_hash = ?1",
                params![secret_hash.as_slice(), user_id, now],
            )?;
            tx.commit()?;
            Ok((relationship_id, wrapped_key))
        })
        .await
    }

    /// Removes `user_id` from a relationship at once: they reach none of its documents from now on.
    pub async fn leave_relationship(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let removed = conn.execute(
                "DELETE FROM memberships WHERE relationship_id = ?1 AND user_id = ?2",
                [&relationship_id, &user_id],
            )?;
            if removed == 0 {
                return Err(StorageError::NotFound("no such relationship".into()));
            }
            Ok(())
        })
        .await
    }
}
