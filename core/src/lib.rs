//! # together-core
//!
//! The part of Better Together that every shell shares: the CLI, the Tauri app, the Leptos UI and the
//! sync server all speak these types.
//!
//! ## Layout
//! - [`address`]: which document (`rel-…`, `rel-…-YYYY`, `user-…`) and the collections it holds;
//!   shared with the server, which authorizes by document id.
//! - [`catalog`]: the built-in challenges and achievements (ids derived from slugs).
//! - [`ids`]: id newtypes (UUID v7 for new records, derived ids where devices must agree).
//! - [`domain`]: enumerations and validated values, matching the SQLite CHECK constraints.
//! - [`profile`]: validated pieces of a person's profile (display name).
//! - [`document`] (feature `documents`): the Automerge document model: what each document holds,
//!   genesis, typed writes and reads, and which records a change touched.
//! - [`questions`]: the daily question's catalogue (packs of questions written for the app) and the
//!   rule picking a couple's question for a day.
//! - [`rules`]: streaks, averages, health and engagement scores: pure functions of records and a day.
//! - [`wire`]: the sync protocol's request and response bodies (`docs/sync-protocol.md`), versioned.
//! - [`view`]: the view models the app shell hands to the UI over IPC. They are wire types: renaming a
//!   field is a protocol change between `src-tauri` and `ui`.
//!
//! ## Architecture invariant
//! This crate does no IO: no SQLite, no network, no clock and no randomness of its own. Callers pass
//! `now` and RNGs in. That keeps every rule here deterministic and unit-testable, and lets the UI
//! compile the parts it needs to wasm.

pub mod address;
pub mod catalog;
#[cfg(feature = "documents")]
pub mod document;
pub mod domain;
pub mod ids;
pub mod love_languages;
pub mod profile;
pub mod questions;
pub mod quizzes;
pub mod rules;
pub mod view;
pub mod wire;
