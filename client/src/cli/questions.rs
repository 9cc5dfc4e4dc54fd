//! `together question ...`: the question of the day. Forms and rules are the app's
//! (`crate::questions`); this file only turns arguments into them and prints the answers.
//! The JSON shapes are scripted by outside checks: keep them stable (`docs/cli.md`).

use anyhow::Result;
use serde_json::json;
use together_core::view::{QuestionView, ReactionForm};

use super::Cx;
use super::args::QuestionCommand;
use crate::questions;

/// Runs one `question` subcommand.
pub(super) fn run(cx: &mut Cx, command: &QuestionCommand) -> Result<()> {
    match command {
        QuestionCommand::Today => {
            let today = cx.store.question_today(cx.now)?;
            one(cx, today.as_ref())?;
        }
        QuestionCommand::Answer { text } => {
            let view = questions::answer(&mut cx.store, &text.join(" "), cx.now)?;
            one(cx, Some(&view))?;
        }
        QuestionCommand::Skip => {
            let next = cx.store.skip_question(cx.now)?;
            one(cx, next.as_ref())?;
        }
        QuestionCommand::History { search } => {
            let views = questions::history(&cx.store, &search.join(" "))?;
            if cx.out.json {
                cx.out.value(json!(views))?;
            } else if views.is_empty() {
                cx.out.text("(none yet)")?;
            } else {
                for view in &views {
                    cx.out.text(&format!("{}\n", card(view)))?;
                }
            }
        }
        QuestionCommand::Packs { set } => {
            let packs = match set {
                Some(set) => questions::choose_packs(&mut cx.store, set, cx.now)?,
                None => cx.store.question_packs()?,
            };
            cx.out.list(&packs, |p| {
                format!(
                    "[{}] {:<9} {:>3} questions  {}",
                    if p.chosen { "x" } else { " " },
                    p.pack,
                    p.questions,
                    p.description
                )
            })?;
        }
        QuestionCommand::React {
            heart,
            unheart,
            reply,
            date,
        } => {
            let form = ReactionForm {
                date: date.clone().unwrap_or_default(),
                heart: match (heart, unheart) {
                    (true, _) => Some(true),
                    (false, true) => Some(false),
                    (false, false) => None,
                },
                reply: reply.clone().unwrap_or_default(),
            };
            let view = questions::react(&mut cx.store, &form, cx.now)?;
            one(cx, Some(&view))?;
        }
    }
    Ok(())
}

/// One question: the view as JSON (`null` when there is none), or a card of text.
fn one(cx: &Cx, view: Option<&QuestionView>) -> Result<()> {
    if cx.out.json {
        cx.out.value(json!(view))
    } else {
        match view {
            Some(view) => cx.out.text(&card(view)),
            None => cx
                .out
                .text("no question left today: every question of your packs was skipped"),
        }
    }
}

/// A question as text: the day and pack, the question, then both answers as far as visible.
fn card(v: &QuestionView) -> String {
    let mut lines = vec![
        format!("{}  {} ({})", v.date, v.id, v.pack),
        v.text.clone(),
        format!(
            "  you:     {}",
            v.my_answer.as_deref().unwrap_or("(not answered yet)")
        ),
    ];
    let partner = match (&v.partner_answer, v.partner_answered) {
        (Some(answer), _) => answer.as_str(),
        (None, true) => "(answered: answer too to see it)",
        (None, false) => "(not answered yet)",
    };
    lines.push(format!("  partner: {partner}"));
    for (who, reaction) in [("you", &v.my_reaction), ("partner", &v.partner_reaction)] {
        if let Some(r) = reaction {
            let heart = if r.heart { "♥ " } else { "" };
            let reply = r.reply.as_deref().unwrap_or_default();
            lines.push(format!("  {who} reacted: {heart}{reply}"));
        }
    }
    lines.join("\n")
}
