//! # together-client
//!
//! Better Together as it runs on one device, below any user interface.
//!
//! ## Layout
//! - [`error`]: [`StoreError`] and its [`Result`], and [`FormError`] (the sentence a refused form
//!   answers with).
//! - [`store`]: [`Store`] opens the local SQLite database (WAL, foreign keys, busy timeout),
//!   refuses files it must not touch (newer schema, foreign or damaged files) and applies the
//!   embedded migrations from the repository's `migrations/` folder. Under it, crate-private, the
//!   storage engine: documents in SQLite (snapshot + chunks), the write path (one transaction per
//!   action or merge), the projection into the spec's tables, derived analytics, the catalogue
//!   seed, the device's settings.
//! - **The features**, one module each, in `src/features/` and re-exported here: [`profile`],
//!   [`relationship`], [`checkins`], [`today`], [`history`], [`goals`], [`activities`], [`dates`],
//!   [`talk_log`], [`challenges`], [`inbox`], [`notes`], [`account`], [`overview`], [`premium`],
//!   [`ideas`], [`data`]. Each holds its feature's reads (view models, visibility rules), forms (a
//!   `together_core::view` form → a validated input, a sentence for each bad field), actions (the
//!   `Store` methods a person's action runs) and screen operations (what a button of the app
//!   does). The app's Tauri commands and the CLI's commands are one-line calls into them.
//! - [`sync`]: the sync engine (session, push, pull, pairing, membership, watch), end-to-end
//!   encrypted. The store's sync bookkeeping (outbox, positions, quarantine) is crate-private.
//! - [`crypto`]: end-to-end encryption (Argon2id, HKDF, XChaCha20-Poly1305).
//! - [`secret_store`]: the OS keyring, or an explicit file fallback, for tokens and keys.
//! - [`paths`]: where the data lives by default on each platform.
//! - [`cli`]: the `together` command line, one function per command.
//!
//! ## Architecture invariant
//! Business rules live in `together-core` and in the feature modules here; shells (the Tauri app,
//! the CLI) validate nothing themselves. No UI code here.

mod features;

pub mod cli;
pub mod crypto;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod paths;
pub mod secret_store;
pub mod store;
pub mod sync;

pub use error::{FormError, Result, StoreError};
pub use features::{
    account, activities, challenges, checkins, data, dates, goals, history, ideas, inbox,
    love_languages, notes, overview, pings, premium, privacy, profile, questions, quizzes,
    record_id, relationship, talk_log, today, usage,
};
pub use store::Store;
