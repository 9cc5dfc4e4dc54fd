//! First run: the person's profile, then either starting the couple's space (usable alone and
//! offline at once) or joining a partner: the invite code first (checked on the device), then the
//! account, after which the code is used at once; or signing in to an existing account. Starting
//! alone, the love-language quiz follows the profile (skippable).

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::LoveLanguage;
use together_core::profile::DisplayName;
use together_core::view::{AppOverview, ProfileForm};

use crate::context::Ctx;
use crate::ipc;
use crate::screens::Screen;
use crate::screens::pairing::AccountForms;
use crate::time_zone::TimeZonePicker;
use crate::widgets::{CharCount, Notice, clear_error, reveal};

/// The device's time zone, as the browser engine knows it.
pub fn device_time_zone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// The device's today, `YYYY-MM-DD` in its own time zone: the latest day a start date may be
/// (the shell checks it again in the person's zone).
pub fn device_today() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}

/// The profile fields, shared with Settings.
#[component]
pub fn ProfileFields(form: RwSignal<ProfileForm>) -> impl IntoView {
    let languages: Vec<&'static str> = LoveLanguage::ALL.iter().map(|l| l.as_str()).collect();
    let languages2 = languages.clone();
    view! {
        <label for="profile-name">"Your name"</label>
        <input id="profile-name" type="text" required autocomplete="given-name"
            prop:value=move || form.get().name
            on:input=move |ev| form.update(|f| f.name = event_target_value(&ev))/>
        <CharCount id="profile-name-count" max=DisplayName::MAX_CHARS text=Signal::derive(move || form.get().name)/>
        <label for="profile-timezone">"Time zone"</label>
        <TimeZonePicker id="profile-timezone"
            value=Signal::derive(move || form.with(|f| f.timezone.clone()))
            on_pick=Callback::new(move |zone| form.update(|f| f.timezone = zone))/>
        <label for="profile-love1">"Your love language"</label>
        <select id="profile-love1"
            prop:value=move || form.get().love_language_primary
            on:change=move |ev| form.update(|f| f.love_language_primary = event_target_value(&ev))>
            <option value="">"Not sure yet"</option>
            {crate::widgets::word_options(&languages)}
        </select>
        <label for="profile-love2">"A second one (optional)"</label>
        <select id="profile-love2"
            prop:value=move || form.get().love_language_secondary
            on:change=move |ev| form.update(|f| f.love_language_secondary = event_target_value(&ev))>
            <option value="">"None"</option>
            {crate::widgets::word_options(&languages2)}
        </select>
    }
}

/// The onboarding screen.
#[component]
pub fn Onboarding(overview: Signal<Option<AppOverview>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let form = RwSignal::new(ProfileForm {
        timezone: device_time_zone(),
        ..ProfileForm::default()
    });
    let start_date = RwSignal::new(String::new());
    let notice = RwSignal::new(None);
    let signing_in = RwSignal::new(false);
    let joining = RwSignal::new(false);
    let code_notice = RwSignal::new(None);
    let code = RwSignal::new(String::new());
    // "My partner invited me": the code is checked here (typos, look-alikes) before the profile is
    // saved and the person goes on to step two, their account.
    let continue_with_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (typed, profile) = (code.get(), form.get());
        spawn_local(async move {
            if let Err(message) = ipc::check_invite_code(&typed).await {
                code_notice.set(Some(Err(message)));
                reveal("onboarding-code-notice");
                return;
            }
            match ipc::save_profile(&profile, false, "").await {
                Ok(_) => {
                    ctx.pending_code.set(Some(typed.trim().to_owned()));
                    ctx.screen.set(Screen::Partner);
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let save = move |start_space: bool| {
        let (form, start) = (form.get(), start_date.get());
        spawn_local(async move {
            match ipc::save_profile(&form, start_space, &start).await {
                Ok(_) => {
                    // Starting alone, the love-language quiz comes next (skippable); joining,
                    // the account comes next.
                    ctx.after_quiz.set(Screen::Today);
                    ctx.screen.set(if start_space {
                        Screen::LoveQuiz
                    } else {
                        Screen::Partner
                    });
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let default_server = overview.get_untracked().and_then(|o| o.default_server);
    view! {
        <header class="topbar">
            <span class="brand" aria-hidden="true">"♥"</span>
            <span class="brand-name">"Better Together"</span>
        </header>
        <main class="screen" id="screen-onboarding">
            <section class="card onboarding" aria-labelledby="onboarding-title">
                <h1 id="onboarding-title">"Welcome"</h1>
                <p class="headline" id="today-headline">"Set up your profile to get started."</p>
                {move || if signing_in.get() {
                    view! {
                        <p>"Sign in to bring your couple’s space to this device."</p>
                        <AccountForms default_server=default_server.clone() login_only=true/>
                        <button type="button" class="link" on:click=move |_| signing_in.set(false)>"Back"</button>
                    }.into_any()
                } else {
                    view! {
                        // No browser check (`novalidate`): a day past the picker's `max` gets the shell's
                        // sentence rather than a bubble that says nothing of why.
                        <form id="profile-form" novalidate=true on:input=move |_| clear_error(notice) on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(true) }>
                            <ProfileFields form=form/>
                            <Show when=move || !joining.get()>
                                <label for="profile-start-date">"When did you get together? (optional)"</label>
                                <input id="profile-start-date" type="date" max=device_today()
                                    prop:value=move || start_date.get()
                                    on:input=move |ev| { notice.set(None); start_date.set(event_target_value(&ev)) }/>
                                <p class="muted small">"History counts your days together from it; you can change it later in Settings."</p>
                                <div class="actions">
                                    <button type="submit" id="start-space">"Start our space"</button>
                                    <button type="button" class="secondary" id="have-code"
                                        on:click=move |_| { notice.set(None); joining.set(true); reveal("code-form") }>
                                        "My partner invited me"
                                    </button>
                                </div>
                                <p class="muted small">"Everything works on this device right away, even offline. Invite your partner whenever you like."</p>
                            </Show>
                        </form>
                        <Show when=move || joining.get()>
                            <form id="code-form" class="steps" on:submit=continue_with_code>
                                <h2>"Join your partner"</h2>
                                <ol class="small">
                                    <li>"Enter the invite code your partner’s app shows."</li>
                                    <li>"Create your account (or sign in), and the code brings your shared space to this device."</li>
                                </ol>
                                <label for="onboarding-code">"Invite code"</label>
                                <input id="onboarding-code" type="text" autocomplete="off" spellcheck="false"
                                    autocapitalize="characters" placeholder="7KQ4-WX2M-…"
                                    prop:value=move || code.get()
                                    on:input=move |ev| { code_notice.set(None); code.set(event_target_value(&ev)) }/>
                                <Notice id="onboarding-code-notice" message=code_notice/>
                                <div class="actions">
                                    <button type="submit" id="code-continue">"Continue"</button>
                                    <button type="button" class="link" on:click=move |_| joining.set(false)>"Back"</button>
                                </div>
                            </form>
                        </Show>
                        <button type="button" class="link" id="go-sign-in" on:click=move |_| signing_in.set(true)>
                            "I already have an account"
                        </button>
                    }.into_any()
                }}
                <Notice id="onboarding-notice" message=notice/>
            </section>
        </main>
    }
}
