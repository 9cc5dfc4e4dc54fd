//! The rules of the server's data, written once above the backends: every backend reads the facts
//! (a person's standing in a relationship, an invite's state) inside its own transaction and asks
//! these functions what to do, so SQLite and PostgreSQL cannot decide differently.
//!
//! - Who may reach a document ([`may_reach`]).
//! - Registering a relationship ([`may_register`]), inviting into one ([`may_invite`]), leaving
//!   one ([`may_leave`]).
//! - Whether an invite can be redeemed, and the two-member limit ([`redemption`]); an invite's
//!   state ([`invite_state`]) and who may see it ([`may_see_invites`]).
//! - Usage aggregates and cohorts ([`usage`]): which days a report may be for, how reports fold
//!   into per-feature figures, the k-threshold every reader goes through, the weekly cohorts.

pub mod usage;

use super::StorageError;
use super::documents::DocAccess;
use super::relationships::Standing;
pub use together_core::wire::InviteState;

/// The most members a relationship has: the two partners.
pub const MAX_MEMBERS: i64 = 2;

/// What a caller wants to do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Pull entries or the snapshot.
    Read,
    /// Append entries or store a snapshot.
    Write,
}

/// Whether `user_id` may reach a document under `access`, given their `standing` in its
/// relationship (ignored for a person's own document). A document the caller may not see answers
/// "not found", so nothing leaks; a former member of an ended relationship may read, not write.
pub fn may_reach(
    access: &DocAccess,
    user_id: &str,
    standing: Option<Standing>,
    intent: Intent,
) -> Result<(), StorageError> {
    let not_found = || StorageError::NotFound("no such document".into());
    match access {
        DocAccess::Owner(owner) if owner == user_id => Ok(()),
        DocAccess::Owner(_) => Err(not_found()),
        DocAccess::Relationship(_) => match (standing, intent) {
            (Some(Standing::Current), _) | (Some(Standing::Ended), Intent::Read) => Ok(()),
            (Some(Standing::Ended), Intent::Write) => Err(StorageError::RelationshipEnded),
            (None, _) => Err(not_found()),
        },
    }
}

/// What registering a relationship id does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Create it, with the caller as its first member.
    Create,
    /// The caller registered it before: nothing to do.
    AlreadyDone,
}

/// Registering relationship id that `exists` (or not), for a caller with `standing` in it and,
/// elsewhere, a current relationship or not.
pub fn may_register(
    exists: bool,
    standing: Option<Standing>,
    has_current_elsewhere: bool,
) -> Result<Registration, StorageError> {
    if exists {
        return match standing {
            Some(Standing::Current) => Ok(Registration::AlreadyDone),
            Some(Standing::Ended) => Err(StorageError::RelationshipEnded),
            None => Err(StorageError::Conflict(
                "this relationship id is already taken".into(),
            )),
        };
    }
    if has_current_elsewhere {
        return Err(StorageError::AlreadyInRelationship);
    }
    Ok(Registration::Create)
}

/// Only a current member invites into a relationship; an ended one takes no invites.
pub fn may_invite(standing: Option<Standing>) -> Result<(), StorageError> {
    match standing {
        Some(Standing::Current) => Ok(()),
        Some(Standing::Ended) => Err(StorageError::RelationshipEnded),
        None => Err(StorageError::NotFound("no such relationship".into())),
    }
}

/// Only a current member leaves (ending the relationship for both).
pub fn may_leave(standing: Option<Standing>) -> Result<(), StorageError> {
    match standing {
        Some(Standing::Current) => Ok(()),
        _ => Err(StorageError::NotFound("no such relationship".into())),
    }
}

/// What a backend knows of an invite when someone redeems it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteFacts {
    /// Someone redeemed it already.
    pub redeemed: bool,
    /// When it stops working (RFC 3339, compared as text with `now`).
    pub expires_at: String,
    /// Its relationship ended.
    pub relationship_ended: bool,
    /// The redeemer's standing in that relationship.
    pub standing: Option<Standing>,
    /// The redeemer belongs to another current relationship.
    pub has_current_elsewhere: bool,
    /// How many members the relationship has.
    pub members: i64,
}

/// What redeeming does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// Add the redeemer as a member, and spend the invite.
    Join,
    /// The redeemer is a member already: just spend the invite.
    AlreadyMember,
}

/// Whether an invite can be redeemed at `now`. Unknown (decided by the caller), used and expired
/// invites, full and ended relationships all get the same answer, so codes cannot be probed; a
/// person already in another current relationship is refused before the invite is spent.
pub fn redemption(facts: &InviteFacts, now: &str) -> Result<Redemption, StorageError> {
    if invite_state(
        facts.redeemed,
        &facts.expires_at,
        facts.relationship_ended,
        now,
    ) != InviteState::Open
    {
        return Err(invalid_invite());
    }
    match facts.standing {
        Some(Standing::Current) => Ok(Redemption::AlreadyMember),
        Some(Standing::Ended) => Err(invalid_invite()),
        None if facts.has_current_elsewhere => Err(StorageError::AlreadyInRelationship),
        None if facts.members >= MAX_MEMBERS => Err(invalid_invite()),
        None => Ok(Redemption::Join),
    }
}

/// An invite's state at `now`: used once someone joined with it; expired once its time ran out or
/// its relationship ended unused; open otherwise (only an open one can be redeemed).
pub fn invite_state(
    redeemed: bool,
    expires_at: &str,
    relationship_ended: bool,
    now: &str,
) -> InviteState {
    if redeemed {
        InviteState::Used
    } else if expires_at <= now || relationship_ended {
        InviteState::Expired
    } else {
        InviteState::Open
    }
}

/// Who may see a relationship's invites: its members, current or former; anyone else gets the
/// answer an unknown relationship gets.
pub fn may_see_invites(standing: Option<Standing>) -> Result<(), StorageError> {
    match standing {
        Some(_) => Ok(()),
        None => Err(StorageError::NotFound("no such relationship".into())),
    }
}

/// The one answer to any invite that cannot be used.
pub fn invalid_invite() -> StorageError {
    StorageError::NotFound(
        "this invite code is not valid (it may have expired or been used)".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-29T12:00:00.000Z";

    fn facts() -> InviteFacts {
        InviteFacts {
            redeemed: false,
            expires_at: "2026-12-06T12:00:00.000Z".into(),
            relationship_ended: false,
            standing: None,
            has_current_elsewhere: false,
            members: 1,
        }
    }

    #[test]
    fn documents_are_reached_by_their_owner_or_by_members_and_ended_ones_only_read() {
        let own = DocAccess::Owner("alice".into());
        assert!(may_reach(&own, "alice", None, Intent::Write).is_ok());
        assert!(matches!(
            may_reach(&own, "bob", None, Intent::Read),
            Err(StorageError::NotFound(_))
        ));
        let shared = DocAccess::Relationship("r".into());
        for intent in [Intent::Read, Intent::Write] {
            assert!(may_reach(&shared, "bob", Some(Standing::Current), intent).is_ok());
            assert!(matches!(
                may_reach(&shared, "eve", None, intent),
                Err(StorageError::NotFound(_))
            ));
        }
        assert!(may_reach(&shared, "bob", Some(Standing::Ended), Intent::Read).is_ok());
        assert!(matches!(
            may_reach(&shared, "bob", Some(Standing::Ended), Intent::Write),
            Err(StorageError::RelationshipEnded)
        ));
    }

    #[test]
    fn an_invite_works_once_before_it_expires_for_two_people_in_no_other_couple() {
        assert_eq!(redemption(&facts(), NOW).ok(), Some(Redemption::Join));
        let member = InviteFacts {
            standing: Some(Standing::Current),
            members: 2,
            ..facts()
        };
        assert_eq!(
            redemption(&member, NOW).ok(),
            Some(Redemption::AlreadyMember)
        );
        let same_answer = |f: InviteFacts| matches!(redemption(&f, NOW), Err(StorageError::NotFound(m)) if m.contains("not valid"));
        assert!(same_answer(InviteFacts {
            redeemed: true,
            ..facts()
        }));
        assert!(same_answer(InviteFacts {
            expires_at: NOW.into(),
            ..facts()
        }));
        assert!(same_answer(InviteFacts {
            relationship_ended: true,
            ..facts()
        }));
        assert!(same_answer(InviteFacts {
            members: 2,
            ..facts()
        }));
        assert!(same_answer(InviteFacts {
            standing: Some(Standing::Ended),
            ..facts()
        }));
        assert!(matches!(
            redemption(
                &InviteFacts {
                    has_current_elsewhere: true,
                    ..facts()
                },
                NOW
            ),
            Err(StorageError::AlreadyInRelationship)
        ));
    }

    #[test]
    fn registering_inviting_and_leaving_follow_the_callers_standing() {
        assert_eq!(
            may_register(false, None, false).ok(),
            Some(Registration::Create)
        );
        assert_eq!(
            may_register(true, Some(Standing::Current), false).ok(),
            Some(Registration::AlreadyDone)
        );
        assert!(matches!(
            may_register(true, Some(Standing::Ended), false),
            Err(StorageError::RelationshipEnded)
        ));
        assert!(matches!(
            may_register(true, None, false),
            Err(StorageError::Conflict(_))
        ));
        assert!(matches!(
            may_register(false, None, true),
            Err(StorageError::AlreadyInRelationship)
        ));
        assert!(may_invite(Some(Standing::Current)).is_ok());
        assert!(matches!(
            may_invite(Some(Standing::Ended)),
            Err(StorageError::RelationshipEnded)
        ));
        assert!(may_invite(None).is_err());
        assert!(may_leave(Some(Standing::Current)).is_ok());
        assert!(may_leave(Some(Standing::Ended)).is_err());
    }

    #[test]
    fn an_invite_is_used_once_redeemed_expired_when_late_or_ended_and_open_otherwise() {
        let later = "2026-12-06T12:00:00.000Z";
        assert_eq!(invite_state(false, later, false, NOW), InviteState::Open);
        assert_eq!(invite_state(true, later, false, NOW), InviteState::Used);
        assert_eq!(invite_state(true, NOW, true, later), InviteState::Used);
        assert_eq!(invite_state(false, NOW, false, NOW), InviteState::Expired);
        assert_eq!(invite_state(false, later, true, NOW), InviteState::Expired);
        assert!(may_see_invites(Some(Standing::Ended)).is_ok());
        assert!(matches!(
            may_see_invites(None),
            Err(StorageError::NotFound(_))
        ));
    }
}
