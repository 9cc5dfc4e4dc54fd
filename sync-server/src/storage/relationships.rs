//! Relationships, memberships and invites: who belongs to which couple, and nothing more.

use crate::storage::StorageError;

/// Where a person stands in a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A member of a relationship that goes on: may read and write.
    Current,
    /// A former member of a relationship that ended: may read, not write.
    Ended,
}

/// One relationship of an account, with its members (current or former).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipRow {
    /// Its id.
    pub id: String,
    /// The members' user ids, sorted.
    pub members: Vec<String>,
    /// When it ended (RFC 3339), if it did.
    pub ended_at: Option<String>,
}

/// One invite of a relationship as stored (its secret's hash and sealed key left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRow {
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops working.
    pub expires_at: String,
    /// When someone joined with it.
    pub redeemed_at: Option<String>,
    /// Its relationship ended.
    pub relationship_ended: bool,
}

/// The most invites of a relationship listed, newest first.
pub const MAX_INVITES_LISTED: i64 = 20;

/// Relationships, memberships and invites.
#[async_trait::async_trait]
pub trait Relationships {
    /// Whether `user_id` is a member of `relationship_id` right now (it has not ended).
    async fn is_member(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<bool, StorageError>;

    /// The relationship `user_id` belongs to now, if any.
    async fn current_relationship(&self, user_id: String) -> Result<Option<String>, StorageError>;

    /// Registers a relationship created on `user_id`'s device, with them as its first member.
    /// Registering again is harmless; someone else's relationship id is a conflict; an ended one is
    /// gone; a second current relationship is refused.
    async fn create_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> Result<(), StorageError>;

    /// The relationships `user_id` belongs or belonged to (current and ended), with their members.
    async fn relationships_of(&self, user_id: String)
    -> Result<Vec<RelationshipRow>, StorageError>;

    /// Stores an invite to `relationship_id` made by one of its current members.
    async fn create_invite(
        &self,
        relationship_id: String,
        user_id: String,
        secret_hash: [u8; 32],
        wrapped_key: Option<Vec<u8>>,
        now: String,
        expires_at: String,
    ) -> Result<(), StorageError>;

    /// The newest invites of `relationship_id` (at most [`MAX_INVITES_LISTED`]), for one of its
    /// members, current or former; anyone else gets "not found".
    async fn invites_of(
        &self,
        relationship_id: String,
        user_id: String,
    ) -> Result<Vec<InviteRow>, StorageError>;

    /// Redeems an invite: `user_id` joins its relationship. Unknown, expired and used invites, full
    /// and ended relationships are refused with the same message, so codes cannot be probed. A
    /// person who already belongs to another current relationship is refused before the invite is
    /// spent.
    async fn redeem_invite(
        &self,
        secret_hash: [u8; 32],
        user_id: String,
        now: String,
    ) -> Result<(String, Option<Vec<u8>>), StorageError>;

    /// Ends the relationship for both partners because `user_id` leaves it: nobody writes to it
    /// any more, and both keep reading what it holds. Returns its members, to be told at once.
    async fn leave_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> Result<Vec<String>, StorageError>;
}
