//! A character counter under a text field: the person sees how much room is left before the app
//! refuses the text (the shell counts characters, not bytes, and so does this).

use leptos::prelude::*;

/// "12 / 120" under a field; it turns to a warning near the limit and names the excess past it.
#[component]
pub fn Counter(
    /// The counter's element id (the field points at it with `aria-describedby`).
    #[prop(into)]
    id: String,
    /// The text being typed.
    text: Signal<String>,
    /// The most characters the shell accepts.
    max: usize,
) -> impl IntoView {
    let used = move || text.with(|t| t.chars().count());
    let class = move || match used() {
        n if n > max => "counter error",
        n if n * 10 >= max * 9 => "counter warning",
        _ => "counter",
    };
    view! {
        <span id=id class=class aria-live="polite">
            {move || match used() {
                n if n > max => format!("{n} / {max}: {} too many", n - max),
                n => format!("{n} / {max}"),
            }}
        </span>
    }
}
