//! The couple's relationship on this device: creating it (alone, the partner joins later), joining
//! the partner's, who the partner is, and past relationships.
//!
//! A relationship **ends** when a partner leaves (on either device; the sync engine marks it when
//! it learns so). From then on it is no longer current (a new one may be created or joined), its
//! documents are read-only (the write path refuses changes to them; merges still arrive, such as
//! the partner's last changes), changes still queued for it leave the upload queue but stay in
//! the documents, counted, and it stays readable (`together relationships`, `together checkins
//! --relationship ID`).

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};
use together_core::document::{self as doc, DocAddress, RelationshipInput, timestamp_text};
use together_core::ids::{RelationshipId, UserId};
use together_core::view::{RelationshipDatesForm, RelationshipForm};

use super::{optional_date, word_or};
use crate::error::{FormError, Result, StoreError};
use crate::profile::{own_profile_input, require_user};
use crate::store::Store;
use crate::store::settings::{SettingKey, get_setting, parse_setting, put_setting};
use crate::store::write::WriteTx;

/// A relationship that just ended on this device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ended {
    /// Its id.
    pub relationship_id: String,
    /// Changes made on this device that never reached the partner: they stay in the local
    /// documents only.
    pub kept_on_device: usize,
}

impl Ended {
    /// What the person reads when their device learns the relationship ended.
    pub fn learned_sentence(&self) -> String {
        let mut text =
            "Your partner left: your relationship ended and is read-only; it stays readable here."
                .to_owned();
        if self.kept_on_device > 0 {
            text.push_str(&format!(
                " {} made after your partner left stay on this device.",
                together_core::view::counted(self.kept_on_device, "change", "changes")
            ));
        }
        text
    }

    /// What the person who left reads.
    pub fn left_sentence(&self) -> String {
        let mut text = "You left: the relationship ended for both of you and is read-only; your copy stays on this device.".to_owned();
        if self.kept_on_device > 0 {
            text.push_str(&format!(
                " {} that had not reached your partner stay on this device.",
                together_core::view::counted(self.kept_on_device, "change", "changes")
            ));
        }
        text
    }
}

/// A relationship the local person is or was in, for `together relationships`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RelationshipListing {
    /// Its id.
    pub id: String,
    /// Whether it is the one this device shows and writes to.
    pub current: bool,
    /// When it ended (RFC 3339); `None` while it goes on.
    pub ended_at: Option<String>,
    /// The partner's name, once they joined.
    pub partner: Option<String>,
    /// Changes made on this device that never reached the partner.
    pub kept_on_device: i64,
}

// Reads.

impl Store {
    /// The relationship this device shows, once one exists.
    pub fn current_relationship(&self) -> Result<Option<RelationshipId>> {
        parse_setting(
            self.setting(SettingKey::CurrentRelationshipId)?,
            "relationship id",
        )
    }

    /// The current relationship's dates as the Settings form shows them (empty when not set);
    /// `None` before a relationship exists.
    pub fn relationship_dates(&self) -> Result<Option<RelationshipDatesForm>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(None);
        };
        Ok(self
            .conn()
            .query_row(
                "SELECT start_date, anniversary_date FROM relationships WHERE id = ?1",
                [relationship.to_string()],
                |row| {
                    Ok(RelationshipDatesForm {
                        start_date: row.get::<_, Option<String>>(0)?.unwrap_or_default(),
                        anniversary_date: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    })
                },
            )
            .optional()?)
    }

    /// The partner's name, once they joined the current relationship.
    pub fn partner_name(&self) -> Result<Option<String>> {
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(None);
        };
        partner_of(self.conn(), relationship, me)?
            .map(|partner| display_name(self.conn(), partner))
            .transpose()
    }

    /// The relationships the local person is or was in: the current one first, then the ended
    /// ones, newest end first.
    pub fn relationships(&self) -> Result<Vec<RelationshipListing>> {
        let Some(me) = self.local_user()? else {
            return Ok(Vec::new());
        };
        let current = self.current_relationship()?.map(|r| r.to_string());
        let mut stmt = self.conn().prepare(
            "SELECT r.id, e.ended_at, coalesce(e.kept_on_device, 0) FROM relationships r
               LEFT JOIN ended_relationships e ON e.relationship_id = r.id
             WHERE r.user_1_id = ?1 OR r.user_2_id = ?1
             UNION ALL
             SELECT e.relationship_id, e.ended_at, e.kept_on_device FROM ended_relationships e
             WHERE e.relationship_id NOT IN (SELECT id FROM relationships)",
        )?;
        let rows: Vec<(String, Option<String>, i64)> = stmt
            .query_map([me.to_string()], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut listed = rows
            .into_iter()
            .map(|(id, ended_at, kept_on_device)| {
                Ok(RelationshipListing {
                    current: current.as_deref() == Some(id.as_str()),
                    partner: self.partner_in(&id, me)?,
                    id,
                    ended_at,
                    kept_on_device,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        listed.sort_by(|a, b| {
            (b.current, b.ended_at.is_none(), &b.ended_at).cmp(&(
                a.current,
                a.ended_at.is_none(),
                &a.ended_at,
            ))
        });
        Ok(listed)
    }

    fn partner_in(&self, relationship: &str, me: UserId) -> Result<Option<String>> {
        let Ok(relationship) = relationship.parse::<RelationshipId>() else {
            return Ok(None);
        };
        partner_of(self.conn(), relationship, me)?
            .map(|partner| display_name(self.conn(), partner))
            .transpose()
    }

    /// The relationships this device knows ended.
    pub(crate) fn ended_relationship_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT relationship_id FROM ended_relationships ORDER BY ended_at")?;
        let ids = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Whether this device knows `relationship_id` ended.
    pub(crate) fn is_ended(&self, relationship_id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM ended_relationships WHERE relationship_id = ?1",
                [relationship_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Who created a relationship this device knows (`user_1_id`).
    pub(crate) fn relationship_creator(&self, relationship_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT user_1_id FROM relationships WHERE id = ?1",
                [relationship_id],
                |row| row.get(0),
            )
            .optional()?)
    }
}

/// The other member of `relationship`, once they have joined.
pub(crate) fn partner_of(
    conn: &Connection,
    relationship: RelationshipId,
    me: UserId,
) -> Result<Option<UserId>> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT user_1_id, user_2_id FROM relationships WHERE id = ?1")?
        .query_row([relationship.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let me = me.to_string();
    Ok(row
        .and_then(|(one, two)| if one == me { two } else { Some(one) })
        .filter(|other| *other != me)
        .and_then(|other| other.parse().ok()))
}

/// A person's display name as this device knows it ("Your partner" before their profile arrives).
pub(crate) fn display_name(conn: &Connection, user: UserId) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |row| row.get(0))
        .optional()?
        .unwrap_or_else(|| "Your partner".to_owned()))
}

/// The local person and their current relationship, when there are both (work that only makes
/// sense for a couple — settling merges, raising reminders — does nothing otherwise).
pub(crate) fn local_couple(tx: &WriteTx<'_>) -> Result<Option<(UserId, RelationshipId)>> {
    let user = parse_setting::<UserId>(get_setting(tx.conn, SettingKey::LocalUserId)?, "user id")?;
    let relationship = parse_setting::<RelationshipId>(
        get_setting(tx.conn, SettingKey::CurrentRelationshipId)?,
        "relationship id",
    )?;
    Ok(user.zip(relationship))
}

/// The current relationship, or the sentence saying how to make one.
pub(crate) fn require_relationship(tx: &WriteTx<'_>) -> Result<RelationshipId> {
    parse_setting(
        get_setting(tx.conn, SettingKey::CurrentRelationshipId)?,
        "relationship id",
    )?
    .ok_or(StoreError::NeedsRelationship)
}

/// The relationships this device knows `user` to be a member of, except those that ended (they
/// are read-only).
pub(crate) fn relationships_of(tx: &WriteTx<'_>, user: UserId) -> Result<Vec<RelationshipId>> {
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
                StoreError::Damaged(format!("the stored relationship id is unreadable: {id:?}"))
            })
        })
        .collect()
}

/// Refuses a change to a relationship that ended: its documents are read-only.
pub(crate) fn ensure_open(conn: &Connection, relationship: RelationshipId) -> Result<()> {
    let ended: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM ended_relationships WHERE relationship_id = ?1)",
        )?
        .query_row([relationship.to_string()], |row| row.get(0))?;
    if ended {
        Err(StoreError::Ended(relationship.to_string()))
    } else {
        Ok(())
    }
}

// Forms.

/// A new relationship: a dating couple with balanced privacy unless the form says otherwise. Its
/// start date is bounded as in [`dates_form`].
pub fn form(form: &RelationshipForm, today: Date) -> Result<RelationshipInput, FormError> {
    let (start_date, anniversary_date) = dates_form(
        &RelationshipDatesForm {
            start_date: form.start_date.clone(),
            anniversary_date: form.anniversary_date.clone(),
        },
        today,
    )?;
    Ok(RelationshipInput {
        relationship_type: word_or(&form.relationship_type, "dating")?,
        start_date,
        anniversary_date,
        privacy_level: word_or(&form.privacy_level, "balanced")?,
    })
}

/// The couple's dates: when they got together (not after the person's `today`: a start in the
/// future would count days together backwards) and their anniversary. Empty fields are not set.
pub fn dates_form(
    form: &RelationshipDatesForm,
    today: Date,
) -> Result<(Option<Date>, Option<Date>), FormError> {
    let start = optional_date("start date", &form.start_date)?;
    if let Some(start) = start
        && start > today
    {
        return Err(FormError::new(format!(
            "the start date {start} is in the future; when did you get together (today at the latest)?"
        )));
    }
    Ok((start, optional_date("anniversary", &form.anniversary_date)?))
}

// Actions.

impl Store {
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

    /// Sets when the current relationship started and its anniversary (either partner may; each
    /// date merges on its own). Days together and the achievements that count them follow.
    pub fn set_relationship_dates(
        &mut self,
        start_date: Option<Date>,
        anniversary_date: Option<Date>,
        now: Timestamp,
    ) -> Result<()> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let changed = tx.change(DocAddress::Relationship(relationship), |d| {
                doc::set_relationship_dates(d, start_date, anniversary_date, now)
            })?;
            if changed {
                crate::challenges::settle(tx, relationship, user)?;
            }
            Ok(())
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
            crate::inbox::notify_partner(tx, id, user, "partner_joined", |name| {
                (format!("{name} joined you"), "You are now together in Better Together.".to_owned())
            })?;
            crate::challenges::settle(tx, id, user)
        })
    }

    /// Makes `relationship_id` the one this device shows, when it shows none yet (after signing in
    /// on a new device).
    pub(crate) fn adopt_relationship(
        &mut self,
        relationship_id: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.write(now, |tx| {
            if get_setting(tx.conn, SettingKey::CurrentRelationshipId)?.is_none() {
                put_setting(
                    tx.conn,
                    SettingKey::CurrentRelationshipId,
                    relationship_id,
                    now,
                )?;
            }
            Ok(())
        })
    }

    /// Marks a relationship ended (at `ended_at`, the server's time when known): it stops being
    /// current, and the changes queued for it leave the upload queue (they stay in the local
    /// documents). `None` when it was marked before.
    pub(crate) fn end_relationship(
        &mut self,
        relationship_id: &str,
        ended_at: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<Ended>> {
        let ended_at = ended_at
            .and_then(|t| t.parse::<Timestamp>().ok())
            .unwrap_or(now);
        self.write(now, |tx| {
            let known: bool = tx.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM ended_relationships WHERE relationship_id = ?1)",
                [relationship_id],
                |row| row.get(0),
            )?;
            if known {
                return Ok(None);
            }
            let queued = "SELECT o.entry_id FROM outbox o JOIN documents d ON d.doc_id = o.doc_id
                          WHERE d.relationship_id = ?1";
            let kept: i64 = tx.conn.query_row(
                &format!("SELECT count(*) FROM ({queued})"),
                [relationship_id],
                |row| row.get(0),
            )?;
            tx.conn.execute(
                &format!("DELETE FROM outbox WHERE entry_id IN ({queued})"),
                [relationship_id],
            )?;
            tx.conn.execute(
                "INSERT INTO ended_relationships (relationship_id, ended_at, learned_at, kept_on_device)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    relationship_id,
                    timestamp_text(ended_at),
                    timestamp_text(now),
                    kept
                ],
            )?;
            if get_setting(tx.conn, SettingKey::CurrentRelationshipId)?.as_deref()
                == Some(relationship_id)
            {
                tx.conn.execute(
                    "DELETE FROM app_settings WHERE key = ?1",
                    [SettingKey::CurrentRelationshipId.as_str()],
                )?;
            }
            Ok(Some(Ended {
                relationship_id: relationship_id.to_owned(),
                kept_on_device: usize::try_from(kept).unwrap_or(0),
            }))
        })
    }
}

// Screen operations.

/// Settings' "Save" of the couple's dates: the dates saved, and the form as it is now.
pub fn save_dates(
    store: &mut Store,
    dates: &RelationshipDatesForm,
    now: Timestamp,
) -> Result<RelationshipDatesForm> {
    let (start, anniversary) = dates_form(dates, store.local_today(now)?)?;
    store.set_relationship_dates(start, anniversary, now)?;
    Ok(store.relationship_dates()?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_form_is_a_dating_couple_with_balanced_privacy() {
        let today = jiff::civil::date(2026, 11, 25);
        let input = form(&RelationshipForm::default(), today).unwrap();
        assert_eq!(input.relationship_type.as_str(), "dating");
        assert_eq!(input.privacy_level.as_str(), "balanced");
        assert_eq!((input.start_date, input.anniversary_date), (None, None));
        let bad = RelationshipForm {
            relationship_type: "situationship".into(),
            ..RelationshipForm::default()
        };
        assert!(
            form(&bad, today)
                .unwrap_err()
                .to_string()
                .contains("situationship")
        );
    }

    #[test]
    fn a_start_date_is_today_at_the_latest() {
        let today = jiff::civil::date(2026, 11, 25);
        let on = |start: &str| RelationshipDatesForm {
            start_date: start.into(),
            anniversary_date: String::new(),
        };
        assert_eq!(
            dates_form(&on("2026-11-25"), today).unwrap(),
            (Some(today), None)
        );
        let future = dates_form(&on("2026-11-26"), today).unwrap_err();
        assert!(future.to_string().contains("in the future"), "{future}");
        let created = RelationshipForm {
            start_date: "2027-01-01".into(),
            ..RelationshipForm::default()
        };
        assert!(form(&created, today).is_err());
        assert_eq!(dates_form(&on(""), today).unwrap(), (None, None));
    }
}
