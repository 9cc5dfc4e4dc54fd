//! Quizzes: "How well do you know me" (one partner answers a question about themself, the other
//! guesses; both see the answer and the guess once both are in, and the running score) and "This
//! or that" (the day's pairs; the partner's pick shows once one picked too). The shell applies the
//! reveal rule and what this device's access shows; offline on each side, the two devices merge.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::{
    AppOverview, KnowMeRoundView, KnowMeScore, QuizBoard, RoundState, ThisOrThatView,
};

use crate::context::Ctx;
use crate::ipc;
use crate::screens::Screen;
use crate::widgets::{Loaded, Notice};

/// The letters the four choices are shown with.
const KEYS: [&str; 4] = ["A", "B", "C", "D"];

/// What a quiz action leaves on screen: a refusal in the shell's words, else the fresh board.
#[derive(Clone, Copy)]
struct Act {
    notice: RwSignal<Option<Result<String, String>>>,
    busy: RwSignal<bool>,
}

impl Act {
    /// Runs one quiz action; on success the screen reloads (and the partner's device follows).
    fn run(self, ctx: Ctx, call: impl Future<Output = Result<QuizBoard, String>> + 'static) {
        self.busy.set(true);
        self.notice.set(None);
        spawn_local(async move {
            match call.await {
                Ok(_) => ctx.refresh(),
                Err(message) => self.notice.set(Some(Err(message))),
            }
            self.busy.set(false);
        });
    }
}

/// The Quizzes screen.
#[component]
pub fn QuizzesScreen(overview: Signal<Option<AppOverview>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let board = LocalResource::new(move || {
        ctx.version.track();
        ipc::quiz_board()
    });
    let partner = Memo::new(move |_| {
        overview
            .get()
            .and_then(|o| o.partner_name)
            .unwrap_or_else(|| "Your partner".to_owned())
    });
    let act = Act {
        notice: RwSignal::new(None),
        busy: RwSignal::new(false),
    };
    provide_context(act);
    let know_me = move |b: QuizBoard| {
        if !b.has_partner {
            return view! {
                <p class="muted" id="quiz-no-partner">"Quizzes are played together: invite your partner first."</p>
                <button type="button" class="secondary" id="quiz-invite" on:click=move |_| ctx.screen.set(Screen::Partner)>"Invite your partner"</button>
            }
            .into_any();
        }
        let hidden = b.older_rounds_hidden;
        view! {
            <p class="score-line" id="quiz-score">{score_line(&b.score, &partner.get())}</p>
            <div class="actions">
                <button type="button" id="quiz-new-round" prop:disabled=move || act.busy.get()
                    on:click=move |_| act.run(ctx, ipc::start_quiz_round())>"New round about me"</button>
            </div>
            {if b.rounds.is_empty() {
                view! { <p class="muted" id="quiz-rounds-empty">"No rounds yet. Start one about yourself: you answer, your partner guesses."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" id="quiz-rounds">
                        {b.rounds.into_iter().map(|r| view! { <Round round=r partner=partner.into()/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(hidden > 0).then(|| view! {
                <p class="locked-note" id="quiz-older-hidden">
                    <span class="muted">{counted_rounds(hidden)}" older than 90 days are kept (and counted in the score); Premium shows your whole quiz history."</span>
                    <button type="button" class="link" on:click=move |_| ctx.screen.set(Screen::Premium)>"See Premium"</button>
                </p>
            })}
        }
        .into_any()
    };
    let this_or_that = move |b: QuizBoard| {
        if !b.has_partner {
            return view! { <p class="muted">"Pick together once your partner has joined."</p> }
                .into_any();
        }
        view! {
            <ul class="list" id="tot-pairs">
                {b.this_or_that.into_iter().map(|p| view! { <Pair pair=p partner=partner.into()/> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="quizzes-title">
            <h1 id="quizzes-title">"Quizzes"</h1>
            <h2 id="know-me-title">"How well do you know me?"</h2>
            <p class="muted small">"One of you answers a question about themself; the other guesses. You both see the answer and the guess once both are in."</p>
            <Loaded resource=board id="quiz" render=know_me/>
            <Notice id="quiz-notice" message=act.notice/>
        </section>
        <section class="card" aria-labelledby="tot-title">
            <h2 id="tot-title">"This or that"</h2>
            <p class="muted small">"Today’s pairs, the same for you both. Your partner’s pick shows once you pick too."</p>
            <Loaded resource=board id="tot" render=this_or_that/>
        </section>
    }
}

/// "You guessed 3 of 4 right about Alice · Alice guessed 2 of 3 about you" (each side once it
/// has a revealed guess).
fn score_line(score: &KnowMeScore, partner: &str) -> String {
    let mut parts = Vec::new();
    if score.my_guesses > 0 {
        parts.push(format!(
            "You guessed {} of {} right about {partner}",
            score.my_right, score.my_guesses
        ));
    }
    if score.partner_guesses > 0 {
        parts.push(format!(
            "{partner} guessed {} of {} about you",
            score.partner_right, score.partner_guesses
        ));
    }
    if parts.is_empty() {
        return "No round revealed yet: the score starts with the first one.".to_owned();
    }
    parts.join(" · ")
}

fn counted_rounds(n: usize) -> String {
    if n == 1 {
        "1 round".to_owned()
    } else {
        format!("{n} rounds")
    }
}

/// The text of choice `index` of a round (0–3), with its letter.
fn choice_text(round: &KnowMeRoundView, index: Option<i64>) -> String {
    index
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| Some(format!("{} · {}", KEYS.get(i)?, round.choices.get(i)?)))
        .unwrap_or_else(|| "—".to_owned())
}

/// One "know me" round, as the person's side of it stands.
#[component]
fn Round(round: KnowMeRoundView, partner: Signal<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let act = expect_context::<Act>();
    let state = match round.state {
        RoundState::YourTurn => "your-turn",
        RoundState::WaitingForPartner => "waiting",
        RoundState::Revealed => "revealed",
    };
    let about = if round.about_me {
        "About you".to_owned()
    } else {
        format!("About {}", round.subject_name)
    };
    let body = match round.state {
        RoundState::YourTurn => {
            let lead = if round.about_me {
                "Your answer (your partner will guess it):".to_owned()
            } else {
                format!("Your guess: what did {} answer?", round.subject_name)
            };
            let buttons = round
                .choices
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let id = round.round_id.clone();
                    let choice = i64::try_from(i).unwrap_or_default();
                    let key = KEYS.get(i).copied().unwrap_or_default();
                    view! {
                        <button type="button" class="choice" data-choice=choice.to_string()
                            prop:disabled=move || act.busy.get()
                            on:click=move |_| {
                                let id = id.clone();
                                act.run(ctx, async move { ipc::answer_quiz_round(&id, choice).await });
                            }>
                            <span class="choice-key" aria-hidden="true">{key}</span>
                            <span>{text.clone()}</span>
                        </button>
                    }
                })
                .collect_view();
            view! {
                <p class="quiz-lead">{lead}</p>
                <div class="quiz-choices" role="group" aria-label="Choices">{buttons}</div>
            }
            .into_any()
        }
        RoundState::WaitingForPartner => {
            let said = if round.about_me {
                "You answered"
            } else {
                "You guessed"
            };
            view! {
                <dl class="answers">
                    <dt>{said}</dt><dd class="mine">{choice_text(&round, round.my_choice)}</dd>
                </dl>
                <p class="muted small">{move || format!("Waiting for {}…", partner.get())}</p>
            }
            .into_any()
        }
        RoundState::Revealed => {
            let (truth, guess, guesser) = if round.about_me {
                (
                    round.my_choice,
                    round.partner_choice,
                    partner.get_untracked(),
                )
            } else {
                (round.partner_choice, round.my_choice, "You".to_owned())
            };
            let answer_label = if round.about_me {
                "Your answer".to_owned()
            } else {
                format!("{}’s answer", round.subject_name)
            };
            let verdict = if round.correct == Some(true) {
                "Right ♥"
            } else {
                "Not this time"
            };
            view! {
                <dl class="answers">
                    <dt>{answer_label}</dt>
                    <dd class="truth">{choice_text(&round, truth)}</dd>
                    <dt>{format!("{guesser} guessed")}</dt>
                    <dd class="guess">{choice_text(&round, guess)}</dd>
                </dl>
                <p class="verdict" class:right=round.correct == Some(true)>{verdict}</p>
            }
            .into_any()
        }
    };
    view! {
        <li class="row round" data-round=round.round_id.clone() data-state=state>
            <div class="row-main">
                <p class="muted small"><span class="tag">{about}</span></p>
                <p class="question-text">{round.prompt.clone()}</p>
                {body}
            </div>
        </li>
    }
}

/// One "this or that" pair.
#[component]
fn Pair(pair: ThisOrThatView, partner: Signal<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let act = expect_context::<Act>();
    let settled = pair.matched.is_some();
    let sides = [(0_i64, pair.this.clone()), (1, pair.that.clone())]
        .into_iter()
        .map(|(choice, text)| {
            let id = pair.pair_id.clone();
            let mine = pair.my_pick == Some(choice);
            view! {
                <button type="button" class="side" class:active=mine data-side=choice.to_string()
                    aria-pressed=if mine { "true" } else { "false" }
                    prop:disabled=move || settled || act.busy.get()
                    on:click=move |_| {
                        let id = id.clone();
                        act.run(ctx, async move { ipc::pick_this_or_that(&id, choice).await });
                    }>
                    {text}
                </button>
            }
        })
        .collect_view();
    let side = |i: i64| {
        if i == 0 {
            pair.this.clone()
        } else {
            pair.that.clone()
        }
    };
    let outcome = match (pair.my_pick, pair.partner_pick, pair.matched) {
        (_, Some(theirs), Some(same)) => {
            let verdict = if same { "A match ♥" } else { "You differ" };
            Some(format!(
                "{} picked {} · {verdict}",
                partner.get_untracked(),
                side(theirs)
            ))
        }
        (Some(_), None, _) => Some(format!("Waiting for {}…", partner.get_untracked())),
        _ => None,
    };
    view! {
        <li class="row pair" data-pair=pair.pair_id.clone() data-matched=pair.matched.map(|m| m.to_string()).unwrap_or_default()>
            <div class="segmented sides" role="group" aria-label="This or that">{sides}</div>
            {outcome.map(|o| view! { <p class="muted small pair-outcome">{o}</p> })}
        </li>
    }
}
