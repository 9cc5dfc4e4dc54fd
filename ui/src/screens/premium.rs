//! Premium: the plans the sync server offers and, honestly, whether buying is possible yet.

use leptos::prelude::*;
use together_core::view::PlanView;

use crate::ipc;
use crate::widgets::Loaded;

/// The Premium screen.
#[component]
pub fn PremiumScreen() -> impl IntoView {
    let plans = LocalResource::new(ipc::plans);
    view! {
        <section class="card" aria-labelledby="premium-title">
            <h1 id="premium-title">"Premium"</h1>
            <p>"One subscription covers both of you. Everything you already use stays free."</p>
            <Loaded resource=plans id="premium" render={|plans: Vec<PlanView>| view! {
                {if plans.is_empty() {
                    Some(view! { <p class="muted" id="premium-no-plans">"Your sync server does not offer plans yet."</p> })
                } else { None }}
                <ul class="plans" id="plan-list">
                    {plans.into_iter().map(|p| view! {
                        <li class="plan">
                            <h2>{p.name.clone()}</h2>
                            <p class="price">{p.price_label()}</p>
                            <ul>{p.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}</ul>
                        </li>
                    }).collect_view()}
                </ul>
            }}/>
            <p class="notice" id="premium-unavailable">"Purchasing is not available in this version yet: nothing will be charged."</p>
        </section>
    }
}
