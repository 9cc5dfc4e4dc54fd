//! # together-client
//!
//! Better Together as it runs on one device, below any user interface.
//!
//! ## Layout
//! - [`store`]: opens the local SQLite database (WAL, foreign keys, busy timeout), refuses files it must
//!   not touch (newer schema, foreign or damaged files) and applies the embedded migrations from the
//!   repository's `migrations/` folder.
//! - [`settings`]: the device's own key/value settings (`app_settings`), such as who uses this device.
//! - [`views`]: read models for screens, built from the store (the Today screen first).
//! - [`paths`]: where the data lives by default on each platform.
//! - [`cli`]: the `together` command line, a thin layer over the modules above.
//!
//! ## Architecture invariant
//! Business rules live in `together-core`; this crate does the IO around them. No UI code here.

pub mod cli;
pub mod paths;
pub mod settings;
pub mod store;
pub mod views;

pub use store::{Store, StoreError};
