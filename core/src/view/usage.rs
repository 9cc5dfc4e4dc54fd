//! What the device records about how it is used (issue #15 §1): the closed list of screens the UI
//! may report, and "Your data", the summary Settings shows the person.
//!
//! Architecture invariant: these records stay on the device. Only [`crate::wire::usage`] leaves it,
//! and only when the person opted in.

use serde::{Deserialize, Serialize};

use crate::wire::usage::UsageFeature;

/// A screen of the app, as the UI reports it when it is shown: a closed list, so nothing but a
/// known word is ever stored as a `page_views.page_path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsageScreen {
    /// Onboarding (before a profile exists).
    Onboarding,
    /// Today: the check-in.
    Today,
    /// The question of the day and its history.
    Questions,
    /// Partner quizzes ("how well do you know me", "this or that").
    Quizzes,
    /// History and insights.
    History,
    /// Activities.
    Activities,
    /// Goals.
    Goals,
    /// Important dates.
    Dates,
    /// The talk log.
    Talk,
    /// Challenges and achievements.
    Challenges,
    /// Notifications.
    Inbox,
    /// The partner: invite, join.
    Partner,
    /// Premium.
    Premium,
    /// Settings.
    Settings,
    /// The love-language quiz.
    LoveQuiz,
}

impl UsageScreen {
    /// Every screen, in navigation order.
    pub const ALL: [UsageScreen; 15] = [
        UsageScreen::Onboarding,
        UsageScreen::Today,
        UsageScreen::Questions,
        UsageScreen::Quizzes,
        UsageScreen::History,
        UsageScreen::Activities,
        UsageScreen::Goals,
        UsageScreen::Dates,
        UsageScreen::Talk,
        UsageScreen::Challenges,
        UsageScreen::Inbox,
        UsageScreen::Partner,
        UsageScreen::Premium,
        UsageScreen::Settings,
        UsageScreen::LoveQuiz,
    ];

    /// The screen's name, as stored in `page_views.page_path` and sent by the UI (the UI's
    /// screen slug).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Onboarding => "onboarding",
            Self::Today => "today",
            Self::Questions => "questions",
            Self::Quizzes => "quizzes",
            Self::History => "history",
            Self::Activities => "activities",
            Self::Goals => "goals",
            Self::Dates => "dates",
            Self::Talk => "talk",
            Self::Challenges => "challenges",
            Self::Inbox => "inbox",
            Self::Partner => "partner",
            Self::Premium => "premium",
            Self::Settings => "settings",
            Self::LoveQuiz => "love-quiz",
        }
    }

    /// The screen named `name`, if it is one of the list.
    pub fn parse(name: &str) -> Option<UsageScreen> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The feature time on this screen counts for in an opt-in report; `None` for screens no
    /// feature owns (onboarding, the inbox, the partner screen), which are never reported.
    pub fn feature(self) -> Option<UsageFeature> {
        match self {
            Self::Today => Some(UsageFeature::Checkin),
            Self::Questions => Some(UsageFeature::Question),
            Self::Quizzes => Some(UsageFeature::Quiz),
            Self::History => Some(UsageFeature::History),
            Self::Activities => Some(UsageFeature::Activities),
            Self::Goals => Some(UsageFeature::Goals),
            Self::Dates => Some(UsageFeature::Dates),
            Self::Talk => Some(UsageFeature::TalkLog),
            Self::Challenges => Some(UsageFeature::Challenges),
            Self::Premium => Some(UsageFeature::Premium),
            Self::Settings => Some(UsageFeature::Settings),
            Self::LoveQuiz => Some(UsageFeature::LoveLanguages),
            Self::Onboarding | Self::Inbox | Self::Partner => None,
        }
    }
}

/// How many days "Your data" looks back.
pub const USAGE_SUMMARY_DAYS: i64 = 30;

/// A count with its name (a screen, an event category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCount {
    /// What is counted.
    pub name: String,
    /// How many.
    pub count: i64,
}

/// "Your data" in Settings (and `together analytics status`): what this device recorded about the
/// person in the last [`USAGE_SUMMARY_DAYS`] days, and whether any of it is shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UsageSummary {
    /// Whether the person opted in to the daily upload of counts.
    pub enabled: bool,
    /// Sessions started.
    pub sessions: i64,
    /// Screens viewed.
    pub screens_viewed: i64,
    /// Screens viewed, by screen, most viewed first.
    pub screens: Vec<NamedCount>,
    /// Events recorded (a check-in saved, a goal progressed…).
    pub events: i64,
    /// Events by category, most frequent first.
    pub events_by_category: Vec<NamedCount>,
    /// Seconds spent in the app (the sum of the sessions' durations).
    pub seconds_in_app: i64,
    /// When this device last uploaded a day's counts (RFC 3339), if ever.
    pub last_upload: Option<String>,
}

/// The one sentence Settings shows beside the opt-in switch: what is shared when it is on.
pub const USAGE_SHARING_SENTENCE: &str = "When on, once a day this device sends the server, for \
    each feature, how many times you used it, the minutes spent and whether you completed it — no \
    name, account, partner or content, and a new random key each day so days cannot be linked.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_names_round_trip_and_unknown_names_are_refused() {
        for screen in UsageScreen::ALL {
            assert_eq!(UsageScreen::parse(screen.as_str()), Some(screen));
            let json = serde_json::to_string(&screen).unwrap();
            assert_eq!(json, format!("\"{}\"", screen.as_str()));
        }
        // The Quizzes screen (added beside this list once, and refused until it joined it).
        assert_eq!(
            UsageScreen::parse("quizzes").and_then(UsageScreen::feature),
            Some(UsageFeature::Quiz)
        );
        assert_eq!(UsageScreen::parse("../etc/passwd"), None);
        assert_eq!(UsageScreen::parse("Today"), None);
    }
}
