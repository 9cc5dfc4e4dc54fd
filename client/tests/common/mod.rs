//! Helpers shared by the client's integration tests.

#![allow(dead_code)]

pub mod couple;
pub mod schema_spec;
pub mod server;
pub mod watcher;

#[allow(unused_imports)] // Each test crate uses a different part.
pub use schema_spec::{ColumnSpec, IndexSpec, SchemaSpec, file_bytes};
