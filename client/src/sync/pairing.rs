//! Pairing and unpairing through the sync server.
//!
//! The inviting partner makes an invite code ([`Session::invite`]): the invite secret (the server
//! keeps only its hash) and the key that unseals the relationship key (which the server never
//! sees) both derive from it. The other partner types or scans it ([`Session::join`]); a typo is
//! caught on their device, and since the secret derives from the whole code, the server spends the
//! invite only for the exact code, which opens the key. Both see the invite's real state
//! ([`Session::invite_status`]). Leaving ([`Session::leave`]) ends the relationship for both (see
//! `membership`).

mod code;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use together_core::view::InviteView;
use together_core::wire::{ErrorCode, InviteInfo};

pub(crate) use code::PairingCode;

use super::keys::{Keys, decode_key, encode_key, relationship_key_name};
use super::{Result, Session, SyncError, now};
use crate::crypto::{self, Key};
use crate::error::StoreError;
use crate::relationship::Ended;

/// An invite code, as shown to the inviter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PairingInvite {
    /// The code to type, read aloud or scan: 28 letters and digits in seven groups of four.
    pub code: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
}

impl PairingInvite {
    /// The invitation as the Partner screen shows it: the code, and the same as a QR code to scan.
    pub fn into_view(self) -> Result<InviteView> {
        let qr = qrcode::QrCode::new(self.code.as_bytes())
            .map_err(|error| SyncError::Config(format!("cannot draw the QR code: {error}")))?;
        let qr_svg = qr
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build();
        Ok(InviteView {
            code: self.code,
            expires_at: self.expires_at,
            qr_svg,
        })
    }
}

/// Checks a typed invite code on this device, without the server: a typo, a look-alike or a
/// wrong length gets a sentence saying what to fix, before anything is sent or spent.
pub fn check_invite_code(text: &str) -> Result<()> {
    text.parse::<PairingCode>().map(drop)
}

impl Session<'_> {
    /// Creates an invite code for the current relationship: the partner types it (or scans it) to
    /// join. The invite secret (the server keeps only its hash) and the key that unseals the
    /// relationship key (which the server never sees) both derive from it.
    pub async fn invite(&mut self) -> Result<PairingInvite> {
        let relationship = self
            .store
            .current_relationship()?
            .ok_or(StoreError::NeedsRelationship)?
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
        let secret_hash: [u8; 32] = sha2::Digest::finalize(
            <sha2::Sha256 as sha2::Digest>::new_with_prefix(code.secret()),
        )
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

    /// Joins the partner's relationship with their invite code: redeems it, unseals the
    /// relationship key, fetches the couple's documents, joins locally, and re-seals the key bundle
    /// for this person's other devices.
    pub async fn join(&mut self, code: &str) -> Result<String> {
        let code: PairingCode = code.parse()?;
        // Checked before the single-use code is spent.
        if let Some(existing) = self.store.current_relationship()? {
            tracing::debug!(%existing, "join refused: this device has a relationship");
            return Err(SyncError::Config(
                "This device already has its own couple space, and a device holds one: ask your partner to join yours instead (or leave yours first).".into(),
            ));
        }
        let redeemed = self
            .api
            .redeem(&code.secret())
            .await
            .map_err(plain_redeem_error)?;
        let relationship = redeemed.relationship_id;
        let wrapped = redeemed
            .wrapped_key
            .and_then(|k| STANDARD.decode(k).ok())
            .ok_or_else(|| SyncError::Protocol("the invite carries no relationship key".into()))?;
        // Only a server that altered the invite gets here with a key that does not open.
        let root = crypto::open(&code.wrapping_key(), "pairing", &relationship, &wrapped)
            .map_err(|_| {
                SyncError::Config(
                    "Your partner's space did not open with this invite code. Ask them for a new one."
                        .into(),
                )
            })?;
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

    /// The newest invite of the current relationship and its state now (`None` when there is no
    /// current relationship or it has no invite yet): the inviter's screen shows whether the
    /// partner joined or the code ran out.
    pub async fn invite_status(&self) -> Result<Option<InviteInfo>> {
        let Some(relationship) = self.store.current_relationship()? else {
            return Ok(None);
        };
        Ok(self
            .api
            .invites(&relationship.to_string())
            .await?
            .into_iter()
            .next())
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

    /// Leaves the current relationship: it ends for both partners on the server and becomes
    /// read-only here (and on the partner's devices once they hear of it). What was still queued
    /// is uploaded first; the local copy and its key stay, so it remains readable here and on the
    /// person's new devices.
    pub async fn leave(&mut self) -> Result<Ended> {
        let relationship = self
            .store
            .current_relationship()?
            .ok_or_else(|| SyncError::Config("there is no relationship to leave".into()))?
            .to_string();
        // The partner gets everything written until now.
        self.sync().await?;
        if let Err(error) = self.api.leave(&relationship).await {
            // The partner may have left first: then it has ended already.
            let gone = matches!(error, SyncError::Refused { status: 404, .. })
                || error.is_relationship_ended();
            let learned = if gone {
                self.learn_ended().await?
            } else {
                Vec::new()
            };
            return match learned
                .into_iter()
                .find(|e| e.relationship_id == relationship)
            {
                Some(ended) => Ok(ended),
                None => Err(error),
            };
        }
        Ok(self.end_here(&relationship, None)?.unwrap_or(Ended {
            relationship_id: relationship,
            kept_on_device: 0,
        }))
    }
}

/// Redeeming refused, in a sentence for the person joining (the server's answers are terse on
/// purpose: every unusable code gets the same one).
fn plain_redeem_error(error: SyncError) -> SyncError {
    match error {
        SyncError::Refused { status: 404, .. } => SyncError::Config(
            "This invite code no longer works: it was used already or ran out of time. Ask your partner for a new one.".into(),
        ),
        SyncError::Refused {
            code: Some(ErrorCode::AlreadyInRelationship),
            ..
        } => SyncError::Config(
            "Your account already shares a space with someone: leave it first, then join with the code.".into(),
        ),
        other => other,
    }
}
