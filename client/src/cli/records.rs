//! `together checkin`, `checkins`, `goal …`, `activity …`, `date add|list`, `log add|list` and `stats`: the
//! couple's records, validated by the same forms as the app's screens.

use anyhow::Result;
use serde_json::json;
use together_core::view::{ActivityForm, CheckinForm, DateForm, GoalForm, LogForm};

use super::Cx;
use super::args::{
    ActivityArgs, ActivityCompleteArgs, ActivityRateArgs, CheckinArgs, CheckinsArgs, DateArgs,
    GoalArgs, GoalProgressArgs, LogArgs, parse_moment,
};
use crate::{activities, checkins, dates, goals, record_id, talk_log};

/// `together checkin`: today's check-in (in the person's time zone), or `--date`'s.
pub(super) fn checkin(cx: &mut Cx, a: &CheckinArgs) -> Result<()> {
    let form = CheckinForm {
        connection: a.connection,
        mood: a.mood,
        satisfaction: a.satisfaction,
        gratitude: a.note.clone().unwrap_or_default(),
        date: a.date.clone().unwrap_or_default(),
        private_note: a.private_note.clone().unwrap_or_default(),
    };
    let input = checkins::form(&form, cx.store.local_today(cx.now)?)?;
    let private_note = crate::privacy::private_note(&form.private_note)?;
    let id = cx
        .store
        .checkin_with_private_note(&input, private_note.as_deref(), cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together checkins [--relationship ID]`: what the reveal rule lets the person see.
pub(super) fn checkins(cx: &mut Cx, a: &CheckinsArgs) -> Result<()> {
    let checkins = match &a.relationship {
        None => cx.store.visible_checkins()?,
        Some(id) => {
            let id = super::pairing::one_of_mine(cx, id)?;
            cx.store.visible_checkins_of(id)?
        }
    };
    cx.out.list(&checkins, |c| {
        let who = if c.mine { "you" } else { "partner" };
        format!(
            "{}  {who:<7}  connection {}  mood {}  satisfaction {}{}",
            c.date,
            c.connection_score,
            c.mood_score,
            c.relationship_satisfaction,
            c.gratitude_note
                .as_deref()
                .map(|n| format!("  “{n}”"))
                .unwrap_or_default()
        ) + &c
            .private_note
            .as_deref()
            .map(|n| format!("  (private: “{n}”)"))
            .unwrap_or_default()
    })?;
    Ok(())
}

/// `together goal add`.
pub(super) fn goal_add(cx: &mut Cx, a: &GoalArgs) -> Result<()> {
    let form = GoalForm {
        name: a.name.clone(),
        goal_type: a.r#type.clone().unwrap_or_default(),
        target_count: a.target,
        target_date: a.target_date.clone().unwrap_or_default(),
        start_date: a.start_date.clone().unwrap_or_default(),
    };
    let input = goals::form(&form, cx.store.local_today(cx.now)?)?;
    let id = cx.store.add_goal(&input, cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together goal progress GOAL_ID [--by N]`.
pub(super) fn goal_progress(cx: &mut Cx, a: &GoalProgressArgs) -> Result<()> {
    let (id, by) = (record_id(&a.goal_id)?, goals::step(a.by)?);
    cx.store.progress_goal(id, by, cx.now)?;
    cx.out
        .ok(json!({ "id": id.to_string(), "by": by }), "progress saved")?;
    Ok(())
}

/// `together goal list`.
pub(super) fn goal_list(cx: &mut Cx) -> Result<()> {
    cx.out.list(&cx.store.goals()?, |g| {
        format!(
            "{}  {}/{}  {:<9}  {}",
            g.id, g.current_progress, g.target_count, g.status, g.name
        )
    })?;
    Ok(())
}

/// `together activity add`: `--planned` is a `WHEN` (a bare day is midnight UTC here).
pub(super) fn activity_add(cx: &mut Cx, a: &ActivityArgs) -> Result<()> {
    let form = ActivityForm {
        name: a.name.clone(),
        activity_type: a.r#type.clone().unwrap_or_default(),
        planned_date: a
            .planned
            .as_deref()
            .map(parse_moment)
            .transpose()?
            .map(|moment| moment.to_string())
            .unwrap_or_default(),
        duration_minutes: a.duration,
        cost: a.cost.clone().unwrap_or_default(),
    };
    let input = activities::form(&form, &cx.store.local_zone()?)?;
    let id = cx.store.add_activity(&input, cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together activity complete ID [--at WHEN]`.
pub(super) fn activity_complete(cx: &mut Cx, a: &ActivityCompleteArgs) -> Result<()> {
    let id = record_id(&a.activity_id)?;
    let when = a.at.as_deref().map(parse_moment).transpose()?;
    cx.store
        .complete_activity(id, when.unwrap_or(cx.now), cx.now)?;
    cx.out.ok(
        json!({ "id": id.to_string(), "status": "completed" }),
        "activity completed",
    )?;
    Ok(())
}

/// `together activity rate ID --rating 1-5`.
pub(super) fn activity_rate(cx: &mut Cx, a: &ActivityRateArgs) -> Result<()> {
    let id = record_id(&a.activity_id)?;
    let rating = together_core::domain::Rating::new(a.rating)?;
    cx.store.rate_activity(id, rating, cx.now)?;
    cx.out.ok(
        json!({ "id": id.to_string(), "rating": rating.get() }),
        "rating saved",
    )?;
    Ok(())
}

/// `together activity list`.
pub(super) fn activity_list(cx: &mut Cx) -> Result<()> {
    cx.out.list(&cx.store.activities()?, |a| {
        let rating = |r: Option<i64>| r.map_or("-".to_owned(), |r| r.to_string());
        format!(
            "{}  {:<9}  ratings {}/{}  {}",
            a.id,
            a.status,
            rating(a.rating_user1),
            rating(a.rating_user2),
            a.name
        )
    })?;
    Ok(())
}

/// `together date add`.
pub(super) fn date_add(cx: &mut Cx, a: &DateArgs) -> Result<()> {
    let form = DateForm {
        name: a.name.clone(),
        date: a.date.clone(),
        event_type: a.r#type.clone().unwrap_or_default(),
        recurring: a.recurring,
        reminder_days_before: a.remind_days,
    };
    let id = cx.store.add_date(&dates::form(&form)?, cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together date list`: soonest first; a recurring date shows when it comes next.
pub(super) fn date_list(cx: &mut Cx) -> Result<()> {
    cx.out.list(&cx.store.dates(cx.now)?, |d| {
        let next = match (&d.next_on, d.days_until) {
            (Some(on), Some(days)) => format!(
                "  next {on} (in {})",
                together_core::view::counted(days, "day", "days")
            ),
            (Some(on), None) => format!("  next {on}"),
            _ => String::new(),
        };
        let every_year = if d.recurring { "  every year" } else { "" };
        format!(
            "{}  {}  {:<11}  {}{every_year}{next}",
            d.id, d.date, d.event_type, d.name
        )
    })
}

/// `together log list`: the talk log, newest first.
pub(super) fn log_list(cx: &mut Cx) -> Result<()> {
    cx.out.list(&cx.store.talk_log()?, |l| {
        let mut line = format!(
            "{}  {}  {:<19}  {}",
            l.id,
            super::to_the_minute(&l.when),
            l.communication_type,
            l.topic.as_deref().unwrap_or("-")
        );
        if let Some(outcome) = &l.outcome {
            line.push_str(&format!("  ({outcome})"));
        }
        if let Some(minutes) = l.duration_minutes {
            line.push_str(&format!("  {minutes} min"));
        }
        if l.follow_up_needed {
            line.push_str("  follow up");
        }
        if l.private {
            line.push_str("  (private)");
        }
        line
    })
}

/// `together log add`: `--at` is a `WHEN` (default now).
pub(super) fn log_add(cx: &mut Cx, a: &LogArgs) -> Result<()> {
    let form = LogForm {
        communication_type: a.r#type.clone(),
        topic: a.topic.clone().unwrap_or_default(),
        outcome: a.outcome.clone().unwrap_or_default(),
        duration_minutes: a.duration,
        follow_up_needed: a.follow_up,
        when: a
            .at
            .as_deref()
            .map(parse_moment)
            .transpose()?
            .map(|moment| moment.to_string())
            .unwrap_or_default(),
        private: a.private,
    };
    let input = talk_log::form(&form, cx.now)?;
    let id = if a.private {
        cx.store.add_private_log(&input, cx.now)?
    } else {
        cx.store.add_log(&input, cx.now)?
    };
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together stats`: the relationship in numbers today.
pub(super) fn stats(cx: &mut Cx) -> Result<()> {
    match cx.store.stats(cx.now)? {
        None => cx.out.ok(
            json!(null),
            "no relationship yet: together relationship create",
        )?,
        Some(s) => {
            let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
            cx.out.ok(
                json!(s),
                &format!(
                    "{}\ndays together      {}\ncheck-in streak    {}\nconnection         {} (7 days) / {} (30 days)\nsatisfaction       {} (7 days) / {} (30 days)\nactivities         {} this month\nhealth score       {}\n\n{}",
                    s.date,
                    s.days_together,
                    together_core::view::counted(s.checkin_streak, "day", "days"),
                    show(s.average_connection_7),
                    show(s.average_connection_30),
                    show(s.average_satisfaction_7),
                    show(s.average_satisfaction_30),
                    s.activities_completed_this_month,
                    show(s.overall_health_score),
                    together_core::view::health_score_explained()
                ),
            )?;
        }
    }
    Ok(())
}
