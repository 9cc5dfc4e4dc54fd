//! History: scores over the periods `together-core` offers (a year with Premium), the check-in
//! heat map, analytics and health score.

use leptos::prelude::*;
use together_core::view::{
    DEFAULT_HISTORY_DAYS, HISTORY_WINDOWS, HistoryView, health_score_explained,
    history_needs_premium,
};

use crate::charts::{HeatMap, ScoreChart};
use crate::context::Ctx;
use crate::ipc;
use crate::screens::Screen;
use crate::widgets::Loaded;

/// The History screen.
#[component]
pub fn HistoryScreen(premium: Signal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let days = RwSignal::new(DEFAULT_HISTORY_DAYS);
    // A locked period says why when picked, instead of a button that silently does nothing.
    let asked_locked = RwSignal::new(false);
    let history = LocalResource::new(move || {
        ctx.version.track();
        ipc::history(days.get())
    });
    view! {
        <section class="card" aria-labelledby="history-title">
            <h1 id="history-title">"History"</h1>
            <div class="segmented" role="group" aria-label="Period">
                {HISTORY_WINDOWS.into_iter().map(|d| {
                    let locked = move || history_needs_premium(d) && !premium.get();
                    view! {
                        <button type="button" id=format!("history-{d}") class:active=move || days.get() == d
                            aria-pressed=move || (days.get() == d).to_string()
                            data-locked=move || locked().then_some("true")
                            title=move || if locked() { "A full year comes with Premium" } else { "" }
                            on:click=move |_| if locked() { asked_locked.set(true) } else { asked_locked.set(false); days.set(d) }>
                            {move || if locked() { format!("{d} days ★") } else { format!("{d} days") }}
                        </button>
                    }
                }).collect_view()}
            </div>
            <Show when=move || asked_locked.get() && !premium.get()>
                <p class="locked-note" id="history-locked" role="status">
                    "A full year of history comes with Premium, for both of you."
                    <button type="button" class="secondary" id="history-see-premium"
                        on:click=move |_| ctx.screen.set(Screen::Premium)>"See Premium"</button>
                </p>
            </Show>
            <Loaded resource=history id="history" render=history_body/>
        </section>
    }
}

fn history_body(view: HistoryView) -> impl IntoView {
    let fmt = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.1}"));
    let summary = view.summary.clone().map(|s| view! {
        <dl class="stats" id="history-stats">
            <dt>"Health score"</dt><dd id="history-health">{fmt(s.overall_health_score)}</dd>
            <dt>"Streak"</dt><dd>{if s.checkin_streak == 1 { "1 day".to_owned() } else { format!("{} days", s.checkin_streak) }}</dd>
            <dt>"Connection (7 / 30 days)"</dt><dd>{format!("{} / {}", fmt(s.average_connection_7), fmt(s.average_connection_30))}</dd>
            <dt>"Satisfaction (7 / 30 days)"</dt><dd>{format!("{} / {}", fmt(s.average_satisfaction_7), fmt(s.average_satisfaction_30))}</dd>
            <dt>"Days together"</dt><dd id="history-days-together">{s.days_together}</dd>
            <dt>"Activities this month"</dt><dd>{s.activities_completed_this_month}</dd>
        </dl>
        <p class="muted small" id="history-health-explained">{health_score_explained()}</p>
    });
    view! {
        <p class="legend"><span class="key mine"></span>"You"<span class="key partner"></span>"Your partner"</p>
        <div class="grid three">
            <ScoreChart title="Connection" id="chart-connection" points=view.points.clone() pick=|s| s.connection/>
            <ScoreChart title="Mood" id="chart-mood" points=view.points.clone() pick=|s| s.mood/>
            <ScoreChart title="Satisfaction" id="chart-satisfaction" points=view.points.clone() pick=|s| s.satisfaction/>
        </div>
        <h2>"Check-ins"</h2>
        <HeatMap days=view.heat.clone()/>
        {summary}
    }
}
