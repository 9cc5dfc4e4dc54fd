//! The built-in content: challenges a couple can take on, and the achievements they can earn.
//! Ids are derived from each entry's slug, so they are the same on every device and in every
//! version; `CATALOG_VERSION` changes whenever an entry does, so devices refresh their copy.

use crate::ids::derived;

/// Bumped whenever an entry below changes.
pub const CATALOG_VERSION: i64 = 2;

/// A challenge template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeTemplate {
    /// Stable short name.
    pub slug: &'static str,
    /// Title.
    pub name: &'static str,
    /// `daily`, `weekly`, `one_time`, `streak`.
    pub challenge_type: &'static str,
    /// `easy`, `medium`, `hard`.
    pub difficulty: &'static str,
    /// `communication`, `gratitude`, `quality_time`, `adventure`, `intimacy`, `growth`, `wellness`, `fun`.
    pub category: &'static str,
    /// How long it runs, in days: progress is the share of those days with an entry.
    pub duration_days: i64,
    /// What to do.
    pub instructions: &'static str,
}

impl ChallengeTemplate {
    /// The challenge's id (the same everywhere).
    pub fn id(&self) -> String {
        derived(&["challenge", self.slug]).to_string()
    }

    /// Whether it is done once ("Catch a sunrise"): one completed entry completes it, and its
    /// days are the window to do it in.
    pub fn is_one_time(&self) -> bool {
        self.challenge_type == "one_time"
    }
}

/// What earns an achievement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// At least this many check-ins by either partner.
    Checkins(i64),
    /// A check-in streak (both partners, each on their own day) of at least this many days.
    Streak(i64),
    /// At least this many activities completed.
    ActivitiesCompleted(i64),
    /// At least this many goals completed.
    GoalsCompleted(i64),
    /// At least this many talk-log entries.
    Conversations(i64),
    /// At least this many important dates saved.
    ImportantDates(i64),
    /// At least this many challenges completed.
    ChallengesCompleted(i64),
    /// Both partners have joined.
    Paired,
    /// At least this many days since the couple got together (their start date, else the day
    /// they started in the app).
    DaysTogether(i64),
}

/// An achievement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AchievementTemplate {
    /// Stable short name.
    pub slug: &'static str,
    /// Title.
    pub name: &'static str,
    /// `checkin`, `streak`, `activity`, `goal`, `challenge`, `communication`, `milestone`.
    pub achievement_type: &'static str,
    /// `consistency`, `connection`, `adventure`, `growth`, `celebration`.
    pub category: &'static str,
    /// Points.
    pub points: i64,
    /// What earns it.
    pub criterion: Criterion,
}

impl AchievementTemplate {
    /// The achievement's id (the same everywhere).
    pub fn id(&self) -> String {
        derived(&["achievement", self.slug]).to_string()
    }
}

macro_rules! challenge {
    ($slug:literal, $name:literal, $kind:literal, $difficulty:literal, $category:literal, $days:literal, $text:literal) => {
        ChallengeTemplate {
            slug: $slug,
            name: $name,
            challenge_type: $kind,
            difficulty: $difficulty,
            category: $category,
            duration_days: $days,
            instructions: $text,
        }
    };
}

/// The challenges.
pub const CHALLENGES: &[ChallengeTemplate] = &[
    challenge!(
        "gratitude-week",
        "Seven days of thanks",
        "daily",
        "easy",
        "gratitude",
        7,
        "Each day, tell your partner one specific thing they did that you are grateful for, and write it down here."
    ),
    challenge!(
        "phone-free-dinners",
        "Phone-free dinners",
        "daily",
        "medium",
        "quality_time",
        7,
        "Eat dinner together with both phones in another room for a week. Note one thing you talked about."
    ),
    challenge!(
        "36-questions",
        "The 36 questions",
        "one_time",
        "medium",
        "intimacy",
        3,
        "Over three evenings, take turns asking the 36 questions that lead to closeness, twelve per evening."
    ),
    challenge!(
        "love-notes",
        "Hidden love notes",
        "daily",
        "easy",
        "fun",
        5,
        "Hide a short note where your partner will find it, every day for five days."
    ),
    challenge!(
        "weekly-date",
        "A date every week",
        "weekly",
        "medium",
        "quality_time",
        28,
        "Plan one date each week for four weeks, taking turns to choose. Log each one."
    ),
    challenge!(
        "walk-and-talk",
        "Walk and talk",
        "daily",
        "easy",
        "wellness",
        14,
        "Take a 20-minute walk together every day for two weeks, without headphones."
    ),
    challenge!(
        "appreciation-jar",
        "Appreciation jar",
        "daily",
        "easy",
        "gratitude",
        30,
        "Drop one note of appreciation into a shared jar every day this month; read them together at the end."
    ),
    challenge!(
        "new-recipe",
        "Cook something new",
        "weekly",
        "easy",
        "fun",
        28,
        "Cook a recipe neither of you has made before, once a week for four weeks."
    ),
    challenge!(
        "dream-board",
        "Our dream board",
        "one_time",
        "medium",
        "growth",
        7,
        "Spend an evening making a board of places, plans and hopes for the next five years."
    ),
    challenge!(
        "active-listening",
        "Listen, then reflect",
        "daily",
        "medium",
        "communication",
        7,
        "Each day, one speaks for five minutes about their day; the other reflects back what they heard before answering."
    ),
    challenge!(
        "no-complaints",
        "A week without complaints",
        "streak",
        "hard",
        "communication",
        7,
        "Replace every complaint with a request for a week. Note how it went each day."
    ),
    challenge!(
        "micro-adventures",
        "Micro-adventures",
        "weekly",
        "medium",
        "adventure",
        28,
        "Once a week, go somewhere within an hour of home that neither of you has been to."
    ),
    challenge!(
        "six-second-kiss",
        "The six-second kiss",
        "daily",
        "easy",
        "intimacy",
        14,
        "Kiss for at least six seconds when you part and when you meet again, every day for two weeks."
    ),
    challenge!(
        "budget-date",
        "The ten-euro date",
        "one_time",
        "easy",
        "fun",
        7,
        "Plan a full date for two on a budget of ten euros (or dollars). Share the best moment."
    ),
    challenge!(
        "screen-free-sunday",
        "Screen-free Sundays",
        "weekly",
        "medium",
        "quality_time",
        28,
        "Keep Sundays screen-free for four weeks and fill them with something you both enjoy."
    ),
    challenge!(
        "learn-together",
        "Learn something together",
        "weekly",
        "hard",
        "growth",
        42,
        "Pick a skill (a language, a dance, an instrument) and practise it together weekly for six weeks."
    ),
    challenge!(
        "morning-check-in",
        "Morning check-in",
        "daily",
        "easy",
        "communication",
        14,
        "Before looking at any screen, ask each other how you slept and what today needs. Two weeks."
    ),
    challenge!(
        "memory-lane",
        "Memory lane",
        "daily",
        "easy",
        "gratitude",
        7,
        "Each day share a favourite memory of your time together that the other might have forgotten."
    ),
    challenge!(
        "sunrise",
        "Catch a sunrise",
        "one_time",
        "medium",
        "adventure",
        14,
        "Within two weeks, get up early and watch a sunrise together somewhere beautiful."
    ),
    challenge!(
        "stress-reducing-talk",
        "The stress-reducing conversation",
        "daily",
        "medium",
        "communication",
        10,
        "Spend 20 minutes a day talking about stress outside the relationship; take your partner's side."
    ),
    challenge!(
        "acts-of-service",
        "Seven acts of service",
        "daily",
        "easy",
        "intimacy",
        7,
        "Do one unasked-for chore or favour for your partner every day for a week."
    ),
    challenge!(
        "fitness-buddies",
        "Fitness buddies",
        "weekly",
        "medium",
        "wellness",
        28,
        "Exercise together at least twice a week for four weeks; log each session."
    ),
    challenge!(
        "love-map",
        "Update your love map",
        "one_time",
        "easy",
        "communication",
        3,
        "Ask each other about current worries, hopes and friends: what has changed in the last year?"
    ),
    challenge!(
        "digital-detox-weekend",
        "Digital detox weekend",
        "one_time",
        "hard",
        "quality_time",
        3,
        "Spend a whole weekend offline together. Plan it, live it, then write what you noticed."
    ),
];

macro_rules! achievement {
    ($slug:literal, $name:literal, $kind:literal, $category:literal, $points:literal, $criterion:expr) => {
        AchievementTemplate {
            slug: $slug,
            name: $name,
            achievement_type: $kind,
            category: $category,
            points: $points,
            criterion: $criterion,
        }
    };
}

/// The achievements.
pub const ACHIEVEMENTS: &[AchievementTemplate] = &[
    achievement!(
        "first-checkin",
        "First check-in",
        "checkin",
        "consistency",
        10,
        Criterion::Checkins(1)
    ),
    achievement!(
        "hundred-checkins",
        "A hundred check-ins",
        "checkin",
        "consistency",
        50,
        Criterion::Checkins(100)
    ),
    achievement!(
        "paired",
        "Better together",
        "milestone",
        "celebration",
        20,
        Criterion::Paired
    ),
    achievement!(
        "streak-7",
        "One week strong",
        "streak",
        "consistency",
        25,
        Criterion::Streak(7)
    ),
    achievement!(
        "streak-30",
        "A month of mornings",
        "streak",
        "consistency",
        75,
        Criterion::Streak(30)
    ),
    achievement!(
        "hundred-days",
        "A hundred days together",
        "milestone",
        "celebration",
        50,
        Criterion::DaysTogether(100)
    ),
    achievement!(
        "streak-100",
        "A hundred-day streak",
        "streak",
        "consistency",
        200,
        Criterion::Streak(100)
    ),
    achievement!(
        "first-activity",
        "First adventure",
        "activity",
        "adventure",
        10,
        Criterion::ActivitiesCompleted(1)
    ),
    achievement!(
        "ten-activities",
        "Ten shared adventures",
        "activity",
        "adventure",
        50,
        Criterion::ActivitiesCompleted(10)
    ),
    achievement!(
        "goal-reached",
        "Goal reached",
        "goal",
        "growth",
        40,
        Criterion::GoalsCompleted(1)
    ),
    achievement!(
        "five-goals",
        "Dream team",
        "goal",
        "growth",
        120,
        Criterion::GoalsCompleted(5)
    ),
    achievement!(
        "ten-talks",
        "Ten honest talks",
        "communication",
        "connection",
        40,
        Criterion::Conversations(10)
    ),
    achievement!(
        "dates-keeper",
        "Keeper of dates",
        "milestone",
        "celebration",
        10,
        Criterion::ImportantDates(3)
    ),
    achievement!(
        "first-challenge",
        "Challenge accepted",
        "challenge",
        "growth",
        30,
        Criterion::ChallengesCompleted(1)
    ),
];

/// The challenge with this id.
pub fn challenge(id: &str) -> Option<&'static ChallengeTemplate> {
    CHALLENGES.iter().find(|c| c.id() == id)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_catalogue_is_rich_and_its_ids_unique() {
        assert!(CHALLENGES.len() >= 20);
        let ids: BTreeSet<_> = CHALLENGES.iter().map(|c| c.id()).collect();
        assert_eq!(ids.len(), CHALLENGES.len());
        let ids: BTreeSet<_> = ACHIEVEMENTS.iter().map(|a| a.id()).collect();
        assert_eq!(ids.len(), ACHIEVEMENTS.len());
        for c in CHALLENGES {
            assert!(
                c.duration_days >= 1 && !c.instructions.is_empty(),
                "{}",
                c.slug
            );
        }
    }
}
