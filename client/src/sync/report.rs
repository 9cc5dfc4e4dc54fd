//! What one sync did, for the CLI's output, the app's indicator and the watcher.

use crate::relationship::Ended;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Local changes uploaded.
    pub pushed: usize,
    /// Remote entries merged.
    pub pulled: usize,
    /// Records that changed because of them.
    pub changed_records: usize,
    /// Pulled entries this device holds set aside (they did not open or did not merge), in all.
    pub quarantined: usize,
    /// Why uploads stopped, when the server refuses them for a while (changes wait on the
    /// device); `null` in JSON otherwise.
    pub blocked: Option<Blocked>,
    /// Relationships this sync learned ended (a partner left), with the changes that stay on
    /// this device because they never reached the partner.
    pub ended: Vec<Ended>,
    /// How much was synced: the whole account, only what a live message named or the outbox, or
    /// nothing (the device had it already). Not in the CLI's JSON.
    #[serde(skip)]
    pub scope: SyncScope,
}

/// How much one sync step covered: the live path does the least it can ([`super::Session::receive`],
/// [`super::Session::push_outbox`]) and falls back to a full sync when that is not enough.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyncScope {
    /// A whole [`super::Session::sync`]: keys, relationships, every document.
    #[default]
    Full,
    /// Only the document a live message named, or only the outbox.
    Targeted,
    /// Nothing to do: the device had it already.
    Nothing,
}

impl SyncReport {
    /// Whether anything moved in this sync (uploaded or merged).
    pub fn moved(&self) -> bool {
        self.pushed > 0 || self.pulled > 0 || self.changed_records > 0 || !self.ended.is_empty()
    }
}

/// Why the server refuses this device's uploads for now. The changes stay queued on the device,
/// and a watching device backs off as when offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocked {
    /// The account's storage on the server is used up (`507`, `quota_exceeded`).
    QuotaExceeded,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::QuotaExceeded => {
                "Your sync server's storage is full; your changes are kept on this device"
            }
        })
    }
}
