//! The Today screen.

use serde::{Deserialize, Serialize};

use super::records::{ChallengeView, CheckinView};
use super::words::counted;

/// What the Today screen shows: the greeting, the person's check-in, the partner's (revealed once
/// both answered), the streak, reminders and a suggestion.
///
/// `display_name` is `None` until the person has set up a profile; the UI then shows onboarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodayView {
    /// The local person's display name, once they have set up a profile.
    pub display_name: Option<String>,
    /// Today's date for the person, as `YYYY-MM-DD`, so the screen shows which day a check-in is for.
    pub local_date: String,
    /// The same day written for people, such as "Wednesday, November 25".
    pub date_label: String,
    /// The person's check-in today, once saved.
    pub my_checkin: Option<CheckinView>,
    /// The partner's side of today.
    pub partner: PartnerToday,
    /// Consecutive days both partners checked in.
    pub streak: i64,
    /// Upcoming dates due a reminder, as sentences.
    pub reminders: Vec<String>,
    /// A challenge to try, when the couple has none running.
    pub suggestion: Option<ChallengeView>,
    /// A small gesture for today in the partner's love language, once they gave one.
    #[serde(default)]
    pub gesture: Option<GestureIdea>,
}

/// Today's idea for speaking the partner's love language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GestureIdea {
    /// The partner's name.
    pub partner_name: String,
    /// Their primary love language, as people read it ("Quality time").
    pub language: String,
    /// The idea ("Take a walk together after dinner.").
    pub idea: String,
}

/// The partner's side of today, with the reveal rule applied: their answers are shown only once
/// the person has checked in too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PartnerToday {
    /// No partner yet: the app works alone.
    Alone,
    /// The partner has not checked in today.
    Waiting {
        /// Partner's name.
        name: String,
    },
    /// The partner checked in; revealed once the person does too.
    Sealed {
        /// Partner's name.
        name: String,
    },
    /// Both checked in: the partner's answers.
    Revealed {
        /// Partner's name.
        name: String,
        /// Their check-in.
        checkin: CheckinView,
    },
}

impl TodayView {
    /// The headline the Today screen shows: a greeting by name, or the invitation to set up a profile.
    ///
    /// It lives here, not in a component, so the shell, the UI and tests agree on the exact words.
    pub fn headline(&self) -> String {
        match &self.display_name {
            Some(name) => format!("Hello, {name}"),
            None => "Welcome! Set up your profile to get started.".to_owned(),
        }
    }

    /// The streak in words that fit the person's situation: alone, the streak is theirs ("You
    /// checked in 3 days in a row"); with a partner it counts the days both checked in, and a new
    /// couple's zero reads as a start, not as a streak lost.
    pub fn streak_sentence(&self) -> String {
        let alone = matches!(self.partner, PartnerToday::Alone);
        match (alone, self.streak) {
            (true, n) if n <= 0 => "Check in each day to start a streak.".to_owned(),
            (true, n) => format!("You checked in {} in a row.", counted(n, "day", "days")),
            (false, n) if n <= 0 => {
                "Your streak together starts on the first day you both check in.".to_owned()
            }
            (false, n) => format!("{} in a row together", counted(n, "day", "days")),
        }
    }

    /// A view of a day with nothing in it yet.
    pub fn empty(local_date: String, date_label: String) -> Self {
        Self {
            display_name: None,
            local_date,
            date_label,
            my_checkin: None,
            partner: PartnerToday::Alone,
            streak: 0,
            reminders: Vec::new(),
            suggestion: None,
            gesture: None,
        }
    }
}

impl PartnerToday {
    /// The sentence under the partner's card.
    pub fn sentence(&self) -> String {
        match self {
            Self::Alone => "Invite your partner to share check-ins.".to_owned(),
            Self::Waiting { name } => format!("{name} hasn’t checked in yet today."),
            Self::Sealed { name } => {
                format!("{name} has checked in. Check in to see their answers.")
            }
            Self::Revealed { name, .. } => format!("{name}’s check-in"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> TodayView {
        TodayView::empty("2026-11-25".into(), "Wednesday, November 25".into())
    }

    #[test]
    fn headline_greets_by_name_once_a_profile_exists() {
        let view = TodayView {
            display_name: Some("Alice".into()),
            ..day()
        };
        assert_eq!(view.headline(), "Hello, Alice");
        assert!(day().headline().contains("Set up your profile"));
    }

    #[test]
    fn today_view_round_trips_through_json() {
        let view = TodayView {
            display_name: Some("Zoë".into()),
            partner: PartnerToday::Sealed { name: "Sam".into() },
            streak: 3,
            reminders: vec!["Anniversary in 2 days".into()],
            ..day()
        };
        let json = serde_json::to_string(&view).unwrap();
        assert!(json.contains(r#""state":"sealed""#), "{json}");
        assert_eq!(serde_json::from_str::<TodayView>(&json).unwrap(), view);
    }

    #[test]
    fn the_streak_reads_right_alone_and_as_a_couple() {
        let alone = |streak| TodayView { streak, ..day() }.streak_sentence();
        assert_eq!(alone(0), "Check in each day to start a streak.");
        assert_eq!(alone(1), "You checked in 1 day in a row.");
        assert_eq!(alone(3), "You checked in 3 days in a row.");
        let paired = |streak| {
            TodayView {
                streak,
                partner: PartnerToday::Waiting { name: "Sam".into() },
                ..day()
            }
            .streak_sentence()
        };
        // A couple that just paired has no streak together yet: a start, not a loss.
        assert!(paired(0).contains("starts"), "{}", paired(0));
        assert_eq!(paired(1), "1 day in a row together");
        assert_eq!(paired(4), "4 days in a row together");
        for n in [0, 1, 2] {
            assert!(!alone(n).contains("together"), "{}", alone(n));
        }
    }

    #[test]
    fn the_partner_sentence_never_shows_answers_before_reveal() {
        let sealed = PartnerToday::Sealed { name: "Sam".into() };
        assert!(sealed.sentence().contains("Check in to see"));
        assert!(PartnerToday::Alone.sentence().contains("Invite"));
    }
}
