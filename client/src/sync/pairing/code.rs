//! Invite codes: what the inviting partner shows (or reads aloud) and the other types or scans.
//!
//! A code is 128 random bits written as 26 symbols of a 31-symbol alphabet with no look-alikes
//! (no 0/O, 1/I/L), then two check symbols, in seven groups of four: `7KQ4-WX2M-…`. Both what the
//! server sees (the invite secret) and the key that unseals the relationship key are derived from
//! the whole code, so a mistyped code can never spend the invite: the check symbols catch typos on
//! the device, and a typo they miss gives another secret, which the server does not know.

use crate::crypto::{self, Key};
use crate::sync::{Result, SyncError};

/// The symbols of a code: digits and capital letters, without 0, 1, I, L and O. 31 is prime, so
/// the check symbols catch every single wrong symbol and every swap of two neighbours.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Symbols carrying the 128 random bits (31^26 > 2^128).
const BODY: usize = 26;
/// Symbols of a whole code, check symbols included.
const LENGTH: usize = BODY + 2;
/// Symbols per group as shown.
const GROUP: usize = 4;

/// An invite code: 128 random bits from which the invite secret and the sealing key derive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PairingCode {
    bits: u128,
}

impl PairingCode {
    /// A fresh, random code.
    pub(crate) fn generate() -> Self {
        let mut bytes = [0_u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        Self {
            bits: u128::from_be_bytes(bytes),
        }
    }

    fn derive(&self, purpose: &str) -> Key {
        let mut root = [0_u8; 32];
        root[..16].copy_from_slice(&self.bits.to_be_bytes());
        crypto::document_key(&root, purpose)
    }

    /// What the server is given when the code is redeemed (it keeps only its hash).
    pub(crate) fn secret(&self) -> [u8; 32] {
        self.derive("invite-secret")
    }

    /// The key that seals the relationship key inside the invite; never sent.
    pub(crate) fn wrapping_key(&self) -> Key {
        self.derive("invite-key")
    }

    /// The 26 body symbols (as alphabet indexes), most significant first.
    fn digits(&self) -> [u8; BODY] {
        let mut digits = [0_u8; BODY];
        let mut rest = self.bits;
        for digit in digits.iter_mut().rev() {
            // `rest % 31` is below 31: it fits a byte.
            *digit = u8::try_from(rest % 31).unwrap_or(0);
            rest /= 31;
        }
        digits
    }
}

/// The two check symbols of a body: the sum of its symbols, and the sum weighted by position,
/// both modulo 31.
fn check(digits: &[u8]) -> [u8; 2] {
    let (mut plain, mut weighted) = (0_u32, 0_u32);
    for (position, &digit) in (1_u32..).zip(digits) {
        plain = (plain + u32::from(digit)) % 31;
        weighted = (weighted + position * u32::from(digit)) % 31;
    }
    [plain, weighted].map(|sum| u8::try_from(sum).unwrap_or(0))
}

impl std::fmt::Display for PairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.digits();
        let symbols: Vec<char> = digits
            .iter()
            .chain(check(&digits).iter())
            .map(|&d| char::from(ALPHABET[usize::from(d)]))
            .collect();
        for (i, group) in symbols.chunks(GROUP).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(&group.iter().collect::<String>())?;
        }
        Ok(())
    }
}

fn refused(message: &str) -> SyncError {
    SyncError::Config(message.into())
}

impl std::str::FromStr for PairingCode {
    type Err = SyncError;

    /// Reads a typed code: case, spaces and dashes do not matter; a wrong symbol or a swap of two
    /// is caught here, before anything is sent.
    fn from_str(s: &str) -> Result<Self> {
        let mut digits = Vec::with_capacity(LENGTH);
        for c in s.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let upper = c.to_ascii_uppercase();
            let Some(digit) = ALPHABET.iter().position(|&a| char::from(a) == upper) else {
                return Err(refused(if matches!(upper, '0' | 'O' | '1' | 'I' | 'L') {
                    "An invite code never has 0, O, 1, I or L: check that character against your partner's screen."
                } else {
                    "That is not an invite code: it has letters and digits in groups of four, like 7KQ4-WX2M-…"
                }));
            };
            if digits.len() == LENGTH {
                return Err(refused(
                    "This invite code is too long: an invite code has 28 letters and digits (seven groups of four).",
                ));
            }
            digits.push(u8::try_from(digit).unwrap_or(0));
        }
        if digits.is_empty() {
            return Err(refused("Enter the invite code your partner's app shows."));
        }
        if digits.len() < LENGTH {
            return Err(refused(
                "This invite code is too short: an invite code has 28 letters and digits (seven groups of four).",
            ));
        }
        let (body, sums) = digits.split_at(BODY);
        let mut bits = 0_u128;
        for &digit in body {
            bits = bits
                .checked_mul(31)
                .and_then(|b| b.checked_add(u128::from(digit)))
                .ok_or_else(|| refused(TYPO))?;
        }
        if check(body) != sums {
            return Err(refused(TYPO));
        }
        Ok(Self { bits })
    }
}

/// The answer to a code whose check symbols do not match.
const TYPO: &str = "This invite code has a typo: compare it with your partner's screen, letter by letter. Nothing was used up, so you can try again.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_round_trip_and_forgive_case_and_spacing() {
        let code = PairingCode::generate();
        let text = code.to_string();
        assert_eq!(text.len(), 28 + 6, "seven groups of four");
        assert!(
            !text.contains(['0', 'O', '1', 'I', 'L']),
            "no look-alikes: {text}"
        );
        let typed = text.to_lowercase().replace('-', " ");
        let parsed: PairingCode = typed.parse().unwrap();
        assert_eq!(parsed, code);
        assert_eq!(parsed.secret(), code.secret());
        assert_ne!(code.secret(), code.wrapping_key());
        assert!("not a code".parse::<PairingCode>().is_err());
        assert!(
            " - "
                .parse::<PairingCode>()
                .err()
                .is_some_and(|e| e.to_string().contains("Enter the invite code"))
        );
        let zero = PairingCode { bits: 0 };
        let max = PairingCode { bits: u128::MAX };
        for code in [zero, max] {
            assert_eq!(code.to_string().parse::<PairingCode>().unwrap(), code);
        }
    }

    #[test]
    fn every_single_wrong_symbol_and_every_swap_is_caught() {
        for _ in 0..20 {
            let text: Vec<char> = PairingCode::generate()
                .to_string()
                .chars()
                .filter(|c| *c != '-')
                .collect();
            for position in 0..LENGTH {
                for &other in ALPHABET {
                    let other = char::from(other);
                    if other == text[position] {
                        continue;
                    }
                    let mut typo = text.clone();
                    typo[position] = other;
                    let typo: String = typo.into_iter().collect();
                    let error = typo.parse::<PairingCode>().unwrap_err().to_string();
                    assert!(error.contains("typo"), "{typo}: {error}");
                }
                // Swaps inside the body, and of the two check symbols (a swap across the boundary changes
                // the body's value itself, caught like any other typo but only most of the time).
                if (position + 1 < BODY || position == BODY) && text[position] != text[position + 1]
                {
                    let mut swapped = text.clone();
                    swapped.swap(position, position + 1);
                    let swapped: String = swapped.into_iter().collect();
                    assert!(swapped.parse::<PairingCode>().is_err(), "{swapped}");
                }
            }
        }
    }

    #[test]
    fn look_alikes_wrong_lengths_and_overflow_are_refused_with_a_sentence() {
        let text = PairingCode::generate().to_string();
        let with_o = format!("O{}", text.get(1..).unwrap());
        assert!(
            with_o
                .parse::<PairingCode>()
                .unwrap_err()
                .to_string()
                .contains("never has 0, O, 1, I or L")
        );
        let short = text.get(..text.len() - 1).unwrap();
        assert!(
            short
                .parse::<PairingCode>()
                .unwrap_err()
                .to_string()
                .contains("too short")
        );
        assert!(
            format!("{text}2")
                .parse::<PairingCode>()
                .unwrap_err()
                .to_string()
                .contains("too long")
        );
        // 26 of the largest symbol is above 2^128.
        let overflow = format!("{}22", "Z".repeat(BODY));
        assert!(overflow.parse::<PairingCode>().is_err());
    }
}
