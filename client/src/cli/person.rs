//! `together profile set`, `settings`, `note` and `notifications`: the person using this device.

use anyhow::Result;
use serde_json::json;
use together_core::view::ProfileForm;

use super::args::{NotificationsArgs, PingArgs, ProfileArgs};
use super::{Cx, to_the_minute};

/// Warns on stderr when the name given is a pronoun ("You"): the partner reads it in every
/// sentence about the person.
pub(super) fn warn_about_pronoun(name: &str) {
    if crate::profile::reads_as_pronoun(name) {
        let name = name.trim();
        eprintln!(
            "warning: your partner sees your name in sentences such as \"{name} planned: Picnic\"; \
             give your own name (together profile set --name NAME)"
        );
    }
}

/// `together profile set`: the same profile form as the app's onboarding, plus the nickname and
/// photo the app does not ask for.
pub(super) fn profile_set(cx: &mut Cx, a: &ProfileArgs) -> Result<()> {
    warn_about_pronoun(&a.name);
    let form = ProfileForm {
        name: a.name.clone(),
        timezone: a.timezone.clone().unwrap_or_default(),
        love_language_primary: a.love_language.clone().unwrap_or_default(),
        love_language_secondary: a.love_language_secondary.clone().unwrap_or_default(),
        nickname: a.nickname.clone().unwrap_or_default(),
        photo_url: a.photo_url.clone().unwrap_or_default(),
    };
    let user = cx
        .store
        .set_profile(&crate::profile::form(&form)?, cx.now)?;
    cx.out.id(&user.to_string())?;
    Ok(())
}

/// `together settings show`.
pub(super) fn settings_show(cx: &mut Cx) -> Result<()> {
    let opt_in = cx.store.analytics_opt_in(cx.now)?;
    cx.out.ok(
        json!({ "analytics_opt_in": opt_in }),
        &format!("analytics  {}", if opt_in { "on" } else { "off" }),
    )?;
    Ok(())
}

/// `together note add TEXT`.
pub(super) fn note_add(cx: &mut Cx, text: &str) -> Result<()> {
    let id = cx
        .store
        .add_private_note(&crate::notes::form(text)?, cx.now)?;
    cx.out.id(&id.to_string())?;
    Ok(())
}

/// `together note list`.
pub(super) fn note_list(cx: &mut Cx) -> Result<()> {
    let notes = cx.store.private_notes(cx.now)?;
    cx.out.list(&notes, |n| {
        format!("{}  {}", to_the_minute(&n.created_at), n.text)
    })?;
    Ok(())
}

/// `together notifications [--read ID | --read-all]`: raises the reminders due, optionally marks
/// one or all read, lists them (a settled one, whose ask was done, is marked ✓).
pub(super) fn notifications(cx: &mut Cx, a: &NotificationsArgs) -> Result<()> {
    let list = match &a.read {
        Some(id) => {
            cx.store.refresh_reminders(cx.now)?;
            crate::inbox::mark_read(&mut cx.store, id, cx.now)?
        }
        None if a.read_all => crate::inbox::mark_all_read(&mut cx.store, cx.now)?,
        None => crate::inbox::inbox(&mut cx.store, cx.now)?,
    };
    cx.out.list(&list, |n| {
        let dot = match (n.resolved, n.is_read) {
            (true, _) => "✓",
            (false, true) => " ",
            (false, false) => "•",
        };
        format!(
            "{dot} {}  {}  {}  {}",
            n.id,
            to_the_minute(&n.created_at),
            n.title,
            n.message
        )
    })?;
    Ok(())
}

/// `together ping`: the app's "thinking of you" button.
pub(super) fn ping(cx: &mut Cx, a: &PingArgs) -> Result<()> {
    let form = together_core::view::PingForm {
        kind: a.kind.clone().unwrap_or_default(),
        message: a.message.clone().unwrap_or_default(),
    };
    cx.store.send_ping(&crate::pings::form(&form)?, cx.now)?;
    cx.out.ok(json!({ "sent": true }), "sent")
}
