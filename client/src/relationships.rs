//! Current and past relationships on this device.
//!
//! A relationship **ends** when a partner leaves (on either device; the sync engine marks it when
//! it learns so). From then on it is no longer current (a new one may be created or joined), its
//! documents are read-only (the write path refuses changes to them; merges still arrive, such as
//! the partner's last changes), changes still queued for it leave the upload queue but stay in
//! the documents, counted, and it stays readable (`together relationships`, `together checkins
//! --relationship ID`).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use together_core::document::timestamp_text;
use together_core::ids::{RelationshipId, UserId};

use crate::settings::{SettingKey, get_setting};
use crate::store::{Result, Store, StoreError};

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
                " {} change(s) made after your partner left stay on this device.",
                self.kept_on_device
            ));
        }
        text
    }

    /// What the person who left reads.
    pub fn left_sentence(&self) -> String {
        let mut text = "You left: the relationship ended for both of you and is read-only; your copy stays on this device.".to_owned();
        if self.kept_on_device > 0 {
            text.push_str(&format!(
                " {} change(s) that had not reached your partner stay on this device.",
                self.kept_on_device
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

impl Store {
    /// Marks a relationship ended (at `ended_at`, the server's time when known): it stops being
    /// current, and the changes queued for it leave the upload queue (they stay in the local
    /// documents). `None` when it was marked before.
    pub fn end_relationship(
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

    /// The relationships this device knows ended.
    pub fn ended_relationship_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT relationship_id FROM ended_relationships ORDER BY ended_at")?;
        let ids = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Whether this device knows `relationship_id` ended.
    pub fn is_ended(&self, relationship_id: &str) -> Result<bool> {
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
        crate::social::partner_of(self.conn(), relationship, me)?
            .map(|partner| crate::social::display_name(self.conn(), partner))
            .transpose()
    }
}
