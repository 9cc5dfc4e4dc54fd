//! The screens, one module each, and how the navigation groups them.
//!
//! Thirteen screens do not fit a phone's width, so they are grouped in five sections (Today · Us ·
//! Plans · Inbox · More): the sections are the main navigation (a bar at the bottom below 600 px),
//! and the screens of the current section are tabs under the top bar. The love-language quiz is
//! a screen of its own that no tab names: onboarding and Settings open it.

pub mod activities;
pub mod challenges;
pub mod dates;
pub mod goals;
pub mod history;
pub mod ideas;
pub mod inbox;
pub mod love_quiz;
pub mod onboarding;
pub mod pairing;
pub mod premium;
pub mod questions;
pub mod quizzes;
pub mod settings;
pub mod talk;
pub mod today;
pub mod your_data;

use leptos::prelude::*;
use together_core::view::{AppOverview, UsageScreen};

/// A screen of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Check-in, the partner's answers, the question of the day, streak, reminders.
    Today,
    /// Past questions with both answers, search, packs.
    Questions,
    /// Partner quizzes: "how well do you know me" and "this or that".
    Quizzes,
    /// Charts, heat map, analytics.
    History,
    /// Plan, complete, rate.
    Activities,
    /// Shared goals.
    Goals,
    /// Important dates.
    Dates,
    /// Talk log.
    Talk,
    /// Challenges and achievements.
    Challenges,
    /// Notifications.
    Inbox,
    /// The partner: invite, join.
    Partner,
    /// Plans.
    Premium,
    /// Profile, sync, devices, export, account.
    Settings,
    /// The love-language quiz (from onboarding or Settings; no tab of its own).
    LoveQuiz,
}

impl Screen {
    /// The section the screen belongs to.
    pub fn group(self) -> Group {
        match self {
            Self::Today | Self::Questions | Self::Quizzes => Group::Today,
            Self::Partner | Self::History | Self::Talk | Self::Challenges => Group::Us,
            Self::Activities | Self::Goals | Self::Dates => Group::Plans,
            Self::Inbox => Group::Inbox,
            Self::Premium | Self::Settings | Self::LoveQuiz => Group::More,
        }
    }

    /// The navigation label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Today => "Today",
            Self::Questions => "Questions",
            Self::Quizzes => "Quizzes",
            Self::History => "History",
            Self::Activities => "Activities",
            Self::Goals => "Goals",
            Self::Dates => "Dates",
            Self::Talk => "Talk log",
            Self::Challenges => "Challenges",
            Self::Inbox => "Inbox",
            Self::Partner => "Partner",
            Self::Premium => "Premium",
            Self::Settings => "Settings",
            Self::LoveQuiz => "Love languages",
        }
    }

    /// Used in element ids (`nav-…`, `screen-…`).
    pub fn slug(self) -> &'static str {
        match self {
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

    /// The screen in the device's usage records (core's closed list): a match, so a new screen
    /// cannot be left out of them.
    pub fn usage(self) -> UsageScreen {
        match self {
            Self::Today => UsageScreen::Today,
            Self::Questions => UsageScreen::Questions,
            Self::Quizzes => UsageScreen::Quizzes,
            Self::History => UsageScreen::History,
            Self::Activities => UsageScreen::Activities,
            Self::Goals => UsageScreen::Goals,
            Self::Dates => UsageScreen::Dates,
            Self::Talk => UsageScreen::Talk,
            Self::Challenges => UsageScreen::Challenges,
            Self::Inbox => UsageScreen::Inbox,
            Self::Partner => UsageScreen::Partner,
            Self::Premium => UsageScreen::Premium,
            Self::Settings => UsageScreen::Settings,
            Self::LoveQuiz => UsageScreen::LoveQuiz,
        }
    }
}

/// A section of the navigation: a few screens that belong together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The day: check-in, question, gestures, the quizzes (their pairs are the day's too).
    Today,
    /// The two of you: the partner, history, talk log, challenges.
    Us,
    /// What you plan: activities, goals, dates.
    Plans,
    /// Notifications.
    Inbox,
    /// Premium and settings.
    More,
}

impl Group {
    /// In navigation order.
    pub const ALL: [Self; 5] = [Self::Today, Self::Us, Self::Plans, Self::Inbox, Self::More];

    /// The section's tabs, in order; the first opens when the section is chosen.
    pub fn screens(self) -> &'static [Screen] {
        match self {
            Self::Today => &[Screen::Today, Screen::Questions, Screen::Quizzes],
            Self::Us => &[
                Screen::Partner,
                Screen::History,
                Screen::Talk,
                Screen::Challenges,
            ],
            Self::Plans => &[Screen::Activities, Screen::Goals, Screen::Dates],
            Self::Inbox => &[Screen::Inbox],
            Self::More => &[Screen::Settings, Screen::Premium],
        }
    }

    /// The navigation label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Today => "Today",
            Self::Us => "Us",
            Self::Plans => "Plans",
            Self::Inbox => "Inbox",
            Self::More => "More",
        }
    }

    /// A small sign drawn above the label in the phone's bottom bar (decorative).
    pub fn sign(self) -> &'static str {
        match self {
            Self::Today => "☀",
            Self::Us => "♥",
            Self::Plans => "✎",
            Self::Inbox => "✉",
            Self::More => "☰",
        }
    }

    /// Used in element ids (`group-…`, `data-group`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Today => "today",
            Self::Us => "us",
            Self::Plans => "plans",
            Self::Inbox => "inbox",
            Self::More => "more",
        }
    }
}

/// The view of `screen`.
pub fn show(screen: Screen, overview: Signal<Option<AppOverview>>) -> AnyView {
    match screen {
        Screen::Today => view! { <today::TodayScreen/> }.into_any(),
        Screen::Questions => view! { <questions::QuestionsScreen overview=overview/> }.into_any(),
        Screen::Quizzes => view! { <quizzes::QuizzesScreen overview=overview/> }.into_any(),
        Screen::History => {
            let premium = Signal::derive(move || overview.get().is_some_and(|o| o.premium));
            view! { <history::HistoryScreen premium=premium/> }.into_any()
        }
        Screen::Activities => view! { <activities::ActivitiesScreen/> }.into_any(),
        Screen::Goals => view! { <goals::GoalsScreen/> }.into_any(),
        Screen::Dates => view! { <dates::DatesScreen/> }.into_any(),
        Screen::Talk => view! { <talk::TalkScreen/> }.into_any(),
        Screen::Challenges => view! { <challenges::ChallengesScreen/> }.into_any(),
        Screen::Inbox => view! { <inbox::InboxScreen/> }.into_any(),
        Screen::Partner => view! { <pairing::PartnerScreen overview=overview/> }.into_any(),
        Screen::Premium => view! { <premium::PremiumScreen/> }.into_any(),
        Screen::Settings => view! { <settings::SettingsScreen overview=overview/> }.into_any(),
        Screen::LoveQuiz => view! { <love_quiz::LoveQuizScreen/> }.into_any(),
    }
}
