//! Private notes: kept in the person's own document, which reaches their own devices only, never
//! the partner's.

use jiff::Timestamp;
use together_core::document::{self as doc, DocAddress, PrivateNote};
use together_core::domain::required_text;
use together_core::ids::RecordId;

use crate::error::{FormError, Result};
use crate::profile::require_user;
use crate::store::Store;

// Reads.

impl Store {
    /// The local person's private notes, oldest first.
    pub fn private_notes(&mut self, now: Timestamp) -> Result<Vec<PrivateNote>> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            Ok(tx
                .document(DocAddress::User(user))?
                .map(PrivateNote::list)
                .unwrap_or_default())
        })
    }
}

// Forms.

/// A note's text (trimmed; up to 4,000 characters).
pub fn form(text: &str) -> Result<String, FormError> {
    Ok(required_text("note", text, 4000)?)
}

// Actions.

impl Store {
    /// Adds a private note to the local person's own document: it never reaches the partner.
    pub fn add_private_note(&mut self, text: &str, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::User(user), |d| {
                doc::add_private_note(d, id, text, now)
            })?;
            Ok(id)
        })
    }
}
