//! Text ids that arrive from outside: document ids (URLs, file names, the server's document list),
//! record and person ids, and pairing codes typed by a person.

use together_core::address::DocAddress;
use together_core::ids::{RecordId, RelationshipId, UserId};

/// Target `doc_ids`: `DocAddress` and the id newtypes. An accepted document id is canonical: it is
/// exactly what the address writes back.
pub fn doc_ids(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(address) = text.parse::<DocAddress>() {
        assert_eq!(address.doc_id(), text, "a document id has one spelling");
        assert_eq!(address.doc_id().parse::<DocAddress>().ok(), Some(address));
    }
    if let Ok(id) = text.parse::<UserId>() {
        assert_eq!(id.to_string().parse::<UserId>().ok(), Some(id));
    }
    if let Ok(id) = text.parse::<RelationshipId>() {
        assert_eq!(id.to_string().parse::<RelationshipId>().ok(), Some(id));
    }
    if let Ok(id) = text.parse::<RecordId>() {
        assert_eq!(id.to_string().parse::<RecordId>().ok(), Some(id));
    }
    // Ids also arrive inside JSON.
    let _ = serde_json::from_slice::<UserId>(data);
}

/// Target `pairing_code`: what a person types into "join with a code". An accepted code writes
/// back in a form that reads as the same code.
pub fn pairing_code(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(canonical) = together_client::fuzzing::parse_pairing_code(&text) {
        assert_eq!(
            together_client::fuzzing::parse_pairing_code(&canonical).as_deref(),
            Some(canonical.as_str())
        );
    }
}
