//! Settings: profile (and the love-language quiz), sync (server, status, pending changes), devices,
//! theme, "Your data" (export, usage recorded on the device, sharing counts), unpair, sign out
//! and account deletion.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::{AppOverview, ProfileForm, RelationshipDatesForm};
use together_core::wire::DeviceInfo;

use crate::context::Ctx;
use crate::ipc;
use crate::screens::Screen;
use crate::screens::onboarding::{ProfileFields, device_today};
use crate::screens::pairing::AccountForms;
use crate::widgets::{Notice, clear_error, reveal};

/// The Settings screen.
#[component]
pub fn SettingsScreen(overview: Signal<Option<AppOverview>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let profile = overview
        .get_untracked()
        .and_then(|o| o.profile)
        .unwrap_or_else(|| together_core::view::ProfileSummary {
            user_id: String::new(),
            name: String::new(),
            timezone: "UTC".into(),
            love_language_primary: None,
            love_language_secondary: None,
        });
    let form = RwSignal::new(ProfileForm {
        name: profile.name,
        timezone: profile.timezone,
        love_language_primary: profile.love_language_primary.unwrap_or_default(),
        love_language_secondary: profile.love_language_secondary.unwrap_or_default(),
        ..ProfileForm::default()
    });
    let notice = RwSignal::new(None);
    let save_profile = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get();
        spawn_local(async move {
            match ipc::save_profile(&f, false, "").await {
                Ok(_) => {
                    notice.set(Some(Ok("Profile saved.".to_owned())));
                    ctx.refresh()
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    // Each action's feedback sits beside its own button.
    let sync_notice = RwSignal::new(None);
    let export_notice = RwSignal::new(None);
    let unpair_notice = RwSignal::new(None);
    let account_notice = RwSignal::new(None);
    let act = move |what: &'static str| {
        let notice = match what {
            "sync" => sync_notice,
            "export" => export_notice,
            "unpair" => unpair_notice,
            _ => account_notice,
        };
        notice.set(Some(Ok("Working…".to_owned())));
        spawn_local(async move {
            let result = match what {
                "sync" => ipc::sync_now().await.map(|()| "Syncing now.".to_owned()),
                "export" => ipc::export_data()
                    .await
                    .map(|folder| format!("Exported to {folder}")),
                "unpair" => ipc::unpair().await,
                "sign-out" => ipc::sign_out()
                    .await
                    .map(|()| "Signed out. Your data stays on this device.".to_owned()),
                "delete" => ipc::delete_account()
                    .await
                    .map(|()| "Your account was deleted. This device keeps its copy.".to_owned()),
                _ => Ok(String::new()),
            };
            notice.set(Some(result));
            ctx.refresh();
        });
    };
    let confirm_delete = RwSignal::new(false);
    let confirm_unpair = RwSignal::new(false);
    let live_status = move || {
        ctx.status
            .get()
            .or_else(|| overview.get().map(|o| o.sync))
            .unwrap_or_else(|| together_core::view::SyncStatus::local_only(0))
    };
    let account = move || overview.get().and_then(|o| o.account);
    // Sections with forms are rebuilt only when what they show changes, not on every refresh.
    let signed_in = Memo::new(move |_| overview.get().is_some_and(|o| o.account.is_some()));
    let paired = Memo::new(move |_| overview.get().is_some_and(|o| o.partner_name.is_some()));
    let has_relationship =
        Memo::new(move |_| overview.get().is_some_and(|o| o.relationship_id.is_some()));
    let pending = move || overview.get().map_or(0, |o| o.sync.pending_changes);
    let quarantined = move || overview.get().map_or(0, |o| o.sync.quarantined);
    view! {
        <section class="card" aria-labelledby="settings-title">
            <h1 id="settings-title">"Settings"</h1>
            <h2>"Profile"</h2>
            <form id="settings-profile" on:submit=save_profile on:input=move |_| clear_error(notice)>
                <ProfileFields form=form/>
                <div class="actions">
                    <button type="submit" id="settings-profile-save">"Save profile"</button>
                    <Notice id="settings-notice" message=notice/>
                </div>
            </form>
            {move || has_relationship.get().then(|| view! { <RelationshipDates/> })}
            <p class="small">
                <button type="button" class="link" id="settings-love-quiz"
                    on:click=move |_| { ctx.after_quiz.set(Screen::Settings); ctx.screen.set(Screen::LoveQuiz) }>
                    "Not sure of your love language? Take the quiz (30 quick choices)"
                </button>
            </p>
            <h2>"Sync"</h2>
            <dl class="stats" id="settings-sync">
                <dt>"Server"</dt><dd id="settings-server">{move || account().map(|a| a.server).unwrap_or_else(|| "Not connected: everything stays on this device".to_owned())}</dd>
                <dt>"Account"</dt><dd>{move || account().map(|a| a.email).unwrap_or_else(|| "–".to_owned())}</dd>
                <dt>"Status"</dt><dd id="settings-status">{move || if account().is_some() { live_status().label() } else { "On this device" }}</dd>
                <dt>"Last sync"</dt><dd>{move || live_status().last_sync_at.map(|t| t.replace('T', " ").chars().take(19).collect::<String>()).unwrap_or_else(|| "–".to_owned())}</dd>
                // Before an account nothing waits for anything: the count would only worry.
                {move || account().is_some().then(|| view! {
                    <dt>"Changes waiting"</dt><dd id="settings-pending">{pending}</dd>
                })}
                {move || together_core::view::set_aside_note(quarantined()).map(|note| view! {
                    <dt>"Set aside"</dt><dd id="settings-quarantined">{note}</dd>
                })}
                {move || live_status().message.map(|message| view! {
                    <dt>"Note"</dt><dd id="settings-sync-message">{message}</dd>
                })}
            </dl>
            {move || if signed_in.get() {
                view! {
                    <div class="actions">
                        <button type="button" class="secondary" id="sync-now" on:click=move |_| act("sync")>"Sync now"</button>
                        <Notice id="sync-notice" message=sync_notice/>
                    </div>
                    <Devices/>
                }.into_any()
            } else {
                view! { <AccountForms default_server=overview.get_untracked().and_then(|o| o.default_server)/> }.into_any()
            }}
            <h2>"Appearance"</h2>
            <ThemeSwitch/>
            <h2>"Your data"</h2>
            <div class="actions">
                <button type="button" class="secondary" id="export" on:click=move |_| act("export")>"Export (JSON and documents)"</button>
                <Notice id="export-notice" message=export_notice/>
            </div>
            <crate::screens::your_data::YourData/>
            {move || signed_in.get().then(|| view! {
                {paired.get().then(|| view! {
                    <h2>"Your shared space"</h2>
                    <p class="muted small">"Ending it ends it for both of you: neither can add to it any more, each keeps a read-only copy, and each can start a new space or join another."</p>
                    <div class="actions">
                        <button type="button" class="danger-outline" id="unpair" on:click=move |_| { confirm_unpair.set(true); reveal("unpair-confirm") }>"End our shared space…"</button>
                    </div>
                    <Show when=move || confirm_unpair.get()>
                        <div class="confirm" role="alertdialog" aria-labelledby="confirm-unpair-text">
                            <p id="confirm-unpair-text">{move || format!(
                                "End your shared space with {}? It ends for both of you, and cannot be undone.",
                                overview.get().and_then(|o| o.partner_name).unwrap_or_else(|| "your partner".to_owned())
                            )}</p>
                            <button type="button" class="danger" id="unpair-confirm" on:click=move |_| { confirm_unpair.set(false); act("unpair") }>"End it for both of us"</button>
                            <button type="button" class="secondary" id="unpair-cancel" on:click=move |_| confirm_unpair.set(false)>"Cancel"</button>
                        </div>
                    </Show>
                })}
                // Beside where the button was: once the space ended, its section is gone.
                <Notice id="unpair-notice" message=unpair_notice/>
                <h2>"Account"</h2>
                <div class="actions">
                    <button type="button" class="secondary" id="sign-out" on:click=move |_| act("sign-out")>"Sign out"</button>
                    <button type="button" class="danger" id="delete-account" on:click=move |_| { confirm_delete.set(true); reveal("delete-confirm") }>"Delete account…"</button>
                </div>
                <Show when=move || confirm_delete.get()>
                    <div class="confirm" role="alertdialog" aria-labelledby="confirm-delete-text">
                        <p id="confirm-delete-text">{move || if paired.get() {
                            "Delete your account on the server? Your partner keeps your shared space; this device keeps its copy."
                        } else {
                            "Delete your account on the server? Everything stays readable on this device."
                        }}</p>
                        <button type="button" class="danger" id="delete-confirm" on:click=move |_| { confirm_delete.set(false); act("delete") }>"Delete my account"</button>
                        <button type="button" class="secondary" on:click=move |_| confirm_delete.set(false)>"Cancel"</button>
                    </div>
                </Show>
            })}
            // Signing out or deleting removes the account section: the result shows where it was.
            <Notice id="account-action-notice" message=account_notice/>
        </section>
    }
}

/// When the couple got together and their anniversary: either partner edits them, and the
/// change reaches the other like any shared field.
#[component]
fn RelationshipDates() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let form = RwSignal::new(RelationshipDatesForm::default());
    let editing = RwSignal::new(false);
    let notice = RwSignal::new(None);
    // Follows the store (the partner's edits arrive live) except while the person edits.
    let loaded = LocalResource::new(move || {
        ctx.version.track();
        ipc::relationship_dates()
    });
    Effect::new(move |_| {
        if let Some(Ok(Some(dates))) = loaded.get()
            && !editing.get_untracked()
        {
            form.set(dates);
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get();
        spawn_local(async move {
            match ipc::save_relationship_dates(&f).await {
                Ok(saved) => {
                    editing.set(false);
                    form.set(saved);
                    notice.set(Some(Ok("Dates saved.".to_owned())));
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    view! {
        <h2>"Your relationship"</h2>
        <form id="settings-relationship" novalidate=true on:submit=save>
            <label for="settings-start-date">"Together since"</label>
            <input id="settings-start-date" type="date" max=device_today()
                prop:value=move || form.get().start_date
                on:input=move |ev| { editing.set(true); form.update(|f| f.start_date = event_target_value(&ev)) }/>
            <label for="settings-anniversary">"Anniversary"</label>
            <input id="settings-anniversary" type="date"
                prop:value=move || form.get().anniversary_date
                on:input=move |ev| { editing.set(true); form.update(|f| f.anniversary_date = event_target_value(&ev)) }/>
            <p class="muted small">"Either of you can change these; History counts your days together from the first."</p>
            <button type="submit" id="settings-relationship-save">"Save dates"</button>
        </form>
        <Notice id="settings-relationship-notice" message=notice/>
    }
}

/// The account's devices, with a way to sign one out.
#[component]
fn Devices() -> impl IntoView {
    let version = RwSignal::new(0_u64);
    let devices = LocalResource::new(move || {
        version.track();
        ipc::devices()
    });
    view! {
        <h2>"Devices"</h2>
        <crate::widgets::Loaded resource=devices id="devices" render={move |list: Vec<DeviceInfo>| view! {
            <ul class="list" id="device-list">
                {list.into_iter().map(|d| {
                    let id = d.device_id.clone();
                    let revoke = move |_| {
                        let id = id.clone();
                        spawn_local(async move {
                            if ipc::revoke_device(&id).await.is_ok() { version.update(|v| *v += 1) }
                        });
                    };
                    view! {
                        <li class="row">
                            <div class="row-main"><strong>{d.name.clone()}</strong>
                                <span class="muted small">{format!(" last seen {}", d.last_seen_at.get(..16).unwrap_or(&d.last_seen_at).replace('T', " "))}</span></div>
                            {if d.current { view! { <span class="tag">"this device"</span> }.into_any() }
                             else { view! { <button type="button" class="secondary" on:click=revoke>"Sign out"</button> }.into_any() }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }}/>
    }
}

/// Light, dark, or the system's choice; remembered on this device.
#[component]
fn ThemeSwitch() -> impl IntoView {
    let storage = web_sys_storage();
    let current = RwSignal::new(
        storage
            .as_ref()
            .and_then(|s| s.get_item("theme").ok().flatten())
            .unwrap_or_else(|| "system".into()),
    );
    let set = move |theme: &'static str| {
        current.set(theme.to_owned());
        apply_theme(theme);
        if let Some(storage) = web_sys_storage() {
            let _ = storage.set_item("theme", theme);
        }
    };
    view! {
        <div class="segmented" role="group" aria-label="Theme">
            {["system", "light", "dark"].into_iter().map(|t| view! {
                <button type="button" id=format!("theme-{t}") class:active=move || current.get() == t
                    aria-pressed=move || (current.get() == t).to_string() on:click=move |_| set(t)>{t}</button>
            }).collect_view()}
        </div>
    }
}

fn web_sys_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Sets `data-theme` on the document (the stylesheet follows the system otherwise).
pub fn apply_theme(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        if theme == "system" {
            let _ = root.remove_attribute("data-theme");
        } else {
            let _ = root.set_attribute("data-theme", theme);
        }
    }
}

/// Applies the remembered theme at start.
pub fn restore_theme() {
    if let Some(theme) = web_sys_storage().and_then(|s| s.get_item("theme").ok().flatten()) {
        apply_theme(&theme);
    }
}
