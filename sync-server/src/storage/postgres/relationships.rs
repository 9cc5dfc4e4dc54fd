//! Relationships, memberships and invites in PostgreSQL (the lifecycle is told in
//! `storage/sqlite/relationships.rs`; the rules are [`crate::storage::rules`]).
//!
//! Locks, always in this order: the person (an advisory lock), then the relationship's row, then
//! the invite's.
//! Registering, redeeming and leaving take them, so two of them on one couple (or by one person)
//! run one after the other and read each other's effects; the unique index "one current membership
//! per person" backs the rule up.

use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;

use super::accounts::lock_user;
use super::{PostgresStorage, exec, one, opt, rows};
use crate::storage::StorageError;
use crate::storage::relationships::{
    InviteRow, MAX_INVITES_LISTED, RelationshipRow, Relationships, Standing,
};
use crate::storage::rules::{self, InviteFacts, Redemption, Registration};

/// `user_id`'s standing in `relationship_id`, or `None` if they never belonged to it. With
/// `hold`, the membership row is held (`FOR SHARE`) until the transaction ends: a write to the
/// couple's documents and the partner leaving then happen one after the other.
pub(super) async fn standing<C: GenericClient>(
    c: &C,
    relationship_id: &str,
    user_id: &str,
    hold: bool,
) -> Result<Option<Standing>, StorageError> {
    let sql = if hold {
        "SELECT ended_at FROM memberships WHERE relationship_id = $1 AND user_id = $2 FOR SHARE"
    } else {
        "SELECT ended_at FROM memberships WHERE relationship_id = $1 AND user_id = $2"
    };
    let ended: Option<Option<String>> = opt(c, sql, &[&relationship_id, &user_id])
        .await?
        .map(|row| row.get(0));
    Ok(ended.map(|ended| match ended {
        None => Standing::Current,
        Some(_) => Standing::Ended,
    }))
}

/// The one relationship `user_id` currently belongs to.
pub(super) async fn current_relationship<C: GenericClient>(
    c: &C,
    user_id: &str,
) -> Result<Option<String>, StorageError> {
    Ok(opt(
        c,
        "SELECT relationship_id FROM memberships WHERE user_id = $1 AND ended_at IS NULL",
        &[&user_id],
    )
    .await?
    .map(|row| row.get(0)))
}

/// Locks a relationship's row until the transaction ends; whether it exists. `NO KEY`: rows
/// referencing it (a new document of the couple) may still be inserted meanwhile.
pub(super) async fn lock_relationship<C: GenericClient>(
    c: &C,
    relationship_id: &str,
) -> Result<bool, StorageError> {
    Ok(opt(
        c,
        "SELECT 1 FROM relationships WHERE id = $1 FOR NO KEY UPDATE",
        &[&relationship_id],
    )
    .await?
    .is_some())
}

/// Ends `relationship_id` for every member at `now`; returns its members (who must be told).
pub(super) async fn end_relationship<C: GenericClient>(
    c: &C,
    relationship_id: &str,
    now: &str,
) -> Result<Vec<String>, StorageError> {
    exec(
        c,
        "UPDATE relationships SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
        &[&relationship_id, &now],
    )
    .await?;
    exec(
        c,
        "UPDATE memberships SET ended_at = $2 WHERE relationship_id = $1 AND ended_at IS NULL",
        &[&relationship_id, &now],
    )
    .await?;
    Ok(rows(
        c,
        "SELECT user_id FROM memberships WHERE relationship_id = $1",
        &[&relationship_id],
    )
    .await?
    .into_iter()
    .map(|row| row.get(0))
    .collect())
}

/// Maps the one-current-relationship index to its sentence.
fn one_current(error: tokio_postgres::Error) -> StorageError {
    if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StorageError::AlreadyInRelationship
    } else {
        StorageError::Postgres(error)
    }
}

#[async_trait::async_trait]
impl Relationships for PostgresStorage {
    async fn is_member(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<bool, StorageError> {
        let client = self.client().await?;
        Ok(standing(&client, &relationship_id, &user_id, false).await? == Some(Standing::Current))
    }

    async fn current_relationship(&self, user_id: String) -> Result<Option<String>, StorageError> {
        let client = self.client().await?;
        current_relationship(&client, &user_id).await
    }

    async fn create_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_user(&tx, &user_id).await?;
        let exists = lock_relationship(&tx, &relationship_id).await?;
        let registration = rules::may_register(
            exists,
            standing(&tx, &relationship_id, &user_id, false).await?,
            current_relationship(&tx, &user_id)
                .await?
                .is_some_and(|r| r != relationship_id),
        )?;
        if registration == Registration::AlreadyDone {
            return Ok(());
        }
        // Someone else registering the same id at the same moment: the primary key decides.
        exec(
            &tx,
            "INSERT INTO relationships (id, created_by, created_at) VALUES ($1, $2, $3)",
            &[&relationship_id, &user_id, &now],
        )
        .await
        .map_err(super::unique(|| {
            StorageError::Conflict("this relationship id is already taken".into())
        }))?;
        exec(
            &tx,
            "INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES ($1, $2, $3)",
            &[&relationship_id, &user_id, &now],
        )
        .await
        .map_err(one_current)?;
        tx.commit().await?;
        Ok(())
    }

    async fn relationships_of(
        &self,
        user_id: String,
    ) -> Result<Vec<RelationshipRow>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT r.id, r.ended_at, array_agg(o.user_id ORDER BY o.user_id)
             FROM memberships m
             JOIN relationships r ON r.id = m.relationship_id
             JOIN memberships o ON o.relationship_id = m.relationship_id
             WHERE m.user_id = $1 GROUP BY r.id ORDER BY r.created_at, r.id",
            &[&user_id],
        )
        .await?
        .into_iter()
        .map(|row| RelationshipRow {
            id: row.get(0),
            ended_at: row.get(1),
            members: row.get(2),
        })
        .collect())
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
        let client = self.client().await?;
        rules::may_invite(standing(&client, &relationship_id, &user_id, false).await?)?;
        exec(
            &client,
            "INSERT INTO invites (secret_hash, relationship_id, created_by, created_at, expires_at,
                wrapped_key)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &secret_hash.as_slice(),
                &relationship_id,
                &user_id,
                &now,
                &expires_at,
                &wrapped_key,
            ],
        )
        .await
        .map_err(super::constraint("this invite already exists"))?;
        Ok(())
    }

    async fn invites_of(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<Vec<InviteRow>, StorageError> {
        let client = self.client().await?;
        rules::may_see_invites(standing(&client, &relationship_id, &user_id, false).await?)?;
        Ok(rows(
            &client,
            "SELECT i.created_at, i.expires_at, i.redeemed_at, r.ended_at IS NOT NULL
             FROM invites i JOIN relationships r ON r.id = i.relationship_id
             WHERE i.relationship_id = $1
             ORDER BY i.created_at DESC, i.expires_at DESC LIMIT $2",
            &[&relationship_id, &MAX_INVITES_LISTED],
        )
        .await?
        .into_iter()
        .map(|row| InviteRow {
            created_at: row.get(0),
            expires_at: row.get(1),
            redeemed_at: row.get(2),
            relationship_ended: row.get(3),
        })
        .collect())
    }

    async fn redeem_invite(
        &self,
        secret_hash: [u8; 32],
        user_id: String,
        now: String,
    ) -> Result<(String, Option<Vec<u8>>), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let hash = secret_hash.as_slice();
        lock_user(&tx, &user_id).await?;
        let Some(found) = opt(
            &tx,
            "SELECT relationship_id FROM invites WHERE secret_hash = $1",
            &[&hash],
        )
        .await?
        else {
            return Err(rules::invalid_invite());
        };
        let relationship_id: String = found.get(0);
        // The couple's row first: two people redeeming two invites of one couple count members
        // one after the other.
        lock_relationship(&tx, &relationship_id).await?;
        let Some(invite) = opt(
            &tx,
            "SELECT i.redeemed_by, i.expires_at, i.wrapped_key, r.ended_at
             FROM invites i JOIN relationships r ON r.id = i.relationship_id
             WHERE i.secret_hash = $1 FOR UPDATE OF i",
            &[&hash],
        )
        .await?
        else {
            return Err(rules::invalid_invite());
        };
        let redeemed_by: Option<String> = invite.get(0);
        let wrapped_key: Option<Vec<u8>> = invite.get(2);
        let ended_at: Option<String> = invite.get(3);
        let members: i64 = one(
            &tx,
            "SELECT count(*) FROM memberships WHERE relationship_id = $1",
            &[&relationship_id],
        )
        .await?
        .get(0);
        let facts = InviteFacts {
            redeemed: redeemed_by.is_some(),
            expires_at: invite.get(1),
            relationship_ended: ended_at.is_some(),
            standing: standing(&tx, &relationship_id, &user_id, false).await?,
            has_current_elsewhere: current_relationship(&tx, &user_id)
                .await?
                .is_some_and(|r| r != relationship_id),
            members,
        };
        if rules::redemption(&facts, &now)? == Redemption::Join {
            exec(
                &tx,
                "INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES ($1, $2, $3)",
                &[&relationship_id, &user_id, &now],
            )
            .await
            .map_err(one_current)?;
        }
        exec(
            &tx,
            "UPDATE invites SET redeemed_by = $2, redeemed_at = $3 WHERE secret_hash = $1",
            &[&hash, &user_id, &now],
        )
        .await?;
        tx.commit().await?;
        Ok((relationship_id, wrapped_key))
    }

    async fn leave_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> Result<Vec<String>, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_user(&tx, &user_id).await?;
        lock_relationship(&tx, &relationship_id).await?;
        rules::may_leave(standing(&tx, &relationship_id, &user_id, false).await?)?;
        let members = end_relationship(&tx, &relationship_id, &now).await?;
        tx.commit().await?;
        Ok(members)
    }
}
