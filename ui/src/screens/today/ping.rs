//! "Thinking of you": one tap sends the partner a small gesture (a heart, a hug, or "thinking of
//! you", with an optional short line). It reaches their inbox and shows as a notification on their
//! devices. The device keeps the pace (one every half minute, twenty a day): a refusal is shown in
//! its plain words beside the button.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::PingKind;
use together_core::view::PingForm;

use crate::ipc;
use crate::widgets::CharCount;
use crate::widgets::{Notice, clear_error};

/// The gesture chooser, the optional line and the button, for the partner named `partner`.
/// `id` prefixes every element id, so Today and the Partner screen can each hold one.
#[component]
pub fn PingButton(#[prop(into)] id: String, partner: Signal<String>) -> impl IntoView {
    let kind = RwSignal::new(PingKind::ThinkingOfYou);
    let message = RwSignal::new(String::new());
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = PingForm {
            kind: kind.get().as_str().to_owned(),
            message: message.get(),
        };
        let name = partner.get();
        busy.set(true);
        spawn_local(async move {
            match ipc::send_ping(&form).await {
                Ok(()) => {
                    message.set(String::new());
                    notice.set(Some(Ok(format!("Sent to {name} ♥"))));
                }
                Err(refused) => notice.set(Some(Err(refused))),
            }
            busy.set(false);
        });
    };
    let field = format!("{id}-message");
    let counter = format!("{id}-message-count");
    let order = [PingKind::ThinkingOfYou, PingKind::Heart, PingKind::Hug];
    let choices = order
        .into_iter()
        .map(|choice| {
            let (sign, label) = match choice {
                PingKind::ThinkingOfYou => ("☺", "Thinking of you"),
                PingKind::Heart => ("♥", "Heart"),
                PingKind::Hug => ("✿", "Hug"),
            };
            view! {
                <button type="button" id=format!("{id}-kind-{}", choice.as_str())
                    class:active=move || kind.get() == choice
                    aria-pressed=move || if kind.get() == choice { "true" } else { "false" }
                    on:click=move |_| kind.set(choice)>
                    <span aria-hidden="true">{sign}" "</span>{label}
                </button>
            }
        })
        .collect_view();
    view! {
        <form class="ping" id=format!("{id}-form") on:submit=send on:input=move |_| clear_error(notice)>
            <div class="segmented" role="group" aria-label="Which gesture">{choices}</div>
            <label for=field.clone()>"A short line (optional)"</label>
            <input id=field type="text" aria-describedby=counter.clone() placeholder="See you tonight"
                prop:value=move || message.get()
                on:input=move |ev| message.set(event_target_value(&ev))/>
            <CharCount id=counter text=message max=PingForm::MESSAGE_MAX_CHARS/>
            <div class="actions">
                <button type="submit" id=format!("{id}-send") prop:disabled=move || busy.get()>
                    {move || format!("Send to {}", partner.get())}
                </button>
                <Notice id=format!("{id}-notice") message=notice/>
            </div>
        </form>
    }
}
