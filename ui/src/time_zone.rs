//! The time zone picker: a searchable list of the IANA names the shell's time zone database knows
//! (so whatever is picked, the profile accepts), the device's zone preselected by the form. It is
//! the ARIA combobox pattern: type to filter ("new york", "paris"), arrows to move, Enter to pick,
//! Escape to close; a click picks too.

use leptos::prelude::*;

/// How many matches the list shows at once: enough to scan, short enough for a phone.
const SHOWN: usize = 8;

/// The names matching `query` (case, spaces and underscores ignored), best first: those whose
/// city starts with it, then those containing it anywhere.
pub fn matches<'a>(names: &'a [String], query: &str) -> Vec<&'a str> {
    let wanted = normalised(query);
    if wanted.is_empty() {
        return names.iter().take(SHOWN).map(String::as_str).collect();
    }
    let mut found: Vec<(bool, &str)> = names
        .iter()
        .filter_map(|name| {
            let plain = normalised(name);
            let city = plain.rsplit('/').next().unwrap_or(&plain);
            plain
                .contains(&wanted)
                .then_some((!city.starts_with(&wanted), name.as_str()))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .take(SHOWN)
        .map(|(_, name)| name)
        .collect()
}

fn normalised(text: &str) -> String {
    text.trim().to_lowercase().replace('_', " ")
}

/// The picker. `value` is the chosen name; it changes only when a name of the list is picked
/// (typing only searches), unless the list could not be loaded, when the text is taken as typed.
#[component]
pub fn TimeZonePicker(
    /// The input's id (its label points at it).
    #[prop(into)]
    id: String,
    /// The chosen zone.
    value: Signal<String>,
    /// Called with a picked zone.
    on_pick: Callback<String>,
) -> impl IntoView {
    let names = LocalResource::new(crate::ipc::time_zones);
    let loaded = Memo::new(move |_| names.get().and_then(Result::ok));
    let query = RwSignal::new(value.get_untracked());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0_usize);
    // The chosen zone changing from outside (Settings loading the profile) shows in the field.
    Effect::new(move |_| {
        let chosen = value.get();
        if !open.get_untracked() {
            query.set(chosen);
        }
    });
    let shown = Memo::new(move |_| {
        loaded.with(|names| {
            names.as_ref().map_or_else(Vec::new, |names| {
                matches(names, &query.get())
                    .into_iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
        })
    });
    let list_id = format!("{id}-list");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-option-{i}")
    };
    let pick = move |name: String| {
        query.set(name.clone());
        open.set(false);
        on_pick.run(name);
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = shown.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                open.set(true);
                active.update(|a| *a = (*a + 1).min(count.saturating_sub(1)));
            }
            "ArrowUp" => active.update(|a| *a = a.saturating_sub(1)),
            "Enter" if open.get_untracked() && count > 0 => {
                if let Some(name) = shown.with(|s| s.get(active.get_untracked()).cloned()) {
                    pick(name);
                }
            }
            "Escape" if open.get_untracked() => {
                open.set(false);
                query.set(value.get_untracked());
            }
            _ => return,
        }
        ev.prevent_default();
    };
    let input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        query.set(text.clone());
        active.set(0);
        open.set(true);
        if loaded.with_untracked(Option::is_none) {
            on_pick.run(text);
        }
    };
    // Leaving the field without picking keeps the zone chosen before.
    let blur = move |_| {
        if loaded.with_untracked(Option::is_some) {
            open.set(false);
            query.set(value.get_untracked());
        }
    };
    let descendant = {
        let option_id = option_id.clone();
        move || (open.get() && shown.with(|s| !s.is_empty())).then(|| option_id(active.get()))
    };
    view! {
        <div class="combo">
            <input id=id type="text" role="combobox" autocomplete="off" spellcheck="false"
                aria-autocomplete="list" aria-controls=list_id.clone()
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-activedescendant=descendant
                prop:value=move || query.get()
                on:input=input on:keydown=keydown on:blur=blur
                on:focus=move |ev| {
                    active.set(0);
                    // Typing replaces the zone shown, as in a search field.
                    event_target::<web_sys::HtmlInputElement>(&ev).select();
                }/>
            <ul id=list_id role="listbox" class="combo-list" aria-label="Time zones"
                hidden=move || !open.get() || shown.with(Vec::is_empty)>
                {move || shown.get().into_iter().enumerate().map(|(i, name)| {
                    let chosen = name.clone();
                    view! {
                        <li role="option" id=option_id(i) class="combo-option" data-zone=name.clone()
                            class:active=move || active.get() == i
                            aria-selected=move || if active.get() == i { "true" } else { "false" }
                            // mousedown, not click: it comes before the field's blur closes the list.
                            on:mousedown=move |ev| { ev.prevent_default(); pick(chosen.clone()) }>
                            {name.replace('_', " ")}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
