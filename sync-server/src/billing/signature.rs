//! Stripe's webhook signature scheme: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, where each
//! `v1` is HMAC-SHA256 over `"{t}.{raw body}"` with a signing secret. Any `v1` matching any of the
//! configured secrets (several during a rotation) verifies, compared in constant time; a timestamp
//! more than the tolerance away from now is refused (replays).
//!
//! The header comes from anyone on the internet, so the work it can cause is bounded before any
//! MAC is computed: the header's length and its number of signatures are capped, a stale timestamp
//! is refused first, and the MAC over the body is computed **once per configured secret** (then
//! compared with each candidate), never once per candidate. The webhook route also caps the body.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a signature's timestamp may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;
/// Most `v1` signatures accepted in one header: Stripe sends one per active secret (two during a
/// rotation); more is an attack.
pub const MAX_SIGNATURES: usize = 8;
/// Longest header accepted.
pub const MAX_HEADER_BYTES: usize = 2048;

/// Why a webhook request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// No or unreadable header, or one with too many signatures.
    #[error("missing or malformed Stripe-Signature header")]
    Malformed,
    /// Timestamp outside the tolerance.
    #[error("the Stripe-Signature timestamp is too old or in the future")]
    Stale,
    /// No `v1` matched.
    #[error("no Stripe-Signature matches this body")]
    Mismatch,
}

/// The hex `v1` signature of `body` at `timestamp` with `secret` (what Stripe sends).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// A parsed header: its timestamp and its well-formed `v1` candidates.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    timestamp: i64,
    candidates: Vec<[u8; 32]>,
}

fn parse(header: &str) -> Result<Header, SignatureError> {
    if header.len() > MAX_HEADER_BYTES {
        return Err(SignatureError::Malformed);
    }
    let mut timestamp = None;
    let mut candidates = Vec::new();
    let mut signatures = 0_usize;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed);
                }
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed)?,
                );
            }
            Some(("v1", value)) => {
                signatures += 1;
                if signatures > MAX_SIGNATURES {
                    return Err(SignatureError::Malformed);
                }
                let mut bytes = [0_u8; 32];
                if hex::decode_to_slice(value, &mut bytes).is_ok() {
                    candidates.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    Ok(Header {
        timestamp,
        candidates,
    })
}

/// Verifies `header` for `body` against any of `secrets` at time `now` (Unix seconds). Costs at
/// most one HMAC over the body per secret, whatever the header holds.
pub fn verify(
    header: &str,
    body: &[u8],
    secrets: &[String],
    now: i64,
) -> Result<(), SignatureError> {
    let Header {
        timestamp,
        candidates,
    } = parse(header)?;
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        let expected = mac(secret, timestamp, body);
        for candidate in &candidates {
            if bool::from(expected.ct_eq(candidate)) {
                return Ok(());
            }
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_test_webhook","object":"event"}"#;
    const EXPECTED: &str = "d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990";

    #[test]
    fn the_documented_vector_signs_and_verifies() {
        assert_eq!(sign("whsec_test_secret", 1_700_000_000, BODY), EXPECTED);
        let header = format!("t=1700000000,v1={EXPECTED}");
        let secrets = vec!["whsec_test_secret".to_owned()];
        assert_eq!(verify(&header, BODY, &secrets, 1_700_000_100), Ok(()));
    }

    #[test]
    fn a_rolled_secret_and_several_signatures_verify() {
        let old = sign("whsec_old", 1_700_000_000, BODY);
        let new = sign("whsec_new", 1_700_000_000, BODY);
        let header = format!("t=1700000000,v1={old},v1={new},v0=ignored");
        let only_new = vec!["whsec_new".to_owned()];
        assert_eq!(verify(&header, BODY, &only_new, 1_700_000_000), Ok(()));
        let both = vec!["whsec_other".to_owned(), "whsec_old".to_owned()];
        assert_eq!(verify(&header, BODY, &both, 1_700_000_000), Ok(()));
    }

    #[test]
    fn a_flood_of_signatures_is_refused_before_any_mac() {
        let secrets = vec!["whsec_test_secret".to_owned()];
        // 60,000 empty candidates: refused as malformed (it used to cost one HMAC over the body
        // for each of them, minutes of CPU on a large body).
        let flood = format!("t=1700000000{}", ",v1=".repeat(60_000));
        assert_eq!(
            verify(&flood, BODY, &secrets, 1_700_000_000),
            Err(SignatureError::Malformed)
        );
        // Nine well-formed signatures, the right one last: still too many.
        let mut many = "t=1700000000".to_owned();
        for _ in 0..MAX_SIGNATURES {
            many.push_str(&format!(",v1={}", "0".repeat(64)));
        }
        many.push_str(&format!(",v1={EXPECTED}"));
        assert!(many.len() <= MAX_HEADER_BYTES);
        assert_eq!(
            verify(&many, BODY, &secrets, 1_700_000_000),
            Err(SignatureError::Malformed)
        );
        // Up to the cap, the right one among them verifies.
        let mut some = "t=1700000000".to_owned();
        for _ in 0..MAX_SIGNATURES - 1 {
            some.push_str(&format!(",v1={}", "0".repeat(64)));
        }
        some.push_str(&format!(",v1={EXPECTED}"));
        assert_eq!(verify(&some, BODY, &secrets, 1_700_000_000), Ok(()));
        // Two timestamps, or an absurd one, are malformed rather than guessed at.
        assert_eq!(
            verify(
                &format!("t=1,t=1700000000,v1={EXPECTED}"),
                BODY,
                &secrets,
                1_700_000_000
            ),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(
                &format!("t={},v1={EXPECTED}", i64::MIN),
                BODY,
                &secrets,
                i64::MAX
            ),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn tampering_staleness_and_garbage_are_refused() {
        let secrets = vec!["whsec_test_secret".to_owned()];
        let header = format!("t=1700000000,v1={EXPECTED}");
        assert_eq!(
            verify(&header, b"{}", &secrets, 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, BODY, &secrets, 1_700_000_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&header, BODY, &secrets, 1_699_999_699),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("", BODY, &secrets, 0),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("t=1700000000", BODY, &secrets, 1_700_000_000),
            Err(SignatureError::Malformed)
        );
        let wrong = vec!["whsec_wrong".to_owned()];
        assert_eq!(
            verify(&header, BODY, &wrong, 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
    }
}
