//! Relationships, memberships and invites. The server knows who belongs to which couple, nothing
//! more.
//!
//! A relationship lives until one partner leaves (or deletes their account): then it **ends for
//! both**. An ended relationship is frozen — no appends, no snapshots, no invites — and stays
//! readable by its former members, so each keeps their history and their new devices can restore
//! it. A new partner always starts a new relationship (new documents, new key), so they never read
//! what the previous partner wrote, and the previous partner's key opens nothing written later.
//! A person belongs to at most one current relationship (a unique index says so).

use rusqlite::{Connection, OptionalExtension, params};

use crate::storage::StorageError;
use crate::storage::relationships::{
    InviteRow, MAX_INVITES_LISTED, RelationshipRow, Relationships, Standing,
};
use crate::storage::rules::{self, InviteFacts, Redemption, Registration};

use super::SqliteStorage;

/// An invite as stored, with the state of its relationship.
#[derive(Debug)]
struct StoredInvite {
    relationship_id: String,
    redeemed_by: Option<String>,
    expires_at: String,
    wrapped_key: Option<Vec<u8>>,
    relationship_ended_at: Option<String>,
}

/// `user_id`'s standing in `relationship_id`, or `None` if they never belonged to it (or deleted
/// their account).
pub(crate) fn standing(
    conn: &Connection,
    relationship_id: &str,
    user_id: &str,
) -> Result<Option<Standing>, StorageError> {
    let ended: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT ended_at FROM memberships WHERE relationship_id = ?1 AND user_id = ?2",
        )?
        .query_row([relationship_id, user_id], |row| row.get(0))
        .optional()?;
    Ok(ended.map(|ended| match ended {
        None => Standing::Current,
        Some(_) => Standing::Ended,
    }))
}

/// The one relationship `user_id` currently belongs to.
pub(crate) fn current_relationship(
    conn: &Connection,
    user_id: &str,
) -> Result<Option<String>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT relationship_id FROM memberships WHERE user_id = ?1 AND ended_at IS NULL",
        )?
        .query_row([user_id], |row| row.get(0))
        .optional()?)
}

/// Ends `relationship_id` for every member at `now`; returns its members (who must be told).
pub(crate) fn end_relationship(
    conn: &Connection,
    relationship_id: &str,
    now: &str,
) -> Result<Vec<String>, StorageError> {
    conn.execute(
        "UPDATE relationships SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
        params![relationship_id, now],
    )?;
    conn.execute(
        "UPDATE memberships SET ended_at = ?2 WHERE relationship_id = ?1 AND ended_at IS NULL",
        params![relationship_id, now],
    )?;
    let members = conn
        .prepare_cached("SELECT user_id FROM memberships WHERE relationship_id = ?1")?
        .query_map([relationship_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(members)
}

/// Maps the one-current-relationship index to its sentence.
fn one_current(error: rusqlite::Error) -> StorageError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StorageError::AlreadyInRelationship,
        _ => error.into(),
    }
}

#[async_trait::async_trait]
impl Relationships for SqliteStorage {
    async fn is_member(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<bool, StorageError> {
        self.with_conn(move |conn| {
            Ok(standing(conn, &relationship_id, &user_id)? == Some(Standing::Current))
        })
        .await
    }
    async fn current_relationship(&self, user_id: String) -> Result<Option<String>, StorageError> {
        self.with_conn(move |conn| current_relationship(conn, &user_id))
            .await
    }
    async fn create_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM relationships WHERE id = ?1)",
                [&relationship_id],
                |row| row.get(0),
            )?;
            let registration = rules::may_register(
                exists,
                standing(&tx, &relationship_id, &user_id)?,
                current_relationship(&tx, &user_id)?.is_some_and(|r| r != relationship_id),
            )?;
            if registration == Registration::AlreadyDone {
                return Ok(());
            }
            tx.execute(
                "INSERT INTO relationships (id, created_by, created_at) VALUES (?1, ?2, ?3)",
                params![relationship_id, user_id, now],
            )?;
            tx.execute(
                "INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
                params![relationship_id, user_id, now],
            )
            .map_err(one_current)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
    async fn relationships_of(
        &self,
        user_id: String,
    ) -> Result<Vec<RelationshipRow>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT r.id, r.ended_at, group_concat(o.user_id, ',')
                 FROM memberships m
                 JOIN relationships r ON r.id = m.relationship_id
                 JOIN memberships o ON o.relationship_id = m.relationship_id
                 WHERE m.user_id = ?1 GROUP BY r.id ORDER BY r.created_at, r.id",
            )?;
            let rows = stmt
                .query_map([&user_id], |row| {
                    let members: String = row.get(2)?;
                    let mut members: Vec<String> = members.split(',').map(str::to_owned).collect();
                    members.sort();
                    Ok(RelationshipRow {
                        id: row.get(0)?,
                        ended_at: row.get(1)?,
                        members,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }
    async fn create_invite(
        &self,
        relationship_id: String,
        user_id: String,
        secret_hash: [u8; 32],
        wrapped_key: Option<Vec<u8>>,
        now: String,
        expires_at: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            rules::may_invite(standing(conn, &relationship_id, &user_id)?)?;
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
    async fn invites_of(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<Vec<InviteRow>, StorageError> {
        self.with_conn(move |conn| {
            rules::may_see_invites(standing(conn, &relationship_id, &user_id)?)?;
            let mut stmt = conn.prepare_cached(
                "SELECT i.created_at, i.expires_at, i.redeemed_at, r.ended_at IS NOT NULL
                 FROM invites i JOIN relationships r ON r.id = i.relationship_id
                 WHERE i.relationship_id = ?1
                 ORDER BY i.created_at DESC, i.expires_at DESC LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![relationship_id, MAX_INVITES_LISTED], |row| {
                    Ok(InviteRow {
                        created_at: row.get(0)?,
                        expires_at: row.get(1)?,
                        redeemed_at: row.get(2)?,
                        relationship_ended: row.get(3)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }
    async fn redeem_invite(
        &self,
        secret_hash: [u8; 32],
        user_id: String,
        now: String,
    ) -> Result<(String, Option<Vec<u8>>), StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let invite = tx
                .query_row(
                    "SELECT i.relationship_id, i.redeemed_by, i.expires_at, i.wrapped_key, r.ended_at
                     FROM invites i JOIN relationships r ON r.id = i.relationship_id
                     WHERE i.secret_hash = ?1",
                    [secret_hash.as_slice()],
                    |row| {
                        Ok(StoredInvite {
                            relationship_id: row.get(0)?,
                            redeemed_by: row.get(1)?,
                            expires_at: row.get(2)?,
                            wrapped_key: row.get(3)?,
                            relationship_ended_at: row.get(4)?,
                        })
                    },
                )
                .optional()?;
            let Some(StoredInvite { relationship_id, redeemed_by, expires_at, wrapped_key, relationship_ended_at }) = invite else {
                return Err(rules::invalid_invite());
            };
            let members: i64 = tx.query_row(
                "SELECT count(*) FROM memberships WHERE relationship_id = ?1",
                [&relationship_id],
                |row| row.get(0),
            )?;
            let facts = InviteFacts {
                redeemed: redeemed_by.is_some(),
                expires_at,
                relationship_ended: relationship_ended_at.is_some(),
                standing: standing(&tx, &relationship_id, &user_id)?,
                has_current_elsewhere: current_relationship(&tx, &user_id)?
                    .is_some_and(|r| r != relationship_id),
                members,
            };
            if rules::redemption(&facts, &now)? == Redemption::Join {
                tx.execute(
                    "INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
                    params![relationship_id, user_id, now],
                )
                .map_err(one_current)?;
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
    async fn leave_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> Result<Vec<String>, StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            rules::may_leave(standing(&tx, &relationship_id, &user_id)?)?;
            let members = end_relationship(&tx, &relationship_id, &now)?;
            tx.commit()?;
            Ok(members)
        })
        .await
    }
}
