//! `together challenge list|join|entry` and `achievements`.

use anyhow::Result;

use super::Cx;
use super::args::EntryArgs;
use crate::record_id;

/// `together challenge list`: the catalogue.
pub(super) fn list(cx: &mut Cx) -> Result<()> {
    cx.out.list(&cx.store.challenges()?, |c| {
        format!(
            "{}  {:<8} {:<6} {:<13} {}",
            c.id, c.challenge_type, c.difficulty_level, c.category, c.name
        )
    })?;
    Ok(())
}

/// `together challenge join CHALLENGE_ID`: starts it today.
pub(super) fn join(cx: &mut Cx, challenge_id: &str) -> Result<()> {
    let challenge_id = record_id(challenge_id)?;
    let id = cx.store.join_challenge(&challenge_id.to_string(), cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together challenge entry PARTICIPATION_ID`: the person's entry for today or `--date`.
pub(super) fn entry(cx: &mut Cx, a: &EntryArgs) -> Result<()> {
    let date = match &a.date {
        Some(d) => together_core::domain::parse_date("date", d)?,
        None => cx.store.local_today(cx.now)?,
    };
    let input = crate::challenges::entry(
        &a.participation_id,
        date,
        a.content.as_deref().unwrap_or_default(),
        !a.not_done,
    )?;
    let id = cx.store.add_challenge_entry(&input, cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together achievements`: earned ones first, with their date.
pub(super) fn achievements(cx: &mut Cx) -> Result<()> {
    cx.out.list(&cx.store.achievements()?, |a| {
        let mark = if a.earned_date.is_some() { "★" } else { "·" };
        format!(
            "{mark} {:<28} {:>4} pts  {}",
            a.name,
            a.points,
            a.earned_date.as_deref().unwrap_or("")
        )
    })?;
    Ok(())
}
