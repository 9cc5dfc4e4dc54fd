//! # together-ui
//!
//! The Leptos user interface of Better Together, compiled to wasm and served by the Tauri shell.
//!
//! ## Layout
//! - [`ipc`]: the one place that talks to the shell (Tauri's `invoke` and `listen`), typed.
//! - [`app`]: the root component: the frame, the sync indicator, live refresh on `data-changed`.
//! - [`context`]: what every screen shares (the data version, the current screen, the sync
//!   status), and the one way screens refresh.
//! - [`screens`]: one module per screen (onboarding, Today, Questions, Quizzes, History,
//!   activities, goals, dates, talk log, challenges, inbox, partner, premium, settings, the
//!   love-language quiz), and how the navigation groups them.
//! - [`widgets`], [`counter`], [`time_zone`] and [`charts`]: small shared pieces, the character
//!   counter, the time zone picker and SVG charts.
//!
//! Components only wire data to markup; what to show is decided by the shell and by
//! `together-core`'s view models.

mod app;
mod charts;
mod context;
mod ipc;
mod screens;
mod time_zone;
mod widgets;

fn main() {
    console_error_panic_hook::set_once();
    screens::settings::restore_theme();
    leptos::mount::mount_to_body(app::App);
}
