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

/// "Edit" and "Delete…" on one of the couple's records. Deleting asks first, naming the record
/// and saying it goes for both partners; nothing is deleted until the person confirms.
#[component]
pub fn RowActions(
    /// How the record is called in the question ("Picnic").
    #[prop(into)]
    name: String,
    /// Puts the record into the screen's form.
    on_edit: Callback<()>,
    /// Deletes it (after the confirmation).
    on_delete: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let question = format!("Delete “{name}”? It goes for both of you, and cannot be undone.");
    view! {
        <div class="row-actions">
            <button type="button" class="link edit" on:click=move |_| on_edit.run(())>"Edit"</button>
            <button type="button" class="link danger-link delete" on:click=move |_| asking.set(true)>"Delete…"</button>
        </div>
        <Show when=move || asking.get()>
            <div class="confirm" role="alertdialog">
                <p class="delete-question">{question.clone()}</p>
                <button type="button" class="danger delete-confirm"
                    on:click=move |_| { asking.set(false); on_delete.run(()) }>"Delete"</button>
                <button type="button" class="secondary delete-cancel" on:click=move |_| asking.set(false)>"Cancel"</button>
            </div>
        </Show>
    }
}

/// Under a field with a limit: how much of it the text uses ("12 / 200"), and past the limit
/// how much is too much, in red. Fields carry no `maxlength`, so a pasted text is never cut
/// silently: the shell refuses a text over the limit with a sentence (the limit is the form's,
/// from `together-core`).
#[component]
pub fn CharCount(
    /// The counter's element id.
    #[prop(into)]
    id: String,
    /// The form's limit, in characters.
    max: usize,
    /// The field's text.
    #[prop(into)]
    text: Signal<String>,
) -> impl IntoView {
    let count = move || text.with(|t| t.chars().count());
    view! {
        <span id=id class=move || match count() {
            n if n > max => "char-count full",
            // Near the limit (nine tenths used): a warning before the refusal.
            n if n * 10 >= max * 9 => "char-count near",
            _ => "char-count",
        } aria-live="polite">
            {move || {
                let used = count();
                if used > max {
                    format!("{used} / {max}: {} too many", used - max)
                } else {
                    format!("{used} / {max}")
                }
            }}
        </span>
    }
}

/// How many characters of someone else's text show before "Show more".
const SHOW_MORE_AFTER_CHARS: usize = 280;

/// A text that may be long (the partner's note): its beginning, cut at a word, with "Show more"
/// to read it all and "Show less" to fold it again. Short texts show whole.
#[component]
pub fn ShowMore(
    /// The text.
    #[prop(into)]
    text: String,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let long = text.chars().count() > SHOW_MORE_AFTER_CHARS;
    let short: String = {
        let head: String = text.chars().take(SHOW_MORE_AFTER_CHARS).collect();
        match head.rfind(char::is_whitespace) {
            Some(at) if at > SHOW_MORE_AFTER_CHARS / 2 => {
                head.get(..at).unwrap_or(&head).to_owned()
            }
            _ => head,
        }
    };
    let full = text.clone();
    view! {
        <span class="long-text">
            {move || if long && !open.get() { format!("{short}…") } else { full.clone() }}
        </span>
        {long.then(|| view! {
            <button type="button" class="link show-more" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "Show less" } else { "Show more" }}
            </button>
        })}
    }
}
