//! The keys a device holds, and the sealed bundle that carries them to the person's other devices.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use together_core::document::DocAddress;

use super::{Result, Session, SyncError};
use crate::crypto::{self, Key};
use crate::secret_store::SecretStore;

/// A device uploads a snapshot of a document once its log grew by this many entries.
pub const SNAPSHOT_EVERY: i64 = 256;

/// The additional-data label of a snapshot covering `seq`: a snapshot cannot pass for an entry.
pub(super) fn snapshot_label(seq: i64) -> String {
    format!("snapshot:{seq}")
}

pub(super) const TOKEN: &str = "token";
pub(super) const USER_KEY: &str = "key:user";
/// The key derived from the password that seals the key bundle; kept beside the keys it guards so
/// key changes (a new relationship) can be re-sealed without asking for the password again.
pub(super) const WRAPPING_KEY: &str = "wrapping-key";

pub(super) fn relationship_key_name(relationship_id: &str) -> String {
    format!("key:rel:{relationship_id}")
}

pub(super) fn encode_key(key: &Key) -> String {
    STANDARD.encode(key)
}

pub(super) fn decode_key(text: &str) -> Result<Key> {
    STANDARD
        .decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| SyncError::Config("a stored key is damaged; sign in again".into()))
}

/// The keys a device holds: the person's own root key and one root key per relationship.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Keys {
    /// Root of the person's own documents.
    pub user: Option<String>,
    /// Roots of the relationships' documents, by relationship id.
    pub relationships: BTreeMap<String, String>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field(
                "relationships",
                &self.relationships.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keys {
    /// The keys kept in `secrets` for the relationships in `relationship_ids`.
    pub(super) fn load(secrets: &dyn SecretStore, relationship_ids: &[String]) -> Result<Self> {
        let mut keys = Self {
            user: secrets.get(USER_KEY)?,
            relationships: BTreeMap::new(),
        };
        for id in relationship_ids {
            if let Some(key) = secrets.get(&relationship_key_name(id))? {
                keys.relationships.insert(id.clone(), key);
            }
        }
        Ok(keys)
    }

    pub(super) fn save(&self, secrets: &dyn SecretStore) -> Result<()> {
        if let Some(user) = &self.user {
            secrets.set(USER_KEY, user)?;
        }
        for (id, key) in &self.relationships {
            secrets.set(&relationship_key_name(id), key)?;
        }
        Ok(())
    }

    /// The key of one document, when this device holds its root key.
    pub fn document_key(&self, address: &DocAddress) -> Result<Option<Key>> {
        let root = match address {
            DocAddress::User(_) => self.user.as_deref(),
            DocAddress::Relationship(r) | DocAddress::Series(r, _) => {
                self.relationships.get(&r.to_string()).map(String::as_str)
            }
        };
        root.map(|root| Ok(crypto::document_key(&decode_key(root)?, &address.doc_id())))
            .transpose()
    }

    /// The bundle sealed with the wrapping key from the password, for the person's other devices.
    pub(super) fn seal(&self, wrapping_key: &Key, user_id: &str) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(self).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(crypto::seal(wrapping_key, "key-bundle", user_id, &json))
    }

    pub(super) fn open(sealed: &[u8], wrapping_key: &Key, user_id: &str) -> Result<Self> {
        let json = crypto::open(wrapping_key, "key-bundle", user_id, sealed)?;
        serde_json::from_slice(&json).map_err(|e| SyncError::Protocol(e.to_string()))
    }
}

impl Session<'_> {
    /// Re-seals the key bundle (for this person's other devices) after keys changed.
    pub(super) async fn upload_keys(&self) -> Result<()> {
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
    pub(super) async fn ensure_keys(&self) -> Result<()> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_bundles_open_only_with_the_password_key_of_their_owner() {
        let keys = Keys {
            user: Some(encode_key(&[1; 32])),
            relationships: BTreeMap::from([("r".into(), encode_key(&[2; 32]))]),
        };
        let sealed = keys.seal(&[9; 32], "u1").unwrap();
        assert_eq!(Keys::open(&sealed, &[9; 32], "u1").unwrap(), keys);
        assert!(Keys::open(&sealed, &[8; 32], "u1").is_err());
        assert!(Keys::open(&sealed, &[9; 32], "u2").is_err());
    }
}
