//! The partner: create an account (pairing goes through a sync server), invite with a code and a QR
//! code, or join with the partner's code. Waiting never blocks using the app alone.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::profile::DisplayName;
use together_core::view::{AccountForm, AppOverview, InviteView, LoginForm};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::Notice;

/// Sign-up and sign-in forms.
#[component]
pub fn AccountForms(
    default_server: Option<String>,
    #[prop(default = false)] login_only: bool,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let mode_login = RwSignal::new(login_only);
    let server = RwSignal::new(default_server.unwrap_or_default());
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        notice.set(Some(Ok("Connecting to the sync server…".to_owned())));
        let login = mode_login.get();
        let (server, email, name, password) =
            (server.get(), email.get(), name.get(), password.get());
        spawn_local(async move {
            let result = if login {
                ipc::log_in(&LoginForm {
                    server,
                    email,
                    password,
                })
                .await
            } else {
                ipc::sign_up(&AccountForm {
                    server,
                    email,
                    name,
                    password,
                })
                .await
            };
            match result {
                Ok(()) => {
                    notice.set(Some(Ok(
                        "You’re signed in. Your data is end-to-end encrypted.".to_owned(),
                    )));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    view! {
        <form id="account-form" class="account" on:submit=submit>
            <h2>{move || if mode_login.get() { "Sign in" } else { "Create your account" }}</h2>
            <label for="account-server">"Sync server"</label>
            <input id="account-server" type="url" placeholder="https://sync.example.com" required
                prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev))/>
            <label for="account-email">"Email"</label>
            <input id="account-email" type="email" autocomplete="email" required
                prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            <Show when=move || !mode_login.get()>
                <label for="account-name">"Name"</label>
                <input id="account-name" type="text" maxlength=DisplayName::MAX_CHARS
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </Show>
            <label for="account-password">"Password"</label>
            <input id="account-password" type="password" required
                autocomplete=move || if mode_login.get() { "current-password" } else { "new-password" }
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            <p class="muted small">"Your password never leaves this device; the server only stores encrypted data."</p>
            <button type="submit" id="account-submit" prop:disabled=move || busy.get()>
                {move || if mode_login.get() { "Sign in" } else { "Create account" }}
            </button>
            {(!login_only).then(|| view! {
                <button type="button" class="link" id="account-switch" on:click=move |_| mode_login.update(|m| *m = !*m)>
                    {move || if mode_login.get() { "New here? Create an account" } else { "Already have an account? Sign in" }}
                </button>
            })}
            <Notice id="account-notice" message=notice/>
        </form>
    }
}

/// The Partner screen.
#[component]
pub fn PartnerScreen(overview: Signal<Option<AppOverview>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let invite: RwSignal<Option<InviteView>> = RwSignal::new(None);
    let code = RwSignal::new(String::new());
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let make_invite = move |_| {
        busy.set(true);
        spawn_local(async move {
            match ipc::invite().await {
                Ok(view) => {
                    invite.set(Some(view));
                    notice.set(None);
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        notice.set(Some(Ok("Joining…".to_owned())));
        let code = code.get();
        spawn_local(async move {
            match ipc::join(&code).await {
                Ok(()) => {
                    notice.set(Some(Ok("You’re together now.".to_owned())));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    // Only what decides the screen's state: other refreshes (sync status, pending changes) must
    // not rebuild the form someone is typing a code into.
    let state = Memo::new(move |_| {
        overview.get().map(|o| {
            (
                o.account.is_some(),
                o.relationship_id.is_some(),
                o.partner_name,
                o.default_server,
            )
        })
    });
    let body = move || {
        let Some((has_account, has_relationship, partner_name, default_server)) = state.get()
        else {
            return view! { <p class="muted">"Loading…"</p> }.into_any();
        };
        match (has_account, has_relationship, partner_name) {
            (_, true, Some(partner)) => view! {
            <p id="partner-state" data-state="paired">{format!("You and {partner} are together in Better Together.")}</p>
        }.into_any(),
        (false, _, _) => view! {
            <p id="partner-state" data-state="no-account">
                "To share with your partner, create an account on a sync server. Everything you write is encrypted on this device first."
            </p>
            <AccountForms default_server=default_server.clone()/>
        }.into_any(),
        (true, true, None) => view! {
            <p id="partner-state" data-state="waiting">
                "Invite your partner: they enter this code in their app. Until then, everything works for you alone."
            </p>
            <button type="button" id="invite-make" prop:disabled=move || busy.get() on:click=make_invite>"Show an invite code"</button>
            {move || invite.get().map(|i| view! {
                <div class="invite" id="invite">
                    <p class="code" id="invite-code">{i.code.clone()}</p>
                    <div class="qr" id="invite-qr" inner_html=i.qr_svg.clone()></div>
                    <p class="muted small">{format!("Works once, until {}.", i.expires_at.get(..10).unwrap_or(&i.expires_at))}</p>
                </div>
            })}
        }.into_any(),
        (true, false, _) => view! {
            <p id="partner-state" data-state="joining">"Enter the code your partner’s app shows."</p>
            <form id="join-form" on:submit=join>
                <label for="join-code">"Pairing code"</label>
                <input id="join-code" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <button type="submit" id="join-submit" prop:disabled=move || busy.get()>"Join"</button>
            </form>
        }.into_any(),
        }
    };
    view! {
        <section class="card" aria-labelledby="partner-title">
            <h1 id="partner-title">"Your partner"</h1>
            {body}
            <Notice id="partner-notice" message=notice/>
        </section>
    }
}
