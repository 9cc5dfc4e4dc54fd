//! The app frame, Today, the profile and History.

use tauri::{AppHandle, State};
use together_client::forms;
use together_core::view::{
    AccountSummary, AppOverview, CheckinForm, HistoryView, ProfileForm, SyncState, SyncStatus,
    TodayView,
};

use super::{changed, now, today};
use crate::shell::{CommandError, Shell};

/// Who is here, where data syncs and how: decides onboarding and the sync indicator.
#[tauri::command]
pub(crate) fn overview(shell: State<'_, Shell>) -> Result<AppOverview, CommandError> {
    shell.first_screen();
    let worker_status = shell.worker().map(|w| w.status());
    let signed_in = match shell.device() {
        Ok(device) => device
            .secrets()
            .and_then(|s| Ok(together_client::sync::has_session(s.as_ref())?))
            .unwrap_or(false),
        Err(_) => false,
    };
    shell.with_store(|store| {
        let pending = store.pending_changes()?;
        let server = store.sync_setting(together_client::settings::SettingKey::SyncServer)?;
        let email = store.sync_setting(together_client::settings::SettingKey::SyncEmail)?;
        let default_server = server.clone().or_else(|| shell.options.server_url.clone());
        let account = match (server, email, signed_in) {
            (Some(server), Some(email), true) => Some(AccountSummary { email, server }),
            _ => None,
        };
        let mut sync = worker_status.unwrap_or_else(|| SyncStatus::local_only(pending));
        sync.pending_changes = pending;
        sync.quarantined = i64::try_from(store.quarantined_count()?).unwrap_or(i64::MAX);
        if account.is_none() && sync.state != SyncState::NeedsAttention {
            sync.state = SyncState::LocalOnly;
        }
        Ok(AppOverview {
            profile: store.profile_summary()?,
            account,
            default_server,
            relationship_id: store.current_relationship()?.map(|r| r.to_string()),
            partner_name: store.partner_name()?,
            sync,
            unread_notifications: store.unread_notifications()?,
            premium: store.is_premium(now())?,
        })
    })
}

/// The Today screen on the person's local day.
#[tauri::command]
pub(crate) fn today_view(shell: State<'_, Shell>) -> Result<TodayView, CommandError> {
    shell.with_store(|store| {
        let server = store
            .sync_setting(together_client::settings::SettingKey::SyncServer)?
            .or_else(|| shell.options.server_url.clone());
        Ok(store.today_view(now(), server.as_deref())?)
    })
}

/// Saves (or corrects) today's check-in.
#[tauri::command]
pub(crate) fn check_in(
    shell: State<'_, Shell>,
    app: AppHandle,
    form: CheckinForm,
) -> Result<TodayView, CommandError> {
    let view = shell.with_store(|store| {
        let input = forms::checkin(&form, today(store)?)?;
        store.checkin(&input, now())?;
        Ok(store.today_view(now(), None)?)
    })?;
    changed(&app);
    Ok(view)
}

/// Creates or updates the person's profile. With `start_space`, also creates the couple's space
/// (the relationship) when there is none, so every feature works alone, offline, before the partner
/// joins; someone joining their partner's space leaves it off.
#[tauri::command(rename_all = "snake_case")]
pub(crate) fn save_profile(
    shell: State<'_, Shell>,
    app: AppHandle,
    form: ProfileForm,
    start_space: bool,
) -> Result<AppOverview, CommandError> {
    let input = forms::profile(&form)?;
    shell.with_store(|store| {
        store.set_profile(&input, now())?;
        if start_space && store.current_relationship()?.is_none() {
            let input = together_core::document::RelationshipInput {
                relationship_type: together_core::domain::RelationshipType::Dating,
                start_date: None,
                anniversary_date: None,
                privacy_level: together_core::domain::PrivacyLevel::Balanced,
            };
            store.create_relationship(&input, now())?;
        }
        Ok(())
    })?;
    changed(&app);
    overview(shell)
}

/// History over the last `days` days (7, 30, 90 or 365).
#[tauri::command(rename_all = "snake_case")]
pub(crate) fn history(shell: State<'_, Shell>, days: i64) -> Result<HistoryView, CommandError> {
    shell.with_store(|store| {
        if days > PREMIUM_HISTORY_FROM && !store.is_premium(now())? {
            return Err(CommandError::Invalid(
                "A full year of history comes with Premium; 7, 30 and 90 days are free.".into(),
            ));
        }
        Ok(store.history(now(), days)?)
    })
}

/// History windows longer than this are a Premium feature.
const PREMIUM_HISTORY_FROM: i64 = 90;
