//! Premium: the plans the sync server sells, the couple's access (honoured offline from the signed
//! entitlement), and buying through Stripe Checkout in the browser.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::{FREE_STAYS, PREMIUM_UNLOCKS, PremiumView};
use together_core::wire::billing::DISCOUNT_CODE_LENGTH;

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{Loaded, Notice};

/// The Premium screen.
#[component]
pub fn PremiumScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let premium = LocalResource::new(move || {
        ctx.version.track();
        ipc::premium()
    });
    let notice = RwSignal::new(None);
    let code = RwSignal::new(String::new());
    let check_again = move |_| {
        notice.set(Some(Ok("Checking…".to_owned())));
        spawn_local(async move {
            match ipc::refresh_premium().await {
                Ok(view) if view.level.is_premium() => {
                    notice.set(Some(Ok("Premium is on. Thank you!".to_owned())))
                }
                Ok(view) => notice.set(Some(Ok(view
                    .note
                    .unwrap_or_else(|| "No Premium yet.".to_owned())))),
                Err(message) => notice.set(Some(Err(message))),
            }
            ctx.refresh();
        });
    };
    let body = move |view: PremiumView| {
        let status = if !view.level.is_premium() {
            "You’re on the free plan: everything you use today stays free.".to_owned()
        } else {
            format!(
                "You have Premium{} until {}.",
                if view.is_gift { " (a gift)" } else { "" },
                view.entitled_until
                    .as_deref()
                    .and_then(|t| t.get(..10))
                    .unwrap_or("further notice")
            )
        };
        let can_buy = view.can_buy && !view.level.is_premium();
        view! {
            <p id="premium-status" data-level=view.level.as_str()>{status}</p>
            {view.note.clone().map(|n| view! { <p class="muted" id="premium-note">{n}</p> })}
            {view.plans.is_empty().then(|| view! { <p class="muted" id="premium-no-plans">"Your sync server does not offer plans."</p> })}
            <ul class="plans" id="plan-list">
                {view.plans.into_iter().map(|p| {
                    let id = p.id.clone();
                    let buy = move |_| {
                        let id = id.clone();
                        notice.set(Some(Ok("Opening Stripe Checkout…".to_owned())));
                        spawn_local(async move {
                            match ipc::buy_premium(&id, &code.get_untracked()).await {
                                Ok(_) => notice.set(Some(Ok("Finish paying in your browser; Premium appears here as soon as Stripe confirms.".to_owned()))),
                                Err(message) => notice.set(Some(Err(message))),
                            }
                        });
                    };
                    view! {
                        <li class="plan">
                            <h2>{p.name.clone()}</h2>
                            <p class="price">{p.price_label()}</p>
                            <ul>{p.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}</ul>
                            {can_buy.then(|| view! { <button type="button" class="buy" on:click=buy.clone()>"Choose"</button> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {can_buy.then(|| view! {
                <label for="premium-code">"Discount code (optional)"</label>
                <input id="premium-code" type="text" autocomplete="off"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <crate::widgets::CharCount id="premium-code-count" max=*DISCOUNT_CODE_LENGTH.end() text=code/>
            })}
            {(!view.can_buy && !view.level.is_premium()).then(|| view! {
                <p class="muted" id="premium-sign-in">"Create an account (Partner screen) to buy Premium for both of you."</p>
            })}
        }
    };
    view! {
        <section class="card" aria-labelledby="premium-title">
            <h1 id="premium-title">"Premium"</h1>
            <h2 id="premium-gets-title">"What Premium adds"</h2>
            <ul class="unlocks" id="premium-unlocks" aria-labelledby="premium-gets-title">
                {PREMIUM_UNLOCKS.iter().map(|u| view! { <li>{*u}</li> }).collect_view()}
            </ul>
            <p class="muted small" id="premium-free">{FREE_STAYS}</p>
            <Loaded resource=premium id="premium" render=body/>
            <div class="actions">
                <button type="button" class="secondary" id="premium-check" on:click=check_again>"Check again"</button>
            </div>
            <Notice id="premium-notice" message=notice/>
        </section>
    }
}
