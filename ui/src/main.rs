//! # together-ui
//!
//! The Leptos user interface of Better Together, compiled to wasm and served by the Tauri shell.
//!
//! ## Layout
//! - [`ipc`]: the one place that talks to the shell (Tauri's `invoke`), returning typed results.
//! - [`app`]: the root component and the screens.
//!
//! Components only wire data to markup; what to show is decided by the shell and by
//! `together-core`'s view models.

mod app;
mod ipc;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
