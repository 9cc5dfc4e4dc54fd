//! What every screen shares, provided once by the root component: the data version screens
//! refetch on, the current screen and the live sync status.
//!
//! Refreshing has one mechanism: [`Ctx::refresh`] bumps the version and every resource that
//! tracks it refetches. A screen calls it once after its own action succeeded (the commands do
//! not announce their own changes); the root calls it when the shell emits `data-changed` for
//! changes no screen made (the partner's, arriving through the sync worker; reminders; coming
//! back from Stripe).

use leptos::prelude::*;
use together_core::view::SyncStatus;

use crate::screens::Screen;

/// What every screen can reach.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// Bumped whenever data may have changed; resources read it to refetch.
    pub version: RwSignal<u64>,
    /// The current screen.
    pub screen: RwSignal<Screen>,
    /// The latest sync status pushed by the shell.
    pub status: RwSignal<Option<SyncStatus>>,
    /// The invite code the person typed during onboarding ("My partner invited me"), checked on
    /// the device and used as soon as their account exists.
    pub pending_code: RwSignal<Option<String>>,
    /// Where the love-language quiz leads when done or skipped: Today at onboarding, Settings on
    /// a retake.
    pub after_quiz: RwSignal<Screen>,
}

impl Ctx {
    /// A fresh context on `screen`, for the root component to provide.
    pub fn new(screen: Screen) -> Self {
        Self {
            version: RwSignal::new(0),
            screen: RwSignal::new(screen),
            status: RwSignal::new(None),
            pending_code: RwSignal::new(None),
            after_quiz: RwSignal::new(Screen::Settings),
        }
    }

    /// Asks every screen to refetch.
    pub fn refresh(&self) {
        self.version.update(|v| *v += 1);
    }
}
