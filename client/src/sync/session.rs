//! A device's connection to its account ([`Session`]): signing up, in and out, the devices of the
//! account, deleting it, and [`Session::sync`], the orchestration of one sync (learn what ended,
//! make keys, upload, download, upload what the download caused, snapshots, Premium).

use jiff::Timestamp;

use super::keys::{Keys, TOKEN, WRAPPING_KEY, encode_key};
use super::{Api, Result, SyncError, SyncReport, now, pull};
use crate::crypto;
use crate::secret_store::SecretStore;
use crate::store::Store;
use crate::store::settings::SettingKey;

/// The secret holding a token whose sign-out did not reach the server yet.
const REVOKE_LATER: &str = "revoke-later";

/// How often a sync also refreshes the entitlement.
const ENTITLEMENT_EVERY_SECONDS: i64 = 600;

/// Whether this device holds a session token (the server may still have revoked it).
pub fn has_session(secrets: &dyn SecretStore) -> Result<bool> {
    Ok(secrets.get(TOKEN)?.is_some())
}

/// A device's connection to its account: the store, the secrets, the server.
pub struct Session<'a> {
    pub(super) store: &'a mut Store,
    pub(super) secrets: &'a dyn SecretStore,
    pub(super) api: Api,
}

/// This device's name in the account's devices list: the name its owner gave the computer
/// ("Alice's MacBook"), else its host name; the system's name only when neither is known.
fn device_name() -> String {
    whoami::devicename()
        .ok()
        .filter(|name| !name.trim().is_empty())
        .or_else(|| whoami::hostname().ok())
        .map(|name| name.trim().chars().take(64).collect::<String>())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| format!("{} computer", std::env::consts::OS))
}

impl<'a> Session<'a> {
    /// The session of a device that is signed in.
    pub fn resume(store: &'a mut Store, secrets: &'a dyn SecretStore) -> Result<Self> {
        let server = store
            .setting(SettingKey::SyncServer)?
            .ok_or(SyncError::NotSignedIn { signed_out: false })?;
        let Some(token) = secrets.get(TOKEN)? else {
            // A keyring the system denies finds nothing either: say that, not "signed out".
            crate::secret_store::check(secrets)?;
            return Err(SyncError::NotSignedIn { signed_out: true });
        };
        Ok(Self {
            api: Api::new(&server, Some(token))?,
            store,
            secrets,
        })
    }

    /// Creates an account on `server` for the person using this device (a profile is created with
    /// `name` if there is none yet), stores its keys, and uploads everything.
    pub async fn signup(
        store: &'a mut Store,
        secrets: &'a dyn SecretStore,
        server: &str,
        email: &str,
        name: &str,
        password: &str,
    ) -> Result<Self> {
        Self::signup_with_code(store, secrets, server, email, name, password, None).await
    }

    /// Like [`Session::signup`], with the operator's sign-up code for a server whose registration
    /// is invite-only.
    pub async fn signup_with_code(
        store: &'a mut Store,
        secrets: &'a dyn SecretStore,
        server: &str,
        email: &str,
        name: &str,
        password: &str,
        signup_code: Option<&str>,
    ) -> Result<Self> {
        let api = Api::new(server, None)?;
        // The account is made only where its secrets can be kept: never half made.
        crate::secret_store::check(secrets)?;
        let derived = crypto::derive_from_password(password, email)?;
        let user = match store.local_user()? {
            Some(user) => user,
            None => {
                // The same profile form as onboarding, with the name alone.
                let profile = together_core::view::ProfileForm {
                    name: name.to_owned(),
                    ..Default::default()
                };
                store.set_profile(&crate::profile::form(&profile)?, now())?
            }
        };
        let session = api
            .signup(
                email,
                &derived.auth_secret,
                &user.to_string(),
                &device_name(),
                signup_code,
            )
            .await?;
        let mut this = Self::signed_in(store, secrets, api, &session.token, server, email)?;
        this.secrets
            .set(WRAPPING_KEY, &encode_key(&derived.wrapping_key))?;
        // The spec's sign-up flow: "track event" (on this device only).
        this.store
            .record_usage(crate::usage::UsageEvent::SignUp, now())?;
        this.revoke_left_behind().await?;
        // Makes the person's keys (and their relationship's), seals them for their other devices,
        // and uploads everything.
        this.sync().await?;
        Ok(this)
    }

    /// Signs this device in to an existing account: fetches the person's keys (sealed with their
    /// password) and everything they can see.
    pub async fn login(
        store: &'a mut Store,
        secrets: &'a dyn SecretStore,
        server: &str,
        email: &str,
        password: &str,
    ) -> Result<Self> {
        let api = Api::new(server, None)?;
        crate::secret_store::check(secrets)?;
        let derived = crypto::derive_from_password(password, email)?;
        let session = api
            .login(email, &derived.auth_secret, &device_name())
            .await?;
        if let Err(refused) = store.adopt_user(&session.user_id, now()) {
            // Another person's device: the sign-in the server just registered is revoked at once,
            // so no device of theirs is left on this account.
            if let Err(error) = Api::new(server, Some(session.token.clone()))?
                .logout()
                .await
            {
                tracing::warn!(%error, "the refused sign-in could not be signed out");
            }
            tracing::debug!(%refused, "sign-in refused: this device is someone else's");
            return Err(SyncError::Config(
                "This device already belongs to another person, so it cannot sign in to this account: use your own device (or another data folder).".into(),
            ));
        }
        let mut this = Self::signed_in(store, secrets, api, &session.token, server, email)?;
        this.secrets
            .set(WRAPPING_KEY, &encode_key(&derived.wrapping_key))?;
        this.revoke_left_behind().await?;
        if let Some(sealed) = this.api.keys().await? {
            Keys::open(&sealed, &derived.wrapping_key, &session.user_id)?.save(this.secrets)?;
        }
        if let Some(first) = this
            .api
            .relationships()
            .await?
            .into_iter()
            .find(|r| r.ended_at.is_none())
        {
            this.store
                .adopt_relationship(&first.relationship_id, now())?;
        }
        this.sync().await?;
        Ok(this)
    }

    fn signed_in(
        store: &'a mut Store,
        secrets: &'a dyn SecretStore,
        api: Api,
        token: &str,
        server: &str,
        email: &str,
    ) -> Result<Self> {
        secrets.set(TOKEN, token)?;
        store.set_setting(SettingKey::SyncServer, api.base(), now())?;
        store.set_setting(SettingKey::SyncEmail, email.trim(), now())?;
        let api = Api::new(server, Some(token.to_owned()))?;
        Ok(Self {
            store,
            secrets,
            api,
        })
    }

    /// Uploads the outbox, then pulls and merges everything new.
    pub async fn sync(&mut self) -> Result<SyncReport> {
        let mut report = SyncReport {
            ended: self.learn_ended().await?,
            ..SyncReport::default()
        };
        self.ensure_keys().await?;
        self.register_relationships().await?;
        let pushed = self.push().await?;
        report.pushed = pushed.count;
        report.blocked = pushed.blocked;
        report.ended.extend(pushed.ended);
        let pulled = self.pull().await?;
        report.pulled = pulled.merged;
        report.changed_records = pulled.changed;
        self.settle(&pulled)?;
        if report.blocked.is_none() {
            // Merging can award achievements or raise reminders: send those too.
            let again = self.push().await?;
            report.pushed += again.count;
            report.blocked = again.blocked;
            report.ended.extend(again.ended);
        }
        if report.blocked.is_none() {
            let uploaded = self.upload_snapshots().await?;
            report.blocked = uploaded.blocked;
            report.ended.extend(uploaded.ended);
        }
        report.quarantined = self.store.quarantined_count()?;
        // Premium is checked now and then, never at the cost of the sync itself.
        if let Err(error) = self.refresh_entitlement(false).await {
            tracing::debug!(%error, "entitlement not refreshed");
        }
        Ok(report)
    }

    /// After a merge (full or targeted): what the partner's changes earned or reached reaches this
    /// person too, as soon as they are merged.
    pub(super) fn settle(&mut self, pulled: &pull::Pulled) -> Result<()> {
        if pulled.changed > 0 {
            self.store.settle_merged(now())?;
        }
        Ok(())
    }

    /// Pulls every document this device holds a key for.
    async fn pull(&mut self) -> Result<pull::Pulled> {
        let keys = Keys::load(self.secrets, &self.relationship_ids()?)?;
        self.pull_documents(&keys, |_| true).await
    }

    /// Asks the server for the couple's signed entitlement (at most every ten minutes unless
    /// `force`), verifies it and keeps it for offline use. `None` when the server sells nothing.
    pub async fn refresh_entitlement(
        &mut self,
        force: bool,
    ) -> Result<Option<crate::premium::Access>> {
        let now = now();
        if !force
            && let Some(checked) = self.store.setting(SettingKey::EntitlementCheckedAt)?
            && checked
                .parse::<Timestamp>()
                .is_ok_and(|at| now.duration_since(at).as_secs() < ENTITLEMENT_EVERY_SECONDS)
        {
            return Ok(self.store.access(now)?);
        }
        let Some(signed) = self.api.entitlements().await? else {
            return Ok(None);
        };
        self.store.set_setting(
            SettingKey::EntitlementCheckedAt,
            &together_core::document::timestamp_text(now),
            now,
        )?;
        let access = self
            .store
            .accept_entitlement(&signed, now)
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(Some(access))
    }

    /// The server's API as this signed-in device (for calls that need no local state).
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Starts Stripe Checkout for `plan_id`; answers the page to open.
    pub async fn checkout(&self, plan_id: &str, discount_code: Option<&str>) -> Result<String> {
        Ok(self
            .api
            .checkout(plan_id, discount_code)
            .await?
            .checkout_url)
    }

    /// The account's signed-in devices.
    pub async fn devices(&self) -> Result<Vec<together_core::wire::DeviceInfo>> {
        self.api.devices().await
    }

    /// Signs one of the account's devices out.
    pub async fn revoke(&self, device_id: &str) -> Result<()> {
        let device_id = device_id.trim();
        if device_id.is_empty() {
            return Err(SyncError::Config("choose a device to sign out".into()));
        }
        self.api.revoke(device_id).await
    }

    /// Deletes the account on the server and signs this device out. The local copy stays on the
    /// device (and the partner keeps the couple's documents).
    pub async fn delete_account(self) -> Result<()> {
        self.api.delete_account().await?;
        for name in [TOKEN, WRAPPING_KEY] {
            self.secrets.delete(name)?;
        }
        self.store.clear_sync_account()?;
        Ok(())
    }

    /// Signs this device out (the server revokes its token); offline, see [`Session::sign_out`].
    pub async fn logout(self) -> Result<()> {
        self.sign_out().await.map(drop)
    }

    /// Signs this device out; answers whether the server was told. Offline, the device is signed
    /// out all the same (its token forgotten) and the token is kept aside, to be revoked by the
    /// next sign-in that reaches the server.
    pub async fn sign_out(self) -> Result<bool> {
        let told = match self.api.logout().await {
            Ok(()) => true,
            Err(SyncError::Offline(_)) => {
                if let Some(token) = self.secrets.get(TOKEN)? {
                    // With its server: the token is only ever shown to the server that issued it.
                    let server = self.api.base();
                    self.secrets
                        .set(REVOKE_LATER, &format!("{server} {token}"))?;
                }
                false
            }
            Err(other) => return Err(other),
        };
        self.secrets.delete(TOKEN)?;
        Ok(told)
    }

    /// Revokes the token of a sign-out that could not reach its server, at that server, now that
    /// this device is online again: best effort (a server that no longer knows the token has
    /// nothing to revoke; one still unreachable is tried at the next sign-in).
    async fn revoke_left_behind(&self) -> Result<()> {
        let Some(left) = self.secrets.get(REVOKE_LATER)? else {
            return Ok(());
        };
        let Some((server, token)) = left.split_once(' ') else {
            return Ok(self.secrets.delete(REVOKE_LATER)?);
        };
        match Api::new(server, Some(token.to_owned()))?.logout().await {
            Err(SyncError::Offline(_)) => Ok(()),
            _ => Ok(self.secrets.delete(REVOKE_LATER)?),
        }
    }
}
