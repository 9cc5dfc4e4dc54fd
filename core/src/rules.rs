//! The rules that turn a couple's records into numbers: streaks, averages, the health score and the
//! daily engagement score. Pure functions of their inputs (no clock: the day is an argument), each
//! formula written out in `docs/rules.md`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{Span, ToSpan};

/// One check-in as the rules need it: whose, which local day, the scores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinFact {
    /// Who checked in.
    pub user_id: String,
    /// Their own local date (their profile's time zone decided it when they checked in).
    pub date: Date,
    /// Connection, 1–10.
    pub connection: i64,
    /// Satisfaction, 1–10.
    pub satisfaction: i64,
}

/// Days on which every member checked in, each on their own local date.
///
/// Comparing local dates (not instants) is what keeps a couple split between UTC+13 and UTC−10 on
/// the same streak: each checks in once per their own day, and a day counts once both have.
pub fn shared_days(members: &[String], checkins: &[CheckinFact]) -> BTreeSet<Date> {
    let mut by_day: BTreeMap<Date, BTreeSet<&str>> = BTreeMap::new();
    for c in checkins {
        by_day.entry(c.date).or_default().insert(c.user_id.as_str());
    }
    by_day
        .into_iter()
        .filter(|(_, who)| !members.is_empty() && members.iter().all(|m| who.contains(m.as_str())))
        .map(|(day, _)| day)
        .collect()
}

fn previous(day: Date) -> Option<Date> {
    day.checked_sub(1.day()).ok()
}

/// The couple's check-in streak on `today`: consecutive shared days ending today, or ending
/// yesterday while today is still open (a streak is not broken before the day is over).
pub fn streak(members: &[String], checkins: &[CheckinFact], today: Date) -> i64 {
    streak_in(&shared_days(members, checkins), today)
}

/// [`streak`] from the shared days already known.
fn streak_in(days: &BTreeSet<Date>, today: Date) -> i64 {
    let mut day = if days.contains(&today) {
        Some(today)
    } else {
        previous(today)
    };
    let mut count = 0;
    while let Some(d) = day.filter(|d| days.contains(d)) {
        count += 1;
        day = previous(d);
    }
    count
}

/// Mean of `value` over the check-ins dated in the `days` days ending on `today` (inclusive),
/// rounded to two decimals; `None` without any.
pub fn average(
    checkins: &[CheckinFact],
    today: Date,
    days: i64,
    value: impl Fn(&CheckinFact) -> i64,
) -> Option<f64> {
    let first = today.checked_sub(Span::new().days(days - 1)).ok()?;
    let values: Vec<i64> = checkins
        .iter()
        .filter(|c| c.date >= first && c.date <= today)
        .map(value)
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(round2(
        values.iter().sum::<i64>() as f64 / values.len() as f64,
    ))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What the rules need to summarise a relationship on one day.
#[derive(Debug, Clone)]
pub struct RelationshipFacts<'a> {
    /// The day summarised.
    pub date: Date,
    /// The partners (one before the other joins).
    pub members: &'a [String],
    /// When they got together, if they said.
    pub start_date: Option<Date>,
    /// When the relationship was created in the app (the fallback for days together).
    pub created_date: Date,
    /// Every check-in of the relationship up to `date` (later ones are ignored).
    pub checkins: &'a [CheckinFact],
    /// Activities completed in `date`'s calendar month, up to `date`.
    pub activities_completed_this_month: i64,
}

/// A relationship's summary for one day: the `relationship_analytics` row, plus the 7-day averages
/// the stats screen shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RelationshipSummary {
    /// The day summarised.
    pub date: Date,
    /// Days since they got together.
    pub days_together: i64,
    /// Average connection over 7 days.
    pub average_connection_7: Option<f64>,
    /// Average connection over 30 days (stored in `relationship_analytics`).
    pub average_connection_30: Option<f64>,
    /// Average satisfaction over 7 days.
    pub average_satisfaction_7: Option<f64>,
    /// Average satisfaction over 30 days (stored).
    pub average_satisfaction_30: Option<f64>,
    /// Consecutive days both checked in.
    pub checkin_streak: i64,
    /// Days of the last 30 on which both checked in.
    pub shared_days_30: i64,
    /// Activities completed this month.
    pub activities_completed_this_month: i64,
    /// 0–100, `None` until there is a check-in in the last 30 days.
    pub overall_health_score: Option<f64>,
}

/// Summarises a relationship on `facts.date`. See `docs/rules.md` for each formula.
pub fn summarize(facts: &RelationshipFacts<'_>) -> RelationshipSummary {
    let today = facts.date;
    // Check-ins all on or before the day (as the store reads them) are used as they are, not copied.
    let upto: std::borrow::Cow<'_, [CheckinFact]> =
        if facts.checkins.iter().all(|c| c.date <= today) {
            std::borrow::Cow::Borrowed(facts.checkins)
        } else {
            facts
                .checkins
                .iter()
                .filter(|c| c.date <= today)
                .cloned()
                .collect()
        };
    let since = facts.start_date.unwrap_or(facts.created_date);
    let days_together = if today < since {
        0
    } else {
        i64::from((today - since).get_days())
    };
    let first_of_30 = today.checked_sub(29.days()).unwrap_or(today);
    // The shared days serve both the 30-day consistency and the streak: computed once.
    let shared = shared_days(facts.members, &upto);
    let shared_days_30 = shared.range(first_of_30..=today).count() as i64;
    let average_connection_30 = average(&upto, today, 30, |c| c.connection);
    let average_satisfaction_30 = average(&upto, today, 30, |c| c.satisfaction);
    let overall_health_score = match (average_connection_30, average_satisfaction_30) {
        (Some(connection), Some(satisfaction)) => Some(health_score(
            connection,
            satisfaction,
            shared_days_30,
            facts.activities_completed_this_month,
        )),
        _ => None,
    };
    RelationshipSummary {
        date: today,
        days_together,
        average_connection_7: average(&upto, today, 7, |c| c.connection),
        average_connection_30,
        average_satisfaction_7: average(&upto, today, 7, |c| c.satisfaction),
        average_satisfaction_30,
        checkin_streak: streak_in(&shared, today),
        shared_days_30,
        activities_completed_this_month: facts.activities_completed_this_month,
        overall_health_score,
    }
}

/// The health score's parts, in percent of the score: the app's explanation of the score is
/// written from these, so it says what the formula does.
pub mod health_weights {
    /// The 30-day average connection.
    pub const CONNECTION: u8 = 35;
    /// The 30-day average satisfaction.
    pub const SATISFACTION: u8 = 35;
    /// Consistency: the days of the last 30 on which both partners checked in.
    pub const CONSISTENCY: u8 = 20;
    /// Activities done together this month.
    pub const ACTIVITIES: u8 = 10;
    /// Activities a month that give full marks for activities.
    pub const FULL_ACTIVITIES: i64 = 4;
}

/// 0–100: 35% connection, 35% satisfaction (30-day averages mapped from 1–10 to 0–100), 20%
/// consistency (shared check-in days of the last 30) and 10% shared activities (4 a month is full
/// marks); see [`health_weights`]. Rounded to two decimals.
pub fn health_score(
    connection_30: f64,
    satisfaction_30: f64,
    shared_days_30: i64,
    activities_this_month: i64,
) -> f64 {
    use health_weights as w;
    let scale = |score: f64| ((score - 1.0) / 9.0 * 100.0).clamp(0.0, 100.0);
    let weight = |percent: u8| f64::from(percent) / 100.0;
    let consistency = (shared_days_30.clamp(0, 30) as f64) / 30.0 * 100.0;
    let activity = (activities_this_month.clamp(0, w::FULL_ACTIVITIES) as f64)
        / (w::FULL_ACTIVITIES as f64)
        * 100.0;
    round2(
        weight(w::CONNECTION) * scale(connection_30)
            + weight(w::SATISFACTION) * scale(satisfaction_30)
            + weight(w::CONSISTENCY) * consistency
            + weight(w::ACTIVITIES) * activity,
    )
}

/// A person's engagement on one day, 0–100: 50 for checking in, 10 per activity they took part in
/// (at most 30), 5 per kind of feature used (at most 20).
pub fn engagement_score(checked_in: bool, activities_logged: i64, features_used: i64) -> i64 {
    let checkin = if checked_in { 50 } else { 0 };
    checkin + (activities_logged.max(0) * 10).min(30) + (features_used.max(0) * 5).min(20)
}

/// The occurrence of an important date that a reminder on `today` is about, if one is due: the
/// next occurrence (this year's or next year's for a recurring date; February 29 falls on
/// February 28 in other years) within `days_before` days from `today`, today included.
pub fn reminder_due(
    date_value: Date,
    recurring: bool,
    days_before: i64,
    today: Date,
) -> Option<Date> {
    let occurrence = if recurring {
        let in_year = |year: i16| {
            Date::new(year, date_value.month(), date_value.day())
                .or_else(|_| Date::new(year, date_value.month(), date_value.day() - 1))
                .ok()
        };
        let this_year = in_year(today.year())?;
        if this_year >= today {
            this_year
        } else {
            in_year(today.year() + 1)?
        }
    } else {
        date_value
    };
    let until = i64::from((occurrence - today).get_days());
    (occurrence >= today && until <= days_before).then_some(occurrence)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn fact(user: &str, d: Date, score: i64) -> CheckinFact {
        CheckinFact {
            user_id: user.into(),
            date: d,
            connection: score,
            satisfaction: score,
        }
    }

    fn couple() -> Vec<String> {
        vec!["auckland".into(), "honolulu".into()]
    }

    #[test]
    fn partners_23_hours_apart_keep_their_streak_on_their_own_local_dates() {
        // Alice in Pacific/Auckland (UTC+13) and Bob in Pacific/Honolulu (UTC−10) each check in
        // once a day around 08:00 local. At the same instant their local dates differ by one, but
        // each local date gets both check-ins, so every day counts.
        let checkins_at_8am = |user: &str, zone: &str| -> Vec<CheckinFact> {
            let tz = jiff::tz::TimeZone::get(zone).unwrap();
            (0..10)
                .map(|i| {
                    let local = date(2026, 11, 20)
                        .checked_add(i.days())
                        .unwrap()
                        .at(8, 0, 0, 0);
                    let instant = local.to_zoned(tz.clone()).unwrap().timestamp();
                    fact(user, instant.to_zoned(tz.clone()).date(), 7)
                })
                .collect()
        };
        let mut all = checkins_at_8am("auckland", "Pacific/Auckland");
        all.extend(checkins_at_8am("honolulu", "Pacific/Honolulu"));
        assert_eq!(streak(&couple(), &all, date(2026, 11, 29)), 10);
        assert_eq!(shared_days(&couple(), &all).len(), 10);
        // The scenario is real: Alice's 08:00 on the 21st is Bob's 09:00 on the 20th.
        let alice_morning = date(2026, 11, 21)
            .at(8, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::get("Pacific/Auckland").unwrap())
            .unwrap();
        let bob_zone = jiff::tz::TimeZone::get("Pacific/Honolulu").unwrap();
        assert_eq!(
            alice_morning.timestamp().to_zoned(bob_zone).date(),
            date(2026, 11, 20)
        );
    }

    #[test]
    fn an_open_day_does_not_break_the_streak_but_a_missed_one_does() {
        let mut all = Vec::new();
        for d in 1..=5 {
            all.push(fact("auckland", date(2026, 3, d), 7));
            all.push(fact("honolulu", date(2026, 3, d), 7));
        }
        // Today (the 6th) only one has checked in so far: the streak still stands at 5.
        all.push(fact("auckland", date(2026, 3, 6), 7));
        assert_eq!(streak(&couple(), &all, date(2026, 3, 6)), 5);
        // Once the 6th is over without the second check-in, the 7th starts from zero.
        assert_eq!(streak(&couple(), &all, date(2026, 3, 7)), 0);
        // A day when only one partner checked in is not a shared day.
        assert_eq!(shared_days(&couple(), &all).len(), 5);
    }

    #[test]
    fn a_person_alone_has_a_streak_of_their_own() {
        let me = vec!["solo".to_owned()];
        let all: Vec<_> = (1..=3).map(|d| fact("solo", date(2026, 1, d), 5)).collect();
        assert_eq!(streak(&me, &all, date(2026, 1, 3)), 3);
    }

    #[test]
    fn averages_cover_exactly_their_window() {
        let all = vec![
            fact("a", date(2026, 1, 1), 2),  // outside 7 days of Jan 10, inside 30
            fact("a", date(2026, 1, 4), 10), // first day of the 7-day window
            fact("b", date(2026, 1, 10), 6),
            fact("a", date(2026, 1, 11), 1), // after the day: ignored
        ];
        assert_eq!(
            average(&all, date(2026, 1, 10), 7, |c| c.connection),
            Some(8.0)
        );
        assert_eq!(
            average(&all, date(2026, 1, 10), 30, |c| c.connection),
            Some(6.0)
        );
        assert_eq!(average(&all, date(2025, 1, 1), 30, |c| c.connection), None);
    }

    #[test]
    fn health_score_weights_its_parts() {
        assert_eq!(health_score(10.0, 10.0, 30, 4), 100.0);
        assert_eq!(health_score(1.0, 1.0, 0, 0), 0.0);
        // Middle scores (5.5 → 50), half the days, two activities.
        assert_eq!(health_score(5.5, 5.5, 15, 2), 50.0);
    }

    #[test]
    fn summary_of_a_day() {
        let members = couple();
        let all = vec![
            fact("auckland", date(2026, 11, 24), 8),
            fact("honolulu", date(2026, 11, 24), 6),
            fact("auckland", date(2026, 11, 25), 9),
            fact("honolulu", date(2026, 11, 25), 7),
        ];
        let summary = summarize(&RelationshipFacts {
            date: date(2026, 11, 25),
            members: &members,
            start_date: Some(date(2026, 11, 1)),
            created_date: date(2026, 11, 20),
            checkins: &all,
            activities_completed_this_month: 1,
        });
        assert_eq!(summary.days_together, 24);
        assert_eq!(summary.checkin_streak, 2);
        assert_eq!(summary.average_connection_30, Some(7.5));
        assert_eq!(summary.shared_days_30, 2);
        let expected = health_score(7.5, 7.5, 2, 1);
        assert_eq!(summary.overall_health_score, Some(expected));
    }

    #[test]
    fn reminders_fall_due_n_days_before_each_occurrence() {
        let anniversary = date(2019, 6, 1);
        assert_eq!(
            reminder_due(anniversary, true, 7, date(2026, 5, 25)),
            Some(date(2026, 6, 1))
        );
        assert_eq!(
            reminder_due(anniversary, true, 7, date(2026, 5, 24)),
            None,
            "8 days before"
        );
        assert_eq!(
            reminder_due(anniversary, true, 7, date(2026, 6, 1)),
            Some(date(2026, 6, 1)),
            "the day itself"
        );
        assert_eq!(
            reminder_due(anniversary, true, 7, date(2026, 6, 2)),
            None,
            "past this year"
        );
        // Late December reminds of early January's date next year.
        assert_eq!(
            reminder_due(date(2020, 1, 2), true, 5, date(2026, 12, 30)),
            Some(date(2027, 1, 2))
        );
        // A one-off date only once.
        assert_eq!(
            reminder_due(date(2026, 7, 10), false, 3, date(2026, 7, 8)),
            Some(date(2026, 7, 10))
        );
        assert_eq!(
            reminder_due(date(2026, 7, 10), false, 3, date(2027, 7, 8)),
            None
        );
        // Born on February 29: reminded on the 28th in ordinary years.
        assert_eq!(
            reminder_due(date(2000, 2, 29), true, 0, date(2027, 2, 28)),
            Some(date(2027, 2, 28))
        );
    }

    #[test]
    fn engagement_is_bounded() {
        assert_eq!(engagement_score(true, 1, 2), 70);
        assert_eq!(engagement_score(true, 9, 9), 100);
        assert_eq!(engagement_score(false, 0, 0), 0);
    }
}
