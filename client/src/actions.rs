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
use crate::social;
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

/// The relationships this device knows `user` to be a member of, except those that ended (they
/// are read-only).
fn relationships_of(tx: &WriteTx<'_>, user: UserId) -> Result<Vec<RelationshipId>> {
    let mut stmt = tx.conn.prepare(
        "SELECT id FROM relationships WHERE (user_1_id = ?1 OR user_2_id = ?1)
           AND id NOT IN (SELECT relationship_id FROM ended_relationships) ORDER BY id",
    )?;
    let ids: Vec<String> = stmt
        .query_map([user.to_string()], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    ids.iter()
        .map(|id| {
            id.parse().map_err(|_| {
                StoreError::Missing(format!("the stored relationship id is unreadable: {id:?}"))
            })
        })
        .collect()
}

/// The local person's calendar day, in their profile's time zone.
fn today_of(tx: &WriteTx<'_>, user: UserId) -> Result<Date> {
    let zone: Option<String> = tx
        .conn
        .prepare_cached("SELECT timezone FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |row| row.get(0))
        .ok();
    let tz = zone
        .and_then(|z| jiff::tz::TimeZone::get(&z).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(tx.now.to_zoned(tz).date())
}

/// After any change to a relationship: award what the couple has earned, judging the streak on
/// the local person's today.
fn settle(tx: &mut WriteTx<'_>, relationship: RelationshipId, user: UserId) -> Result<()> {
    let today = today_of(tx, user)?;
    let streak = analytics::summarize(tx.conn, &relationship.to_string(), today)?
        .map_or(0, |s| s.checkin_streak);
    social::award_achievements(tx, relationship, user, streak)?;
    Ok(())
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
            social::notify_partner(tx, id, user, "partner_joined", |name| {
                (format!("{name} joined you"), "You are now together in Better Together.".to_owned())
            })?;
            settle(tx, id, user)
        })
    }

    /// Saves the local person's check-in for their local day (a second one that day edits it).
    pub fn checkin(&mut self, input: &CheckinInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let year = year_of(input.date);
            // The partner's notification travels in the same change as the check-in.
            let notice =
                social::partner_notification(tx, relationship, user, "partner_checkin", |name| {
                    (
                        format!("{name} checked in"),
                        "Check in too to see how they feel today.".to_owned(),
                    )
                })?;
            let id = tx.change(DocAddress::Series(relationship, year), |d| {
                let id = doc::put_checkin(d, user, input, now)?;
                if let Some((key, notice)) = &notice {
                    doc::add_notification(d, key, notice, now)?;
                }
                Ok(id)
            })?;
            // The daily check-in flow: the couple's analytics and the person's engagement that day,
            // then whatever the couple earned (the streak as of the check-in's day).
            let rel = relationship.to_string();
            let summary = analytics::refresh_relationship(tx.conn, &rel, input.date)?;
            analytics::refresh_engagement(tx.conn, &user.to_string(), Some(&rel), input.date)?;
            let streak = summary.map_or(0, |s| s.checkin_streak);
            social::award_achievements(tx, relationship, user, streak)?;
            Ok(id)
        })
    }

    /// Adds a shared goal; returns its id.
    pub fn add_goal(&mut self, input: &GoalInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_goal(d, id, input, now)
            })?;
            settle(tx, relationship, user)?;
            Ok(id)
        })
    }

    /// Moves a goal forward by `by` steps.
    pub fn progress_goal(&mut self, id: RecordId, by: i64, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            let user = require_user(tx)?;
            let was_reached = goal_reached(tx, id)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::progress_goal(d, id, by)
            })?;
            if !was_reached && goal_reached(tx, id)? {
                let goal: String = tx.conn.query_row(
                    "SELECT goal_name FROM shared_goals WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )?;
                social::notify_partner(tx, relationship, user, "goal_reached", |_| {
                    (
                        format!("Goal reached: {goal}"),
                        "You did it, together.".to_owned(),
                    )
                })?;
            }
            settle(tx, relationship, user)
        })
    }

    /// Adds an activity; returns its id.
    pub fn add_activity(&mut self, input: &ActivityInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_activity(d, id, user, input, now)
            })?;
            social::notify_partner(tx, relationship, user, "activity_planned", |name| {
                (
                    format!("{name} planned: {}", input.name),
                    "Have a look, and add it to your calendar.".to_owned(),
                )
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
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::complete_activity(d, id, when)
            })?;
            settle(tx, relationship, user)
        })
    }

    /// Records the local person's own rating of an activity.
    pub fn rate_activity(&mut self, id: RecordId, rating: Rating, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::rate_activity(d, id, user, rating)
            })?;
            social::notify_partner(tx, relationship, user, "activity_rated", |name| {
                (
                    format!("{name} rated an activity {}/5", rating.get()),
                    "Add your own rating.".to_owned(),
                )
            })
        })
    }

    /// Adds an important date; returns its id.
    pub fn add_date(&mut self, input: &DateInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_date(d, id, input)
            })?;
            settle(tx, relationship, user)?;
            Ok(id)
        })
    }

    /// Adds a talk-log entry; returns its id.
    pub fn add_log(&mut self, input: &LogInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            let year = year_of(input.when.to_zoned(jiff::tz::TimeZone::UTC).date());
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::add_log(d, id, user, input)
            })?;
            settle(tx, relationship, user)?;
            Ok(id)
        })
    }
}

impl Store {
    /// Starts a catalogue challenge today; returns the participation id.
    pub fn join_challenge(&mut self, challenge_id: &str, now: Timestamp) -> Result<RecordId> {
        let challenge = together_core::catalog::challenge(challenge_id).ok_or_else(|| {
            StoreError::Missing(format!(
                "there is no challenge {challenge_id}; see together challenge list"
            ))
        })?;
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let start = today_of(tx, user)?;
            let end = start
                .checked_add(jiff::Span::new().days(challenge.duration_days - 1))
                .map_err(|e| StoreError::Missing(e.to_string()))?;
            let id = RecordId::generate(now, &mut rand::rng());
            let challenge_id = challenge.id();
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::join_challenge(d, id, &challenge_id, start, end)
            })?;
            social::notify_partner(tx, relationship, user, "challenge_update", |name| {
                (
                    format!("{name} started “{}”", challenge.name),
                    challenge.instructions.to_owned(),
                )
            })?;
            Ok(id)
        })
    }

    /// Adds the local person's entry in a challenge the couple is doing; returns its id.
    pub fn add_challenge_entry(
        &mut self,
        input: &doc::EntryInput,
        now: Timestamp,
    ) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let known: bool = tx
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM challenge_participation WHERE id = ?1 AND relationship_id = ?2)",
                    [input.participation_id.to_string(), relationship.to_string()],
                    |row| row.get(0),
                )?;
            if !known {
                return Err(StoreError::Missing(format!(
                    "there is no challenge participation {}; start one with together challenge join",
                    input.participation_id
                )));
            }
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Series(relationship, year_of(input.date)), |d| {
                doc::add_challenge_entry(d, id, user, input)
            })?;
            settle(tx, relationship, user)?;
            Ok(id)
        })
    }

    /// Raises the date reminders due today for the local person (each once: its id is derived from
    /// the date and the occurrence). Returns how many were new.
    pub fn refresh_reminders(&mut self, now: Timestamp) -> Result<usize> {
        self.write_local(now, |tx| {
            let (Some(user), Some(relationship)) = (
                parse_setting::<UserId>(get_setting(tx.conn, SettingKey::LocalUserId)?, "user id")?,
                parse_setting::<RelationshipId>(
                    get_setting(tx.conn, SettingKey::CurrentRelationshipId)?,
                    "relationship id",
                )?,
            ) else {
                return Ok(0);
            };
            let today = today_of(tx, user)?;
            let mut stmt = tx.conn.prepare(
                "SELECT id, date_value, event_name, is_recurring, reminder_days_before
                 FROM important_dates WHERE relationship_id = ?1 AND reminder_days_before IS NOT NULL",
            )?;
            let dates: Vec<(String, String, String, bool, i64)> = stmt
                .query_map([relationship.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<_, _>>()?;
            drop(stmt);
            let mut raised = 0;
            for (id, value, name, recurring, days_before) in dates {
                let Ok(value) = value.parse::<Date>() else { continue };
                let Some(occurrence) =
                    together_core::rules::reminder_due(value, recurring, days_before, today)
                else {
                    continue;
                };
                let key = together_core::ids::derived(&["reminder", &id, &user.to_string(), &occurrence.to_string()])
                    .to_string();
                let exists: bool = tx.conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM notifications WHERE id = ?1)",
                    [&key],
                    |r| r.get(0),
                )?;
                if exists {
                    continue;
                }
                let days = i64::from((occurrence - today).get_days());
                let when = match days {
                    0 => "today".to_owned(),
                    1 => "tomorrow".to_owned(),
                    n => format!("in {n} days"),
                };
                let input = doc::NotificationInput {
                    recipient: user,
                    notification_type: "date_reminder",
                    title: format!("{name} is {when}"),
                    message: format!("{name}: {occurrence}."),
                    priority: if days <= 1 { "high" } else { "normal" },
                };
                tx.change(DocAddress::Series(relationship, today.year()), |d| {
                    doc::add_notification(d, &key, &input, now)
                })?;
                raised += 1;
            }
            Ok(raised)
        })
    }

    /// Adds a private note to the local person's own document: it never reaches the partner.
    pub fn add_private_note(&mut self, text: &str, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::User(user), |d| {
                doc::add_private_note(d, id, text, now)
            })?;
            Ok(id)
        })
    }

    /// The local person's private notes, oldest first.
    pub fn private_notes(&mut self, now: Timestamp) -> Result<Vec<doc::PrivateNote>> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            Ok(tx
                .document(DocAddress::User(user))?
                .map(doc::PrivateNote::list)
                .unwrap_or_default())
        })
    }

    /// Turns sharing anonymous usage analytics on or off (off until the person opts in).
    pub fn set_analytics_opt_in(&mut self, opt_in: bool, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            tx.change(DocAddress::User(user), |d| {
                doc::set_analytics_opt_in(d, opt_in, now)
            })
        })
    }

    /// Whether the local person shares anonymous usage analytics.
    pub fn analytics_opt_in(&mut self, now: Timestamp) -> Result<bool> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            Ok(tx
                .document(DocAddress::User(user))?
                .is_some_and(doc::analytics_opt_in))
        })
    }

    /// Marks one of the local person's notifications read.
    pub fn mark_notification_read(&mut self, id: &str, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let row: Option<(String, String)> = tx
                .conn
                .query_row(
                    "SELECT relationship_id, created_at FROM notifications WHERE id = ?1 AND user_id = ?2",
                    [id, &user.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .ok();
            let (relationship, created_at) = row.ok_or_else(|| StoreError::Missing(format!("you have no notification {id}")))?;
            let relationship: RelationshipId = relationship
                .parse()
                .map_err(|_| StoreError::Missing("unreadable relationship id".into()))?;
            let year: i16 = created_at.get(..4).and_then(|y| y.parse().ok()).ok_or_else(|| StoreError::Missing("unreadable date".into()))?;
            tx.change(DocAddress::Series(relationship, year), |d| doc::mark_notification_read(d, id))
        })
    }
}

fn goal_reached(tx: &WriteTx<'_>, id: RecordId) -> Result<bool> {
    Ok(tx
        .conn
        .query_row(
            "SELECT status = 'completed' FROM shared_goals WHERE id = ?1",
            [id.to_string()],
            |row| row.get(0),
        )
        .unwrap_or(false))
}

/// The series document year of a day.
fn year_of(date: Date) -> i16 {
    date.year()
}
