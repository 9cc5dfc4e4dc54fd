//! The sync engine: a device and the sync server, end-to-end encrypted.
//!
//! - **Session** ([`Session`], `session`): signing up and in derive secrets from the password on
//!   the device ([`crate::crypto`]); the person's keys travel to their new devices sealed in a key
//!   bundle (`keys`). [`Session::sync`] runs one sync; [`Session::watch`] keeps syncing (`watch`).
//! - **Push** (`push`): every change in the outbox is sealed with its document's key (AAD =
//!   document id and entry id) and appended to the document's log; acknowledged entries leave the
//!   outbox. A retried upload is a no-op on the server (same entry id). A full account blocks
//!   uploads without losing anything.
//! - **Pull** (`pull`, `quarantine`): for each document the account can reach, the entries after
//!   the last merged seq are opened and merged; the projection follows in the same transaction.
//!   An entry that does not open (altered, or sealed with another key) or does not merge is set
//!   aside in quarantine and the pull goes on past it.
//! - **The store's side** (`local`, crate-private): the outbox, how far each document was pulled,
//!   snapshots, the account this device uses.
//! - **Pairing** (`pairing`): the partner gets the relationship key inside the invite code, never
//!   through the server in clear; leaving ends the relationship for both.
//! - **Membership** (`membership`): which relationships a device syncs; each device marks one
//!   ended when it learns so, and it stays readable but read-only.
//! - **The live path** (`targeted`, `live`): a live message names a document; the device pulls
//!   that one alone ([`Session::receive`]) and uploads only the outbox after a save
//!   ([`Session::push_outbox`]); the full sync stays the fallback.
//! - **Transport** ([`Api`], [`server_url`]): `https://`, or plain `http://` only to this machine
//!   unless opted in.
//!
//! Secrets (the device token and root keys) live in a [`SecretStore`](crate::secret_store::SecretStore).

mod api;
mod error;
mod keys;
mod live;
mod local;
mod membership;
pub(crate) mod pairing;
mod pull;
mod push;
mod quarantine;
mod report;
pub mod server_url;
mod session;
mod targeted;
mod watch;

pub use api::Api;
pub use error::{Result, SyncError};
pub use keys::{Keys, SNAPSHOT_EVERY};
pub use live::LiveSocket;
pub use pairing::{PairingInvite, check_invite_code};
pub use report::{Blocked, SyncReport, SyncScope};
pub use session::{Session, has_session};
pub use watch::WatchEvent;

pub use crate::relationship::Ended;

/// The moment a sync step acts at.
fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}
