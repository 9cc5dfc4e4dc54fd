//! Signed entitlements: the couple's access, signed with the server's Ed25519 key and valid for a
//! while, so the app can honour Premium offline and nobody can forge it on the device.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};

use crate::storage::Storage;

/// How long a signed entitlement may be honoured offline.
pub const OFFLINE_DAYS: i64 = 7;

pub use together_core::wire::{Entitlement, SignedEntitlement};

/// The server's signing key.
#[derive(Debug)]
pub struct Signer25519 {
    key: SigningKey,
}

/// Why the key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the entitlement signing key {path}: {detail}")]
pub struct KeyError {
    path: String,
    detail: String,
}

/// The key file earlier versions kept in the data directory; read once, to keep its key.
pub const LEGACY_KEY_FILE: &str = "entitlement-signing.key";

impl Signer25519 {
    /// The key stored in `storage` (shared by every instance, moved and backed up with the
    /// database). On first start the key becomes the one in `legacy_file` when an earlier version
    /// left one there (devices pinned it), else a new random one.
    pub async fn from_storage(storage: &dyn Storage, legacy_file: &Path) -> Result<Self, KeyError> {
        let error = |detail: String| KeyError {
            path: legacy_file.display().to_string(),
            detail,
        };
        let candidate: [u8; 32] = match std::fs::read(legacy_file) {
            Ok(bytes) => bytes
                .as_slice()
                .try_into()
                .map_err(|_| error("it is not a 32-byte key".into()))?,
            Err(_) => {
                let mut seed = [0_u8; 32];
                getrandom::fill(&mut seed).map_err(|e| error(e.to_string()))?;
                seed
            }
        };
        let seed = storage
            .signing_seed(candidate)
            .await
            .map_err(|e| error(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    /// The key with this 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The public key, base64.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.key.verifying_key().to_bytes())
    }

    /// Signs `entitlement`.
    pub fn sign(&self, entitlement: &Entitlement) -> SignedEntitlement {
        let payload = serde_json::to_string(entitlement).unwrap_or_default();
        let signature = self.key.sign(payload.as_bytes());
        SignedEntitlement {
            payload,
            signature: STANDARD.encode(signature.to_bytes()),
            public_key: self.public_key(),
        }
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    use super::*;

    #[test]
    fn a_signed_entitlement_verifies_and_a_changed_one_does_not() {
        let signer = Signer25519::from_seed(&[7; 32]);
        let again = Signer25519::from_seed(&[7; 32]);
        assert_eq!(signer.public_key(), again.public_key(), "one seed, one key");
        let signed = signer.sign(&Entitlement {
            user_id: "u".into(),
            relationship_id: Some("r".into()),
            level: "premium".into(),
            status: Some("active".into()),
            plan_id: None,
            entitled_until: None,
            is_gift: false,
            issued_at: "2026-11-25T00:00:00.000Z".into(),
            expires_at: "2026-12-02T00:00:00.000Z".into(),
        });
        let key: [u8; 32] = STANDARD
            .decode(&signed.public_key)
            .unwrap()
            .try_into()
            .unwrap();
        let key = VerifyingKey::from_bytes(&key).unwrap();
        let signature: [u8; 64] = STANDARD
            .decode(&signed.signature)
            .unwrap()
            .try_into()
            .unwrap();
        let signature = Signature::from_bytes(&signature);
        assert!(key.verify(signed.payload.as_bytes(), &signature).is_ok());
        let forged = signed.payload.replace("premium", "lifetime");
        assert!(key.verify(forged.as_bytes(), &signature).is_err());
    }
}
