//! View models sent from the app shell to the UI.
//!
//! These are wire types between `src-tauri` (serializes) and `ui` (deserializes). They carry only what a
//! screen shows, already decided: the UI renders them and holds no business rules.

use serde::{Deserialize, Serialize};

/// What the "Today" screen needs to greet the person using the app.
///
/// The shell builds it from the local store; `display_name` is `None` until the person has set up a
/// profile, and the UI then shows the set-up prompt instead of a greeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodayView {
    /// The local person's display name, once they have set up a profile.
    pub display_name: Option<String>,
    /// Today's date on this device, as `YYYY-MM-DD`, so the screen shows which day a check-in is for.
    pub local_date: String,
    /// The same day written for people, such as "Wednesday, November 25".
    pub date_label: String,
    /// The sync server this device is set to use, if any; shown so a person knows where data goes.
    pub sync_server: Option<String>,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_greets_by_name_once_a_profile_exists() {
        let view = TodayView {
            display_name: Some("Alice".into()),
            local_date: "2026-11-25".into(),
            date_label: "Wednesday, November 25".into(),
            sync_server: None,
        };
        assert_eq!(view.headline(), "Hello, Alice");
    }

    #[test]
    fn headline_invites_to_set_up_a_profile_without_a_name() {
        let view = TodayView {
            display_name: None,
            local_date: "2026-11-25".into(),
            date_label: "Wednesday, November 25".into(),
            sync_server: None,
        };
        assert!(view.headline().contains("Set up your profile"));
    }

    #[test]
    fn today_view_round_trips_through_json() {
        let view = TodayView {
            display_name: Some("Zoë".into()),
            local_date: "2026-02-28".into(),
            date_label: "Saturday, February 28".into(),
            sync_server: Some("http://127.0.0.1:8787".into()),
        };
        let json = serde_json::to_string(&view).unwrap();
        assert_eq!(serde_json::from_str::<TodayView>(&json).unwrap(), view);
    }
}
