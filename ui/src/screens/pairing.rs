//! The partner: create an account (pairing goes through a sync server), invite with an invite code
//! and a QR code (whose real state the screen follows: open, used, expired), or join with the
//! partner's invite code. Waiting never blocks using the app alone. Once together, "thinking of
//! you" is one tap away here too.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::{AccountForm, AppOverview, InviteView, LoginForm};
use together_core::wire::{InviteInfo, InviteState};

use crate::context::Ctx;
use crate::ipc;
use crate::screens::today::PingButton;
use crate::widgets::{Notice, clear_error};

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
    let password = RwSignal::new(String::new());
    let signup_code = RwSignal::new(String::new());
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        notice.set(Some(Ok("Connecting to the sync server…".to_owned())));
        let login = mode_login.get();
        let (server, email, password) = (server.get(), email.get(), password.get());
        let signup_code = signup_code.get();
        // The name is the profile's, given at onboarding: never asked twice.
        let name = String::new();
        let pending_code = ctx.pending_code.get_untracked();
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
                    signup_code,
                })
                .await
            };
            match result {
                Ok(()) => {
                    notice.set(Some(Ok(
                        "You’re signed in. Your data is end-to-end encrypted.".to_owned(),
                    )));
                    // Step two of "my partner invited me": the code typed first is used now.
                    if let Some(code) = pending_code {
                        notice.set(Some(Ok("Joining your partner…".to_owned())));
                        match ipc::join(&code).await {
                            Ok(()) => {
                                ctx.pending_code.set(None);
                                notice.set(Some(Ok("You’re together now.".to_owned())));
                            }
                            Err(message) => notice.set(Some(Err(message))),
                        }
                    }
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
            busy.set(false);
        });
    };
    view! {
        <form id="account-form" class="account" on:submit=submit on:input=move |_| clear_error(notice)>
            <h2>{move || if mode_login.get() { "Sign in" } else { "Create your account" }}</h2>
            <label for="account-server">"Sync server"</label>
            <input id="account-server" type="url" placeholder="https://sync.example.com" required
                prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev))/>
            <label for="account-email">"Email"</label>
            <input id="account-email" type="email" autocomplete="email" required
                prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            <label for="account-password">"Password"</label>
            <input id="account-password" type="password" required
                autocomplete=move || if mode_login.get() { "current-password" } else { "new-password" }
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            {move || (!mode_login.get()).then(|| view! {
                <label for="account-signup-code">"Sign-up code "<span class="muted small">"(only if your server asks for one)"</span></label>
                <input id="account-signup-code" type="text" autocomplete="off" spellcheck="false"
                    placeholder="From the server’s operator"
                    prop:value=move || signup_code.get() on:input=move |ev| signup_code.set(event_target_value(&ev))/>
            })}
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
    let status: RwSignal<Option<InviteInfo>> = RwSignal::new(None);
    let code = RwSignal::new(ctx.pending_code.get_untracked().unwrap_or_default());
    // The invite's real state, from the server: now, and every few seconds while this screen is
    // open, so the inviter sees the partner join or the code run out.
    let look = move || {
        spawn_local(async move {
            if let Ok(now) = ipc::invite_status().await {
                if now.as_ref().map(|i| i.state) == Some(InviteState::Used)
                    && status.get_untracked().map(|i| i.state) != Some(InviteState::Used)
                {
                    ctx.refresh();
                }
                status.set(now);
            }
        });
    };
    look();
    if let Ok(handle) = set_interval_with_handle(look, std::time::Duration::from_secs(5)) {
        on_cleanup(move || handle.clear());
    }
    let notice = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let make_invite = move |_| {
        busy.set(true);
        spawn_local(async move {
            match ipc::invite().await {
                Ok(view) => {
                    invite.set(Some(view));
                    notice.set(None);
                    look();
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
    let start_new = move |_| {
        busy.set(true);
        spawn_local(async move {
            match ipc::start_space().await {
                Ok(()) => {
                    notice.set(Some(Ok(
                        "Your new space is ready. Invite your partner whenever you like."
                            .to_owned(),
                    )));
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
            <h2>"Thinking of you"</h2>
            <PingButton id="partner-ping" partner=Signal::derive(move || partner.clone())/>
        }.into_any(),
        (false, _, _) => view! {
            <p id="partner-state" data-state="no-account">
                {if ctx.pending_code.get_untracked().is_some() {
                    "Step 2 of 2: create your account on your sync server (or sign in). Then your invite code brings your shared space to this device. Everything you write is encrypted on this device first."
                } else {
                    "To share with your partner, create an account on a sync server. Everything you write is encrypted on this device first."
                }}
            </p>
            <AccountForms default_server=default_server.clone()/>
        }.into_any(),
        (true, true, None) => view! {
            <p id="partner-state" data-state="waiting">
                "Invite your partner: they enter your invite code in their app (or scan it). Until then, everything works for you alone."
            </p>
            {move || {
                let current = status.get().map(|i| i.state);
                let shown = invite.get().filter(|_| current != Some(InviteState::Expired) && current != Some(InviteState::Used));
                let showing = shown.is_some();
                let label = match (current, showing) {
                    (Some(InviteState::Expired), _) => "Make a new invite code",
                    (_, true) => "Make another invite code",
                    _ => "Show an invite code",
                };
                view! {
                    {shown.map(|i| view! {
                        <div class="invite" id="invite">
                            <p class="code" id="invite-code">{i.code.clone()}</p>
                            <div class="qr" id="invite-qr" inner_html=i.qr_svg.clone()></div>
                            {current.is_none().then(|| view! {
                                <p class="muted small">{format!("Works once, until {}.", i.expires_at.get(..10).unwrap_or(&i.expires_at))}</p>
                            })}
                        </div>
                    })}
                    {status.get().map(|i| {
                        let (sentence, class) = invite_sentence(&i);
                        view! { <p id="invite-state" class=class data-state=i.state.as_str()>{sentence}</p> }
                    })}
                    <button type="button" id="invite-make" class=if showing { "secondary" } else { "" }
                        prop:disabled=move || busy.get() on:click=make_invite>{label}</button>
                }
            }}
        }.into_any(),
        (true, false, _) => view! {
            <p id="partner-state" data-state="joining">
                "You have no shared space right now. Enter the invite code your partner’s app shows, or start a new space of your own."
            </p>
            <form id="join-form" on:submit=join>
                <label for="join-code">"Invite code"</label>
                <input id="join-code" type="text" autocomplete="off" spellcheck="false" placeholder="7KQ4-WX2M-…"
                    prop:value=move || code.get() on:input=move |ev| { notice.set(None); code.set(event_target_value(&ev)) }/>
                <button type="submit" id="join-submit" prop:disabled=move || busy.get()>"Join"</button>
            </form>
            <p class="muted small">"Or start a space of your own, and invite your partner when you like."</p>
            <div class="actions">
                <button type="button" class="secondary" id="start-new-space" prop:disabled=move || busy.get() on:click=start_new>"Start a new space"</button>
            </div>
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

/// What the inviter reads about their newest invite code, and how it is styled.
fn invite_sentence(invite: &InviteInfo) -> (String, &'static str) {
    let day = |at: &str| at.get(..10).unwrap_or(at).to_owned();
    match invite.state {
        InviteState::Open => (
            format!(
                "Your invite code is waiting for your partner (it works once, until {}).",
                day(&invite.expires_at)
            ),
            "muted",
        ),
        InviteState::Used => (
            "Your partner joined with your invite code. Their name appears here as soon as their first changes arrive.".to_owned(),
            "success",
        ),
        InviteState::Expired => (
            "Your invite code ran out before your partner used it. Make a new one and give it to them.".to_owned(),
            "warning",
        ),
    }
}
