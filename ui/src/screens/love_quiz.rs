//! The love-language quiz: thirty forced choices ("I feel most loved when my partner… A or B"),
//! one at a time, with the progress shown; then the result and what it means, set on the profile
//! (the partner's Today then suggests gestures in that language). Opened once after the profile at
//! onboarding (skippable) and from Settings (retake). Keyboard: Tab and Enter, or the keys A and B,
//! Backspace for the previous pair.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::love_languages::{self as quiz, Choice, QuizResult};

use crate::context::Ctx;
use crate::ipc;
use crate::screens::Screen;
use crate::widgets::{Notice, reveal};

/// The quiz screen.
#[component]
pub fn LoveQuizScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let pairs = quiz::pairs();
    let total = pairs.len();
    let choices: RwSignal<Vec<Choice>> = RwSignal::new(Vec::new());
    let result: RwSignal<Option<QuizResult>> = RwSignal::new(None);
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let after = ctx.after_quiz.get_untracked();
    let first_run = after == Screen::Today;
    let leave = move || ctx.screen.set(after);

    let submit = move |all: Vec<Choice>| {
        busy.set(true);
        notice.set(Some(Ok("Saving your result…".to_owned())));
        spawn_local(async move {
            match ipc::take_love_language_quiz(&all).await {
                Ok(found) => {
                    notice.set(None);
                    result.set(Some(found));
                    ctx.refresh();
                    reveal("quiz-result");
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    let choose = move |choice: Choice| {
        if busy.get_untracked() || result.with_untracked(Option::is_some) {
            return;
        }
        let mut all = choices.get_untracked();
        if all.len() >= total {
            return;
        }
        all.push(choice);
        let complete = all.len() == total;
        choices.set(all.clone());
        if complete {
            submit(all);
        }
    };
    let back = move || {
        if result.with_untracked(Option::is_none) && !busy.get_untracked() {
            choices.update(|all| {
                all.pop();
            });
        }
    };
    // A and B (or 1 and 2) choose, Backspace goes back: the quiz can be done without leaving the
    // keyboard's home row. Keys typed into a field elsewhere are not the quiz's.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing(&ev) {
            return;
        }
        match ev.key().as_str() {
            "a" | "A" | "1" => choose(Choice::First),
            "b" | "B" | "2" => choose(Choice::Second),
            "Backspace" => back(),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || keys.remove());

    let at = move || choices.with(Vec::len).min(total.saturating_sub(1));
    let asking = move || result.with(Option::is_none) && choices.with(Vec::len) < total;
    view! {
        <section class="card quiz" aria-labelledby="love-quiz-title">
            <h1 id="love-quiz-title">"Your love language"</h1>
            <p class="muted">
                {if first_run {
                    "One more step, if you like: thirty quick choices show how you feel most loved. Your partner’s app then suggests small gestures that speak your language."
                } else {
                    "Thirty quick choices show how you feel most loved. Your result replaces the love languages on your profile, and your partner sees it."
                }}
            </p>
            <Show when=asking>
                <div class="quiz-progress">
                    <label for="quiz-progress" id="quiz-count">
                        {move || format!("Pair {} of {total}", at() + 1)}
                    </label>
                    <progress id="quiz-progress" max=total value=move || choices.with(Vec::len)></progress>
                </div>
                <p class="quiz-lead" id="quiz-lead">"I feel most loved when my partner…"</p>
                <div class="quiz-choices" role="group" aria-labelledby="quiz-lead">
                    <button type="button" class="choice" id="quiz-a" on:click=move |_| choose(Choice::First)>
                        <span class="choice-key" aria-hidden="true">"A"</span>
                        <span id="quiz-a-text">{move || pairs.get(at()).map(|p| p.first.text)}</span>
                    </button>
                    <button type="button" class="choice" id="quiz-b" on:click=move |_| choose(Choice::Second)>
                        <span class="choice-key" aria-hidden="true">"B"</span>
                        <span id="quiz-b-text">{move || pairs.get(at()).map(|p| p.second.text)}</span>
                    </button>
                </div>
                <p class="muted small">"No answer is wrong. Keys: A or B to choose, Backspace to go back."</p>
                <div class="actions">
                    <button type="button" class="secondary" id="quiz-back"
                        prop:disabled=move || choices.with(Vec::is_empty) on:click=move |_| back()>"Previous pair"</button>
                    <button type="button" class="link" id="quiz-skip" on:click=move |_| leave()>
                        {if first_run { "Skip for now (you can take it in Settings)" } else { "Leave the quiz" }}
                    </button>
                </div>
            </Show>
            {move || result.get().map(|found| view! { <Outcome found=found on_done=leave/> })}
            <Notice id="quiz-notice" message=notice/>
        </section>
    }
}

/// Whether the key went to a text field (the quiz's shortcuts then stay out of the way).
fn typing(ev: &leptos::ev::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

/// What the quiz found, and what it means.
#[component]
fn Outcome(found: QuizResult, on_done: impl Fn() + Copy + 'static) -> impl IntoView {
    let total = quiz::pairs().len();
    let chosen = found.tally.first().map_or(0, |t| t.chosen);
    view! {
        <div class="quiz-result" id="quiz-result" tabindex="-1">
            <h2 id="quiz-primary">{found.primary.label()}</h2>
            <p class="muted small">{format!("Chosen {chosen} times out of {total}.")}</p>
            <p id="quiz-meaning">{quiz::meaning(found.primary)}</p>
            {found.secondary.map(|second| view! {
                <p id="quiz-secondary">"Then: "<strong>{second.label()}</strong>" — "{quiz::meaning(second)}</p>
            })}
            <dl class="stats" id="quiz-tally">
                {found.tally.iter().map(|t| view! {
                    <dt>{t.language.label()}</dt><dd>{t.chosen}</dd>
                }).collect_view()}
            </dl>
            <p class="success">"Saved on your profile. Your partner sees it, and their Today suggests gestures in your language."</p>
            <button type="button" id="quiz-done" on:click=move |_| on_done()>"Continue"</button>
        </div>
    }
}
