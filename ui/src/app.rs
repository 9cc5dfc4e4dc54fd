//! The root component: the frame (top bar with the sync indicator, the sections and the tabs of
//! the current section, see [`crate::screens`]) and the current screen. Screens refresh when
//! data changed (their own action, or the shell's `data-changed` for the partner's changes
//! arriving), without reloading the page: see [`crate::context`].

use leptos::prelude::*;
use together_core::view::{AppOverview, SyncState, SyncStatus, UsageScreen};

use crate::context::Ctx;
use crate::ipc;
use crate::screens::{self, Group, Screen};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::new(Screen::Today);
    let overview = LocalResource::new(move || {
        ctx.version.track();
        ipc::overview()
    });
    provide_context(ctx);
    ipc::listen("data-changed", move |_| ctx.refresh());
    ipc::listen("sync-status", move |payload| {
        if let Some(status) = ipc::sync_status(payload) {
            ctx.status.set(Some(status));
            // Pending changes and the account may have changed; the screens' data has not.
            overview.refetch();
        }
    });
    // Which frame to show changes rarely: the screens inside are built once and refresh their own
    // data, so a partner's change never resets a form being filled in.
    let stage = Memo::new(move |_| match overview.get() {
        None => Stage::Loading,
        Some(Err(message)) => Stage::Broken(message),
        Some(Ok(o)) if o.profile.is_none() => Stage::Onboarding,
        Some(Ok(_)) => Stage::Ready,
    });
    let current = Signal::derive(move || overview.get().and_then(Result::ok));
    // The shell records which screen is shown (usage kept on this device): one call per change.
    let shown = Memo::new(move |_| match stage.get() {
        Stage::Onboarding => Some(UsageScreen::Onboarding.as_str()),
        Stage::Ready => Some(ctx.screen.get().usage().as_str()),
        Stage::Loading | Stage::Broken(_) => None,
    });
    Effect::new(move |_| {
        if let Some(screen) = shown.get() {
            leptos::task::spawn_local(async move {
                let _ = ipc::usage_screen(screen).await;
            });
        }
    });
    view! {
        {move || match stage.get() {
            Stage::Loading => view! { <p class="muted center" id="app-loading">"Opening Better Together…"</p> }.into_any(),
            Stage::Broken(message) => view! {
                <main class="screen"><section class="card">
                    <h1>"Better Together cannot open your data"</h1>
                    <p class="error" id="app-error" role="alert">{message}</p>
                </section></main>
            }.into_any(),
            Stage::Onboarding => view! { <screens::onboarding::Onboarding overview=current/> }.into_any(),
            Stage::Ready => view! { <Frame overview=current/> }.into_any(),
        }}
    }
}

/// Which frame the app shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Loading,
    Broken(String),
    Onboarding,
    Ready,
}

/// Top bar, navigation and the current screen.
#[component]
fn Frame(overview: Signal<Option<AppOverview>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let unread = move || overview.get().map_or(0, |o| o.unread_notifications);
    let status = move || {
        let pending = overview.get().map_or(0, |o| o.sync.pending_changes);
        let mut status = ctx
            .status
            .get()
            .or_else(|| overview.get().map(|o| o.sync))
            .unwrap_or_else(|| SyncStatus::local_only(0));
        status.pending_changes = pending;
        status.quarantined = overview.get().map_or(0, |o| o.sync.quarantined);
        if overview.get().is_some_and(|o| o.account.is_none()) {
            status.state = SyncState::LocalOnly;
        }
        status
    };
    view! {
        <header class="topbar">
            <span class="brand" aria-hidden="true">"♥"</span>
            <span class="brand-name">"Better Together"</span>
            <SyncPill status=Signal::derive(status)/>
        </header>
        <nav class="sections" aria-label="Sections">
            {Group::ALL.iter().copied().map(|group| {
                // The Inbox's count sits in a badge whose space is always kept, so the sections
                // after it never shift when "(1)" appears.
                let badge = (group == Group::Inbox).then(|| view! {
                    <span class="tab-badge" id="nav-inbox-badge">
                        {move || match unread() { 0 => String::new(), n => format!("({n})") }}
                    </span>
                });
                let aria = move || match (group, unread()) {
                    (Group::Inbox, n) if n > 0 => Some(format!("{}, {n} unread", group.label())),
                    _ => None,
                };
                let here = move || ctx.screen.get().group() == group;
                view! {
                    <button
                        type="button"
                        id=format!("group-{}", group.slug())
                        class="section"
                        class:active=here
                        aria-current=move || here().then_some(if group.screens().len() == 1 { "page" } else { "true" })
                        aria-label=aria
                        on:click=move |_| {
                            if !here() {
                                ctx.screen.set(group.screens()[0]);
                            }
                        }
                    >
                        <span class="section-sign" aria-hidden="true">{group.sign()}</span>
                        <span class="section-label">{group.label()}{badge}</span>
                    </button>
                }
            }).collect_view()}
        </nav>
        <nav class="tabs" aria-label="Screens" hidden=move || ctx.screen.get().group().screens().len() < 2>
            {Group::ALL.iter().flat_map(|group| group.screens()).copied().map(|screen| {
                let group = screen.group();
                view! {
                    <button
                        type="button"
                        id=format!("nav-{}", screen.slug())
                        class="tab"
                        data-group=group.slug()
                        hidden=move || ctx.screen.get().group() != group
                        class:active=move || ctx.screen.get() == screen
                        aria-current=move || (ctx.screen.get() == screen).then_some("page")
                        on:click=move |_| ctx.screen.set(screen)
                    >
                        {screen.label()}
                    </button>
                }
            }).collect_view()}
        </nav>
        <main class="screen" id=move || format!("screen-{}", ctx.screen.get().slug())>
            {move || screens::show(ctx.screen.get(), overview)}
        </main>
    }
}

/// The sync indicator: where data goes and whether the partner's changes arrive.
#[component]
fn SyncPill(status: Signal<SyncStatus>) -> impl IntoView {
    let class = move || match status.get().state {
        SyncState::Live => "pill ok",
        SyncState::Offline => "pill warn",
        SyncState::NeedsAttention => "pill bad",
        SyncState::Connecting | SyncState::LocalOnly => "pill",
    };
    let text = move || {
        let status = status.get();
        if status.pending_changes > 0 && status.state != SyncState::LocalOnly {
            format!("{} · {} waiting", status.label(), status.pending_changes)
        } else {
            status.label().to_owned()
        }
    };
    view! {
        <span class=class id="sync-status" role="status" title=move || pill_title(&status.get())>
            {text}
        </span>
    }
}

/// The indicator's tooltip: what is wrong, and what was set aside.
fn pill_title(status: &SyncStatus) -> String {
    [
        status.message.clone(),
        together_core::view::set_aside_note(status.quarantined),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}
