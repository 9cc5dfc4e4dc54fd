//! Shared goals: add one, step it forward with +1 (both partners' steps add up) or back with
//! Undo, progress bars.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::GoalType;
use together_core::view::{GoalForm, GoalView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{CharCount, Loaded, Notice, clear_error, word_options};

/// The Goals screen.
#[component]
pub fn GoalsScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let list = LocalResource::new(move || {
        ctx.version.track();
        ipc::goals()
    });
    let form = RwSignal::new(GoalForm {
        goal_type: "habit".into(),
        target_count: 10,
        ..GoalForm::default()
    });
    let notice = RwSignal::new(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get();
        spawn_local(async move {
            match ipc::add_goal(&f).await {
                Ok(_) => {
                    notice.set(Some(Ok("Goal added.".to_owned())));
                    form.update(|f| f.name.clear());
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let types: Vec<&'static str> = GoalType::ALL.iter().map(|t| t.as_str()).collect();
    view! {
        <section class="card" aria-labelledby="goals-title">
            <h1 id="goals-title">"Goals"</h1>
            <form id="goal-form" class="inline" on:submit=submit on:input=move |_| clear_error(notice)>
                <label for="goal-name">"Goal"</label>
                <input id="goal-name" type="text" required
                    prop:value=move || form.get().name on:input=move |ev| form.update(|f| f.name = event_target_value(&ev))/>
                <CharCount id="goal-name-count" max=GoalForm::NAME_MAX_CHARS text=Signal::derive(move || form.get().name)/>
                <label for="goal-type">"Kind"</label>
                <select id="goal-type" prop:value=move || form.get().goal_type
                    on:change=move |ev| form.update(|f| f.goal_type = event_target_value(&ev))>
                    {word_options(&types)}
                </select>
                <label for="goal-target">"How many times"</label>
                <input id="goal-target" type="number" min="1" max=GoalForm::TARGET_MAX
                    prop:value=move || form.get().target_count.to_string()
                    on:input=move |ev| form.update(|f| f.target_count = event_target_value(&ev).parse().unwrap_or(0))/>
                <button type="submit" id="goal-add">"Add goal"</button>
            </form>
            <Notice id="goal-notice" message=notice/>
            <Loaded resource=list id="goals" render={|items: Vec<GoalView>| view! {
                <ul class="list" id="goal-list">
                    {if items.is_empty() { Some(view! { <li class="muted">"No goals yet."</li> }) } else { None }}
                    {items.into_iter().map(|g| view! { <GoalRow goal=g/> }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}

#[component]
fn GoalRow(goal: GoalView) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let notice = RwSignal::new(None);
    let id = StoredValue::new(goal.id.clone());
    let step = move |by: i64| {
        let id = id.get_value();
        spawn_local(async move {
            match ipc::progress_goal(&id, by).await {
                Ok(_) => {
                    notice.set(None);
                    ctx.refresh()
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let reached = goal.current_progress >= goal.target_count;
    let can_undo = goal.current_progress > 0;
    let percent = goal.percent();
    view! {
        <li class="row goal" data-name=goal.name.clone()>
            <div class="row-main">
                <strong>{goal.name.clone()}</strong>
                {reached.then(|| view! { <span class="tag reached">"reached"</span> })}
                <span class="progress-text">{format!(" {}/{}", goal.current_progress, goal.target_count)}</span>
                <div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                    <span style=format!("width: {percent}%")></span>
                </div>
            </div>
            <div class="goal-actions">
                <button type="button" class="secondary undo" aria-label=format!("Take one step back on {}", goal.name)
                    title="Undo the last step" prop:disabled=!can_undo on:click=move |_| step(-1)>"Undo"</button>
                <button type="button" class="plus" aria-label=format!("Add one to {}", goal.name)
                    prop:disabled=reached on:click=move |_| step(1)>"+1"</button>
            </div>
            <Notice id=format!("goal-{}-notice", goal.id) message=notice/>
        </li>
    }
}
