//! Signed entitlements: the couple's access, signed with the server's Ed25519 key and valid for a
//! while, so the app can honour Premium offline and nobody can forge it on the device.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};

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

impl Signer25519 {
    /// Loads the key from `path`, creating it (mode 0600) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let error = |detail: String| KeyError {
            path: path.display().to_string(),
            detail,
        };
        if let Ok(bytes) = std::fs::read(path) {
            let seed: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| error("it is not a 32-byte key".into()))?;
            return Ok(Self {
                key: SigningKey::from_bytes(&seed),
            });
        }
        let mut seed = [0_u8; 32];
        getrandom::fill(&mut seed).map_err(|e| error(e.to_string()))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| error(e.to_string()))?;
        }
        write_private(path, &seed).map_err(|e| error(e.to_string()))?;
        Ok(Self {
            key: SigningKey::from_bytes(&seed),
        })
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

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    use super::*;

    #[test]
    fn a_signed_entitlement_verifies_and_a_changed_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let signer = Signer25519::load_or_create(&path).unwrap();
        let again = Signer25519::load_or_create(&path).unwrap();
        assert_eq!(signer.public_key(), again.public_key(), "the key persists");
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
