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
