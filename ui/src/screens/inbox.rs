//! The notification inbox.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::NotificationView;

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::Loaded;

/// The Inbox screen.
#[component]
pub fn InboxScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let list = LocalResource::new(move || {
        ctx.version.track();
        ipc::notifications()
    });
    view! {
        <section class="card" aria-labelledby="inbox-title">
            <h1 id="inbox-title">"Inbox"</h1>
            <Loaded resource=list id="inbox" render={move |items: Vec<NotificationView>| view! {
                <ul class="list" id="inbox-list">
                    {if items.is_empty() { Some(view! { <li class="muted">"You’re all caught up."</li> }) } else { None }}
                    {items.into_iter().map(|n| {
                        let id = n.id.clone();
                        let read = move |_| {
                            let id = id.clone();
                            spawn_local(async move {
                                if ipc::mark_read(&id).await.is_ok() { ctx.refresh() }
                            });
                        };
                        view! {
                            <li class="row notification" class:unread=!n.is_read>
                                <div class="row-main">
                                    <strong>{n.title.clone()}</strong>
                                    <span class="muted small">{format!(" {}", n.created_at.get(..10).unwrap_or(&n.created_at))}</span>
                                    <p>{n.message.clone()}</p>
                                </div>
                                {(!n.is_read).then(|| view! { <button type="button" class="secondary" on:click=read>"Mark read"</button> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}
