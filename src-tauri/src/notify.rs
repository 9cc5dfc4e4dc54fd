//! OS notifications for the person's new in-app notifications (the partner checked in, sent a
//! gesture, planned a date, a reminder is due). Each is announced once per run of the app; those
//! that existed when the app started are in the inbox already and are not announced again.

use std::collections::HashSet;
use std::sync::Mutex;

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;
use together_client::Store;
use together_core::view::NotificationView;

/// The body shown for a partner's check-in that arrives after the person's own: the in-app
/// notification ("Check in too") is settled, but this is the moment both check-ins are revealed.
const REVEALED: &str = "You both checked in today: see how they feel.";

/// Announces new notifications through the OS.
#[derive(Debug)]
pub struct Announcer {
    app: AppHandle,
    announced: Mutex<HashSet<String>>,
}

impl Announcer {
    /// An announcer that considers everything already in `store` as seen.
    pub fn new(app: AppHandle, store: Option<&Store>) -> Self {
        let announced = store
            .and_then(|s| s.notifications().ok())
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.id)
            .collect();
        Self {
            app,
            announced: Mutex::new(announced),
        }
    }

    /// Shows an OS notification for every new notification worth one (see [`announcement`]) not
    /// announced yet.
    pub fn announce_new(&self, store: &Store) {
        let Ok(notifications) = store.notifications() else {
            return;
        };
        let Ok(mut announced) = self.announced.lock() else {
            return;
        };
        for notification in notifications {
            let Some((title, body)) = announcement(&notification) else {
                continue;
            };
            if !announced.insert(notification.id.clone()) {
                continue;
            }
            let shown = self
                .app
                .notification()
                .builder()
                .title(title)
                .body(body)
                .show();
            if let Err(error) = shown {
                // No notification service (a headless session): the inbox still has it.
                tracing::info!(%error, "OS notification not shown");
            }
        }
    }
}

/// The title and body the OS shows for `notification`, or `None` when it asks nothing of the
/// person any more: unread ones as written; a partner's check-in that the person's own check-in
/// settled, too (they checked in first and now both are revealed), with a body that says so.
fn announcement(notification: &NotificationView) -> Option<(&str, &str)> {
    if !notification.is_read {
        return Some((&notification.title, &notification.message));
    }
    (notification.resolved && notification.notification_type == "partner_checkin")
        .then_some((notification.title.as_str(), REVEALED))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(kind: &str, is_read: bool, resolved: bool) -> NotificationView {
        NotificationView {
            id: "n1".into(),
            notification_type: kind.into(),
            title: "Bob checked in".into(),
            message: "Check in too to see how they feel today.".into(),
            is_read,
            resolved,
            created_at: "2026-11-29T08:00:00Z".into(),
        }
    }

    #[test]
    fn unread_notifications_show_as_written() {
        let ping = notification("thinking_of_you", false, false);
        assert_eq!(
            announcement(&ping),
            Some(("Bob checked in", "Check in too to see how they feel today."))
        );
    }

    #[test]
    fn a_partners_check_in_after_ones_own_shows_as_the_reveal() {
        let settled = notification("partner_checkin", true, true);
        assert_eq!(announcement(&settled), Some(("Bob checked in", REVEALED)));
    }

    #[test]
    fn read_or_settled_notifications_of_other_kinds_stay_in_the_inbox() {
        assert_eq!(
            announcement(&notification("thinking_of_you", true, false)),
            None
        );
        assert_eq!(
            announcement(&notification("activity_rated", true, true)),
            None
        );
        assert_eq!(
            announcement(&notification("partner_checkin", true, false)),
            None
        );
    }
}
