//! Stripe's webhook signature scheme: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, where each
//! `v1` is HMAC-SHA256 over `"{t}.{raw body}"` with a signing secret. Any `v1` matching any of the
//! configured secrets (several during a rotation) verifies, compared in constant time; a timestamp
//! more than the tolerance away from now is refused (replays).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signature's timestamp may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a webhook request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// No or unreadable header.
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
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Verifies `header` for `body` against any of `secrets` at time `now` (Unix seconds).
pub fn verify(
    header: &str,
    body: &[u8],
    secrets: &[String],
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => {
                if let Ok(bytes) = hex::decode(value) {
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
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        for candidate in &candidates {
            // `verify_slice` compares in constant time.
            if mac(secret, timestamp, body).verify_slice(candidate).is_ok() {
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
