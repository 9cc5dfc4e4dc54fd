//! The root component and the Today screen.

use leptos::prelude::*;
use together_core::view::TodayView;

use crate::ipc;

/// The whole app: a header and the Today screen.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <span class="brand" aria-hidden="true">"♥"</span>
            <span class="brand-name">"Better Together"</span>
        </header>
        <main class="screen">
            <TodayScreen/>
        </main>
    }
}

/// Today: a greeting by name, or the invitation to set up a profile.
#[component]
fn TodayScreen() -> impl IntoView {
    let today = LocalResource::new(ipc::today);
    view! {
        <section class="card today" aria-labelledby="today-title">
            <h1 id="today-title">"Today"</h1>
            <Suspense fallback=|| view! { <p class="muted" id="today-loading">"Loading your day…"</p> }>
                {move || Suspend::new(async move {
                    match today.await {
                        Ok(view) => today_body(view).into_any(),
                        Err(message) => view! {
                            <p class="error" id="today-error" role="alert">{message}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn today_body(view: TodayView) -> impl IntoView {
    let headline = view.headline();
    let has_profile = view.display_name.is_some();
    let sync = view
        .sync_server
        .map(|url| format!("Sync server: {url}"))
        .unwrap_or_else(|| "Saved on this device only".to_owned());
    view! {
        <p class="date">
            <time id="today-date" datetime=view.local_date>{view.date_label}</time>
        </p>
        <p class="headline" id="today-headline">{headline}</p>
        <Show when=move || !has_profile>
            <p class="muted" id="today-setup-hint">
                "Add your name and timezone so your partner knows it’s you."
            </p>
        </Show>
        <p class="muted small" id="today-sync">{sync}</p>
    }
}
