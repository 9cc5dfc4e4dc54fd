//! The person using this device: their profile (shared with their relationships), their calendar
//! day (their profile's time zone decides it), and their own settings (analytics opt-in).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension};
use together_core::document::{self as doc, DocAddress, PersonProfile, ProfileInput};
use together_core::domain::{LoveLanguage, optional_text, parse_time_zone};
use together_core::ids::UserId;
use together_core::profile::DisplayName;
use together_core::view::{ProfileForm, ProfileSummary, RelationshipForm};

use super::optional_word;
use crate::error::{FormError, Result, StoreError};
use crate::store::Store;
use crate::store::settings::{SettingKey, get_setting, parse_setting, put_setting};
use crate::store::write::WriteTx;

// Reads.

impl Store {
    /// The person using this device, once they have a profile.
    pub fn local_user(&self) -> Result<Option<UserId>> {
        parse_setting(self.setting(SettingKey::LocalUserId)?, "user id")
    }

    /// The display name of the person using this device, once they have a profile.
    pub fn local_display_name(&self) -> Result<Option<String>> {
        let Some(user) = self.local_user()? else {
            return Ok(None);
        };
        Ok(self
            .conn()
            .query_row(
                "SELECT name FROM users WHERE id = ?1",
                [user.to_string()],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The local person's profile, once set up.
    pub fn profile_summary(&self) -> Result<Option<ProfileSummary>> {
        let Some(user) = self.local_user()? else {
            return Ok(None);
        };
        Ok(self
            .conn()
            .query_row(
                "SELECT id, name, timezone, love_language_primary, love_language_secondary
                 FROM users WHERE id = ?1",
                [user.to_string()],
                |row| {
                    Ok(ProfileSummary {
                        user_id: row.get(0)?,
                        name: row.get(1)?,
                        timezone: row.get(2)?,
                        love_language_primary: row.get(3)?,
                        love_language_secondary: row.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Today's date for the local person: their profile's time zone decides, so a check-in after
    /// midnight in Auckland counts for the Auckland day. UTC until a profile exists.
    pub fn local_today(&self, now: Timestamp) -> Result<Date> {
        local_day(self.conn(), self.local_user()?, now)
    }

    /// The local person's time zone (UTC until a profile exists).
    pub fn local_zone(&self) -> Result<TimeZone> {
        zone_of(self.conn(), self.local_user()?)
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
}

/// The time zone of `user`'s profile; UTC when unknown.
fn zone_of(conn: &Connection, user: Option<UserId>) -> Result<TimeZone> {
    let zone: Option<String> = match user {
        Some(user) => conn
            .prepare_cached("SELECT timezone FROM users WHERE id = ?1")?
            .query_row([user.to_string()], |row| row.get(0))
            .optional()?,
        None => None,
    };
    Ok(zone
        .and_then(|z| TimeZone::get(&z).ok())
        .unwrap_or(TimeZone::UTC))
}

/// The calendar day at `now` in `user`'s time zone: the one rule for "today", in reads and in
/// actions (through any connection, a write transaction's included).
pub(crate) fn local_day(conn: &Connection, user: Option<UserId>, now: Timestamp) -> Result<Date> {
    Ok(now.to_zoned(zone_of(conn, user)?).date())
}

/// The local person, or the sentence saying how to become one.
pub(crate) fn require_user(tx: &WriteTx<'_>) -> Result<UserId> {
    parse_setting(get_setting(tx.conn, SettingKey::LocalUserId)?, "user id")?
        .ok_or(StoreError::NeedsProfile)
}

/// The local person's profile, as they share it with a relationship.
pub(crate) fn own_profile_input(tx: &mut WriteTx<'_>, user: UserId) -> Result<ProfileInput> {
    let profile = tx
        .document(DocAddress::User(user))?
        .and_then(PersonProfile::read_own)
        .ok_or(StoreError::NeedsProfile)?;
    Ok(ProfileInput {
        name: profile.name,
        nickname: profile.nickname,
        photo_url: profile.photo_url,
        timezone: profile.timezone,
        love_language_primary: profile.love_language_primary.and_then(|l| l.parse().ok()),
        love_language_secondary: profile.love_language_secondary.and_then(|l| l.parse().ok()),
    })
}

/// Writes `user`'s profile into their own document and into every relationship they are in, so
/// a partner sees the change: the one way a profile changes.
pub(crate) fn share_profile(
    tx: &mut WriteTx<'_>,
    user: UserId,
    input: &ProfileInput,
) -> Result<()> {
    let now = tx.now;
    tx.change(DocAddress::User(user), |d| {
        doc::set_own_profile(d, user, input, now)
    })?;
    for relationship in crate::relationship::relationships_of(tx, user)? {
        tx.change(DocAddress::Relationship(relationship), |d| {
            doc::set_member_profile(d, user, input, now)
        })?;
    }
    Ok(())
}

// Forms.

/// Words a person might type as their name that their partner would read as someone else:
/// the partner reads "You planned: Picnic".
const PRONOUNS: &[&str] = &[
    "you",
    "me",
    "i",
    "myself",
    "them",
    "they",
    "him",
    "her",
    "he",
    "she",
    "us",
    "we",
    "partner",
    "my partner",
    "your partner",
];

/// Whether `name` is a pronoun rather than a name: allowed (it is the person's choice), but worth
/// a warning, since every sentence the partner reads starts with it.
pub fn reads_as_pronoun(name: &str) -> bool {
    let name = name.trim().to_lowercase();
    PRONOUNS.contains(&name.as_str())
}

/// Every IANA time zone name the device's time zone database knows, sorted: the app's time zone
/// picker offers these (and nothing it could not parse back).
pub fn time_zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .filter(|name| TimeZone::get(name).is_ok())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The profile a person entered (onboarding, Settings, `together profile set`).
pub fn form(form: &ProfileForm) -> Result<ProfileInput, FormError> {
    let name = DisplayName::parse(&form.name).map_err(|e| FormError::new(e.to_string()))?;
    let timezone = if form.timezone.trim().is_empty() {
        "UTC".to_owned()
    } else {
        parse_time_zone(&form.timezone)?
    };
    let primary: Option<LoveLanguage> = optional_word(&form.love_language_primary)?;
    let secondary: Option<LoveLanguage> = optional_word(&form.love_language_secondary)?;
    if primary.is_some() && primary == secondary {
        return Err(FormError::new(
            "choose two different love languages, or leave the second empty",
        ));
    }
    Ok(ProfileInput {
        name: name.to_string(),
        nickname: optional_text("nickname", &form.nickname, ProfileForm::NICKNAME_MAX_CHARS)?,
        photo_url: optional_text(
            "photo URL",
            &form.photo_url,
            ProfileForm::PHOTO_URL_MAX_CHARS,
        )?,
        timezone,
        love_language_primary: primary,
        love_language_secondary: secondary,
    })
}

// Actions.

impl Store {
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
            share_profile(tx, user, input)?;
            Ok(user)
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
}

// Screen operations.

/// Onboarding's and Settings' "Save": the profile saved and shared. With `space` (onboarding's
/// "Start our space", with the start date the couple gave, if any), also starts the couple's
/// space when there is none, so every feature works alone, offline, before the partner joins
/// (someone about to join their partner's space leaves it off). The space's form is checked
/// before anything is saved.
pub fn save(
    store: &mut Store,
    profile: &ProfileForm,
    space: Option<&RelationshipForm>,
    now: Timestamp,
) -> Result<()> {
    let input = form(profile)?;
    let space = match space {
        Some(space) => {
            let zone = TimeZone::get(&input.timezone).unwrap_or(TimeZone::UTC);
            let today = now.to_zoned(zone).date();
            Some(crate::relationship::form(space, today)?)
        }
        None => None,
    };
    store.set_profile(&input, now)?;
    if let Some(space) = space
        && store.current_relationship()?.is_none()
    {
        store.create_relationship(&space, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_zone_picker_offers_names_the_form_accepts() {
        let names = time_zone_names();
        assert!(names.len() > 300, "{} names", names.len());
        assert!(
            names.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        for wanted in ["Europe/Paris", "America/New_York", "Pacific/Auckland"] {
            assert!(names.iter().any(|n| n == wanted), "{wanted} is offered");
        }
        for name in names.iter().step_by(25) {
            assert_eq!(&parse_time_zone(name).unwrap(), name);
        }
    }

    #[test]
    fn each_bad_field_is_named_in_plain_words() {
        let blank = ProfileForm {
            name: "  ".into(),
            ..ProfileForm::default()
        };
        assert!(form(&blank).is_err());
        let zone = ProfileForm {
            name: "Alice".into(),
            timezone: "Mars/Olympus".into(),
            ..ProfileForm::default()
        };
        assert!(
            form(&zone)
                .unwrap_err()
                .to_string()
                .contains("Mars/Olympus")
        );
        let same = ProfileForm {
            name: "Alice".into(),
            timezone: "Europe/Paris".into(),
            love_language_primary: "quality_time".into(),
            love_language_secondary: "quality_time".into(),
            ..ProfileForm::default()
        };
        assert!(form(&same).unwrap_err().to_string().contains("different"));
        let long = ProfileForm {
            name: "Alice".into(),
            nickname: "x".repeat(ProfileForm::NICKNAME_MAX_CHARS + 1),
            ..ProfileForm::default()
        };
        assert!(form(&long).unwrap_err().to_string().contains("nickname"));
    }

    #[test]
    fn a_good_profile_becomes_an_input() {
        let profile = form(&ProfileForm {
            name: "Zoë".into(),
            timezone: "Pacific/Auckland".into(),
            love_language_primary: "words_of_affirmation".into(),
            love_language_secondary: String::new(),
            ..ProfileForm::default()
        })
        .unwrap();
        assert_eq!(profile.timezone, "Pacific/Auckland");
        assert_eq!(profile.nickname, None);
        let unzoned = form(&ProfileForm {
            name: "Sam".into(),
            ..ProfileForm::default()
        })
        .unwrap();
        assert_eq!(unzoned.timezone, "UTC");
    }
}
