//! # together-core
//!
//! The part of Better Together that every shell shares: the CLI, the Tauri app, the Leptos UI and the
//! sync server all speak these types.
//!
//! ## Layout
//! - [`profile`]: validated pieces of a person's profile (display name, IANA timezone name).
//! - [`view`]: the view models the app shell hands to the UI over IPC. They are wire types: renaming a
//!   field is a protocol change between `src-tauri` and `ui`.
//!
//! ## Architecture invariant
//! This crate does no IO: no SQLite, no network, no clock and no randomness of its own. Callers pass
//! `now` and RNGs in. That keeps every rule here deterministic and unit-testable, and lets the UI
//! compile it to wasm.

pub mod profile;
pub mod view;
