//! What a person does, as methods on the store. Each validates nothing itself (inputs arrive as
//! validated `together-core` types), runs in one transaction, and works offline and alone: a partner
//! is never required.

use jiff::Timestamp;
use jiff::civil::Date;
use together_core::document::{
    self as doc, ActivityInput, CheckinInput, DateInput, DocAddress, GoalInput, LogInput,
    PersonProfile, ProfileInput, RelationshipInput,
};
use together_core::domain::Rating;
use together_core::ids::{RecordId, RelationshipId, UserId};

use crate::analytics;
use crate::settings::{SettingKey, get_setting, put_setting};
use crate::store::{Result, Store, StoreError};
use crate::write::WriteTx;

fn parse_setting<T: std::str::FromStr>(value: Option<String>, what: &str) -> Result<Option<T>> {
    value
        .map(|v| {
            v.parse()
                .map_err(|_| StoreError::Missing(format!("the stored {what} is unreadable: {v:?}")))
        })
        .transpose()
}

fn require_user(tx: &WriteTx<'_>) -> Result<UserId> {
    parse_setting(get_setting(tx.conn, SettingKey::LocalUserId)?, "user id")?.ok_or_else(|| {
        StoreError::Missing("set up your profile first: together profile set --name NAME".into())
    })
}

fn require_relationship(tx: &WriteTx<'_>) -> Result<RelationshipId> {
    parse_setting(
        get_setting(tx.conn, SettingKey::CurrentRelationshipId)?,
        "relationship id",
    )?
    .ok_or_else(|| {
        StoreError::Missing("create a relationship first: together relationship create".into())
    })
}

/// The relationships this device knows `user` to be a member of.
fn relationships_of(tx: &WriteTx<'_>, user: UserId) -> Result<Vec<RelationshipId>> {
    let mut stmt = tx.conn.prepare(
        "SELECT id FROM relationships WHERE user_1_id = ?1 OR user_2_id = ?1 ORDER BY id",
    )?;
    let ids: Vec<String> = stmt
        .query_map([user.to_string()], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    ids.iter()
        .map(|id| parse_setting(Some(id.clone()), "relationship id").map(|r| r.expect("some")))
        .collect()
}

/// The local person's profile, as they share it with a relationship.
fn own_profile_input(tx: &mut WriteTx<'_>, user: UserId) -> Result<ProfileInput> {
    let profile = tx
        .document(DocAddress::User(user))?
        .and_then(PersonProfile::read_own)
        .ok_or_else(|| StoreError::Missing("set up your profile first".into()))?;
    Ok(ProfileInput {
        name: profile.name,
        nickname: profile.nickname,
        photo_url: profile.photo_url,
        timezone: profile.timezone,
        love_language_primary: profile.love_language_primary.and_then(|l| l.parse().ok()),
        love_language_secondary: profile.love_language_secondary.and_then(|l| l.parse().ok()),
    })
}

impl Store {
    /// The current relationship's summary on the local person's today (stored as that day's
    /// `relationship_analytics` row), or `None` before a relationship exists.
    pub fn stats(
        &mut self,
        now: Timestamp,
    ) -> Result<Option<together_core::rules::RelationshipSummary>> {
        let today = self.local_today(now)?;
        self.write(now, |tx| {
            let Some(relationship) = parse_setting::<RelationshipId>(
                get_setting(tx.conn, SettingKey::CurrentRelationshipId)?,
                "relationship id",
            )?
            else {
                return Ok(None);
            };
            let relationship = relationship.to_string();
            if let Some(user) = get_setting(tx.conn, SettingKey::LocalUserId)? {
                analytics::refresh_engagement(tx.conn, &user, Some(&relationship), today)?;
            }
            analytics::refresh_relationship(tx.conn, &relationship, today)
        })
    }

    /// The person using this device, once they have a profile.
    pub fn local_user(&self) -> Result<Option<UserId>> {
        parse_setting(self.setting(SettingKey::LocalUserId)?, "user id")
    }

    /// The relationship this device shows, once one exists.
    pub fn current_relationship(&self) -> Result<Option<RelationshipId>> {
        parse_setting(
            self.setting(SettingKey::CurrentRelationshipId)?,
            "relationship id",
        )
    }

    /// Sets the local person's profile (creating their identity on first use) and shares it with
    /// every relationship they are in.
    pub fn set_profile(&mut self, input: &ProfileInput, now: Timestamp) -> Result<UserId> {
        self.write(now, |tx| {
            let user =
                match parse_setting(get_setting(tx.conn, SettingKey::LocalUserId)?, "user id")? {
                    Some(user) => user,
                    None => {
                        let user = UserId::generate(now, &mut rand::rng());
                        put_setting(tx.conn, SettingKey::LocalUserId, &user.to_string(), now)?;
                        user
                    }
                };
            tx.change(DocAddress::User(user), |d| {
                doc::set_own_profile(d, user, input, now)
            })?;
            for relationship in relationships_of(tx, user)? {
                tx.change(DocAddress::Relationship(relationship), |d| {
                    doc::set_member_profile(d, user, input, now)
                })?;
            }
            Ok(user)
        })
    }

    /// Creates the couple's relationship with the local person as its first member. Works alone:
    /// the partner joins later.
    pub fn create_relationship(
        &mut self,
        input: &RelationshipInput,
        now: Timestamp,
    ) -> Result<RelationshipId> {
        self.write(now, |tx| {
            let user = require_user(tx)?;
            if let Some(existing) = get_setting(tx.conn, SettingKey::CurrentRelationshipId)? {
                return Err(StoreError::Missing(format!(
                    "this device already has a relationship ({existing}); one couple per device"
                )));
            }
            let shared = own_profile_input(tx, user)?;
            let id = RelationshipId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(id), |d| {
                doc::create_relationship(d, id, user, input, now)?;
                doc::set_member_profile(d, user, &shared, now)
            })?;
            put_setting(
                tx.conn,
                SettingKey::CurrentRelationshipId,
                &id.to_string(),
                now,
            )?;
            Ok(id)
        })
    }

    /// Joins a relationship whose documents this device already holds (imported from the partner's
    /// device, or later pulled from the sync server): becomes its second partner, shares the local
    /// profile with it and makes it the current relationship.
    pub fn join_relationship(&mut self, id: RelationshipId, now: Timestamp) -> Result<()> {
        self.write(now, |tx| {
            let user = require_user(tx)?;
            if let Some(existing) = get_setting(tx.conn, SettingKey::CurrentRelationshipId)?
                && existing != id.to_string()
            {
                return Err(StoreError::Missing(format!(
                    "this device already has a relationship ({existing}); one couple per device"
                )));
            }
            let address = DocAddress::Relationship(id);
            if tx.document(address)?.is_none() {
                return Err(StoreError::Missing(format!(
                    "this device has no documents of relationship {id}; import them first (together doc import DIR)"
                )));
            }
            let shared = own_profile_input(tx, user)?;
            tx.change(address, |d| {
                doc::join_relationship(d, user, now)?;
                doc::set_member_profile(d, user, &shared, now)
            })?;
            put_setting(tx.conn, SettingKey::CurrentRelationshipId, &id.to_string(), now)?;
            Ok(())
        })
    }

    /// Saves the local person's check-in for their local day (a second one that day edits it).
    pub fn checkin(&mut self, input: &CheckinInput, now: Timestamp) -> Result<RecordId> {
        self.write(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let year = year_of(input.date);
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::put_checkin(d, user, input, now)
            })
        })
    }

    /// Adds a shared goal; returns its id.
    pub fn add_goal(&mut self, input: &GoalInput, now: Timestamp) -> Result<RecordId> {
        self.write(now, |tx| {
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_goal(d, id, input, now)
            })?;
            Ok(id)
        })
    }

    /// Moves a goal forward by `by` steps.
    pub fn progress_goal(&mut self, id: RecordId, by: i64, now: Timestamp) -> Result<()> {
        self.write(now, |tx| {
            let relationship = require_relationship(tx)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::progress_goal(d, id, by)
            })
        })
    }

    /// Adds an activity; returns its id.
    pub fn add_activity(&mut self, input: &ActivityInput, now: Timestamp) -> Result<RecordId> {
        self.write(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_activity(d, id, user, input, now)
            })?;
            Ok(id)
        })
    }

    /// Marks an activity done at `when`.
    pub fn complete_activity(
        &mut self,
        id: RecordId,
        when: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        self.write(now, |tx| {
            let relationship = require_relationship(tx)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::complete_activity(d, id, when)
            })
        })
    }

    /// Records the local person's own rating of an activity.
    pub fn rate_activity(&mut self, id: RecordId, rating: Rating, now: Timestamp) -> Result<()> {
        self.write(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::rate_activity(d, id, user, rating)
            })
        })
    }

    /// Adds an important date; returns its id.
    pub fn add_date(&mut self, input: &DateInput, now: Timestamp) -> Result<RecordId> {
        self.write(now, |tx| {
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_date(d, id, input)
            })?;
            Ok(id)
        })
    }

    /// Adds a talk-log entry; returns its id.
    pub fn add_log(&mut self, input: &LogInput, now: Timestamp) -> Result<RecordId> {
        self.write(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            let year = year_of(input.when.to_zoned(jiff::tz::TimeZone::UTC).date());
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::add_log(d, id, user, input)
            })?;
            Ok(id)
        })
    }
}

/// The series document year of a day.
fn year_of(date: Date) -> i16 {
    date.year()
}
