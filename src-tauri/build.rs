//! Tauri's build step, reading the configuration at the repository root and generating the
//! permissions of the app's own commands (so capabilities can allow exactly those).
fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "overview",
            "today_view",
            "check_in",
            "save_profile",
            "history",
            "relationship_dates",
            "save_relationship_dates",
            "activities",
            "plan_activity",
            "complete_activity",
            "rate_activity",
            "goals",
            "add_goal",
            "progress_goal",
            "dates",
            "add_date",
            "talk_log",
            "add_log",
            "challenges",
            "join_challenge",
            "challenge_done_today",
            "achievements",
            "notifications",
            "mark_read",
            "sign_up",
            "log_in",
            "invite",
            "join",
            "check_invite_code",
            "invite_status",
            "start_space",
            "unpair",
            "sign_out",
            "devices",
            "revoke_device",
            "delete_account",
            "premium",
            "refresh_premium",
            "buy_premium",
            "ideas",
            "ask_ideas",
            "buy_credits",
            "sync_now",
            "export_data",
        ]));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
