//! `together relationship create|join`, `relationships` and `pair invite|status|join|leave`: the couple's
//! relationship, made alone or through files, and pairing through the sync server.

use anyhow::{Result, anyhow};
use serde_json::json;
use together_core::ids::RelationshipId;
use together_core::view::{RelationshipDatesForm, RelationshipForm};
use together_core::wire::InviteState;

use super::Cx;
use super::account::in_session;
use super::args::{RelationshipArgs, RelationshipEditArgs};

/// `together relationship create`: the same rules as the app's couple space, with the details the
/// app does not ask for.
pub(super) fn create(cx: &mut Cx, a: &RelationshipArgs) -> Result<()> {
    let form = RelationshipForm {
        relationship_type: a.r#type.clone().unwrap_or_default(),
        start_date: a.start_date.clone().unwrap_or_default(),
        anniversary_date: a.anniversary.clone().unwrap_or_default(),
        privacy_level: a.privacy.clone().unwrap_or_default(),
    };
    let input = crate::relationship::form(&form, cx.store.local_today(cx.now)?)?;
    let id = cx.store.create_relationship(&input, cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together relationship edit`: the dates given change, the others stay; prints both dates
/// (`--json`: `{"start_date", "anniversary_date"}`, `null` when not set).
pub(super) fn edit(cx: &mut Cx, a: &RelationshipEditArgs) -> Result<()> {
    if a.start_date.is_none() && a.anniversary.is_none() {
        return Err(anyhow!(
            "nothing to change: give --start-date YYYY-MM-DD and/or --anniversary YYYY-MM-DD"
        ));
    }
    let current = cx
        .store
        .relationship_dates()?
        .ok_or_else(|| anyhow!("create a relationship first: together relationship create"))?;
    let form = RelationshipDatesForm {
        start_date: a.start_date.clone().unwrap_or(current.start_date),
        anniversary_date: a.anniversary.clone().unwrap_or(current.anniversary_date),
    };
    let saved = crate::relationship::save_dates(&mut cx.store, &form, cx.now)?;
    let shown = |d: &str| (!d.is_empty()).then(|| d.to_owned());
    let json = json!({
        "start_date": shown(&saved.start_date),
        "anniversary_date": shown(&saved.anniversary_date),
    });
    let text = format!(
        "started      {}\nanniversary  {}",
        shown(&saved.start_date).unwrap_or_else(|| "not set".into()),
        shown(&saved.anniversary_date).unwrap_or_else(|| "not set".into())
    );
    cx.out.ok(json, &text)?;
    Ok(())
}

/// `together relationship join ID`: joins from documents imported from the partner's device.
pub(super) fn join_from_documents(cx: &mut Cx, relationship_id: &str) -> Result<()> {
    let id: RelationshipId = relationship_id.parse()?;
    cx.store.join_relationship(id, cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together relationships`: the current relationship and those that ended.
pub(super) fn relationships(cx: &mut Cx) -> Result<()> {
    cx.out.list(&cx.store.relationships()?, |r| {
        let state = match (&r.ended_at, r.current) {
            (Some(at), _) => format!("ended {}", at.get(..10).unwrap_or(at)),
            (None, true) => "current".to_owned(),
            (None, false) => "not shown".to_owned(),
        };
        let kept = if r.kept_on_device > 0 {
            format!(
                "  ({} kept on this device only)",
                together_core::view::counted(r.kept_on_device, "change", "changes")
            )
        } else {
            String::new()
        };
        format!(
            "{}  {state:<16}  {}{kept}",
            r.id,
            r.partner
                .as_deref()
                .map_or("no partner yet".to_owned(), |p| format!("with {p}"))
        )
    })?;
    Ok(())
}

/// A relationship of the local person's, by the id they typed: for `checkins --relationship`.
pub(super) fn one_of_mine(cx: &Cx, id: &str) -> Result<RelationshipId> {
    let id: RelationshipId = id.parse()?;
    if cx
        .store
        .relationships()?
        .iter()
        .any(|r| r.id == id.to_string())
    {
        Ok(id)
    } else {
        Err(anyhow!(
            "you have no relationship {id} (together relationships lists yours)"
        ))
    }
}

/// `together pair invite`: uploads, then prints an invite code. Without a relationship yet, it
/// starts one with the defaults first (what the person inviting means), and says so on stderr.
pub(super) fn invite(cx: &mut Cx) -> Result<()> {
    if cx.store.current_relationship()?.is_none() {
        let today = cx.store.local_today(cx.now)?;
        let input = crate::relationship::form(&RelationshipForm::default(), today)?;
        let id = cx.store.create_relationship(&input, cx.now)?;
        eprintln!(
            "started your relationship {id} (dating, balanced privacy; `together relationship create` \
             before inviting chooses otherwise)"
        );
    }
    let invite = in_session(cx, async |mut s| s.invite().await)?;
    cx.out.ok(
        json!(invite),
        &format!(
            "{}\n(give this invite code to your partner; it works once, until {}; together pair status says whether they joined)",
            invite.code, invite.expires_at
        ),
    )?;
    Ok(())
}

/// `together pair status`: the newest invite's real state, from the server: `open`, `used`,
/// `expired`, or `none` when there is no invite (or no current relationship).
pub(super) fn status(cx: &mut Cx) -> Result<()> {
    let invite = in_session(cx, async |s| s.invite_status().await)?;
    let (value, line) = match &invite {
        None => (
            json!({ "state": "none" }),
            "none: no invite code yet (together pair invite makes one)".to_owned(),
        ),
        Some(i) => (
            json!(i),
            match i.state {
                InviteState::Open => {
                    format!("open: your invite code works until {} (once)", i.expires_at)
                }
                InviteState::Used => format!(
                    "used: your partner joined{}",
                    i.used_at
                        .as_deref()
                        .map_or(String::new(), |at| format!(" at {at}"))
                ),
                InviteState::Expired => format!(
                    "expired: it stopped working at {}; together pair invite makes a new one",
                    i.expires_at
                ),
            },
        ),
    };
    cx.out.ok(value, &line)?;
    Ok(())
}

/// `together pair join CODE`.
pub(super) fn join(cx: &mut Cx, code: &str) -> Result<()> {
    let relationship = in_session(cx, async |mut s| s.join(code).await)?;
    cx.out.id(&relationship)?;
    Ok(())
}

/// `together pair leave`: ends the relationship for both partners.
pub(super) fn leave(cx: &mut Cx) -> Result<()> {
    let ended = in_session(cx, async |mut s| s.leave().await)?;
    cx.out.ok(
        json!({ "left": ended.relationship_id, "kept_on_device": ended.kept_on_device }),
        &ended.left_sentence(),
    )?;
    Ok(())
}
