//! Small pieces shared by the screens: loading and error states, a score slider, a labelled field.

use leptos::prelude::*;
use together_core::domain::Score;

/// A screen's data: a placeholder while it loads, a sentence when it fails, else `render`.
#[component]
pub fn Loaded<T, F, V>(
    resource: LocalResource<Result<T, String>>,
    render: F,
    #[prop(into)] id: String,
) -> impl IntoView
where
    T: Clone + 'static,
    F: Fn(T) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let loading_id = format!("{id}-loading");
    let error_id = format!("{id}-error");
    view! {
        <Transition fallback=move || view! { <p class="muted" id=loading_id.clone()>"Loading…"</p> }>
            {
                let error_id = error_id.clone();
                move || {
                    let error_id = error_id.clone();
                    Suspend::new(async move {
                        match resource.await {
                            Ok(value) => render(value).into_any(),
                            Err(message) => view! {
                                <p class="error" id=error_id role="alert">{message}</p>
                            }.into_any(),
                        }
                    })
                }
            }
        </Transition>
    }
}

/// A 1–10 slider with its value shown.
#[component]
pub fn ScoreInput(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<i64>,
) -> impl IntoView {
    let output_id = format!("{id}-value");
    view! {
        <div class="score">
            <label for=id.clone()>{label}</label>
            <input
                type="range" min=Score::MIN max=Score::MAX step="1" id=id
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse() { value.set(v) }
                }
            />
            <output id=output_id>{move || value.get()}</output>
        </div>
    }
}

/// How long a success notice stays before it fades: long enough to read, short enough not to
/// linger beside the next action.
const SUCCESS_SHOWN: std::time::Duration = std::time::Duration::from_secs(4);

/// Feedback beside an action: placed next to the button (or form) that caused it, success in
/// green that fades after a few seconds, failure in red that stays until the person edits the
/// form again ([`clear_error`]). A message ending in "…" is progress and does not fade. Empty,
/// it keeps its space so nothing below jumps.
#[component]
pub fn Notice(
    #[prop(into)] id: String,
    message: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    Effect::new(move |_| {
        if let Some(Ok(shown)) = message.get()
            && !shown.ends_with('…')
        {
            set_timeout(
                move || {
                    // Only this message fades: a newer one keeps its own time.
                    if message.get_untracked() == Some(Ok(shown)) {
                        message.set(None);
                    }
                },
                SUCCESS_SHOWN,
            );
        }
    });
    view! {
        <p id=id class=move || match message.get() {
                Some(Ok(_)) => "notice ok",
                Some(Err(_)) => "notice error",
                None => "notice",
            }
            role="status" aria-live="polite">
            {move || match message.get() {
                Some(Ok(text)) | Some(Err(text)) => text,
                None => String::new(),
            }}
        </p>
    }
}

/// Clears a failure once the person edits the form again: put on the form's `on:input`
/// (edits bubble up from every field), the old error does not outlive the mistake it was about.
pub fn clear_error(message: RwSignal<Option<Result<String, String>>>) {
    if matches!(message.get_untracked(), Some(Err(_))) {
        message.set(None);
    }
}

/// Options of a `<select>` from a list of domain words, each shown as its label ("Quality time").
pub fn word_options(words: &[&'static str]) -> impl IntoView + use<> {
    words
        .iter()
        .map(|w| view! { <option value=*w>{together_core::domain::word_label(w)}</option> })
        .collect_view()
}

/// Brings the element `id` into view once it is drawn (a confirmation or a message that opened
/// below the fold): feedback appears where the person is looking.
pub fn reveal(id: &'static str) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(id) {
            element.scroll_into_view();
        }
    });
}
