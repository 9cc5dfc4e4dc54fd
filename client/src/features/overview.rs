//! The app's frame: who is here (onboarding until a profile exists), the account, the sync
//! indicator, the inbox badge and whether Premium is open.

use jiff::Timestamp;
use together_core::view::{AppOverview, SyncState, SyncStatus};

use crate::error::Result;
use crate::secret_store::SecretStore;
use crate::store::Store;

/// Everything the frame shows. `secrets` is the device's secret store when it could be opened
/// (without it the device counts as signed out); `worker` is the background sync's latest status;
/// `launch_server` the sync server the app was started with, offered in the sign-up and sign-in
/// forms until the device uses one.
pub fn overview(
    store: &Store,
    secrets: Option<&dyn SecretStore>,
    worker: Option<SyncStatus>,
    launch_server: Option<&str>,
    now: Timestamp,
) -> Result<AppOverview> {
    let signed_in = secrets.is_some_and(|s| crate::sync::has_session(s).unwrap_or(false));
    let account = store.account(signed_in)?;
    let pending = store.pending_changes()?;
    let mut sync = worker.unwrap_or_else(|| SyncStatus::local_only(pending));
    sync.pending_changes = pending;
    sync.quarantined = i64::try_from(store.quarantined_count()?).unwrap_or(i64::MAX);
    if account.is_none() && sync.state != SyncState::NeedsAttention {
        sync.state = SyncState::LocalOnly;
    }
    Ok(AppOverview {
        profile: store.profile_summary()?,
        account,
        default_server: store
            .sync_server()?
            .or_else(|| launch_server.map(str::to_owned)),
        relationship_id: store.current_relationship()?.map(|r| r.to_string()),
        partner_name: store.partner_name()?,
        sync,
        unread_notifications: store.unread_notifications()?,
        premium: store.is_premium(now)?,
    })
}
