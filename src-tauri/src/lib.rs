//! # together-app
//!
//! The Tauri shell of Better Together. It opens the local store, exposes a few typed commands to the
//! Leptos UI and does nothing else: every rule lives in `together-core`, every bit of IO in
//! `together-client`.
//!
//! ## Layout
//! - [`options`]: the launch options (`--data-dir`, `--server`, and their environment variables).
//! - [`shell`]: the state the commands share (the open store, or why it could not be opened).
//! - `commands`: the IPC commands, thin and typed; errors reach the UI as plain sentences.

mod commands;
pub mod options;
pub mod shell;

use tauri::Manager;

/// Starts the app. On desktop `main` calls this; on mobile it is the platform's entry point.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let options = options::LaunchOptions::from_env_and_args(std::env::args().skip(1), |name| {
        std::env::var_os(name)
    });
    let result = tauri::Builder::default()
        .setup(move |app| {
            let shell = shell::Shell::start(options, || app.path().app_data_dir().ok());
            app.manage(shell);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::today])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = result {
        eprintln!("error: Better Together could not start: {error}");
        std::process::exit(1);
    }
}
