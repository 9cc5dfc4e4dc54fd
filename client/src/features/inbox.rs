//! The inbox: notifications addressed to the local person. They come from the partner's actions
//! (written by the partner's device into the couple's documents: "Bob checked in") and from date
//! reminders this device raises on the day (each once: its id is derived from the date and the
//! occurrence, so every device of the person raises the same one).

use jiff::Timestamp;
use jiff::civil::Date;
use together_core::document::{self as doc, DocAddress, NotificationInput};
use together_core::ids::{RecordId, RelationshipId, UserId};
use together_core::view::NotificationView;

use crate::error::{Result, StoreError};
use crate::profile::{local_day, require_user};
use crate::relationship::{display_name, partner_of};
use crate::store::write::WriteTx;
use crate::store::{Store, rows};

// Reads.

/// **Settling**: whether the person already did what notification `n` asks, derived from the
/// records (never stored, so it holds whichever device or partner acted, and the CLI too).
/// - `partner_checkin` ("Check in too"): the recipient checked in on the partner's day or later
///   (older notifications without a day: on the day it was written, in UTC, or later);
/// - `activity_rated` ("Add your own rating"): the recipient rated that activity;
/// - `activity_planned` ("Have a look"): the activity is done or called off, nothing is left to
///   plan.
const SETTLED: &str = "CASE n.notification_type
    WHEN 'partner_checkin' THEN EXISTS (SELECT 1 FROM daily_checkins c
        WHERE c.user_id = n.user_id AND c.relationship_id = n.relationship_id
          AND c.checkin_date >= coalesce(n.subject_id, substr(n.created_at, 1, 10)))
    WHEN 'activity_rated' THEN EXISTS (SELECT 1 FROM activities a
        JOIN relationships r ON r.id = a.relationship_id
        WHERE a.id = n.subject_id
          AND CASE WHEN r.user_2_id = n.user_id THEN a.satisfaction_rating_user2
                   ELSE a.satisfaction_rating_user1 END IS NOT NULL)
    WHEN 'activity_planned' THEN EXISTS (SELECT 1 FROM activities a
        WHERE a.id = n.subject_id AND a.status IN ('completed', 'cancelled'))
    ELSE 0 END";

/// The local person's notifications of relationships that did not end, as `n`.
const MINE: &str = "FROM notifications n WHERE n.user_id = ?1
    AND coalesce(n.relationship_id, '') NOT IN (SELECT relationship_id FROM ended_relationships)";

impl Store {
    /// The local person's notifications, newest first (not those of a relationship that ended);
    /// a settled one reads as read.
    pub fn notifications(&self) -> Result<Vec<NotificationView>> {
        let Some(me) = self.local_user()? else {
            return Ok(Vec::new());
        };
        rows(
            self.conn(),
            &format!(
                "SELECT n.id, n.notification_type, n.title, n.message, n.is_read, n.created_at,
                        {SETTLED}
                 {MINE} ORDER BY n.created_at DESC, n.id DESC"
            ),
            [me.to_string()],
            |row| {
                let resolved: bool = row.get(6)?;
                Ok(NotificationView {
                    id: row.get(0)?,
                    notification_type: row.get(1)?,
                    title: row.get(2)?,
                    message: row.get(3)?,
                    is_read: row.get::<_, bool>(4)? || resolved,
                    resolved,
                    created_at: row.get(5)?,
                })
            },
        )
    }

    /// Unread notifications of the local person (neither read nor settled), for the inbox badge.
    pub fn unread_notifications(&self) -> Result<i64> {
        let Some(me) = self.local_user()? else {
            return Ok(0);
        };
        Ok(self.conn().query_row(
            &format!("SELECT count(*) {MINE} AND n.is_read = 0 AND NOT ({SETTLED})"),
            [me.to_string()],
            |row| row.get(0),
        )?)
    }
}

// Actions.

impl Store {
    /// Raises the date reminders due today for the local person (each once: its id is derived from
    /// the date and the occurrence). Returns how many were new.
    pub fn refresh_reminders(&mut self, now: Timestamp) -> Result<usize> {
        self.write_local(now, |tx| {
            let Some((user, relationship)) = crate::relationship::local_couple(tx)? else {
                return Ok(0);
            };
            let today = local_day(tx.conn, Some(user), tx.now)?;
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
            let hint = crate::love_languages::reminder_hint(tx.conn, relationship, user)?;
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
                let input = NotificationInput {
                    recipient: user,
                    notification_type: "date_reminder",
                    title: crate::dates::coming_up(&name, days),
                    message: match hint {
                        Some(hint) => format!("{name}: {occurrence}. {hint}"),
                        None => format!("{name}: {occurrence}."),
                    },
                    priority: if days <= 1 { "high" } else { "normal" },
                    subject: None,
                };
                tx.change(DocAddress::Series(relationship, today.year()), |d| {
                    doc::add_notification(d, &key, &input, now)
                })?;
                raised += 1;
            }
            Ok(raised)
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
            let (relationship, created_at) = row.ok_or_else(|| StoreError::NotFound { what: "notification", id: id.to_owned() })?;
            let relationship: RelationshipId = relationship
                .parse()
                .map_err(|_| StoreError::Damaged("unreadable relationship id".into()))?;
            let year: i16 = created_at.get(..4).and_then(|y| y.parse().ok()).ok_or_else(|| StoreError::Damaged("unreadable date".into()))?;
            tx.change(DocAddress::Series(relationship, year), |d| doc::mark_notification_read(d, id))
        })
    }

    /// Marks every unread notification of the local person read ("Mark all read"); returns how
    /// many. Each year's series document changes once.
    pub fn mark_all_notifications_read(&mut self, now: Timestamp) -> Result<usize> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let unread: Vec<(String, String, String)> = rows(
                tx.conn,
                &format!(
                    "SELECT n.id, n.relationship_id, n.created_at {MINE}
                       AND n.is_read = 0 AND n.relationship_id IS NOT NULL ORDER BY n.created_at"
                ),
                [user.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )?;
            let mut by_document: std::collections::BTreeMap<(RelationshipId, i16), Vec<String>> =
                std::collections::BTreeMap::new();
            for (id, relationship, created_at) in unread {
                let relationship: RelationshipId = relationship
                    .parse()
                    .map_err(|_| StoreError::Damaged("unreadable relationship id".into()))?;
                let year: i16 = created_at
                    .get(..4)
                    .and_then(|y| y.parse().ok())
                    .ok_or_else(|| StoreError::Damaged("unreadable date".into()))?;
                by_document
                    .entry((relationship, year))
                    .or_default()
                    .push(id);
            }
            let mut marked = 0;
            for ((relationship, year), ids) in by_document {
                tx.change(DocAddress::Series(relationship, year), |d| {
                    ids.iter()
                        .try_for_each(|id| doc::mark_notification_read(d, id))
                })?;
                marked += ids.len();
            }
            Ok(marked)
        })
    }
}

/// The notification telling the partner (if there is one yet) about what the local person just
/// did (about `subject`, when acting on it settles it: see [`SETTLED`]), with its key; `None`
/// before the partner joins.
pub(crate) fn partner_notification(
    tx: &WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
    notification_type: &'static str,
    subject: Option<String>,
    what: impl FnOnce(&str) -> (String, String),
) -> Result<Option<(String, NotificationInput)>> {
    let Some(partner) = partner_of(tx.conn, relationship, me)? else {
        return Ok(None);
    };
    let (title, message) = what(&display_name(tx.conn, me)?);
    let key = RecordId::generate(tx.now, &mut rand::rng()).to_string();
    Ok(Some((
        key,
        NotificationInput {
            recipient: partner,
            notification_type,
            title,
            message,
            priority: "normal",
            subject,
        },
    )))
}

/// Tells the partner (if there is one yet) about what the local person just did, in this year's
/// series document.
pub(crate) fn notify_partner(
    tx: &mut WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
    notification_type: &'static str,
    what: impl FnOnce(&str) -> (String, String),
) -> Result<()> {
    notify_partner_about(tx, relationship, me, notification_type, None, what)
}

/// [`notify_partner`] about `subject`: acting on it settles the notification (see [`SETTLED`]).
pub(crate) fn notify_partner_about(
    tx: &mut WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
    notification_type: &'static str,
    subject: Option<String>,
    what: impl FnOnce(&str) -> (String, String),
) -> Result<()> {
    let Some((key, input)) =
        partner_notification(tx, relationship, me, notification_type, subject, what)?
    else {
        return Ok(());
    };
    let now = tx.now;
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).date().year();
    tx.change(DocAddress::Series(relationship, year), |d| {
        doc::add_notification(d, &key, &input, now)
    })
}

// Screen operations.

/// The Inbox screen: the reminders due raised first, then every notification, newest first.
pub fn inbox(store: &mut Store, now: Timestamp) -> Result<Vec<NotificationView>> {
    store.refresh_reminders(now)?;
    store.notifications()
}

/// The Inbox screen's "Mark read": the notification read, and the inbox.
pub fn mark_read(store: &mut Store, id: &str, now: Timestamp) -> Result<Vec<NotificationView>> {
    store.mark_notification_read(id, now)?;
    store.notifications()
}

/// The Inbox screen's "Mark all read": every notification read, and the inbox.
pub fn mark_all_read(store: &mut Store, now: Timestamp) -> Result<Vec<NotificationView>> {
    store.refresh_reminders(now)?;
    store.mark_all_notifications_read(now)?;
    store.notifications()
}
