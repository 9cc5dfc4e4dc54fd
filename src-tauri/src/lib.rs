//! # together-app
//!
//! The Tauri shell of Better Together. It opens the local store, exposes typed commands to the
//! Leptos UI, runs the background sync and shows OS notifications; nothing else. Every rule lives in
//! `together-core`, every bit of IO in `together-client`.
//!
//! ## Layout
//! - [`options`]: the launch options (`--data-dir`, `--server`, `--secret-store`,
//!   `--checkout-origin`, and their environment variables).
//! - [`shell`]: the state the commands share (the open store, or why it could not be opened), and
//!   how commands that talk to the sync server run off the UI's threads.
//! - [`error`]: [`error::CommandError`], the sentence every failing command answers with.
//! - `commands`: the IPC commands, one call each into `together-client`'s features.
//! - [`worker`]: the background sync thread and the reminder schedule; the `data-changed` and
//!   `sync-status` events the UI listens to.
//! - [`notify`]: OS notifications for new partner events and reminders.
//! - `premium_return`: the `bettertogether://` deep link Stripe Checkout returns through.

mod commands;
pub mod error;
pub mod notify;
pub mod options;
mod premium_return;
pub mod shell;
pub mod worker;

use std::sync::Arc;

use tauri::Manager;

/// Starts the app. On desktop `main` calls this; on mobile it is the platform's entry point.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let started = std::time::Instant::now();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,together_app=info".into()),
        )
        .try_init();
    let options = options::LaunchOptions::from_env_and_args(std::env::args().skip(1), |name| {
        std::env::var_os(name)
    });
    let mut builder = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_deep_link::init());
    #[cfg(desktop)]
    {
        // One window per person: a second launch focuses the first. Instances started on an
        // explicit data directory (two people on one machine, the tests) are independent.
        if options.data_dir.is_none() {
            builder = builder.plugin(tauri_plugin_single_instance::init(|app, _, _| {
                // A deep link opened while the app runs arrives here (feature `deep-link`).
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.unminimize();
                    let _ = window.set_focus();
                }
            }));
        }
        builder = builder.plugin(tauri_plugin_window_state::Builder::default().build());
    }
    let result = builder
        .setup(move |app| {
            let shell = shell::Shell::start(options, started, || app.path().app_data_dir().ok());
            if let Ok(device) = shell.device() {
                let store = device.open_store().ok();
                let announcer =
                    Arc::new(notify::Announcer::new(app.handle().clone(), store.as_ref()));
                shell.set_worker(worker::SyncWorker::start(
                    device,
                    app.handle().clone(),
                    announcer,
                ));
            }
            app.manage(shell);
            premium_return::listen(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::home::overview,
            commands::home::today_view,
            commands::home::check_in,
            commands::home::save_profile,
            commands::home::history,
            commands::home::relationship_dates,
            commands::home::save_relationship_dates,
            commands::records::activities,
            commands::records::plan_activity,
            commands::records::complete_activity,
            commands::records::rate_activity,
            commands::records::goals,
            commands::records::add_goal,
            commands::records::progress_goal,
            commands::records::dates,
            commands::records::add_date,
            commands::records::talk_log,
            commands::records::add_log,
            commands::records::challenges,
            commands::records::join_challenge,
            commands::records::challenge_done_today,
            commands::records::achievements,
            commands::records::notifications,
            commands::records::mark_read,
            commands::records::mark_all_read,
            commands::records::edit_activity,
            commands::records::delete_activity,
            commands::records::edit_date,
            commands::records::delete_date,
            commands::records::edit_log,
            commands::records::delete_log,
            commands::account::sign_up,
            commands::account::log_in,
            commands::account::invite,
            commands::account::join,
            commands::account::check_invite_code,
            commands::account::invite_status,
            commands::account::start_space,
            commands::account::unpair,
            commands::account::sign_out,
            commands::account::devices,
            commands::account::revoke_device,
            commands::account::delete_account,
            commands::account::premium,
            commands::account::refresh_premium,
            commands::account::buy_premium,
            commands::account::ideas,
            commands::account::ask_ideas,
            commands::account::buy_credits,
            commands::account::sync_now,
            commands::data::export_data,
            commands::daily::question_today,
            commands::daily::answer_question,
            commands::daily::skip_question,
            commands::daily::react_to_question,
            commands::daily::question_history,
            commands::daily::question_packs,
            commands::daily::choose_packs,
            commands::daily::quiz_board,
            commands::daily::start_quiz_round,
            commands::daily::answer_quiz_round,
            commands::daily::pick_this_or_that,
            commands::daily::send_ping,
            commands::daily::take_love_language_quiz,
            commands::daily::time_zones,
            commands::usage::usage_screen,
            commands::usage::usage_summary,
            commands::usage::delete_usage,
            commands::usage::set_analytics,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event
                && let Some(shell) = handle.try_state::<shell::Shell>()
            {
                shell.end_usage();
            }
        }),
        Err(error) => {
            eprintln!("error: Better Together could not start: {error}");
            std::process::exit(1);
        }
    }
}
