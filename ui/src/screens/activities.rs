//! Activities: plan one, mark it done, each partner rates it; edit or delete one (deleting asks
//! first).

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::domain::{ActivityType, Rating};
use together_core::view::{ActivityForm, ActivityView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{CharCount, Loaded, Notice, RowActions, clear_error, reveal, word_options};

/// The Activities screen.
#[component]
pub fn ActivitiesScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let list = LocalResource::new(move || {
        ctx.version.track();
        ipc::activities()
    });
    let form = RwSignal::new(ActivityForm {
        activity_type: "date_night".into(),
        ..ActivityForm::default()
    });
    let notice = RwSignal::new(None);
    let date_field = NodeRef::<leptos::html::Input>::new();
    // The activity being edited in the form, if any; otherwise the form plans a new one.
    let editing = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get();
        // The day the field shows, whichever event the calendar pop-up fired (or did not).
        if let Some(field) = date_field.get_untracked() {
            f.planned_date = field.value();
        }
        spawn_local(async move {
            let (result, done) = match editing.get_untracked() {
                Some(id) => (ipc::edit_activity(&id, &f).await, "saved"),
                None => (ipc::plan_activity(&f).await, "planned"),
            };
            match result {
                Ok(_) => {
                    notice.set(Some(Ok(format!("“{}” {done}.", f.name.trim()))));
                    editing.set(None);
                    form.update(|f| {
                        f.name.clear();
                        f.planned_date.clear();
                    });
                    ctx.refresh();
                }
                Err(message) => notice.set(Some(Err(message))),
            }
        });
    };
    let cancel = move |_| {
        editing.set(None);
        form.update(|f| {
            f.name.clear();
            f.planned_date.clear();
        });
    };
    let types: Vec<&'static str> = ActivityType::ALL.iter().map(|t| t.as_str()).collect();
    view! {
        <section class="card" aria-labelledby="activities-title">
            <h1 id="activities-title">"Activities"</h1>
            <form id="activity-form" class="inline" on:submit=submit on:input=move |_| clear_error(notice)>
                <label for="activity-name">"What shall we do?"</label>
                <input id="activity-name" type="text" required
                    prop:value=move || form.get().name on:input=move |ev| form.update(|f| f.name = event_target_value(&ev))/>
                <CharCount id="activity-name-count" max=ActivityForm::NAME_MAX_CHARS text=Signal::derive(move || form.get().name)/>
                <label for="activity-type">"Kind"</label>
                <select id="activity-type" prop:value=move || form.get().activity_type
                    on:change=move |ev| form.update(|f| f.activity_type = event_target_value(&ev))>
                    {word_options(&types)}
                </select>
                <label for="activity-date">"When (optional)"</label>
                <input id="activity-date" type="date" node_ref=date_field
                    prop:value=move || form.get().planned_date.get(..10).unwrap_or_default().to_owned()
                    on:input=move |ev| form.update(|f| f.planned_date = event_target_value(&ev))
                    on:change=move |ev| form.update(|f| f.planned_date = event_target_value(&ev))/>
                <button type="submit" id="activity-add">{move || if editing.get().is_some() { "Save changes" } else { "Plan it" }}</button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="secondary" id="activity-edit-cancel" on:click=cancel>"Cancel"</button>
                </Show>
            </form>
            <Notice id="activity-notice" message=notice/>
            <Loaded resource=list id="activities" render={move |items: Vec<ActivityView>| view! {
                <ul class="list" id="activity-list">
                    {if items.is_empty() { Some(view! { <li class="muted">"Nothing planned yet."</li> }) } else { None }}
                    {items.into_iter().map(|a| view! { <ActivityRow activity=a form=form editing=editing notice=notice/> }).collect_view()}
                </ul>
            }}/>
        </section>
        <crate::screens::ideas::IdeasCard/>
    }
}

#[component]
fn ActivityRow(
    activity: ActivityView,
    /// The screen's form, which "Edit" fills.
    form: RwSignal<ActivityForm>,
    /// Which activity the form edits.
    editing: RwSignal<Option<String>>,
    /// The screen's notice, which says a delete happened.
    #[prop(name = "notice")]
    screen_notice: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let notice = RwSignal::new(None);
    let on_edit = {
        let (id, filled) = (activity.id.clone(), activity.as_form());
        Callback::new(move |()| {
            form.set(filled.clone());
            editing.set(Some(id.clone()));
            reveal("activity-form");
        })
    };
    let on_delete = {
        let (id, name) = (activity.id.clone(), activity.name.clone());
        Callback::new(move |()| {
            let (id, name) = (id.clone(), name.clone());
            spawn_local(async move {
                match ipc::delete_activity(&id).await {
                    Ok(_) => {
                        if editing.get_untracked().as_deref() == Some(id.as_str()) {
                            editing.set(None);
                        }
                        screen_notice.set(Some(Ok(format!("“{name}” deleted."))));
                        ctx.refresh();
                    }
                    Err(message) => notice.set(Some(Err(message))),
                }
            });
        })
    };
    let id = activity.id.clone();
    let done = activity.is_done();
    let complete = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            spawn_local(async move {
                match ipc::complete_activity(&id).await {
                    Ok(_) => ctx.refresh(),
                    Err(message) => notice.set(Some(Err(message))),
                }
            });
        }
    };
    let rate = {
        let id = id.clone();
        move |stars: i64| {
            let id = id.clone();
            spawn_local(async move {
                match ipc::rate_activity(&id, stars).await {
                    Ok(_) => ctx.refresh(),
                    Err(message) => notice.set(Some(Err(message))),
                }
            });
        }
    };
    let when = activity
        .completed_date
        .clone()
        .or(activity.planned_date.clone())
        .map(|d| d.get(..10).unwrap_or(&d).to_owned())
        .unwrap_or_default();
    // The rating reveal: the partner's rating shows once yours is in.
    let partner = match (activity.partner_rating, activity.partner_rated) {
        (Some(r), _) => format!("{r}/{}", Rating::MAX),
        (None, true) => "rated it (rate it too to see)".to_owned(),
        (None, false) => "not rated yet".to_owned(),
    };
    let mine = activity.my_rating;
    view! {
        <li class="row activity" data-name=activity.name.clone() data-status=activity.status.clone()>
            <div class="row-main">
                <strong>{activity.name.clone()}</strong>
                <span class="muted small">{format!(" {} · {} {}", activity.activity_type.replace('_', " "), activity.status, when)}</span>
            </div>
            {(!done).then(|| view! { <button type="button" class="secondary done" on:click=complete>"Mark done"</button> })}
            {if done {
                view! {
                    <div class="rating" role="group" aria-label="Your rating">
                        <span class="muted small">"You: "</span>
                        {(Rating::MIN..=Rating::MAX).map(|stars| {
                            let rate = rate.clone();
                            view! {
                                <button type="button" class="star" class:on=move || mine.is_some_and(|m| m >= stars)
                                    aria-label=format!("Rate {stars} of {}", Rating::MAX) aria-pressed=(mine == Some(stars)).to_string()
                                    on:click=move |_| rate(stars)>"★"</button>
                            }
                        }).collect_view()}
                        <span class="muted small partner-rating">{format!(" Partner: {partner}")}</span>
                    </div>
                }.into_any()
            } else {
                view! { <p class="muted small rating-later">"Rate it once it is done."</p> }.into_any()
            }}
            <RowActions name=activity.name.clone() on_edit=on_edit on_delete=on_delete/>
            <Notice id=format!("activity-{id}-notice") message=notice/>
        </li>
    }
}
