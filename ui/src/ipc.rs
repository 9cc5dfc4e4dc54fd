//! The UI's only door to the app shell: Tauri's `invoke` and `listen`, bound once, with typed
//! wrappers. Errors are the shell's sentences, already written for people.

use serde::Serialize;
use serde::de::DeserializeOwned;
use together_core::love_languages::{Choice, QuizResult};
use together_core::view::{
    AccountForm, AchievementView, ActivityForm, ActivityView, AppOverview, ChallengeView,
    CheckinForm, DateForm, DateView, GoalForm, GoalView, HistoryView, IdeasView, InviteView,
    LogForm, LogView, LoginForm, NotificationView, PackView, ParticipationView, PingForm,
    PremiumView, ProfileForm, QuestionView, QuizBoard, ReactionForm, RelationshipDatesForm,
    SyncStatus, TodayView, UsageSummary,
};
use together_core::wire::billing::{IdeaKind, Suggestions};
use together_core::wire::{DeviceInfo, InviteInfo};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `window.__TAURI__.core.invoke`, available because `withGlobalTauri` is on.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// `window.__TAURI__.event.listen`.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Calls a shell command with named arguments and decodes its answer.
async fn call<A: Serialize, T: DeserializeOwned>(command: &str, args: &A) -> Result<T, String> {
    let args = serde_wasm_bindgen::to_value(args)
        .map_err(|error| format!("the screen could not send its data: {error}"))?;
    let value = tauri_invoke(command, args).await.map_err(describe)?;
    serde_wasm_bindgen::from_value(value)
        .map_err(|error| format!("the app sent an answer the screen cannot read: {error}"))
}

/// No arguments.
#[derive(Serialize)]
struct None {}

fn describe(error: JsValue) -> String {
    error
        .as_string()
        .unwrap_or_else(|| "the app did not answer; please restart it".to_owned())
}

/// Calls `handler` every time the shell emits `event`, for the life of the page.
pub fn listen(event: &'static str, mut handler: impl FnMut(JsValue) + 'static) {
    let closure = Closure::new(move |event: JsValue| {
        let payload =
            js_sys::Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        handler(payload);
    });
    wasm_bindgen_futures::spawn_local(async move {
        let _ = tauri_listen(event, &closure).await;
        // The listener lives as long as the page.
        closure.forget();
    });
}

/// Decodes a `sync-status` payload.
pub fn sync_status(payload: JsValue) -> Option<SyncStatus> {
    serde_wasm_bindgen::from_value(payload).ok()
}

#[derive(Serialize)]
struct Form<'a, F> {
    form: &'a F,
}

#[derive(Serialize)]
struct Id<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct IdForm<'a, F> {
    id: &'a str,
    form: &'a F,
}

/// The app frame's data.
pub async fn overview() -> Result<AppOverview, String> {
    call("overview", &None {}).await
}

/// Today.
pub async fn today() -> Result<TodayView, String> {
    call("today_view", &None {}).await
}

/// Saves today's check-in.
pub async fn check_in(form: &CheckinForm) -> Result<TodayView, String> {
    call("check_in", &Form { form }).await
}

/// Saves the profile; `start_space` also creates the couple's space, which started on
/// `start_date` when it is not empty.
pub async fn save_profile(
    form: &ProfileForm,
    start_space: bool,
    start_date: &str,
) -> Result<AppOverview, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        form: &'a ProfileForm,
        start_space: bool,
        start_date: &'a str,
    }
    call(
        "save_profile",
        &Args {
            form,
            start_space,
            start_date,
        },
    )
    .await
}

/// The couple's dates; `None` before a relationship exists.
pub async fn relationship_dates() -> Result<Option<RelationshipDatesForm>, String> {
    call("relationship_dates", &None {}).await
}

/// Saves the couple's dates.
pub async fn save_relationship_dates(
    form: &RelationshipDatesForm,
) -> Result<RelationshipDatesForm, String> {
    call("save_relationship_dates", &Form { form }).await
}

/// History over `days`.
pub async fn history(days: i64) -> Result<HistoryView, String> {
    #[derive(Serialize)]
    struct Args {
        days: i64,
    }
    call("history", &Args { days }).await
}

/// Activities.
pub async fn activities() -> Result<Vec<ActivityView>, String> {
    call("activities", &None {}).await
}

/// Plans an activity.
pub async fn plan_activity(form: &ActivityForm) -> Result<Vec<ActivityView>, String> {
    call("plan_activity", &Form { form }).await
}

/// Marks an activity done.
pub async fn complete_activity(id: &str) -> Result<Vec<ActivityView>, String> {
    call("complete_activity", &Id { id }).await
}

/// Rates an activity 1–5.
pub async fn rate_activity(id: &str, rating: i64) -> Result<Vec<ActivityView>, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        rating: i64,
    }
    call("rate_activity", &Args { id, rating }).await
}

/// Changes an activity.
pub async fn edit_activity(id: &str, form: &ActivityForm) -> Result<Vec<ActivityView>, String> {
    call("edit_activity", &IdForm { id, form }).await
}

/// Deletes an activity.
pub async fn delete_activity(id: &str) -> Result<Vec<ActivityView>, String> {
    call("delete_activity", &Id { id }).await
}

/// Goals.
pub async fn goals() -> Result<Vec<GoalView>, String> {
    call("goals", &None {}).await
}

/// Adds a goal.
pub async fn add_goal(form: &GoalForm) -> Result<Vec<GoalView>, String> {
    call("add_goal", &Form { form }).await
}

/// Moves a goal by `by`.
pub async fn progress_goal(id: &str, by: i64) -> Result<Vec<GoalView>, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
        by: i64,
    }
    call("progress_goal", &Args { id, by }).await
}

/// Important dates.
pub async fn dates() -> Result<Vec<DateView>, String> {
    call("dates", &None {}).await
}

/// Adds an important date.
pub async fn add_date(form: &DateForm) -> Result<Vec<DateView>, String> {
    call("add_date", &Form { form }).await
}

/// Changes an important date.
pub async fn edit_date(id: &str, form: &DateForm) -> Result<Vec<DateView>, String> {
    call("edit_date", &IdForm { id, form }).await
}

/// Deletes an important date.
pub async fn delete_date(id: &str) -> Result<Vec<DateView>, String> {
    call("delete_date", &Id { id }).await
}

/// The talk log.
pub async fn talk_log() -> Result<Vec<LogView>, String> {
    call("talk_log", &None {}).await
}

/// Logs a conversation.
pub async fn add_log(form: &LogForm) -> Result<Vec<LogView>, String> {
    call("add_log", &Form { form }).await
}

/// Changes a talk-log entry.
pub async fn edit_log(id: &str, form: &LogForm) -> Result<Vec<LogView>, String> {
    call("edit_log", &IdForm { id, form }).await
}

/// Deletes a talk-log entry.
pub async fn delete_log(id: &str) -> Result<Vec<LogView>, String> {
    call("delete_log", &Id { id }).await
}

/// The catalogue and the joined challenges.
pub async fn challenges() -> Result<(Vec<ChallengeView>, Vec<ParticipationView>), String> {
    call("challenges", &None {}).await
}

/// Joins a challenge.
pub async fn join_challenge(challenge_id: &str) -> Result<Vec<ParticipationView>, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        challenge_id: &'a str,
    }
    call("join_challenge", &Args { challenge_id }).await
}

/// Marks today done in a challenge.
pub async fn challenge_done_today(
    participation_id: &str,
) -> Result<Vec<ParticipationView>, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        participation_id: &'a str,
    }
    call("challenge_done_today", &Args { participation_id }).await
}

/// Achievements.
pub async fn achievements() -> Result<Vec<AchievementView>, String> {
    call("achievements", &None {}).await
}

/// The inbox.
pub async fn notifications() -> Result<Vec<NotificationView>, String> {
    call("notifications", &None {}).await
}

/// Marks a notification read.
pub async fn mark_read(id: &str) -> Result<Vec<NotificationView>, String> {
    call("mark_read", &Id { id }).await
}

/// Marks every notification read.
pub async fn mark_all_read() -> Result<Vec<NotificationView>, String> {
    call("mark_all_read", &None {}).await
}

/// Creates an account.
pub async fn sign_up(form: &AccountForm) -> Result<(), String> {
    call("sign_up", &Form { form }).await
}

/// Signs in.
pub async fn log_in(form: &LoginForm) -> Result<(), String> {
    call("log_in", &Form { form }).await
}

/// Makes an invite code.
pub async fn invite() -> Result<InviteView, String> {
    call("invite", &None {}).await
}

/// The newest invite's state (open, used, expired), if there is one.
pub async fn invite_status() -> Result<Option<InviteInfo>, String> {
    call("invite_status", &None {}).await
}

/// Checks a typed invite code on the device (nothing is sent).
pub async fn check_invite_code(code: &str) -> Result<(), String> {
    #[derive(Serialize)]
    struct Args<'a> {
        code: &'a str,
    }
    call("check_invite_code", &Args { code }).await
}

/// Starts a new couple's space (after the last one ended).
pub async fn start_space() -> Result<(), String> {
    call("start_space", &None {}).await
}

/// Joins with an invite code.
pub async fn join(code: &str) -> Result<(), String> {
    #[derive(Serialize)]
    struct Args<'a> {
        code: &'a str,
    }
    call("join", &Args { code }).await
}

/// Leaves the couple.
pub async fn unpair() -> Result<String, String> {
    call("unpair", &None {}).await
}

/// Signs out.
pub async fn sign_out() -> Result<(), String> {
    call("sign_out", &None {}).await
}

/// The account's devices.
pub async fn devices() -> Result<Vec<DeviceInfo>, String> {
    call("devices", &None {}).await
}

/// Signs a device out.
pub async fn revoke_device(device_id: &str) -> Result<Vec<DeviceInfo>, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        device_id: &'a str,
    }
    call("revoke_device", &Args { device_id }).await
}

/// Deletes the account on the server.
pub async fn delete_account() -> Result<(), String> {
    call("delete_account", &None {}).await
}

/// Syncs now.
pub async fn sync_now() -> Result<(), String> {
    call("sync_now", &None {}).await
}

/// Exports; answers the folder.
pub async fn export_data() -> Result<String, String> {
    call("export_data", &None {}).await
}

/// The Premium screen.
pub async fn premium() -> Result<PremiumView, String> {
    call("premium", &None {}).await
}

/// Asks the server again for the couple's Premium.
pub async fn refresh_premium() -> Result<PremiumView, String> {
    call("refresh_premium", &None {}).await
}

/// Opens Stripe Checkout for a plan in the browser; answers its address.
pub async fn buy_premium(plan_id: &str, discount_code: &str) -> Result<String, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        plan_id: &'a str,
        discount_code: Option<&'a str>,
    }
    let discount_code = Some(discount_code.trim()).filter(|c| !c.is_empty());
    call(
        "buy_premium",
        &Args {
            plan_id,
            discount_code,
        },
    )
    .await
}

/// The AI ideas card.
pub async fn ideas() -> Result<IdeasView, String> {
    call("ideas", &None {}).await
}

/// Asks the AI for ideas of `kind` about `context`.
pub async fn ask_ideas(kind: IdeaKind, context: &str) -> Result<Suggestions, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        kind: &'a str,
        context: &'a str,
    }
    let kind = kind.as_str();
    call("ask_ideas", &Args { kind, context }).await
}

/// Opens Stripe Checkout for a credit pack.
pub async fn buy_credits(addon_id: &str) -> Result<String, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        addon_id: &'a str,
    }
    call("buy_credits", &Args { addon_id }).await
}

/// Today's question (`None` when every question of the packs was skipped today).
pub async fn question_today() -> Result<Option<QuestionView>, String> {
    call("question_today", &None {}).await
}

/// Answers (or changes the answer to) today's question.
pub async fn answer_question(text: &str) -> Result<QuestionView, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        text: &'a str,
    }
    call("answer_question", &Args { text }).await
}

/// Skips today's question for both; answers the next one.
pub async fn skip_question() -> Result<Option<QuestionView>, String> {
    call("skip_question", &None {}).await
}

/// A heart and/or a reply to the partner's answer.
pub async fn react_to_question(form: &ReactionForm) -> Result<QuestionView, String> {
    call("react_to_question", &Form { form }).await
}

/// The questions answered so far, filtered by `search`.
pub async fn question_history(search: &str) -> Result<Vec<QuestionView>, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        search: &'a str,
    }
    call("question_history", &Args { search }).await
}

/// Every question pack and whether the couple chose it.
pub async fn question_packs() -> Result<Vec<PackView>, String> {
    call("question_packs", &None {}).await
}

/// Chooses the couple's packs.
pub async fn choose_packs(packs: &[String]) -> Result<Vec<PackView>, String> {
    #[derive(Serialize)]
    struct Args {
        packs: String,
    }
    call(
        "choose_packs",
        &Args {
            packs: packs.join(","),
        },
    )
    .await
}

/// Sends the partner a gesture.
pub async fn send_ping(form: &PingForm) -> Result<(), String> {
    call("send_ping", &Form { form }).await
}

/// The Quizzes screen.
pub async fn quiz_board() -> Result<QuizBoard, String> {
    call("quiz_board", &None {}).await
}

/// Starts a "know me" round about the person.
pub async fn start_quiz_round() -> Result<QuizBoard, String> {
    call("start_quiz_round", &None {}).await
}

/// Answers or guesses a "know me" round (`choice` 0–3).
pub async fn answer_quiz_round(round: &str, choice: i64) -> Result<QuizBoard, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        round: &'a str,
        choice: i64,
    }
    call("answer_quiz_round", &Args { round, choice }).await
}

/// Picks a side of a "this or that" pair (0 this, 1 that).
pub async fn pick_this_or_that(pair: &str, choice: i64) -> Result<QuizBoard, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        pair: &'a str,
        choice: i64,
    }
    call("pick_this_or_that", &Args { pair, choice }).await
}

/// Scores the love-language quiz onto the profile.
pub async fn take_love_language_quiz(choices: &[Choice]) -> Result<QuizResult, String> {
    #[derive(Serialize)]
    struct Args<'a> {
        choices: &'a [Choice],
    }
    call("take_love_language_quiz", &Args { choices }).await
}

/// The IANA time zone names the profile accepts.
pub async fn time_zones() -> Result<Vec<String>, String> {
    call("time_zones", &None {}).await
}

/// Tells the shell which screen is shown (`usage_screen`), for the usage recorded on the device.
pub async fn usage_screen(screen: &str) -> Result<(), String> {
    #[derive(Serialize)]
    struct Args<'a> {
        screen: &'a str,
    }
    call("usage_screen", &Args { screen }).await
}

/// "Your data": the usage recorded in the last 30 days.
pub async fn usage_summary() -> Result<UsageSummary, String> {
    call("usage_summary", &None {}).await
}

/// "Delete my usage data".
pub async fn delete_usage() -> Result<UsageSummary, String> {
    call("delete_usage", &None {}).await
}

/// The switch that shares daily counts.
pub async fn set_analytics(enabled: bool) -> Result<UsageSummary, String> {
    #[derive(Serialize)]
    struct Args {
        enabled: bool,
    }
    call("set_analytics", &Args { enabled }).await
}
