//! The notification inbox: each item opens the screen it is about (and counts as read), a
//! settled one (what it asked is done) says so, and everything can be marked read at once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::NotificationView;

use crate::context::Ctx;
use crate::ipc;
use crate::screens::Screen;
use crate::widgets::{Loaded, Notice};

/// The screen a notification is about, by its kind; `None` when there is nothing to open.
fn screen_of(notification_type: &str) -> Option<Screen> {
    match notification_type {
        "partner_checkin" => Some(Screen::Today),
        "activity_planned" | "activity_rated" => Some(Screen::Activities),
        "goal_progress" | "goal_reached" => Some(Screen::Goals),
        "date_reminder" => Some(Screen::Dates),
        "achievement_earned" | "challenge_update" => Some(Screen::Challenges),
        "invitation" | "partner_joined" => Some(Screen::Partner),
        "billing" => Some(Screen::Premium),
        _ => None,
    }
}

/// The Inbox screen.
#[component]
pub fn InboxScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let list = LocalResource::new(move || {
        ctx.version.track();
        ipc::notifications()
    });
    let notice = RwSignal::new(None);
    let read_all = move |_| {
        spawn_local(async move {
            match ipc::mark_all_read().await {
                Ok(_) => {
                    notice.set(Some(Ok("Everything is marked read.".to_owned())));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="inbox-title">
            <h1 id="inbox-title">"Inbox"</h1>
            <Loaded resource=list id="inbox" render={move |items: Vec<NotificationView>| {
                let any_unread = items.iter().any(|n| !n.is_read);
                view! {
                    {any_unread.then(|| view! {
                        <div class="actions">
                            <button type="button" class="secondary" id="inbox-read-all" on:click=read_all>"Mark all read"</button>
                            <Notice id="inbox-notice" message=notice/>
                        </div>
                    })}
                    <ul class="list" id="inbox-list">
                        {if items.is_empty() { Some(view! { <li class="muted">"You’re all caught up."</li> }) } else { None }}
                        {items.into_iter().map(|n| view! { <Item n=n/> }).collect_view()}
                    </ul>
                }
            }}/>
        </section>
    }
}

/// One notification: what it says, a way to open what it is about, and "Mark read".
#[component]
fn Item(n: NotificationView) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let target = screen_of(&n.notification_type);
    let id = n.id.clone();
    let unread = !n.is_read;
    let mark = move |then: Option<Screen>| {
        let id = id.clone();
        spawn_local(async move {
            if unread {
                let _ = ipc::mark_read(&id).await;
            }
            if let Some(screen) = then {
                ctx.screen.set(screen);
            }
            ctx.refresh();
        });
    };
    let open = mark.clone();
    view! {
        <li class="row notification" class:unread=unread data-type=n.notification_type.clone()
            data-resolved=n.resolved.then_some("true")>
            <div class="row-main">
                <strong>{n.title.clone()}</strong>
                <span class="muted small">{format!(" {}", n.created_at.get(..10).unwrap_or(&n.created_at))}</span>
                <p>{n.message.clone()}</p>
                {n.resolved.then(|| view! { <p class="small done">"Done ✓"</p> })}
            </div>
            {target.map(|screen| view! {
                <button type="button" class="open" on:click=move |_| open(Some(screen))>
                    {format!("Open {}", screen.label())}
                </button>
            })}
            {unread.then(|| view! {
                <button type="button" class="secondary read" on:click=move |_| mark(None)>"Mark read"</button>
            })}
        </li>
    }
}
