//! Pairing codes: what the inviting partner shows and the other types or scans.

use crate::crypto::{self, Key};
use crate::sync::{Result, SyncError};

/// The two halves of a pairing code: the invite secret (sent to the server when redeemed) and the
/// code key (never sent; unseals the relationship key).
pub(crate) struct PairingCode {
    pub(crate) secret: [u8; 10],
    pub(crate) code_key: [u8; 10],
}

impl PairingCode {
    /// A fresh, random code.
    pub(crate) fn generate() -> Self {
        let mut bytes = [0_u8; 20];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let (mut secret, mut code_key) = ([0_u8; 10], [0_u8; 10]);
        secret.copy_from_slice(&bytes[..10]);
        code_key.copy_from_slice(&bytes[10..]);
        Self { secret, code_key }
    }

    /// The key that seals the relationship key inside the invite.
    pub(crate) fn wrapping_key(&self) -> Key {
        crypto::document_key(
            &{
                let mut padded = [0_u8; 32];
                padded[..10].copy_from_slice(&self.code_key);
                padded
            },
            "pairing",
        )
    }
}

impl std::fmt::Display for PairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut bytes = self.secret.to_vec();
        bytes.extend_from_slice(&self.code_key);
        let text = data_encoding::BASE32_NOPAD.encode(&bytes);
        let groups: Vec<&str> = text
            .as_bytes()
            .chunks(4)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        f.write_str(&groups.join("-"))
    }
}

impl std::str::FromStr for PairingCode {
    type Err = SyncError;

    fn from_str(s: &str) -> Result<Self> {
        let cleaned: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_uppercase();
        if cleaned.is_empty() {
            return Err(SyncError::Config(
                "enter the pairing code your partner's app shows".into(),
            ));
        }
        let bytes = data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .ok()
            .filter(|b| b.len() == 20)
            .ok_or_else(|| {
                SyncError::Config(
                    "this is not a pairing code (32 letters and digits, like ABCD-EFGH-…)".into(),
                )
            })?;
        let (mut secret, mut code_key) = ([0_u8; 10], [0_u8; 10]);
        secret.copy_from_slice(&bytes[..10]);
        code_key.copy_from_slice(&bytes[10..]);
        Ok(Self { secret, code_key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_codes_round_trip_and_forgive_case_and_spacing() {
        let code = PairingCode::generate();
        let text = code.to_string();
        assert_eq!(text.len(), 32 + 7, "eight groups of four");
        let typed = text.to_lowercase().replace('-', " ");
        let parsed: PairingCode = typed.parse().unwrap();
        assert_eq!(
            (parsed.secret, parsed.code_key),
            (code.secret, code.code_key)
        );
        assert!("not a code".parse::<PairingCode>().is_err());
        assert!(
            " - "
                .parse::<PairingCode>()
                .err()
                .is_some_and(|e| e.to_string().contains("enter the pairing code"))
        );
    }
}
