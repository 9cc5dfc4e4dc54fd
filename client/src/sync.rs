//! The sync engine: a device and the sync server, end-to-end encrypted.
//!
//! - **Push**: every change in the outbox is sealed with its document's key (AAD = document id and
//!   entry id) and appended to the document's log; acknowledged entries leave the outbox. A retried
//!   upload is a no-op on the server (same entry id).
//! - **Pull**: for each document the account can reach, the entries after the last merged seq are
//!   opened and merged; the projection follows in the same transaction. An entry that does not
//!   open (altered, or sealed with another key) or does not merge is set aside in quarantine and
//!   the pull goes on past it (`pull`, `quarantine`).
//! - **Accounts and pairing**: signing up and in derive secrets from the password on the device
//!   ([`crate::crypto`]); the person's keys travel to their new devices sealed in a key bundle; the
//!   partner gets the relationship key inside the pairing code, never through the server in clear.
//! - **The end of a relationship** (`membership`): leaving ends it for both partners; each device
//!   marks it ended when it learns so, and it stays readable but read-only.
//! - **Transport** ([`server_url`]): `https://`, or plain `http://` only to this machine unless
//!   opted in; a full account (`push`) blocks uploads without losing anything.
//!
//! Secrets (the device token and root keys) live in a [`SecretStore`].

mod api;
mod keys;
mod local;
mod membership;
mod pairing;
mod pull;
mod push;
mod quarantine;
pub mod server_url;
mod watch;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;

pub use api::Api;
pub use keys::{Keys, SNAPSHOT_EVERY};
pub use local::OutboxEntry;
pub use pairing::PairingInvite;
pub use quarantine::QuarantinedEntry;

pub use crate::relationships::Ended;
pub use watch::WatchEvent;

use keys::{TOKEN, WRAPPING_KEY, decode_key, encode_key, relationship_key_name};
use pairing::PairingCode;

use crate::crypto::{self, CryptoError, Key};
use crate::secret_store::{SecretStore, SecretStoreError};
use crate::settings::SettingKey;
use crate::store::{Store, StoreError};

/// Why a sync step failed. The `Display` text says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached: everything stays queued for later.
    #[error("the sync server cannot be reached ({0}); your changes are saved and will sync later")]
    Offline(String),
    /// The server refused the request.
    #[error("the sync server refused: {message} (HTTP {status})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
        /// The server's machine-readable reason, when it gave one.
        code: Option<together_core::wire::ErrorCode>,
    },
    /// The server answered something this client does not understand.
    #[error("unexpected answer from the sync server: {0}")]
    Protocol(String),
    /// Sync is not set up, or set up wrongly.
    #[error("{0}")]
    Config(String),
    /// Key derivation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The secret store failed.
    #[error(transparent)]
    Secrets(#[from] SecretStoreError),
}

impl SyncError {
    /// The server refused an upload because the account's storage is full.
    pub fn is_quota_exceeded(&self) -> bool {
        matches!(
            self,
            Self::Refused { status: 507, .. }
                | Self::Refused {
                    code: Some(together_core::wire::ErrorCode::QuotaExceeded),
                    ..
                }
        )
    }
}

/// Whether this device holds a session token (the server may still have revoked it).
pub fn has_session(secrets: &dyn SecretStore) -> Result<bool> {
    Ok(secrets.get(TOKEN)?.is_some())
}

/// How often a sync also refreshes the entitlement.
const ENTITLEMENT_EVERY_SECONDS: i64 = 600;

/// Convenience alias.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// A device's connection to its account: the store, the secrets, the server.
pub struct Session<'a> {
    store: &'a mut Store,
    secrets: &'a dyn SecretStore,
    api: Api,
}

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

impl SyncReport {
    /// Whether anything moved in this sync (uploaded or merged).
    pub fn moved(&self) -> bool {
        self.pushed > 0 || self.pulled > 0 || self.changed_records > 0 || !self.ended.is_empty()
    }
}

fn now() -> Timestamp {
    Timestamp::now()
}

fn device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| format!("{} device", std::env::consts::OS))
}

impl<'a> Session<'a> {
    /// The session of a device that is signed in.
    pub fn resume(store: &'a mut Store, secrets: &'a dyn SecretStore) -> Result<Self> {
        let server = store.sync_setting(SettingKey::SyncServer)?.ok_or_else(|| {
            SyncError::Config(
                "this device is not signed in: together account signup|login --server URL".into(),
            )
        })?;
        let token = secrets.get(TOKEN)?.ok_or_else(|| {
            SyncError::Config(
                "this device is signed out: together account login --server URL --email EMAIL"
                    .into(),
            )
        })?;
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
        let api = Api::new(server, None)?;
        let derived = crypto::derive_from_password(password, email)?;
        let user = match store.local_user()? {
            Some(user) => user,
            None => {
                let input = together_core::document::ProfileInput {
                    name: together_core::profile::DisplayName::parse(name)
                        .map_err(|e| SyncError::Config(e.to_string()))?
                        .to_string(),
                    nickname: None,
                    photo_url: None,
                    timezone: "UTC".into(),
                    love_language_primary: None,
                    love_language_secondary: None,
                };
                store.set_profile(&input, now())?
            }
        };
        let session = api
            .signup(
                email,
                &derived.auth_secret,
                &user.to_string(),
                &device_name(),
            )
            .await?;
        let mut this = Self::signed_in(store, secrets, api, &session.token, server, email)?;
        this.secrets
            .set(WRAPPING_KEY, &encode_key(&derived.wrapping_key))?;
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
        let derived = crypto::derive_from_password(password, email)?;
        let session = api
            .login(email, &derived.auth_secret, &device_name())
            .await?;
        store.adopt_user(&session.user_id, now())?;
        let mut this = Self::signed_in(store, secrets, api, &session.token, server, email)?;
        this.secrets
            .set(WRAPPING_KEY, &encode_key(&derived.wrapping_key))?;
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

    /// Registers the current relationship, once this device holds its key (harmless when
    /// registered before); an ended one is never registered again.
    async fn register_relationships(&self) -> Result<()> {
        if let Some(id) = self.store.current_relationship()?.map(|r| r.to_string())
            && self.secrets.get(&relationship_key_name(&id))?.is_some()
        {
            self.api.register_relationship(&id).await?;
        }
        Ok(())
    }

    /// Re-seals the key bundle (for this person's other devices) after keys changed.
    async fn upload_keys(&self) -> Result<()> {
        let user = self
            .store
            .local_user()?
            .ok_or_else(|| SyncError::Config("no profile".into()))?;
        let wrapping = self.secrets.get(WRAPPING_KEY)?.ok_or_else(|| {
            SyncError::Config("this device lost its account keys; sign in again".into())
        })?;
        let keys = Keys::load(self.secrets, &self.relationship_ids()?)?;
        self.api
            .put_keys(&keys.seal(&decode_key(&wrapping)?, &user.to_string())?)
            .await
    }

    /// Makes sure the person has a root key, and that a relationship they created has one (made
    /// before or after signing up); uploads the sealed bundle when a key was made.
    async fn ensure_keys(&self) -> Result<()> {
        let mut keys = Keys::load(self.secrets, &self.relationship_ids()?)?;
        let mut made = false;
        if keys.user.is_none() {
            keys.user = Some(encode_key(&crypto::random_key()));
            made = true;
        }
        let me = self.store.local_user()?.map(|u| u.to_string());
        // Only the current relationship may get a key: an ended one is never written again.
        if let Some(id) = self.store.current_relationship()?.map(|r| r.to_string())
            && !keys.relationships.contains_key(&id)
            && self.store.relationship_creator(&id)? == me
        {
            keys.relationships
                .insert(id, encode_key(&crypto::random_key()));
            made = true;
        }
        if made {
            keys.save(self.secrets)?;
            self.upload_keys().await?;
        }
        Ok(())
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

    /// Asks the server for the couple's signed entitlement (at most every ten minutes unless
    /// `force`), verifies it and keeps it for offline use. `None` when the server sells nothing.
    pub async fn refresh_entitlement(
        &mut self,
        force: bool,
    ) -> Result<Option<crate::entitlement::Access>> {
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

    /// Pulls every document this device holds a key for.
    async fn pull(&mut self) -> Result<pull::Pulled> {
        let keys = Keys::load(self.secrets, &self.relationship_ids()?)?;
        self.pull_documents(&keys, |_| true).await
    }

    /// Creates a pairing code for the current relationship: the partner types it (or scans it) to
    /// join. It carries an invite secret (the server keeps only its hash) and a key that unseals the
    /// relationship key; the server never sees the latter.
    pub async fn invite(&mut self) -> Result<PairingInvite> {
        let relationship = self
            .store
            .current_relationship()?
            .ok_or_else(|| {
                SyncError::Config(
                    "create a relationship first: together relationship create".into(),
                )
            })?
            .to_string();
        // Upload first: the partner must find the couple's documents when they join.
        self.sync().await?;
        let keys = Keys::load(self.secrets, std::slice::from_ref(&relationship))?;
        let root = keys.relationships.get(&relationship).ok_or_else(|| {
            SyncError::Config("this device has no key for the relationship; sync first".into())
        })?;
        let code = PairingCode::generate();
        let wrapped = crypto::seal(
            &code.wrapping_key(),
            "pairing",
            &relationship,
            &decode_key(root)?,
        );
        let secret_hash: [u8; 32] =
            sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(code.secret))
                .into();
        let invite = self
            .api
            .invite(&relationship, &secret_hash, &wrapped)
            .await?;
        Ok(PairingInvite {
            code: code.to_string(),
            expires_at: invite.expires_at,
        })
    }

    /// Joins the partner's relationship with their pairing code: redeems it, unseals the
    /// relationship key, fetches the couple's documents, joins locally, and re-seals the key bundle
    /// for this person's other devices.
    pub async fn join(&mut self, code: &str) -> Result<String> {
        let code: PairingCode = code.parse()?;
        // Checked before the single-use code is spent.
        if let Some(existing) = self.store.current_relationship()? {
            return Err(SyncError::Config(format!(
                "this device already has its own couple space ({existing}); one couple per device, so ask your partner to join yours instead"
            )));
        }
        let redeemed = self.api.redeem(&code.secret).await?;
        let relationship = redeemed.relationship_id;
        let wrapped = redeemed
            .wrapped_key
            .and_then(|k| STANDARD.decode(k).ok())
            .ok_or_else(|| SyncError::Protocol("the invite carries no relationship key".into()))?;
        let root = crypto::open(&code.wrapping_key(), "pairing", &relationship, &wrapped)?;
        let root: Key = root
            .try_into()
            .map_err(|_| SyncError::Protocol("bad relationship key".into()))?;
        self.secrets
            .set(&relationship_key_name(&relationship), &encode_key(&root))?;
        // Fetch the couple's documents, then join them on this device.
        let id: together_core::ids::RelationshipId = relationship
            .parse()
            .map_err(|e: together_core::ids::InvalidId| SyncError::Protocol(e.to_string()))?;
        self.pull_relationship(&relationship).await?;
        self.store.join_relationship(id, now())?;
        self.upload_keys().await?;
        self.sync().await?;
        Ok(relationship)
    }

    /// Pulls the documents of one relationship (just joined: its key is in the secret store).
    async fn pull_relationship(&mut self, relationship: &str) -> Result<()> {
        let mut keys = Keys::load(self.secrets, &[])?;
        if let Some(key) = self.secrets.get(&relationship_key_name(relationship))? {
            keys.relationships.insert(relationship.to_owned(), key);
        }
        self.pull_documents(&keys, |doc_id| doc_id.contains(relationship))
            .await?;
        Ok(())
    }

    /// The account's signed-in devices.
    pub async fn devices(&self) -> Result<Vec<together_core::wire::DeviceInfo>> {
        self.api.devices().await
    }

    /// Signs one of the account's devices out.
    pub async fn revoke(&self, device_id: &str) -> Result<()> {
        self.api.revoke(device_id.trim()).await
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

    /// Signs this device out (the server revokes its token).
    pub async fn logout(self) -> Result<()> {
        self.api.logout().await?;
        self.secrets.delete(TOKEN)?;
        Ok(())
    }
}
