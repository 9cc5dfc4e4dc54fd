//! OS notifications for the person's new in-app notifications (the partner checked in, planned a
//! date, a reminder is due). Each is announced once per run of the app; those that existed when the
//! app started are in the inbox already and are not announced again.

use std::collections::HashSet;
use std::sync::Mutex;

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;
use together_client::Store;

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

    /// Shows an OS notification for every unread notification not announced yet.
    pub fn announce_new(&self, store: &Store) {
        let Ok(notifications) = store.notifications() else {
            return;
        };
        let Ok(mut announced) = self.announced.lock() else {
            return;
        };
        for notification in notifications.into_iter().filter(|n| !n.is_read) {
            if !announced.insert(notification.id.clone()) {
                continue;
            }
            let shown = self
                .app
                .notification()
                .builder()
                .title(&notification.title)
                .body(&notification.message)
                .show();
            if let Err(error) = shown {
                // No notification service (a headless session): the inbox still has it.
                tracing::info!(%error, "OS notification not shown");
            }
        }
    }
}
