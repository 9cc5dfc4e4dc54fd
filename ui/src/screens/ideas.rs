//! AI ideas: date ideas or conversation starters from the sync server's AI, paid with credits.
//! What the person types is sent once and stored nowhere.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::IdeasView;
use together_core::wire::billing::{IdeaKind, MAX_IDEA_CONTEXT_CHARS};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{CharCount, Loaded, Notice};

/// The ideas card (on the Activities screen).
#[component]
pub fn IdeasCard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let version = RwSignal::new(0_u64);
    let ideas = LocalResource::new(move || {
        version.track();
        ctx.version.track();
        ipc::ideas()
    });
    let kind = RwSignal::new(IdeaKind::DateIdeas);
    let context = RwSignal::new(String::new());
    let answers: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        notice.set(Some(Ok("Thinking…".to_owned())));
        let (k, c) = (kind.get(), context.get());
        spawn_local(async move {
            match ipc::ask_ideas(k, &c).await {
                Ok(answer) => {
                    answers.set(answer.suggestions);
                    notice.set(Some(Ok(format!(
                        "{} left.",
                        together_core::view::counted(answer.balance, "credit", "credits")
                    ))));
                    version.update(|v| *v += 1);
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    let header = move |view: IdeasView| {
        let balance = view.balance.map_or_else(String::new, |b| {
            together_core::view::counted(b, "credit", "credits")
        });
        view! {
            <p class="muted" id="ideas-balance">{balance}</p>
            {view.note.map(|n| view! { <p class="muted" id="ideas-note">{n}</p> })}
            <div class="actions">
                {view.packs.into_iter().map(|p| {
                    let id = p.id.clone();
                    let buy = move |_| {
                        let id = id.clone();
                        spawn_local(async move {
                            match ipc::buy_credits(&id).await {
                                Ok(_) => notice.set(Some(Ok("Finish paying in your browser; your credits appear here right after.".to_owned()))),
                                Err(message) => notice.set(Some(Err(message))),
                            }
                        });
                    };
                    view! {
                        <button type="button" class="secondary" on:click=buy>
                            {format!("Buy {} ({}.{:02})", p.name, p.price_cents / 100, p.price_cents % 100)}
                        </button>
                    }
                }).collect_view()}
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="ideas-title">
            <h1 id="ideas-title">"Ideas"</h1>
            <Loaded resource=ideas id="ideas" render=header/>
            <form id="ideas-form" class="inline" on:submit=ask>
                <label for="ideas-kind">"What would help?"</label>
                <select id="ideas-kind" prop:value=move || kind.get().as_str()
                    on:change=move |ev| if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }>
                    {IdeaKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{label(k)}</option> }).collect_view()}
                </select>
                <label for="ideas-context">"What do you both enjoy? (optional)"</label>
                <textarea id="ideas-context" rows="2"
                    prop:value=move || context.get() on:input=move |ev| context.set(event_target_value(&ev))></textarea>
                <CharCount id="ideas-context-count" max=MAX_IDEA_CONTEXT_CHARS text=context/>
                <button type="submit" id="ideas-ask" prop:disabled=move || busy.get()>"Ask (1 credit)"</button>
                <p class="muted small">"Sent to your sync server’s AI service once; not stored."</p>
            </form>
            <Notice id="ideas-notice" message=notice/>
            <ul class="list" id="ideas-list">
                {move || answers.get().into_iter().map(|idea| view! { <li class="row">{idea}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// How a kind of idea reads in the menu.
fn label(kind: IdeaKind) -> &'static str {
    match kind {
        IdeaKind::DateIdeas => "Date ideas",
        IdeaKind::ConversationStarters => "Conversation starters",
    }
}
