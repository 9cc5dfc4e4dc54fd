//! The sync protocol's JSON bodies: every request body the server deserializes and every response
//! body the client deserializes, read from the same bytes.

use serde::Serialize;
use serde::de::DeserializeOwned;
use together_core::view::{AddonView, PlanView};
use together_core::wire::*;

/// Reads `data` as a `T`; what is accepted must write back to JSON and read back equal, so a body
/// the server stores or relays means the same thing on the other side.
fn decode<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) -> Option<T> {
    let value = serde_json::from_slice::<T>(data).ok()?;
    let text = serde_json::to_vec(&value).ok();
    assert!(text.is_some(), "an accepted body could not be written back");
    if let Some(text) = text {
        let again = serde_json::from_slice::<T>(&text).ok();
        assert_eq!(again.as_ref(), Some(&value), "a body changed through JSON");
    }
    Some(value)
}

/// Base64 fields go through the server's own decoder, as its handlers do.
fn server_decodes(text: &str) {
    let _ = together_server::secrets::decode(text);
    let _ = together_server::secrets::decode_32(text);
}

/// Target `wire_requests`: request bodies, as the server's `ApiJson` extractor reads them.
pub fn requests(data: &[u8]) {
    if let Some(r) = decode::<SignupRequest>(data) {
        server_decodes(&r.auth_secret);
    }
    if let Some(r) = decode::<LoginRequest>(data) {
        server_decodes(&r.auth_secret);
    }
    decode::<CreateRelationshipRequest>(data);
    decode::<CreateInviteRequest>(data);
    decode::<RedeemInviteRequest>(data);
    if let Some(r) = decode::<AppendRequest>(data) {
        for entry in &r.entries {
            server_decodes(&entry.ciphertext);
        }
    }
    if let Some(r) = decode::<Snapshot>(data) {
        server_decodes(&r.ciphertext);
    }
    if let Some(r) = decode::<KeyBundle>(data) {
        server_decodes(&r.bundle);
    }
}

/// Target `wire_responses`: response bodies and live messages, as the client reads them.
pub fn responses(data: &[u8]) {
    decode::<SessionResponse>(data);
    decode::<Vec<DeviceInfo>>(data);
    decode::<RelationshipInfo>(data);
    decode::<Vec<RelationshipInfo>>(data);
    decode::<InviteResponse>(data);
    decode::<RedeemInviteResponse>(data);
    decode::<AppendResponse>(data);
    decode::<PullResponse>(data);
    decode::<Vec<DocInfo>>(data);
    decode::<Snapshot>(data);
    decode::<KeyBundle>(data);
    decode::<ErrorBody>(data);
    decode::<LiveMessage>(data);
    decode::<SignedEntitlement>(data);
    decode::<Entitlement>(data);
    decode::<CheckoutSession>(data);
    for plan in decode::<Vec<PlanView>>(data).unwrap_or_default() {
        let _ = plan.price_label();
    }
    decode::<Vec<AddonView>>(data);
    decode::<billing::Suggestions>(data);
}
