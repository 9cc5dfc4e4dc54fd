//! Stripe's webhooks: the event reader and the `Stripe-Signature` header check, both run on the
//! raw request before anything else.

use together_server::billing::{events, signature};

/// The time the signature target verifies at (Unix seconds); seeds are signed at it.
pub const NOW: i64 = 1_767_225_600;

/// The signing secrets the signature target verifies with (two, as during a rotation).
pub fn secrets() -> Vec<String> {
    vec!["whsec_fuzz_current".into(), "whsec_fuzz_previous".into()]
}

/// Target `stripe_event`: a webhook body, read as the webhook handler reads it (the event, then
/// the subscription or invoice object inside).
pub fn stripe_event(data: &[u8]) {
    let Ok(event) = events::Event::parse(data) else {
        return;
    };
    let _ = events::subscription_state(&event.object);
    let _ = events::invoice_subscription(&event.object);
    let _ = events::metadata(&event.object);
    let _ = events::id_of(event.object.get("customer"));
}

/// Splits the input into (header, body) at the first newline.
pub fn split(data: &[u8]) -> (String, &[u8]) {
    let at = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (header, rest) = data.split_at(at);
    (
        String::from_utf8_lossy(header).into_owned(),
        rest.get(1..).unwrap_or_default(),
    )
}

/// Target `stripe_signature`: `signature::verify(header, body, secrets, now)` at the fixed time
/// [`NOW`], with two secrets and with none: the only entry point this harness uses (the module's
/// internals change independently).
pub fn stripe_signature(data: &[u8]) {
    let (header, body) = split(data);
    let _ = signature::verify(&header, body, &secrets(), NOW);
    let _ = signature::verify(&header, body, &[], NOW);
}
