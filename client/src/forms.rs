//! Turns the UI's forms into validated inputs with the domain rules: a bad field becomes a sentence
//! naming it, and nothing is saved.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use together_core::document::{
    ActivityInput, CheckinInput, DateInput, GoalInput, LogInput, ProfileInput,
};
use together_core::domain::{
    self, InvalidInput, LoveLanguage, Score, optional_text, parse_date, parse_time_zone,
    required_text,
};
use together_core::profile::DisplayName;
use together_core::view::{ActivityForm, CheckinForm, DateForm, GoalForm, LogForm, ProfileForm};

/// Why a form was refused: the sentence to show.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FormError(String);

impl From<InvalidInput> for FormError {
    fn from(error: InvalidInput) -> Self {
        Self(error.to_string())
    }
}

fn optional_date(field: &'static str, value: &str) -> Result<Option<Date>, InvalidInput> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(field, value).map(Some)
    }
}

fn optional_word<T: std::str::FromStr<Err = InvalidInput>>(
    value: &str,
) -> Result<Option<T>, InvalidInput> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        value.parse().map(Some)
    }
}

/// The profile a person entered.
pub fn profile(form: &ProfileForm) -> Result<ProfileInput, FormError> {
    let name = DisplayName::parse(&form.name).map_err(|e| FormError(e.to_string()))?;
    let timezone = if form.timezone.trim().is_empty() {
        "UTC".to_owned()
    } else {
        parse_time_zone(&form.timezone)?
    };
    let primary: Option<LoveLanguage> = optional_word(&form.love_language_primary)?;
    let secondary: Option<LoveLanguage> = optional_word(&form.love_language_secondary)?;
    if primary.is_some() && primary == secondary {
        return Err(FormError(
            "choose two different love languages, or leave the second empty".into(),
        ));
    }
    Ok(ProfileInput {
        name: name.to_string(),
        nickname: None,
        photo_url: None,
        timezone,
        love_language_primary: primary,
        love_language_secondary: secondary,
    })
}

/// Today's check-in, for the person's local `today`.
pub fn checkin(form: &CheckinForm, today: Date) -> Result<CheckinInput, FormError> {
    Ok(CheckinInput {
        date: today,
        connection: Score::new("connection", form.connection)?,
        mood: Score::new("mood", form.mood)?,
        satisfaction: Score::new("satisfaction", form.satisfaction)?,
        note: optional_text("gratitude note", &form.gratitude, 2000)?,
    })
}

/// A planned activity; a planned day means noon of that day in the person's time zone.
pub fn activity(form: &ActivityForm, zone: &TimeZone) -> Result<ActivityInput, FormError> {
    let planned_date = optional_date("planned date", &form.planned_date)?
        .map(|day| {
            day.at(12, 0, 0, 0)
                .to_zoned(zone.clone())
                .map(|z| z.timestamp())
                .map_err(|_| FormError(format!("{day} does not exist in your time zone")))
        })
        .transpose()?;
    Ok(ActivityInput {
        name: required_text("activity name", &form.name, 200)?,
        activity_type: word_or_other(&form.activity_type)?,
        planned_date,
        duration_minutes: form
            .duration_minutes
            .map(|d| domain::in_range("duration", d, 0, 20160))
            .transpose()?,
        cost_cents: None,
    })
}

fn word_or_other<T: std::str::FromStr<Err = InvalidInput>>(value: &str) -> Result<T, InvalidInput> {
    if value.trim().is_empty() {
        "other".parse()
    } else {
        value.parse()
    }
}

/// A shared goal, starting `today`.
pub fn goal(form: &GoalForm, today: Date) -> Result<GoalInput, FormError> {
    let target_date = optional_date("target date", &form.target_date)?;
    if let Some(end) = target_date
        && end < today
    {
        return Err(FormError(format!(
            "the target date {end} has already passed"
        )));
    }
    Ok(GoalInput {
        name: required_text("goal name", &form.name, 200)?,
        goal_type: word_or_other(&form.goal_type)?,
        target_count: domain::in_range("target", form.target_count, 1, 1_000_000)?,
        start_date: Some(today),
        target_date,
    })
}

/// An important date.
pub fn important_date(form: &DateForm) -> Result<DateInput, FormError> {
    Ok(DateInput {
        date: parse_date("date", &form.date)?,
        name: required_text("name", &form.name, 200)?,
        event_type: word_or_other(&form.event_type)?,
        recurring: form.recurring,
        reminder_days_before: form
            .reminder_days_before
            .map(|d| domain::in_range("reminder days", d, 0, 365))
            .transpose()?,
    })
}

/// A talk-log entry, logged `now`.
pub fn log(form: &LogForm, now: Timestamp) -> Result<LogInput, FormError> {
    Ok(LogInput {
        communication_type: form.communication_type.parse()?,
        topic: optional_text("topic", &form.topic, 200)?,
        outcome: optional_word(&form.outcome)?,
        duration_minutes: form
            .duration_minutes
            .map(|d| domain::in_range("duration", d, 0, 1440))
            .transpose()?,
        when: now,
        follow_up_needed: form.follow_up_needed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_field_is_named_in_plain_words() {
        let day = jiff::civil::date(2026, 11, 25);
        let bad_score = CheckinForm {
            connection: 11,
            mood: 5,
            satisfaction: 5,
            gratitude: String::new(),
        };
        assert!(
            checkin(&bad_score, day)
                .unwrap_err()
                .to_string()
                .contains("connection")
        );
        let blank = ProfileForm {
            name: "  ".into(),
            ..ProfileForm::default()
        };
        assert!(profile(&blank).is_err());
        let zone = ProfileForm {
            name: "Alice".into(),
            timezone: "Mars/Olympus".into(),
            ..ProfileForm::default()
        };
        assert!(
            profile(&zone)
                .unwrap_err()
                .to_string()
                .contains("Mars/Olympus")
        );
        let same = ProfileForm {
            name: "Alice".into(),
            timezone: "Europe/Paris".into(),
            love_language_primary: "quality_time".into(),
            love_language_secondary: "quality_time".into(),
        };
        assert!(
            profile(&same)
                .unwrap_err()
                .to_string()
                .contains("different")
        );
        let past = GoalForm {
            name: "Walks".into(),
            goal_type: String::new(),
            target_count: 5,
            target_date: "2026-01-01".into(),
        };
        assert!(goal(&past, day).unwrap_err().to_string().contains("passed"));
        let feb30 = DateForm {
            name: "Odd".into(),
            date: "2026-02-30".into(),
            ..DateForm::default()
        };
        assert!(important_date(&feb30).is_err());
        let unknown = LogForm {
            communication_type: "telepathy".into(),
            ..LogForm::default()
        };
        assert!(
            log(&unknown, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .to_string()
                .contains("telepathy")
        );
    }

    #[test]
    fn good_forms_become_inputs() {
        let day = jiff::civil::date(2026, 11, 25);
        let input = checkin(
            &CheckinForm {
                connection: 8,
                mood: 7,
                satisfaction: 9,
                gratitude: "  the soup  ".into(),
            },
            day,
        )
        .unwrap();
        assert_eq!(input.note.as_deref(), Some("the soup"));
        let planned = activity(
            &ActivityForm {
                name: "Picnic".into(),
                activity_type: String::new(),
                planned_date: "2026-12-01".into(),
                duration_minutes: Some(90),
            },
            &TimeZone::get("Europe/Paris").unwrap(),
        )
        .unwrap();
        assert_eq!(
            planned.planned_date.unwrap().to_string(),
            "2026-12-01T11:00:00Z"
        );
        let profile = profile(&ProfileForm {
            name: "Zoë".into(),
            timezone: "Pacific/Auckland".into(),
            love_language_primary: "words_of_affirmation".into(),
            love_language_secondary: String::new(),
        })
        .unwrap();
        assert_eq!(profile.timezone, "Pacific/Auckland");
    }
}
