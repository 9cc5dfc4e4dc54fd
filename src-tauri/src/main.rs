//! The desktop entry point; the app itself is [`together_app::run`].
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    together_app::run();
}
