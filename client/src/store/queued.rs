//! A process-wide nudge: "a local change joined the outbox". Every [`crate::Store`] of this
//! process raises it when a write that queued a change commits, so the sync watcher (which holds
//! its own connection, on its own thread) uploads right after a save instead of waiting for its
//! next look at the outbox. The app's screens and its watcher share a process; a CLI command in
//! another process is still found by the watcher's periodic look.
//!
//! A counter in a `tokio::sync::watch` channel: a nudge is never lost while the watcher is busy
//! (it sees the counter moved when it next waits), every watcher of the process sees it, and
//! raising it costs a lock and a wake-up, with or without watchers.

use std::sync::LazyLock;

use tokio::sync::watch;

static QUEUED: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Raised after a commit that queued local changes.
pub(crate) fn raise() {
    QUEUED.send_modify(|count| *count = count.wrapping_add(1));
}

/// A receiver that wakes (`changed()`) at every later nudge.
pub(crate) fn subscribe() -> watch::Receiver<u64> {
    QUEUED.subscribe()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use together_core::document::ProfileInput;

    #[test]
    fn a_save_that_queues_a_change_nudges_the_watchers() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::Store::open(&dir.path().join("together.sqlite3")).unwrap();
        let mut nudged = super::subscribe();
        nudged.mark_unchanged();
        let profile = ProfileInput {
            name: "Alice".into(),
            nickname: None,
            photo_url: None,
            timezone: "Europe/Paris".into(),
            love_language_primary: None,
            love_language_secondary: None,
        };
        store
            .set_profile(&profile, "2026-11-25T08:00:00Z".parse().unwrap())
            .unwrap();
        assert!(nudged.has_changed().unwrap(), "the save raised no nudge");
    }
}
