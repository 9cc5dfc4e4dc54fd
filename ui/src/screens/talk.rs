//! The talk log: conversations worth remembering, and their follow-ups.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::{CommunicationOutcome, CommunicationType};
use together_core::view::{LogForm, LogView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{Loaded, Notice, clear_error, word_options};

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
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get();
        spawn_local(async move {
            match ipc::add_log(&f).await {
                Ok(_) => {
                    notice.set(Some(Ok("Logged.".to_owned())));
                    form.update(|f| f.topic.clear());
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
                <input id="log-topic" type="text" maxlength=LogForm::TOPIC_MAX_CHARS
                    prop:value=move || form.get().topic on:input=move |ev| form.update(|f| f.topic = event_target_value(&ev))/>
                <label for="log-outcome">"How it went"</label>
                <select id="log-outcome" prop:value=move || form.get().outcome
                    on:change=move |ev| form.update(|f| f.outcome = event_target_value(&ev))>
                    <option value="">"—"</option>
                    {word_options(&outcomes)}
                </select>
                <label class="check"><input type="checkbox" id="log-follow-up"
                    prop:checked=move || form.get().follow_up_needed
                    on:change=move |ev| form.update(|f| f.follow_up_needed = event_target_checked(&ev))/>"Talk again about it"</label>
                <button type="submit" id="log-add">"Log it"</button>
            </form>
            <Notice id="log-notice" message=notice/>
            <Loaded resource=list id="talk" render={|items: Vec<LogView>| view! {
                <ul class="list" id="log-list">
                    {if items.is_empty() { Some(view! { <li class="muted">"Nothing logged yet."</li> }) } else { None }}
                    {items.into_iter().map(|l| view! {
                        <li class="row log">
                            <div class="row-main">
                                <strong>{l.topic.clone().unwrap_or_else(|| l.communication_type.replace('_', " "))}</strong>
                                <span class="muted small">{format!(" {} · {}{}", l.communication_type.replace('_', " "),
                                    l.when.get(..10).unwrap_or(&l.when),
                                    l.outcome.as_deref().map(|o| format!(" · {}", o.replace('_', " "))).unwrap_or_default())}</span>
                            </div>
                            {l.follow_up_needed.then(|| view! { <span class="tag">"follow up"</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}
