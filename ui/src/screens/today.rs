//! Today: the check-in and the question of the day side by side, the partner's answers once both
//! answered, "thinking of you", the gesture idea in the partner's love language, the streak,
//! reminders and a suggestion.

mod ping;
mod question;

pub use ping::PingButton;
use question::QuestionCard;

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::{CheckinForm, CheckinView, GestureIdea, PartnerToday, TodayView};

use crate::context::Ctx;
use crate::ipc;
use crate::screens::Screen;
use crate::widgets::{CharCount, Loaded, Notice, ScoreInput, ShowMore, clear_error};

/// The check-in form's state. It lives as long as the screen, so a refresh (the partner's change
/// arriving) never resets what the person is entering.
#[derive(Clone, Copy)]
struct Draft {
    /// `None` follows the data: the form until today's check-in exists, then the summary.
    editing: RwSignal<Option<bool>>,
    connection: RwSignal<i64>,
    mood: RwSignal<i64>,
    satisfaction: RwSignal<i64>,
    gratitude: RwSignal<String>,
    /// A note only the person sees (never sent to the partner).
    private_note: RwSignal<String>,
}

/// The Today screen.
#[component]
pub fn TodayScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let today = LocalResource::new(move || {
        ctx.version.track();
        ipc::today()
    });
    provide_context(Draft {
        editing: RwSignal::new(None),
        connection: RwSignal::new(7),
        mood: RwSignal::new(7),
        satisfaction: RwSignal::new(7),
        gratitude: RwSignal::new(String::new()),
        private_note: RwSignal::new(String::new()),
    });
    // The form lives outside the refreshed part: a partner's change arriving while the person
    // types must not replace the fields under their fingers.
    let mine = Memo::new(move |_| today.get().and_then(Result::ok).and_then(|v| v.my_checkin));
    let loaded = Memo::new(move |_| matches!(today.get(), Some(Ok(_))));
    let partner_name = Memo::new(move |_| {
        today
            .get()
            .and_then(Result::ok)
            .and_then(|v| partner_name(&v.partner))
    });
    view! {
        <section class="card today" aria-labelledby="today-title">
            <h1 id="today-title">"Today"</h1>
            <Loaded resource=today id="today" render=today_body/>
            <Show when=move || loaded.get()>
                <div class="grid two">
                    <CheckinCard mine=mine/>
                    <QuestionCard partner=partner_name.into()/>
                </div>
                <div class="grid two">
                    <div class="panel partner" id="partner-checkin">
                        <h2>"Your partner"</h2>
                        <Loaded resource=today id="partner" render=|view: TodayView| view! { <PartnerCard partner=view.partner/> }/>
                        {move || partner_name.get().map(|name| view! {
                            <h3 class="ping-title">"Thinking of you"</h3>
                            <PingButton id="today-ping" partner=Signal::derive(move || name.clone())/>
                        })}
                    </div>
                    <Loaded resource=today id="today-gesture" render=|view: TodayView| view.gesture.map(|g| view! { <GestureCard idea=g/> })/>
                </div>
                <Loaded resource=today id="today-extra" render=today_extra/>
            </Show>
        </section>
    }
}

/// The partner's name, `None` while the person is alone.
fn partner_name(partner: &PartnerToday) -> Option<String> {
    match partner {
        PartnerToday::Alone => None,
        PartnerToday::Waiting { name }
        | PartnerToday::Sealed { name }
        | PartnerToday::Revealed { name, .. } => Some(name.clone()),
    }
}

/// Today's small gesture in the partner's love language.
#[component]
fn GestureCard(idea: GestureIdea) -> impl IntoView {
    view! {
        <div class="panel gesture" id="today-gesture-card">
            <h2>{format!("Speak {}’s language", idea.partner_name)}</h2>
            <p class="muted small" id="today-gesture-language">
                {format!("{}’s love language: {}", idea.partner_name, idea.language)}
            </p>
            <p class="idea" id="today-gesture-idea">{idea.idea}</p>
        </div>
    }
}

fn today_body(view: TodayView) -> impl IntoView {
    let headline = view.headline();
    let streak = view.streak_sentence();
    view! {
        <p class="date"><time id="today-date" datetime=view.local_date.clone()>{view.date_label.clone()}</time></p>
        <p class="headline" id="today-headline">{headline}</p>
        <p class="streak" id="today-streak">{streak}</p>
    }
}

/// Reminders and a suggestion, below the cards. No server address: where data syncs is the
/// top bar's indicator and Settings' business.
fn today_extra(view: TodayView) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let suggestion = view.suggestion.clone();
    view! {
        {(!view.reminders.is_empty()).then(|| view! {
            <div class="reminders" id="today-reminders">
                <h2>"Coming up"</h2>
                <ul>{view.reminders.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
            </div>
        })}
        {suggestion.map(|s| view! {
            <div class="suggestion" id="today-suggestion">
                <h2>"Try together"</h2>
                <p><strong>{s.name.clone()}</strong>" — "{s.instructions.clone()}</p>
                <button type="button" class="secondary" on:click=move |_| ctx.screen.set(Screen::Challenges)>
                    "See challenges"
                </button>
            </div>
        })}
    }
}

/// The person's check-in: the form, or what they answered with a way to change it.
#[component]
fn CheckinCard(mine: Memo<Option<CheckinView>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let draft = expect_context::<Draft>();
    let has_checkin = Memo::new(move |_| mine.with(Option::is_some));
    let editing = move || draft.editing.get().unwrap_or(!has_checkin.get());
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = CheckinForm {
            connection: draft.connection.get(),
            mood: draft.mood.get(),
            satisfaction: draft.satisfaction.get(),
            gratitude: draft.gratitude.get(),
            private_note: draft.private_note.get(),
            ..CheckinForm::default()
        };
        busy.set(true);
        spawn_local(async move {
            match ipc::check_in(&form).await {
                Ok(_) => {
                    draft.editing.set(None);
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    let change = {
        move |_| {
            if let Some(c) = &mine.get_untracked() {
                draft.connection.set(c.connection_score);
                draft.mood.set(c.mood_score);
                draft.satisfaction.set(c.relationship_satisfaction);
                draft
                    .gratitude
                    .set(c.gratitude_note.clone().unwrap_or_default());
                draft
                    .private_note
                    .set(c.private_note.clone().unwrap_or_default());
            }
            draft.editing.set(Some(true));
        }
    };
    view! {
        <div class="panel" id="my-checkin">
            <h2>"Your check-in"</h2>
            {move || if editing() {
                view! {
                    <form on:submit=save id="checkin-form" on:input=move |_| clear_error(notice)>
                        <ScoreInput id="checkin-connection" label="How connected do you feel?" value=draft.connection/>
                        <ScoreInput id="checkin-mood" label="Your mood" value=draft.mood/>
                        <ScoreInput id="checkin-satisfaction" label="How happy are you with us?" value=draft.satisfaction/>
                        <label for="checkin-gratitude">"Something you’re grateful for (optional)"</label>
                        <textarea id="checkin-gratitude" rows="2"
                            prop:value=move || draft.gratitude.get()
                            on:input=move |ev| draft.gratitude.set(event_target_value(&ev))></textarea>
                        <CharCount id="checkin-gratitude-count" max=CheckinForm::GRATITUDE_MAX_CHARS text=draft.gratitude/>
                        <label for="checkin-private-note">"A private note (optional)"</label>
                        <p class="muted small field-hint" id="checkin-private-hint">"Only you see it: it stays on your own devices and never reaches your partner."</p>
                        <textarea id="checkin-private-note" rows="2" aria-describedby="checkin-private-hint"
                            prop:value=move || draft.private_note.get()
                            on:input=move |ev| draft.private_note.set(event_target_value(&ev))></textarea>
                        <CharCount id="checkin-private-note-count" max=CheckinForm::GRATITUDE_MAX_CHARS text=draft.private_note/>
                        <button type="submit" id="checkin-save" prop:disabled=move || busy.get()>"Save check-in"</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <div id="my-checkin-summary">
                        {move || mine.get().map(|c| scores(&c))}
                        <button type="button" class="secondary" id="checkin-edit" on:click=change>"Change"</button>
                    </div>
                }.into_any()
            }}
            <Notice id="checkin-notice" message=notice/>
        </div>
    }
}

fn scores(c: &CheckinView) -> impl IntoView + use<> {
    view! {
        <dl class="scores">
            <dt>"Connection"</dt><dd class="connection">{c.connection_score}</dd>
            <dt>"Mood"</dt><dd class="mood">{c.mood_score}</dd>
            <dt>"Satisfaction"</dt><dd class="satisfaction">{c.relationship_satisfaction}</dd>
        </dl>
        {c.gratitude_note.clone().map(|note| view! { <blockquote class="gratitude"><ShowMore text=note/></blockquote> })}
        // Only ever on the author's own check-in: the shell never gives the partner's.
        {c.private_note.clone().map(|note| view! {
            <div class="private-note" id="my-private-note">
                <span class="tag private">"Private · only you"</span>
                <blockquote><ShowMore text=note/></blockquote>
            </div>
        })}
    }
}

/// The partner's side of the check-in, with the reveal rule already applied by the shell.
#[component]
fn PartnerCard(partner: PartnerToday) -> impl IntoView {
    let sentence = partner.sentence();
    let state = match &partner {
        PartnerToday::Alone => "alone",
        PartnerToday::Waiting { .. } => "waiting",
        PartnerToday::Sealed { .. } => "sealed",
        PartnerToday::Revealed { .. } => "revealed",
    };
    let revealed = match partner {
        PartnerToday::Revealed { checkin, .. } => Some(checkin),
        _ => None,
    };
    view! {
        <div class="partner-today" id="partner-today" data-state=state>
            <p id="partner-sentence">{sentence}</p>
            {revealed.map(|c| view! { <div id="partner-scores">{scores(&c)}</div> })}
        </div>
    }
}
