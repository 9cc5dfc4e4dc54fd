//! The app's overall state: who is here, where their data syncs, how syncing is going.

use serde::{Deserialize, Serialize};

use crate::wire::billing::AccessLevel;

/// Everything the frame of the app needs: which screens make sense, the sync indicator, badges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppOverview {
    /// The local person, once they set up a profile (onboarding until then).
    pub profile: Option<ProfileSummary>,
    /// Their account, once signed in; `None` while the app is used solo, offline.
    pub account: Option<AccountSummary>,
    /// The sync server to offer in sign-up and sign-in forms (the last one used, or the one the
    /// app was started with).
    pub default_server: Option<String>,
    /// The current relationship's id, once one exists.
    pub relationship_id: Option<String>,
    /// The partner's display name, once they joined.
    pub partner_name: Option<String>,
    /// How syncing is going.
    pub sync: SyncStatus,
    /// Unread notifications, for the inbox badge.
    pub unread_notifications: i64,
    /// Whether Premium features are open on this device now.
    pub premium: bool,
}

/// The local person's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    /// Their id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// IANA time zone.
    pub timezone: String,
    /// Love language, if chosen.
    pub love_language_primary: Option<String>,
    /// Second love language, if chosen.
    pub love_language_secondary: Option<String>,
}

/// The account this device is signed in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// Sign-in email.
    pub email: String,
    /// Sync server URL.
    pub server: String,
}

/// Where the device's sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No account: everything stays on this device.
    LocalOnly,
    /// Trying to reach the server.
    Connecting,
    /// Connected; the partner's changes arrive live.
    Live,
    /// The server cannot be reached; changes wait on this device.
    Offline,
    /// The server refused (signed out elsewhere, say); `message` says what to do.
    NeedsAttention,
}

/// The sync indicator and the settings screen's sync section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// Current state.
    pub state: SyncState,
    /// When the last successful sync finished (RFC 3339).
    pub last_sync_at: Option<String>,
    /// Local changes not yet uploaded.
    pub pending_changes: i64,
    /// A sentence for people when something is wrong.
    pub message: Option<String>,
    /// Changes received from the server that could not be read (they did not open or did not
    /// merge) and were set aside on this device; shown when not zero.
    #[serde(default)]
    pub quarantined: i64,
}

impl SyncStatus {
    /// The status of a device that has no account.
    pub fn local_only(pending_changes: i64) -> Self {
        Self {
            state: SyncState::LocalOnly,
            last_sync_at: None,
            pending_changes,
            message: None,
            quarantined: 0,
        }
    }

    /// A short label for the indicator.
    pub fn label(&self) -> &'static str {
        match self.state {
            SyncState::LocalOnly => "On this device",
            SyncState::Connecting => "Connecting…",
            SyncState::Live => "Synced",
            SyncState::Offline => "Offline",
            SyncState::NeedsAttention => "Sync needs attention",
        }
    }
}

/// What a person reads about changes set aside (see [`SyncStatus::quarantined`]); `None` for 0.
pub fn set_aside_note(count: i64) -> Option<String> {
    (count > 0).then(|| {
        format!(
            "{} could not be read and were set aside on this device.",
            super::counted(count, "received change", "received changes")
        )
    })
}

/// A plan on the Premium screen, as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView {
    /// Plan id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Price in the smallest currency unit.
    pub price_cents: i64,
    /// ISO currency, lower case (`usd`).
    pub currency: String,
    /// `month` or `year`.
    pub interval: String,
    /// What it includes, for people.
    pub features: Vec<String>,
}

impl PlanView {
    /// The price as people read it, such as "$9.99 / month".
    pub fn price_label(&self) -> String {
        let symbol = match self.currency.as_str() {
            "usd" => "$",
            "eur" => "€",
            "gbp" => "£",
            _ => "",
        };
        let amount = format!("{}.{:02}", self.price_cents / 100, self.price_cents % 100);
        if symbol.is_empty() {
            format!(
                "{amount} {} / {}",
                self.currency.to_uppercase(),
                self.interval
            )
        } else {
            format!("{symbol}{amount} / {}", self.interval)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_read_like_prices() {
        let plan = PlanView {
            id: "p".into(),
            name: "Together".into(),
            price_cents: 999,
            currency: "usd".into(),
            interval: "month".into(),
            features: vec![],
        };
        assert_eq!(plan.price_label(), "$9.99 / month");
        let chf = PlanView {
            currency: "chf".into(),
            price_cents: 10_005,
            interval: "year".into(),
            ..plan
        };
        assert_eq!(chf.price_label(), "100.05 CHF / year");
    }
}

/// An invitation to show the partner: the code to type, and the same as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    /// The invite code (the invite secret and the key derive from it; never sent to the server).
    pub code: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
    /// The code as an SVG QR code, ready to show.
    pub qr_svg: String,
}

/// The Premium screen: what the server sells and what the couple has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PremiumView {
    /// Plans on sale (empty when the server sells none or cannot be reached).
    pub plans: Vec<PlanView>,
    /// What this device honours now (`free` once an entitlement lapsed or when there is none).
    pub level: AccessLevel,
    /// Until when the subscription entitles (RFC 3339).
    pub entitled_until: Option<String>,
    /// A gift.
    pub is_gift: bool,
    /// Whether this device can buy (signed in, with a couple space).
    pub can_buy: bool,
    /// A sentence when something keeps the screen from being complete (offline, no billing).
    pub note: Option<String>,
}

/// An add-on on sale, such as a pack of AI credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddonView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `ai_credits`, `feature`...
    pub addon_type: String,
    /// Price in the smallest currency unit.
    pub price_cents: i64,
    /// Credits granted (packs).
    pub credits: i64,
}

/// The AI ideas card: what the person can ask for, and with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdeasView {
    /// Credits left; `None` when the server could not be asked.
    pub balance: Option<i64>,
    /// Credit packs on sale.
    pub packs: Vec<AddonView>,
    /// Whether this device can ask (signed in).
    pub signed_in: bool,
    /// A sentence when something is missing.
    pub note: Option<String>,
}
