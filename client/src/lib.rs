//! # together-client
//!
//! Better Together as it runs on one device, below any user interface.
//!
//! ## Layout
//! - [`error`]: [`StoreError`] and its `Result`.
//! - [`store`]: opens the local SQLite database (WAL, foreign keys, busy timeout), refuses files it must
//!   not touch (newer schema, foreign or damaged files) and applies the embedded migrations from the
//!   repository's `migrations/` folder. Under it, the storage engine: documents in SQLite (snapshot and
//!   chunks), the write path (one transaction per action or merge), the projection, derived
//!   analytics, the catalogue seed, and [`settings`] (the device's own key/value settings).
//! - [`exchange`]: `doc export` / `doc import` of standard `.automerge` files, and `rebuild`.
//! - [`relationships`]: current and past relationships; an ended one is read-only but readable.
//! - [`queries`]: the read API shared by the UI and the CLI, where visibility rules (reveal) live.
//! - `social`: what follows an action: notifications for the partner, achievements for the couple.
//! - `actions`: what a person does (`set_profile`, `checkin`, `add_goal`...), as `Store` methods.
//! - [`views`]: small read helpers (the local person's name and calendar day).
//! - [`screens`]: read models for the app's screens (Today with the reveal rule, History, dates...).
//! - [`forms`]: the UI's forms validated into inputs, with a sentence for each bad field.
//! - [`entitlement`]: the couple's signed Premium entitlement, pinned key, offline gate, mirror.
//! - [`payment_pages`]: which checkout and billing pages the app may open (Stripe's, plus origins
//!   named at launch).
//! - [`crypto`]: end-to-end encryption (Argon2id, HKDF, XChaCha20-Poly1305).
//! - [`secret_store`]: the OS keyring, or an explicit file fallback, for tokens and keys.
//! - [`sync`]: the sync engine (push, pull, accounts, pairing), end-to-end encrypted.
//! - [`paths`]: where the data lives by default on each platform.
//! - [`cli`]: the `together` command line, a thin layer over the modules above.
//!
//! ## Architecture invariant
//! Business rules live in `together-core`; this crate does the IO around them. No UI code here.

mod actions;
pub mod cli;
pub mod crypto;
pub mod entitlement;
pub mod error;
pub mod exchange;
pub mod forms;
#[doc(hidden)]
pub mod fuzzing;
pub mod paths;
pub mod payment_pages;
pub mod queries;
pub mod relationships;
pub mod screens;
pub mod secret_store;
mod social;
pub mod store;
pub mod sync;
pub mod views;

pub use store::settings;
pub use store::{Store, StoreError};
use store::{analytics, documents, projection, write};
