//! Premium: the couple's access on this device and buying it.
//!
//! The server's signed entitlement is verified with the server key pinned when first seen, kept
//! for offline use, mirrored into the local billing tables (`subscription_plans`,
//! `subscriptions`), and read back — verified again — to gate features ([`Store::is_premium`]).
//! The Premium screen ([`view`]) shows the plans the server sells and what this device honours;
//! buying ([`checkout`]) answers a Stripe page, which the app opens only when
//! [`payment_pages`] allows it.

pub mod payment_pages;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use jiff::Timestamp;
use together_core::view::PremiumView;
use together_core::wire::billing::AccessLevel;
use together_core::wire::{Entitlement, SignedEntitlement};

use crate::error::{FormError, Result, StoreError};
use crate::secret_store::SecretStore;
use crate::store::Store;
use crate::store::settings::SettingKey;
use crate::sync::{self, Api, Session};

/// Why an entitlement was refused.
#[derive(Debug, thiserror::Error)]
pub enum EntitlementError {
    /// Not signed by the key this device pinned (or not signed at all).
    #[error("the server's entitlement is not signed by the key this device knows; ignored")]
    BadSignature,
    /// Issued to someone else.
    #[error("the entitlement is for another person; ignored")]
    NotMine,
    /// Not the documented shape.
    #[error("the entitlement could not be read: {0}")]
    Malformed(String),
    /// Storing it failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Access as this device may honour it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The signed entitlement.
    pub entitlement: Entitlement,
    /// Whether Premium features are open now (entitled and not past the offline limit).
    pub premium: bool,
}

fn verify(
    signed: &SignedEntitlement,
    pinned: &str,
) -> std::result::Result<Entitlement, EntitlementError> {
    let key: [u8; 32] = STANDARD
        .decode(pinned)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or(EntitlementError::BadSignature)?;
    let signature: [u8; 64] = STANDARD
        .decode(&signed.signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or(EntitlementError::BadSignature)?;
    VerifyingKey::from_bytes(&key)
        .map_err(|_| EntitlementError::BadSignature)?
        .verify(
            signed.payload.as_bytes(),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| EntitlementError::BadSignature)?;
    serde_json::from_str(&signed.payload).map_err(|e| EntitlementError::Malformed(e.to_string()))
}

fn open_now(entitlement: &Entitlement, now: Timestamp) -> bool {
    let before = |limit: &Option<String>| {
        limit
            .as_deref()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .is_some_and(|t| now < t)
    };
    entitlement.access_level().is_premium()
        && before(&entitlement.entitled_until)
        && before(&Some(entitlement.expires_at.clone()))
}

impl Store {
    /// Verifies and keeps a signed entitlement from the server, and mirrors it into the local
    /// billing tables. The first key seen is pinned; a later different key is refused.
    pub(crate) fn accept_entitlement(
        &mut self,
        signed: &SignedEntitlement,
        now: Timestamp,
    ) -> std::result::Result<Access, EntitlementError> {
        let pinned = match self.setting(SettingKey::EntitlementKey)? {
            Some(key) => key,
            None => {
                self.set_setting(SettingKey::EntitlementKey, &signed.public_key, now)?;
                signed.public_key.clone()
            }
        };
        let entitlement = verify(signed, &pinned)?;
        // A conversion is a free couple becoming Premium as this device saw it; a device seeing
        // the couple's Premium for the first time (a new device) converted no one.
        let was_free = self.access(now)?.is_some_and(|a| !a.premium);
        let me = self.local_user()?.map(|u| u.to_string());
        if me.as_deref() != Some(entitlement.user_id.as_str()) {
            return Err(EntitlementError::NotMine);
        }
        let stored = serde_json::to_string(signed)
            .map_err(|e| EntitlementError::Malformed(e.to_string()))?;
        self.set_setting(SettingKey::Entitlement, &stored, now)?;
        self.mirror(&entitlement)?;
        let premium = open_now(&entitlement, now);
        if premium && was_free {
            // The purchase flow's "track conversion" (on this device only).
            self.record_usage(crate::usage::UsageEvent::Conversion, now)?;
        }
        Ok(Access {
            premium,
            entitlement,
        })
    }

    /// The kept entitlement, verified again, as it stands at `now`; `None` before any.
    pub fn access(&self, now: Timestamp) -> Result<Option<Access>> {
        let (Some(stored), Some(pinned)) = (
            self.setting(SettingKey::Entitlement)?,
            self.setting(SettingKey::EntitlementKey)?,
        ) else {
            return Ok(None);
        };
        let Ok(signed) = serde_json::from_str::<SignedEntitlement>(&stored) else {
            return Ok(None);
        };
        Ok(verify(&signed, &pinned).ok().map(|entitlement| Access {
            premium: open_now(&entitlement, now),
            entitlement,
        }))
    }

    /// Whether Premium features are open on this device now.
    pub fn is_premium(&self, now: Timestamp) -> Result<bool> {
        Ok(self.access(now)?.is_some_and(|a| a.premium))
    }

    /// Copies the entitlement into the spec's billing tables, so they answer queries offline.
    fn mirror(&mut self, entitlement: &Entitlement) -> Result<()> {
        let Some(relationship) = entitlement.relationship_id.clone() else {
            return Ok(());
        };
        let known: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM relationships WHERE id = ?1)",
            [&relationship],
            |r| r.get(0),
        )?;
        if !known {
            return Ok(());
        }
        let id = format!("entitlement-{relationship}");
        let level = entitlement.access_level();
        if !level.is_premium() {
            self.conn()
                .execute("DELETE FROM subscriptions WHERE id = ?1", [&id])?;
            return Ok(());
        }
        let plan = entitlement
            .plan_id
            .clone()
            .unwrap_or_else(|| format!("plan-{level}"));
        let kind = level.as_str();
        self.conn().execute(
            "INSERT INTO subscription_plans (id, plan_name, plan_type, billing_period, price_cents, is_active, sort_order)
             VALUES (?1, ?2, ?3, 'month', 0, 1, 0)
             ON CONFLICT (id) DO UPDATE SET plan_type = excluded.plan_type",
            (&plan, "Premium", kind),
        )?;
        // The server only signs Stripe's statuses; anything else is stored as active, the
        // level being what gates.
        const STATUSES: [&str; 8] = [
            "trialing",
            "active",
            "past_due",
            "canceled",
            "unpaid",
            "paused",
            "incomplete",
            "incomplete_expired",
        ];
        let status = entitlement
            .status
            .as_deref()
            .filter(|s| STATUSES.contains(s))
            .unwrap_or("active");
        self.conn().execute(
            "INSERT INTO subscriptions (id, relationship_id, plan_id, user_id, status, billing_period,
                price_cents, current_period_end, is_gift)
             VALUES (?1, ?2, ?3, ?4, ?5, 'month', 0, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET plan_id = excluded.plan_id, status = excluded.status,
                current_period_end = excluded.current_period_end, is_gift = excluded.is_gift",
            (
                &id,
                &relationship,
                &plan,
                &entitlement.user_id,
                status,
                &entitlement.entitled_until,
                entitlement.is_gift,
            ),
        )?;
        Ok(())
    }
}

// Screen operations.

/// The Premium screen: the plans from the sync server this device uses (else `launch_server`),
/// when it can be reached, and the couple's access as this device honours it (the signed
/// entitlement, also offline). With `refresh`, asks the server for the entitlement first (after
/// paying, or "Check again").
pub async fn view(
    store: &mut Store,
    secrets: &dyn SecretStore,
    launch_server: Option<&str>,
    refresh: bool,
) -> sync::Result<PremiumView> {
    let server = store
        .setting(SettingKey::SyncServer)?
        .or_else(|| launch_server.map(str::to_owned));
    let mut note = None;
    let plans = match &server {
        Some(server) => match Api::new(server, None)?.plans().await {
            Ok(plans) => plans,
            Err(error) => {
                note = Some(format!("Plans could not be loaded: {error}"));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let signed_in = sync::has_session(secrets)?;
    if refresh && signed_in {
        let refreshed = match Session::resume(store, secrets) {
            Ok(mut session) => session.refresh_entitlement(true).await.map(drop),
            Err(error) => Err(error),
        };
        if let Err(error) = refreshed {
            note = Some(format!("Premium could not be checked just now: {error}"));
        }
    }
    let honoured = store.access(Timestamp::now())?.filter(|a| a.premium);
    Ok(PremiumView {
        plans,
        level: honoured
            .as_ref()
            .map_or(AccessLevel::Free, |a| a.entitlement.access_level()),
        entitled_until: honoured
            .as_ref()
            .and_then(|a| a.entitlement.entitled_until.clone()),
        is_gift: honoured.is_some_and(|a| a.entitlement.is_gift),
        can_buy: signed_in && store.current_relationship()?.is_some(),
        note,
    })
}

/// The Premium screen's "Choose": starts Stripe Checkout for `plan_id` (with the discount code
/// typed, if any) and answers the page to open. Refused by the server while the couple is
/// entitled.
pub async fn checkout(
    store: &mut Store,
    secrets: &dyn SecretStore,
    plan_id: &str,
    discount_code: Option<&str>,
) -> sync::Result<String> {
    let plan_id = plan_id.trim();
    if plan_id.is_empty() {
        return Err(FormError::new("choose a plan").into());
    }
    let code = discount_code.map(str::trim).filter(|c| !c.is_empty());
    let longest = *together_core::wire::billing::DISCOUNT_CODE_LENGTH.end();
    if let Some(code) = code
        && code.chars().count() > longest
    {
        return Err(FormError::new(format!(
            "a discount code is at most {longest} characters; check the code you were given"
        ))
        .into());
    }
    Session::resume(store, secrets)?
        .checkout(plan_id, code)
        .await
}
