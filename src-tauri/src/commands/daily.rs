//! The couple's daily loop: the question of the day (answer, skip, react, history, packs), the
//! partner quizzes, the "thinking of you" gesture, the love-language quiz, and the time zones the
//! profile can name.

use tauri::State;
use together_client::{pings, profile, questions, quizzes};
use together_core::love_languages::{Choice, QuizResult};
use together_core::view::{PackView, PingForm, QuestionView, QuizBoard, ReactionForm};

use super::now;
use crate::error::CommandError;
use crate::shell::Shell;

/// Today's question with the reveal rule applied (`None` when every question of the packs was
/// skipped today).
#[tauri::command]
pub(crate) fn question_today(
    shell: State<'_, Shell>,
) -> Result<Option<QuestionView>, CommandError> {
    shell.with_store(|store| Ok(store.question_today(now())?))
}

/// Answers today's question (again, to change it while the partner has not answered).
#[tauri::command]
pub(crate) fn answer_question(
    shell: State<'_, Shell>,
    text: String,
) -> Result<QuestionView, CommandError> {
    shell.with_store(|store| Ok(questions::answer(store, &text, now())?))
}

/// Skips today's question for both partners; answers the next one.
#[tauri::command]
pub(crate) fn skip_question(shell: State<'_, Shell>) -> Result<Option<QuestionView>, CommandError> {
    shell.with_store(|store| Ok(store.skip_question(now())?))
}

/// A heart and/or a short reply to the partner's revealed answer.
#[tauri::command]
pub(crate) fn react_to_question(
    shell: State<'_, Shell>,
    form: ReactionForm,
) -> Result<QuestionView, CommandError> {
    shell.with_store(|store| Ok(questions::react(store, &form, now())?))
}

/// The questions answered so far, newest first, filtered by `search` (empty: all).
#[tauri::command]
pub(crate) fn question_history(
    shell: State<'_, Shell>,
    search: String,
) -> Result<Vec<QuestionView>, CommandError> {
    shell.with_store(|store| Ok(questions::history(store, &search)?))
}

/// Every question pack, with whether the couple chose it.
#[tauri::command]
pub(crate) fn question_packs(shell: State<'_, Shell>) -> Result<Vec<PackView>, CommandError> {
    shell.with_store(|store| Ok(store.question_packs()?))
}

/// Chooses the couple's packs (`light,deep`); the partner's device follows.
#[tauri::command]
pub(crate) fn choose_packs(
    shell: State<'_, Shell>,
    packs: String,
) -> Result<Vec<PackView>, CommandError> {
    shell.with_store(|store| Ok(questions::choose_packs(store, &packs, now())?))
}

/// The Quizzes screen: "know me" rounds as this device's access allows, the score, the day's
/// "this or that" pairs.
#[tauri::command]
pub(crate) fn quiz_board(shell: State<'_, Shell>) -> Result<QuizBoard, CommandError> {
    shell.with_store(|store| Ok(quizzes::board(store, now())?))
}

/// Starts a "know me" round about the person.
#[tauri::command]
pub(crate) fn start_quiz_round(shell: State<'_, Shell>) -> Result<QuizBoard, CommandError> {
    shell.with_store(|store| Ok(quizzes::start(store, now())?))
}

/// Answers (about oneself) or guesses (about the partner) a "know me" round; `choice` 0–3.
#[tauri::command]
pub(crate) fn answer_quiz_round(
    shell: State<'_, Shell>,
    round: String,
    choice: i64,
) -> Result<QuizBoard, CommandError> {
    shell.with_store(|store| Ok(quizzes::answer(store, &round, choice, now())?))
}

/// Picks a side of one of the day's "this or that" pairs (0 this, 1 that).
#[tauri::command]
pub(crate) fn pick_this_or_that(
    shell: State<'_, Shell>,
    pair: String,
    choice: i64,
) -> Result<QuizBoard, CommandError> {
    shell.with_store(|store| Ok(quizzes::pick(store, &pair, choice, now())?))
}

/// Sends the partner a gesture ("thinking of you", a heart, a hug; an optional line).
#[tauri::command]
pub(crate) fn send_ping(shell: State<'_, Shell>, form: PingForm) -> Result<(), CommandError> {
    shell.with_store(|store| Ok(pings::send(store, &form, now())?))
}

/// Scores the love-language quiz (one choice per pair, in order) onto the profile.
#[tauri::command]
pub(crate) fn take_love_language_quiz(
    shell: State<'_, Shell>,
    choices: Vec<Choice>,
) -> Result<QuizResult, CommandError> {
    shell.with_store(|store| Ok(store.take_love_language_quiz(&choices, now())?))
}

/// The IANA time zone names the profile accepts, for the time zone picker.
#[tauri::command]
pub(crate) fn time_zones() -> Vec<String> {
    profile::time_zone_names()
}
