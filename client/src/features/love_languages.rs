//! The love-language quiz: scoring a person's choices onto their profile (shared with the partner
//! like any profile change), and the partner's languages shaping Today's idea and date reminders.
//! The quiz, its scoring and the gestures live in `together_core::love_languages`.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension};
use together_core::domain::LoveLanguage;
use together_core::ids::{RelationshipId, UserId};
use together_core::love_languages::{self as quiz, Choice, QuizResult};
use together_core::view::GestureIdea;

use crate::error::Result;
use crate::profile::{own_profile_input, require_user, share_profile};
use crate::relationship::{display_name, partner_of};
use crate::store::Store;

// Reads.

/// The primary love language `user` gave (on their profile or through the quiz), if any.
pub(crate) fn primary_language(conn: &Connection, user: UserId) -> Result<Option<LoveLanguage>> {
    let word: Option<String> = conn
        .prepare_cached("SELECT love_language_primary FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |row| row.get(0))
        .optional()?
        .flatten();
    Ok(word.and_then(|w| w.parse().ok()))
}

/// Today's small gesture for `me`'s partner in `relationship`, from the partner's primary language
/// (none while there is no partner or they have not given one).
pub(crate) fn gesture_for_partner(
    conn: &Connection,
    relationship: RelationshipId,
    me: UserId,
    day: Date,
) -> Result<Option<GestureIdea>> {
    let Some(partner) = partner_of(conn, relationship, me)? else {
        return Ok(None);
    };
    let Some(language) = primary_language(conn, partner)? else {
        return Ok(None);
    };
    Ok(Some(GestureIdea {
        partner_name: display_name(conn, partner)?,
        language: language.label(),
        idea: quiz::gesture_for_day(language, &relationship.to_string(), day).to_owned(),
    }))
}

/// The sentence a date reminder adds for `me`'s partner's language, if they gave one.
pub(crate) fn reminder_hint(
    conn: &Connection,
    relationship: RelationshipId,
    me: UserId,
) -> Result<Option<&'static str>> {
    let Some(partner) = partner_of(conn, relationship, me)? else {
        return Ok(None);
    };
    Ok(primary_language(conn, partner)?.map(quiz::reminder_hint))
}

// Actions.

impl Store {
    /// Scores the love-language quiz (one choice per pair, in order) and sets the result as the
    /// person's primary and secondary languages; retaking it sets them again.
    pub fn take_love_language_quiz(
        &mut self,
        choices: &[Choice],
        now: Timestamp,
    ) -> Result<QuizResult> {
        let result = quiz::score(choices)?;
        self.write(now, |tx| {
            let user = require_user(tx)?;
            let mut profile = own_profile_input(tx, user)?;
            profile.love_language_primary = Some(result.primary);
            profile.love_language_secondary = result.secondary;
            share_profile(tx, user, &profile)?;
            crate::usage::record(
                tx,
                user,
                None,
                crate::usage::UsageEvent::LoveLanguageQuizTaken,
                crate::usage::EventData::default(),
            )?;
            Ok(())
        })?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use together_core::view::ProfileForm;

    #[test]
    fn the_quiz_sets_the_profile_and_a_retake_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let now = Timestamp::now();
        let form = ProfileForm {
            name: "Alice".into(),
            love_language_primary: "receiving_gifts".into(),
            ..ProfileForm::default()
        };
        store
            .set_profile(&crate::profile::form(&form).unwrap(), now)
            .unwrap();
        let first = vec![Choice::First; quiz::pairs().len()];
        let result = store.take_love_language_quiz(&first, now).unwrap();
        let summary = store.profile_summary().unwrap().unwrap();
        assert_eq!(
            summary.love_language_primary.as_deref(),
            Some(result.primary.as_str())
        );
        assert_eq!(
            summary.love_language_secondary.as_deref(),
            result.secondary.map(LoveLanguage::as_str)
        );
        assert_eq!(summary.name, "Alice", "the rest of the profile stays");

        let second = vec![Choice::Second; quiz::pairs().len()];
        let retaken = store.take_love_language_quiz(&second, now).unwrap();
        assert_ne!(retaken.tally, result.tally);
        let summary = store.profile_summary().unwrap().unwrap();
        assert_eq!(
            summary.love_language_primary.as_deref(),
            Some(retaken.primary.as_str())
        );
        assert!(store.take_love_language_quiz(&first[1..], now).is_err());
    }
}
