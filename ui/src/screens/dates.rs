//! Important dates: countdowns, yearly ones, reminders; edit or delete one (deleting asks first).

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::DateEventType;
use together_core::view::{DateForm, DateView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{CharCount, Loaded, Notice, RowActions, clear_error, reveal, word_options};

/// The Dates screen.
#[component]
pub fn DatesScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let list = LocalResource::new(move || {
        ctx.version.track();
        ipc::dates()
    });
    let form = RwSignal::new(DateForm {
        event_type: "anniversary".into(),
        recurring: true,
        reminder_days_before: Some(3),
        ..DateForm::default()
    });
    let notice = RwSignal::new(None);
    let date_field = NodeRef::<leptos::html::Input>::new();
    // The date being edited in the form, if any; otherwise the form adds a new one.
    let editing = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get();
        // The day the field shows, whichever event the calendar pop-up fired (or did not).
        if let Some(field) = date_field.get_untracked() {
            f.date = field.value();
        }
        spawn_local(async move {
            let result = match editing.get_untracked() {
                Some(id) => ipc::edit_date(&id, &f).await,
                None => ipc::add_date(&f).await,
            };
            match result {
                Ok(_) => {
                    notice.set(Some(Ok("Date saved.".to_owned())));
                    editing.set(None);
                    form.update(|f| f.name.clear());
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let cancel = move |_| {
        editing.set(None);
        form.update(|f| f.name.clear());
    };
    let types: Vec<&'static str> = DateEventType::ALL.iter().map(|t| t.as_str()).collect();
    view! {
        <section class="card" aria-labelledby="dates-title">
            <h1 id="dates-title">"Dates"</h1>
            <form id="date-form" class="inline" on:submit=submit on:input=move |_| clear_error(notice)>
                <label for="date-name">"What"</label>
                <input id="date-name" type="text" required
                    prop:value=move || form.get().name on:input=move |ev| form.update(|f| f.name = event_target_value(&ev))/>
                <CharCount id="date-name-count" max=DateForm::NAME_MAX_CHARS text=Signal::derive(move || form.get().name)/>
                <label for="date-value">"Date"</label>
                <input id="date-value" type="date" required node_ref=date_field
                    prop:value=move || form.get().date
                    on:input=move |ev| form.update(|f| f.date = event_target_value(&ev))
                    on:change=move |ev| form.update(|f| f.date = event_target_value(&ev))/>
                <label for="date-type">"Kind"</label>
                <select id="date-type" prop:value=move || form.get().event_type
                    on:change=move |ev| form.update(|f| f.event_type = event_target_value(&ev))>
                    {word_options(&types)}
                </select>
                <label class="check"><input type="checkbox" id="date-recurring"
                    prop:checked=move || form.get().recurring
                    on:change=move |ev| form.update(|f| f.recurring = event_target_checked(&ev))/>"Every year"</label>
                <label for="date-remind">"Remind me (days before)"</label>
                <input id="date-remind" type="number" min="0" max=DateForm::REMINDER_MAX_DAYS
                    prop:value=move || form.get().reminder_days_before.map(|d| d.to_string()).unwrap_or_default()
                    on:input=move |ev| form.update(|f| f.reminder_days_before = event_target_value(&ev).parse().ok())/>
                <button type="submit" id="date-add">{move || if editing.get().is_some() { "Save changes" } else { "Save date" }}</button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="secondary" id="date-edit-cancel" on:click=cancel>"Cancel"</button>
                </Show>
            </form>
            <Notice id="date-notice" message=notice/>
            <Loaded resource=list id="dates" render={move |items: Vec<DateView>| view! {
                <ul class="list" id="date-list">
                    {if items.is_empty() { Some(view! { <li class="muted">"No dates yet."</li> }) } else { None }}
                    {items.into_iter().map(|d| {
                        let countdown = match d.days_until {
                            Some(0) => "today".to_owned(),
                            Some(1) => "tomorrow".to_owned(),
                            Some(n) => format!("in {n} days"),
                            None => "passed".to_owned(),
                        };
                        let on_edit = {
                            let (id, filled) = (d.id.clone(), d.as_form());
                            Callback::new(move |()| {
                                form.set(filled.clone());
                                editing.set(Some(id.clone()));
                                reveal("date-form");
                            })
                        };
                        let on_delete = {
                            let (id, name) = (d.id.clone(), d.name.clone());
                            Callback::new(move |()| {
                                let (id, name) = (id.clone(), name.clone());
                                spawn_local(async move {
                                    let result = ipc::delete_date(&id).await;
                                    notice.set(Some(result.map(|_| format!("“{name}” deleted."))));
                                    if editing.get_untracked().as_deref() == Some(id.as_str()) {
                                        editing.set(None);
                                    }
                                    ctx.refresh();
                                });
                            })
                        };
                        view! {
                            <li class="row date" data-name=d.name.clone()>
                                <div class="row-main">
                                    <strong>{d.name.clone()}</strong>
                                    <span class="muted small">{format!(" {} · {}{}", d.event_type.replace('_', " "), d.date, if d.recurring { " · yearly" } else { "" })}</span>
                                </div>
                                <span class="countdown">{countdown}</span>
                                <RowActions name=d.name.clone() on_edit=on_edit on_delete=on_delete/>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}
