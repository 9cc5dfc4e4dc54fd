//! The talk log: conversations worth remembering, and their follow-ups; edit or delete one
//! (deleting asks first). An entry can be kept private when it is logged (it stays on the
//! person's own devices, marked "private" in their list); a shared one cannot be taken back.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::{CommunicationOutcome, CommunicationType};
use together_core::view::{LogForm, LogView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{CharCount, Loaded, Notice, RowActions, clear_error, reveal, word_options};

/// The Talk log screen.
#[component]
pub fn TalkScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let list = LocalResource::new(move || {
        ctx.version.track();
        ipc::talk_log()
    });
    let form = RwSignal::new(LogForm {
        communication_type: "deep_conversation".into(),
        ..LogForm::default()
    });
    let notice = RwSignal::new(None);
    // The entry being edited in the form, if any; otherwise the form logs a new one (now).
    let editing = RwSignal::new(None::<String>);
    let reset = move || {
        editing.set(None);
        form.update(|f| {
            f.topic.clear();
            f.when.clear();
            f.private = false;
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get();
        spawn_local(async move {
            let (result, done) = match editing.get_untracked() {
                Some(id) => (ipc::edit_log(&id, &f).await, "Saved."),
                None => (ipc::add_log(&f).await, "Logged."),
            };
            match result {
                Ok(_) => {
                    notice.set(Some(Ok(done.to_owned())));
                    reset();
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let types: Vec<&'static str> = CommunicationType::ALL.iter().map(|t| t.as_str()).collect();
    let outcomes: Vec<&'static str> = CommunicationOutcome::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    view! {
        <section class="card" aria-labelledby="talk-title">
            <h1 id="talk-title">"Talk log"</h1>
            <form id="log-form" class="inline" on:submit=submit on:input=move |_| clear_error(notice)>
                <label for="log-type">"Kind of talk"</label>
                <select id="log-type" prop:value=move || form.get().communication_type
                    on:change=move |ev| form.update(|f| f.communication_type = event_target_value(&ev))>
                    {word_options(&types)}
                </select>
                <label for="log-topic">"Topic"</label>
                <input id="log-topic" type="text"
                    prop:value=move || form.get().topic on:input=move |ev| form.update(|f| f.topic = event_target_value(&ev))/>
                <CharCount id="log-topic-count" max=LogForm::TOPIC_MAX_CHARS text=Signal::derive(move || form.get().topic)/>
                <label for="log-outcome">"How it went"</label>
                <select id="log-outcome" prop:value=move || form.get().outcome
                    on:change=move |ev| form.update(|f| f.outcome = event_target_value(&ev))>
                    <option value="">"—"</option>
                    {word_options(&outcomes)}
                </select>
                <label class="check"><input type="checkbox" id="log-follow-up"
                    prop:checked=move || form.get().follow_up_needed
                    on:change=move |ev| form.update(|f| f.follow_up_needed = event_target_checked(&ev))/>"Talk again about it"</label>
                // Private is chosen at creation: a shared entry is in the partner's history already.
                <Show when=move || editing.get().is_none()>
                    <label class="check"><input type="checkbox" id="log-private" aria-describedby="log-private-hint"
                        prop:checked=move || form.get().private
                        on:change=move |ev| form.update(|f| f.private = event_target_checked(&ev))/>"Keep it private"</label>
                    <p class="muted small field-hint" id="log-private-hint">"Private entries stay on your own devices. A shared entry cannot be taken back later, so choose now."</p>
                </Show>
                <button type="submit" id="log-add">{move || if editing.get().is_some() { "Save changes" } else { "Log it" }}</button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="secondary" id="log-edit-cancel" on:click=move |_| reset()>"Cancel"</button>
                </Show>
            </form>
            <Notice id="log-notice" message=notice/>
            <Loaded resource=list id="talk" render={move |items: Vec<LogView>| view! {
                <ul class="list" id="log-list">
                    {if items.is_empty() { Some(view! { <li class="muted">"Nothing logged yet."</li> }) } else { None }}
                    {items.into_iter().map(|l| {
                        let headline = l.headline();
                        let on_edit = {
                            let (id, filled) = (l.id.clone(), l.as_form());
                            Callback::new(move |()| {
                                form.set(filled.clone());
                                editing.set(Some(id.clone()));
                                reveal("log-form");
                            })
                        };
                        let on_delete = {
                            let (id, name) = (l.id.clone(), headline.clone());
                            Callback::new(move |()| {
                                let (id, name) = (id.clone(), name.clone());
                                spawn_local(async move {
                                    let result = ipc::delete_log(&id).await;
                                    notice.set(Some(result.map(|_| format!("“{name}” deleted."))));
                                    if editing.get_untracked().as_deref() == Some(id.as_str()) {
                                        reset();
                                    }
                                    ctx.refresh();
                                });
                            })
                        };
                        view! {
                            <li class="row log" data-id=l.id.clone() data-private=l.private.to_string()>
                                <div class="row-main">
                                    <strong class="log-headline">{headline.clone()}</strong>
                                    <span class="muted small log-details">{format!(" {}", l.details())}</span>
                                </div>
                                {l.private.then(|| view! { <span class="tag private" title="Only you see this entry">"private"</span> })}
                                {l.follow_up_needed.then(|| view! { <span class="tag">"follow up"</span> })}
                                <RowActions name=headline on_edit=on_edit on_delete=on_delete/>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}
