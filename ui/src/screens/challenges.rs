//! Challenges (join one, mark days done) and the couple's achievements.

use leptos::prelude::*;
use leptos::task::spawn_local;
use together_core::view::{AchievementView, ChallengeView, ParticipationView};

use crate::context::Ctx;
use crate::ipc;
use crate::widgets::{Loaded, Notice};

/// The Challenges screen.
#[component]
pub fn ChallengesScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let challenges = LocalResource::new(move || {
        ctx.version.track();
        ipc::challenges()
    });
    let achievements = LocalResource::new(move || {
        ctx.version.track();
        ipc::achievements()
    });
    let notice = RwSignal::new(None);
    view! {
        <section class="card" aria-labelledby="challenges-title">
            <h1 id="challenges-title">"Challenges"</h1>
            <Notice id="challenge-notice" message=notice/>
            <Loaded resource=challenges id="challenges" render={move |(catalogue, joined): (Vec<ChallengeView>, Vec<ParticipationView>)| {
                let running: Vec<String> = joined.iter().filter(|p| p.is_running()).map(|p| p.challenge_id.clone()).collect();
                view! {
                    <h2>"Yours"</h2>
                    <ul class="list" id="joined-challenges">
                        {if joined.is_empty() { Some(view! { <li class="muted">"Pick one below to start."</li> }) } else { None }}
                        {joined.into_iter().map(|p| {
                            let id = p.id.clone();
                            let done = move |_| {
                                let id = id.clone();
                                spawn_local(async move {
                                    match ipc::challenge_done_today(&id).await {
                                        Ok(_) => { notice.set(Some(Ok("Marked done for today.".to_owned()))); ctx.refresh() }
                                        Err(message) => notice.set(Some(Err(message))),
                                    }
                                });
                            };
                            view! {
                                <li class="row participation" data-name=p.name.clone() data-status=p.status.clone()>
                                    <div class="row-main"><strong>{p.name.clone()}</strong>
                                        <span class="muted small">{format!(" {} · {} done · until {}", p.status, together_core::view::counted(p.days_done, "day", "days"), p.target_end_date)}</span></div>
                                    {p.is_running().then(|| view! { <button type="button" class="secondary done-today" on:click=done>"Done today"</button> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <h2>"Ideas"</h2>
                    <ul class="list" id="challenge-catalogue">
                        {catalogue.into_iter().map(|c| {
                            let id = c.id.clone();
                            let already = running.contains(&c.id);
                            let join = move |_| {
                                let id = id.clone();
                                spawn_local(async move {
                                    match ipc::join_challenge(&id).await {
                                        Ok(_) => { notice.set(Some(Ok("Challenge started.".to_owned()))); ctx.refresh() }
                                        Err(message) => notice.set(Some(Err(message))),
                                    }
                                });
                            };
                            view! {
                                <li class="row challenge" data-name=c.name.clone()>
                                    <div class="row-main"><strong>{c.name.clone()}</strong>
                                        <span class="muted small">{format!(" {} · {} · {}", c.category.replace('_', " "), c.challenge_type.replace('_', " "), c.difficulty_level)}</span>
                                        <p class="small">{c.instructions.clone()}</p></div>
                                    {(!already).then(|| view! { <button type="button" class="secondary start" on:click=join>"Start"</button> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }}
            }/>
        </section>
        <section class="card" aria-labelledby="achievements-title">
            <h1 id="achievements-title">"Achievements"</h1>
            <Loaded resource=achievements id="achievements" render={|items: Vec<AchievementView>| view! {
                <ul class="badges" id="achievement-list">
                    {items.into_iter().map(|a| view! {
                        <li class="badge" class:earned=a.earned_date.is_some() data-name=a.name.clone()>
                            <span class="badge-icon" aria-hidden="true">{if a.earned_date.is_some() { "★" } else { "☆" }}</span>
                            <strong>{a.name.clone()}</strong>
                            <span class="muted small">{match &a.earned_date {
                                Some(d) => format!("{} pts · {}", a.points, d.get(..10).unwrap_or(d)),
                                None => format!("{} pts", a.points),
                            }}</span>
                        </li>
                    }).collect_view()}
                </ul>
            }}/>
        </section>
    }
}
