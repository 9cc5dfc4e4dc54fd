//! Questions: every question the couple answered, with both answers as far as the reveal rule
//! allows (the shell applies it: a hidden answer is neither shown nor found by the search), a
//! search, and the packs the day's question is drawn from.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::word_label;
use together_core::view::{AppOverview, PackView, QuestionView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{Loaded, Notice};

/// The longest search the shell accepts, in characters.
const SEARCH_MAX_CHARS: usize = 200;

/// The Questions screen.
#[component]
pub fn QuestionsScreen(overview: Signal<Option<AppOverview>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let search = RwSignal::new(String::new());
    let history = LocalResource::new(move || {
        ctx.version.track();
        let search = search.get();
        async move { ipc::question_history(&search).await }
    });
    let partner = Memo::new(move |_| {
        overview
            .get()
            .and_then(|o| o.partner_name)
            .unwrap_or_else(|| "Your partner".to_owned())
    });
    let render = move |views: Vec<QuestionView>| {
        if views.is_empty() {
            let empty = if search.get_untracked().trim().is_empty() {
                "No answers yet: the question of the day is on Today."
            } else {
                "Nothing matches that search."
            };
            return view! { <p class="muted" id="question-history-empty">{empty}</p> }.into_any();
        }
        view! {
            <ul class="list" id="question-history">
                {views.into_iter().map(|q| view! { <PastQuestion q=q partner=partner.into()/> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="questions-title">
            <h1 id="questions-title">"Questions"</h1>
            <p class="muted">"Every question you answered, with your partner’s answer once you both answered."</p>
            <label for="questions-search">"Search questions and answers"</label>
            <input id="questions-search" type="search" maxlength=SEARCH_MAX_CHARS placeholder="holiday, first date, …"
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))/>
            <Loaded resource=history id="question-history" render=render/>
        </section>
        <Packs/>
    }
}

/// One past question and both answers.
#[component]
fn PastQuestion(q: QuestionView, partner: Signal<String>) -> impl IntoView {
    let theirs = match (&q.partner_answer, q.partner_answered) {
        (Some(answer), _) => answer.clone(),
        (None, true) => "Answered: answer too to see it.".to_owned(),
        (None, false) => "Not answered.".to_owned(),
    };
    let reaction = |r: &Option<together_core::view::ReactionView>| {
        r.as_ref().map(|r| {
            let heart = if r.heart { "♥ " } else { "" };
            format!("{heart}{}", r.reply.clone().unwrap_or_default())
        })
    };
    let (mine_reacted, theirs_reacted) = (reaction(&q.my_reaction), reaction(&q.partner_reaction));
    view! {
        <li class="row past-question" data-id=q.id.clone() data-date=q.date.clone()>
            <div class="row-main">
                <p class="muted small"><time datetime=q.date.clone()>{q.date.clone()}</time>" · "<span class="tag">{word_label(&q.pack)}</span></p>
                <p class="question-text">{q.text.clone()}</p>
                <dl class="answers">
                    <dt>"You"</dt>
                    <dd class="mine">{q.my_answer.clone().unwrap_or_else(|| "Not answered.".to_owned())}
                        {theirs_reacted.map(|r| view! { <span class="reaction">{format!(" — {}: {r}", partner.get())}</span> })}
                    </dd>
                    <dt>{move || partner.get()}</dt>
                    <dd class="theirs">{theirs}
                        {mine_reacted.map(|r| view! { <span class="reaction">{format!(" — you: {r}")}</span> })}
                    </dd>
                </dl>
            </div>
        </li>
    }
}

/// The packs the day's question is drawn from (a shared choice: the partner's device follows).
#[component]
fn Packs() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let packs = LocalResource::new(move || {
        ctx.version.track();
        ipc::question_packs()
    });
    let chosen: RwSignal<Option<Vec<String>>> = RwSignal::new(None);
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(list) = chosen.get() else {
            notice.set(Some(Ok("Nothing changed.".to_owned())));
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match ipc::choose_packs(&list).await {
                Ok(_) => {
                    chosen.set(None);
                    notice.set(Some(Ok(
                        "Saved for you both: new questions come from these packs.".to_owned(),
                    )));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    let render = move |views: Vec<PackView>| {
        let saved: Vec<String> = views
            .iter()
            .filter(|p| p.chosen)
            .map(|p| p.pack.clone())
            .collect();
        views
            .into_iter()
            .map(|p| {
                let pack = p.pack.clone();
                let saved = saved.clone();
                let checked = {
                    let (pack, saved) = (pack.clone(), saved.clone());
                    move || {
                        chosen.with(|c| {
                            c.as_ref().unwrap_or(&saved).contains(&pack)
                        })
                    }
                };
                let toggle = move |ev: leptos::ev::Event| {
                    let on = event_target_checked(&ev);
                    let mut list = chosen.get_untracked().unwrap_or_else(|| saved.clone());
                    list.retain(|chosen| *chosen != pack);
                    if on {
                        list.push(pack.clone());
                    }
                    chosen.set(Some(list));
                    notice.set(None);
                };
                let id = format!("pack-{}", p.pack);
                let label_for = id.clone();
                view! {
                    <li>
                        <label class="check" for=label_for>
                            <input type="checkbox" id=id prop:checked=checked on:change=toggle/>
                            <span><strong>{word_label(&p.pack)}</strong>{format!(" · {} questions", p.questions)}
                                <br/><span class="muted small">{p.description.clone()}</span></span>
                        </label>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="packs-title">
            <h2 id="packs-title">"Question packs"</h2>
            <p class="muted small">"The question of the day comes from the packs you choose together. Choosing is shared: your partner’s app follows."</p>
            <form id="packs-form" on:submit=save>
                <ul class="packs">
                    <Loaded resource=packs id="packs" render=render/>
                </ul>
                <div class="actions">
                    <button type="submit" id="packs-save" prop:disabled=move || busy.get()>"Save packs"</button>
                    <Notice id="packs-notice" message=notice/>
                </div>
            </form>
        </section>
    }
}
