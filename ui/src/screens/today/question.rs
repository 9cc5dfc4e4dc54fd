//! Today's question card: the question of the day, answered alone; the partner's answer shown
//! only once both answered (the shell applies the reveal rule, the card only draws it), live when
//! the partner's answer arrives; a skip for both; a change while the partner has not answered; a
//! heart and a short reply once revealed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::word_label;
use together_core::view::{QuestionView, ReactionForm, ReactionView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::CharCount;
use crate::widgets::{Notice, clear_error};

/// Where the card stands, for its `data-state` and for what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Nobody answered yet.
    Open,
    /// The partner answered; the person has not (their answer stays hidden).
    Sealed,
    /// The person answered; the partner has not yet.
    Waiting,
    /// Both answered: both answers are shown.
    Revealed,
}

impl Stage {
    fn of(q: &QuestionView) -> Self {
        match (q.my_answer.is_some(), q.partner_answered) {
            (false, false) => Self::Open,
            (false, true) => Self::Sealed,
            (true, false) => Self::Waiting,
            (true, true) => Self::Revealed,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Sealed => "sealed",
            Self::Waiting => "waiting",
            Self::Revealed => "revealed",
        }
    }
}

/// The question of the day, beside the check-in.
#[component]
pub fn QuestionCard(
    /// The partner's name, `None` while the person is alone.
    partner: Signal<Option<String>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let question = LocalResource::new(move || {
        ctx.version.track();
        ipc::question_today()
    });
    // Settled values, so a refresh that changed nothing redraws nothing (and never resets what is
    // being typed).
    let current = Memo::new(move |_| question.get().and_then(Result::ok).flatten());
    let failed = Memo::new(move |_| question.get().and_then(Result::err));
    let loaded = Memo::new(move |_| question.get().is_some());
    let stage = Memo::new(move |_| current.with(|q| q.as_ref().map(Stage::of)));
    let draft = RwSignal::new(String::new());
    let changing = RwSignal::new(false);
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let who = move || partner.get().unwrap_or_else(|| "Your partner".to_owned());
    let form_shown = Memo::new(move |_| {
        matches!(stage.get(), Some(Stage::Open | Stage::Sealed)) || changing.get()
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get();
        busy.set(true);
        spawn_local(async move {
            match ipc::answer_question(&text).await {
                Ok(view) => {
                    changing.set(false);
                    notice.set(Some(Ok(if view.partner_answer.is_some() {
                        "Saved: here is what you both said.".to_owned()
                    } else {
                        "Saved. Your partner sees it once they answer too.".to_owned()
                    })));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    let skip = move |_| {
        busy.set(true);
        spawn_local(async move {
            match ipc::skip_question().await {
                Ok(_) => {
                    draft.set(String::new());
                    notice.set(Some(
                        Ok("Skipped for you both: here is another.".to_owned()),
                    ));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    let change = move |_| {
        draft.set(current.with_untracked(|q| {
            q.as_ref()
                .and_then(|q| q.my_answer.clone())
                .unwrap_or_default()
        }));
        changing.set(true);
    };

    view! {
        <div class="panel question" id="question-card"
            data-state=move || stage.get().map_or("none", Stage::slug)>
            <h2>"Question of the day"</h2>
            {move || (!loaded.get()).then(|| view! { <p class="muted" id="question-loading">"Loading…"</p> })}
            {move || failed.get().map(|message| view! { <p class="error" id="question-error" role="alert">{message}</p> })}
            {move || (loaded.get() && failed.get().is_none() && current.with(Option::is_none)).then(|| view! {
                <p class="muted" id="question-none">
                    "You skipped every question of your packs today. Choose more packs on the Questions screen."
                </p>
            })}
            {move || current.get().map(|q| view! {
                <p class="question-text" id="question-text">{q.text.clone()}</p>
                <p class="muted small"><span class="tag" id="question-pack">{word_label(&q.pack)}</span></p>
            })}
            <Show when=move || form_shown.get()>
                <form id="question-form" on:submit=save on:input=move |_| clear_error(notice)>
                    <label for="question-answer">
                        {move || if changing.get() { "Change your answer" } else { "Your answer (only you see it until you both answered)" }}
                    </label>
                    <textarea id="question-answer" rows="3" aria-describedby="question-answer-count"
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                    <CharCount id="question-answer-count" text=draft max=QuestionView::ANSWER_MAX_CHARS/>
                    <div class="actions">
                        <button type="submit" id="question-save" prop:disabled=move || busy.get()>
                            {move || if changing.get() { "Save the change" } else { "Answer" }}
                        </button>
                        {move || if changing.get() {
                            view! {
                                <button type="button" class="secondary" id="question-cancel"
                                    on:click=move |_| changing.set(false)>"Keep my answer"</button>
                            }.into_any()
                        } else {
                            view! {
                                <button type="button" class="secondary" id="question-skip"
                                    prop:disabled=move || busy.get() || stage.get() == Some(Stage::Sealed)
                                    title="Skips it for both of you"
                                    on:click=skip>"Skip for both of us"</button>
                            }.into_any()
                        }}
                    </div>
                </form>
            </Show>
            {move || current.get().filter(|q| q.my_answer.is_some() && !changing.get()).map(|q| view! {
                <div class="answer mine" id="question-mine">
                    <p class="muted small">"You said"</p>
                    <blockquote>{q.my_answer.clone()}</blockquote>
                    {q.partner_reaction.clone().map(|r| view! {
                        <p class="reaction" id="question-partner-reaction">{reaction_line(&who(), &r)}</p>
                    })}
                    {q.can_change.then(|| view! {
                        <button type="button" class="link" id="question-change" on:click=change>"Change my answer"</button>
                    })}
                </div>
            })}
            <p id="question-partner" class="partner-line">
                {move || current.get().map(|q| partner_line(&q, &who(), partner.get().is_some()))}
            </p>
            {move || current.get().and_then(|q| q.partner_answer.clone()).map(|answer| view! {
                <div class="answer theirs" id="question-partner-answer">
                    <p class="muted small">{format!("{} said", who())}</p>
                    <blockquote>{answer}</blockquote>
                </div>
            })}
            <Show when=move || stage.get() == Some(Stage::Revealed)>
                <Reactions current=current notice=notice/>
            </Show>
            <Notice id="question-notice" message=notice/>
        </div>
    }
}

/// The line about the partner's side: what the person can expect.
fn partner_line(q: &QuestionView, who: &str, paired: bool) -> String {
    match Stage::of(q) {
        _ if !paired => "Invite your partner to answer together.".to_owned(),
        Stage::Open => format!("{who} has not answered yet."),
        Stage::Sealed => format!("{who} answered. Answer too to see what they said."),
        Stage::Waiting => format!("{who} has not answered yet: you will see their answer here."),
        Stage::Revealed => String::new(),
    }
}

/// The partner's reaction to the person's answer, in words.
fn reaction_line(who: &str, reaction: &ReactionView) -> String {
    match (reaction.heart, reaction.reply.as_deref()) {
        (true, Some(reply)) => format!("{who} ♥ and replied: “{reply}”"),
        (true, None) => format!("{who} sent a heart ♥"),
        (false, Some(reply)) => format!("{who} replied: “{reply}”"),
        (false, None) => String::new(),
    }
}

/// A heart and a short reply under the partner's revealed answer.
#[component]
fn Reactions(
    current: Memo<Option<QuestionView>>,
    notice: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let reply = RwSignal::new(String::new());
    let hearted = Memo::new(move |_| {
        current.with(|q| {
            q.as_ref()
                .and_then(|q| q.my_reaction.as_ref())
                .is_some_and(|r| r.heart)
        })
    });
    let my_reply = Memo::new(move |_| {
        current.with(|q| {
            q.as_ref()
                .and_then(|q| q.my_reaction.as_ref())
                .and_then(|r| r.reply.clone())
        })
    });
    let send = move |form: ReactionForm, done: &'static str| {
        spawn_local(async move {
            match ipc::react_to_question(&form).await {
                Ok(_) => {
                    notice.set(Some(Ok(done.to_owned())));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let heart = move |_| {
        let on = !hearted.get_untracked();
        let form = ReactionForm {
            heart: Some(on),
            ..ReactionForm::default()
        };
        send(
            form,
            if on {
                "Heart sent ♥"
            } else {
                "Heart taken back"
            },
        );
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = ReactionForm {
            reply: reply.get(),
            ..ReactionForm::default()
        };
        reply.set(String::new());
        send(form, "Reply sent");
    };
    view! {
        <div class="reactions">
            <button type="button" class="heart" id="question-heart"
                class:on=move || hearted.get()
                aria-pressed=move || if hearted.get() { "true" } else { "false" }
                on:click=heart>
                {move || if hearted.get() { "♥ Hearted" } else { "♡ Heart" }}
            </button>
            {move || my_reply.get().map(|r| view! { <p class="muted small" id="question-my-reply">{format!("You replied: “{r}”")}</p> })}
            <form class="reply" id="question-reply-form" on:submit=submit on:input=move |_| clear_error(notice)>
                <label for="question-reply">"A short reply"</label>
                <div class="reply-row">
                    <input id="question-reply" type="text" aria-describedby="question-reply-count"
                        prop:value=move || reply.get()
                        on:input=move |ev| reply.set(event_target_value(&ev))/>
                    <button type="submit" class="secondary" id="question-reply-send">"Reply"</button>
                </div>
                <CharCount id="question-reply-count" text=reply max=ReactionForm::REPLY_MAX_CHARS/>
            </form>
        </div>
    }
}
