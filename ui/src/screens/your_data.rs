//! "Your data" in Settings: what this device recorded about how the person uses the app (the
//! last 30 days), the switch that shares daily counts (off by default), and "Delete my usage
//! data". Everything shown is decided by the shell (`together_client::usage`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::{NamedCount, USAGE_SHARING_SENTENCE, USAGE_SUMMARY_DAYS, UsageSummary};

use crate::ipc;
use crate::widgets::{Loaded, Notice, reveal};

/// "Under a minute", "42 min", "1 h 5 min": the time spent in the app.
fn duration(seconds: i64) -> String {
    let minutes = seconds / 60;
    if seconds <= 0 {
        return "None yet".to_owned();
    }
    match (minutes / 60, minutes % 60) {
        (0, 0) => "Under a minute".to_owned(),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// "Checkin 3 · Engagement 2".
fn listed(counts: &[NamedCount]) -> String {
    counts
        .iter()
        .map(|c| format!("{} {}", c.name.replace(['_', '-'], " "), c.count))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The usage part of "Your data".
#[component]
pub fn YourData() -> impl IntoView {
    let version = RwSignal::new(0_u64);
    let summary = LocalResource::new(move || {
        version.track();
        ipc::usage_summary()
    });
    let notice = RwSignal::new(None);
    let confirm = RwSignal::new(false);
    let share = move |enabled: bool| {
        spawn_local(async move {
            match ipc::set_analytics(enabled).await {
                Ok(_) => {
                    notice.set(Some(Ok(if enabled {
                        "Sharing daily counts is on."
                    } else {
                        "Sharing daily counts is off: nothing leaves this device."
                    }
                    .to_owned())));
                    version.update(|v| *v += 1);
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let delete = move |_| {
        confirm.set(false);
        spawn_local(async move {
            match ipc::delete_usage().await {
                Ok(_) => {
                    notice.set(Some(Ok(
                        "Your usage data on this device was deleted.".to_owned()
                    )));
                    version.update(|v| *v += 1);
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    view! {
        <h3>"How you use the app"</h3>
        <p class="muted small">{format!(
            "Recorded on this device over the last {USAGE_SUMMARY_DAYS} days. It stays here unless you turn on sharing."
        )}</p>
        <Loaded resource=summary id="usage" render=move |s: UsageSummary| view! {
            <dl class="stats" id="usage-summary">
                <dt>"Sessions"</dt><dd id="usage-sessions">{s.sessions}</dd>
                <dt>"Time in app"</dt><dd id="usage-time">{duration(s.seconds_in_app)}</dd>
                <dt>"Screens viewed"</dt><dd id="usage-screens">{s.screens_viewed}</dd>
                <dt>"Actions"</dt><dd id="usage-events">{s.events}</dd>
                {(!s.events_by_category.is_empty()).then(|| view! {
                    <dt>"By kind"</dt><dd id="usage-categories">{listed(&s.events_by_category)}</dd>
                })}
                {(!s.screens.is_empty()).then(|| view! {
                    <dt>"By screen"</dt><dd id="usage-by-screen">{listed(&s.screens)}</dd>
                })}
                <dt>"Last shared"</dt><dd id="usage-last-upload">{
                    s.last_upload.as_deref().map_or_else(
                        || "Never".to_owned(),
                        |t| t.get(..16).unwrap_or(t).replace('T', " "),
                    )
                }</dd>
            </dl>
            <div class="switch-row">
                <input type="checkbox" role="switch" id="usage-share" prop:checked=s.enabled
                    aria-describedby="usage-share-sentence"
                    on:change=move |ev| share(event_target_checked(&ev))/>
                <label for="usage-share">"Share daily counts"</label>
            </div>
            <p class="muted small" id="usage-share-sentence">{USAGE_SHARING_SENTENCE}</p>
        }/>
        <div class="actions">
            <button type="button" class="danger-outline" id="usage-delete"
                on:click=move |_| { confirm.set(true); reveal("usage-delete-confirm") }>"Delete my usage data…"</button>
        </div>
        <Show when=move || confirm.get()>
            <div class="confirm" role="alertdialog" aria-labelledby="usage-delete-text">
                <p id="usage-delete-text">"Delete every session, screen and action this device recorded? Your check-ins, goals and everything you share stay."</p>
                <button type="button" class="danger" id="usage-delete-confirm" on:click=delete>"Delete my usage data"</button>
                <button type="button" class="secondary" id="usage-delete-cancel" on:click=move |_| confirm.set(false)>"Cancel"</button>
            </div>
        </Show>
        <Notice id="usage-notice" message=notice/>
    }
}
