//! The screens, one module each, and the list the navigation shows.

pub mod activities;
pub mod challenges;
pub mod dates;
pub mod goals;
pub mod history;
pub mod ideas;
pub mod inbox;
pub mod onboarding;
pub mod pairing;
pub mod premium;
pub mod settings;
pub mod talk;
pub mod today;

use leptos::prelude::*;
use together_core::view::AppOverview;

/// A screen of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Check-in, the partner's answers, streak, reminders.
    Today,
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
}

impl Screen {
    /// In navigation order.
    pub const ALL: [Self; 11] = [
        Self::Today,
        Self::History,
        Self::Activities,
        Self::Goals,
        Self::Dates,
        Self::Talk,
        Self::Challenges,
        Self::Inbox,
        Self::Partner,
        Self::Premium,
        Self::Settings,
    ];

    /// The navigation label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Today => "Today",
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
        }
    }

    /// Used in element ids (`nav-…`, `screen-…`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Today => "today",
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
        }
    }
}

/// The view of `screen`.
pub fn show(screen: Screen, overview: Signal<Option<AppOverview>>) -> AnyView {
    match screen {
        Screen::Today => view! { <today::TodayScreen/> }.into_any(),
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
    }
}
