//! Live news between instances is sealed with a key only the instances hold: `LISTEN` and
//! `NOTIFY` need no privilege beyond connecting to the database, so without it any role that can
//! connect could send an instance forged news (sockets closed, or forged entries carried to a
//! device, which would set a forged entry aside and skip the real one at its seq). Each payload
//! is `<base64 HMAC-SHA256 of the JSON>.<JSON>`; a payload that does not verify is dropped.
//!
//! The key is random, stored once in `server_info` (`news_key`; a conditional insert, so
//! instances starting together agree on one), and read by each instance the first time it sends
//! or listens: a database only migrated (`migrate-storage`) gets none until a server runs on it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::instance::stored_key;
use crate::storage::StorageError;

type NewsMac = Hmac<Sha256>;

/// Bytes a seal adds to a payload: 44 of base64 and the dot.
pub(super) const SEAL_BYTES: usize = 45;

/// The instances' shared key for live news.
#[derive(Clone)]
pub(super) struct NewsKey([u8; 32]);

impl std::fmt::Debug for NewsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewsKey(…)")
    }
}

impl NewsKey {
    /// The stored key, or a new random one stored now when there is none yet.
    pub(super) async fn load_or_create(
        client: &deadpool_postgres::Object,
    ) -> Result<Self, StorageError> {
        stored_key(client, "news_key", rand::random())
            .await
            .map(Self)
    }

    fn mac(&self, json: &str) -> NewsMac {
        // A 32-byte key always suits HMAC.
        let mut mac = <NewsMac as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(json.as_bytes());
        mac
    }

    /// `json` sealed: what is sent.
    pub(super) fn seal(&self, json: &str) -> String {
        let tag = STANDARD.encode(self.mac(json).finalize().into_bytes());
        format!("{tag}.{json}")
    }

    /// The JSON of a payload sealed with this key; `None` for anything else.
    pub(super) fn open<'a>(&self, payload: &'a str) -> Option<&'a str> {
        let (tag, json) = payload.split_once('.')?;
        let tag = STANDARD.decode(tag).ok()?;
        self.mac(json).verify_slice(&tag).ok()?;
        Some(json)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;

    #[test]
    fn only_news_sealed_with_the_key_opens() {
        let key = NewsKey([7; 32]);
        let json = r#"{"origin":"one","news":{"kind":"account_deleted","user_id":"u"}}"#;
        let sealed = key.seal(json);
        assert_eq!(sealed.len(), json.len() + SEAL_BYTES);
        assert_eq!(key.open(&sealed), Some(json));
        assert_eq!(NewsKey([8; 32]).open(&sealed), None, "another key");
        assert_eq!(key.open(json), None, "unsealed");
        let forged = sealed.replace("\"u\"", "\"v\"");
        assert_eq!(key.open(&forged), None, "changed after sealing");
        assert_eq!(key.open("."), None);
        assert_eq!(key.open(""), None);
    }
}
