//! "A question a day" (issue #14 §1): the day's question, answering it alone, skipping it for
//! both, the reveal, the history, reactions and the couple's packs.
//!
//! ## The reveal rule
//! A partner's answer is shown only once the local person answered the same question too, exactly
//! as the check-in reveal: the rule lives in [`day_view`], the one function every read goes
//! through (Today, history, search, the CLI), so nothing can show more. It is enforced by this read
//! API only: the partner's answer is on the device (in the couple's end-to-end encrypted document,
//! which the server can never read), so a modified client could show it early. No cryptographic
//! hiding is attempted: sealing each answer under a key released once both answered would need the
//! partner's device online to release it, which breaks the offline promise for little gain inside a
//! couple.
//!
//! ## The couple's day
//! Each partner's day is their own local date (their profile's time zone), the same "today" as the
//! check-in. Records are keyed by that date; partners on different dates each see the question of
//! their own date, and whoever reaches a date second finds the question the first one answered.
//! The selection rule and the skip rule are in [`together_core::questions::select`].

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::Connection;
use together_core::document::{
    self as doc, DayQuestion, DocAddress, MAX_ANSWER_CHARS, MAX_REPLY_CHARS,
};
use together_core::domain::{optional_text, required_text};
use together_core::ids::{RelationshipId, UserId};
use together_core::questions::select::{
    Asked, DayEntry, MAX_SKIPS_PER_DAY, question_for_day, resolve_day,
};
use together_core::questions::{Pack, PackSet, catalogue};
use together_core::view::{PackView, QuestionView, ReactionForm, ReactionView};

use crate::error::{FormError, Result, StoreError};
use crate::profile::{local_day, require_user};
use crate::relationship::require_relationship;
use crate::store::{Store, rows};

/// The longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// One row of `question_answers`, as the rules need it.
#[derive(Debug, Clone)]
struct Entry {
    user_id: String,
    date: String,
    question: String,
    pack: String,
    text: String,
    answer: Option<String>,
    skipped: bool,
    heart: bool,
    reply: Option<String>,
}

/// The question of a day: its id, pack and text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pick {
    id: String,
    pack: String,
    text: String,
}

/// What the reads need: who is asking, in which relationship, and the couple's records.
struct Context {
    me: String,
    seed: String,
    entries: Vec<Entry>,
    packs: PackSet,
}

impl Context {
    fn load(
        conn: &Connection,
        me: Option<UserId>,
        relationship: Option<RelationshipId>,
    ) -> Result<Self> {
        let me = me.map(|u| u.to_string()).unwrap_or_default();
        let Some(relationship) = relationship else {
            // Solo, before any relationship: a question still comes (seeded by the person), with
            // nothing recorded yet.
            return Ok(Self {
                seed: me.clone(),
                me,
                entries: Vec::new(),
                packs: PackSet::default(),
            });
        };
        let rel = relationship.to_string();
        let entries = rows(
            conn,
            "SELECT user_id, question_date, question_id, pack, question_text, answer,
                    skipped_at IS NOT NULL, heart, reply
             FROM question_answers WHERE relationship_id = ?1",
            [&rel],
            |row| {
                Ok(Entry {
                    user_id: row.get(0)?,
                    date: row.get(1)?,
                    question: row.get(2)?,
                    pack: row.get(3)?,
                    text: row.get(4)?,
                    answer: row.get(5)?,
                    skipped: row.get(6)?,
                    heart: row.get(7)?,
                    reply: row.get(8)?,
                })
            },
        )?;
        let stored: Vec<String> = rows(
            conn,
            "SELECT packs FROM question_settings WHERE id = ?1",
            [&rel],
            |row| row.get(0),
        )?;
        Ok(Self {
            me,
            seed: rel,
            entries,
            packs: PackSet::from_stored(stored.first().map(String::as_str)),
        })
    }

    /// What was answered and skipped on `day`, as the selection rule reads it.
    fn day_entries(&self, date: &str) -> Vec<DayEntry<'_>> {
        self.entries
            .iter()
            .filter(|e| e.date == date)
            .map(|e| DayEntry {
                question: &e.question,
                answered: e.answer.is_some(),
                skipped: e.skipped,
            })
            .collect()
    }

    /// The day's question (module docs of `select`): the one answered that day, else computed.
    fn pick(&self, day: Date) -> Option<Pick> {
        let date = day.to_string();
        let resolution = resolve_day(&self.day_entries(&date));
        if let Some(answered) = resolution.answered {
            return self
                .entries
                .iter()
                .find(|e| e.date == date && e.question == answered)
                .map(|e| Pick {
                    id: e.question.clone(),
                    pack: e.pack.clone(),
                    text: e.text.clone(),
                });
        }
        let history: Vec<Asked<'_>> = self
            .entries
            .iter()
            .filter(|e| e.answer.is_some() || e.skipped)
            .filter_map(|e| {
                Some(Asked {
                    question: &e.question,
                    date: e.date.parse().ok()?,
                })
            })
            .collect();
        question_for_day(&self.seed, day, &self.packs, &history, &resolution.skipped).map(|q| {
            Pick {
                id: q.id.to_owned(),
                pack: q.pack.as_str().to_owned(),
                text: q.text.to_owned(),
            }
        })
    }

    /// How many questions were skipped (and answered by nobody) on `day`.
    fn skips_on(&self, day: Date) -> usize {
        resolve_day(&self.day_entries(&day.to_string()))
            .skipped
            .len()
    }

    /// The question of `date` as the local person may see it: **the reveal rule**.
    fn day_view(&self, date: &str, pick: &Pick) -> QuestionView {
        let on_question = |e: &&Entry| e.date == date && e.question == pick.id;
        let mine = self
            .entries
            .iter()
            .filter(on_question)
            .find(|e| e.user_id == self.me);
        let partner = self
            .entries
            .iter()
            .filter(on_question)
            .filter(|e| e.user_id != self.me)
            .find(|e| e.answer.is_some());
        let my_answer = mine.and_then(|e| e.answer.clone());
        let both = my_answer.is_some() && partner.is_some();
        let reaction = |e: &Entry| {
            (e.heart || e.reply.is_some()).then(|| ReactionView {
                heart: e.heart,
                reply: e.reply.clone(),
            })
        };
        QuestionView {
            id: pick.id.clone(),
            text: pick.text.clone(),
            pack: pick.pack.clone(),
            date: date.to_owned(),
            partner_answer: partner.filter(|_| both).and_then(|e| e.answer.clone()),
            partner_answered: partner.is_some(),
            can_change: partner.is_none(),
            my_reaction: mine.and_then(reaction),
            partner_reaction: partner.filter(|_| both).and_then(reaction),
            my_answer,
        }
    }

    /// The view of the day's question, `None` only if every question of the packs was skipped.
    fn today(&self, day: Date) -> Option<QuestionView> {
        self.pick(day)
            .map(|pick| self.day_view(&day.to_string(), &pick))
    }

    /// Every question someone answered, newest day first, with the reveal rule applied; with a
    /// search, only those whose question or *visible* answers contain it (case-insensitive: a
    /// hidden partner answer never matches, or the search would reveal it).
    fn history(&self, search: Option<&str>) -> Vec<QuestionView> {
        let mut days: BTreeMap<(String, String), Pick> = BTreeMap::new();
        for e in self.entries.iter().filter(|e| e.answer.is_some()) {
            days.entry((e.date.clone(), e.question.clone()))
                .or_insert_with(|| Pick {
                    id: e.question.clone(),
                    pack: e.pack.clone(),
                    text: e.text.clone(),
                });
        }
        let needle = search.map(str::to_lowercase);
        let matches = |v: &QuestionView| match &needle {
            None => true,
            Some(needle) => [
                Some(&v.text),
                v.my_answer.as_ref(),
                v.partner_answer.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|t| t.to_lowercase().contains(needle.as_str())),
        };
        days.iter()
            .rev()
            .map(|((date, _), pick)| self.day_view(date, pick))
            .filter(matches)
            .collect()
    }
}

// Reads.

impl Store {
    /// Today's question for the local person (their local day), with the reveal rule applied.
    /// Works before any relationship (nothing can be answered then). `None` only when every
    /// question of the chosen packs was skipped today.
    pub fn question_today(&self, now: Timestamp) -> Result<Option<QuestionView>> {
        let context = self.question_context()?;
        Ok(context.today(self.local_today(now)?))
    }

    /// The questions answered so far, newest first, with the reveal rule applied; `search` keeps
    /// those whose question or visible answers contain it.
    pub fn question_history(&self, search: Option<&str>) -> Result<Vec<QuestionView>> {
        Ok(self.question_context()?.history(search))
    }

    /// Every pack, with whether the couple chose it (the default packs before they chose).
    pub fn question_packs(&self) -> Result<Vec<PackView>> {
        Ok(pack_views(&self.question_context()?.packs))
    }

    fn question_context(&self) -> Result<Context> {
        Context::load(
            self.conn(),
            self.local_user()?,
            self.current_relationship()?,
        )
    }
}

fn pack_views(chosen: &PackSet) -> Vec<PackView> {
    Pack::ALL
        .into_iter()
        .map(|pack| PackView {
            pack: pack.as_str().to_owned(),
            description: pack.description().to_owned(),
            questions: catalogue().iter().filter(|q| q.pack == pack).count(),
            chosen: chosen.contains(pack),
        })
        .collect()
}

// Forms.

/// An answer: trimmed, not empty, at most [`MAX_ANSWER_CHARS`] characters.
pub fn answer_form(text: &str) -> Result<String, FormError> {
    Ok(required_text("answer", text, MAX_ANSWER_CHARS)?)
}

/// A pack list such as `light,deep` (at least one, each a known pack).
pub fn packs_form(text: &str) -> Result<PackSet, FormError> {
    Ok(PackSet::parse(text)?)
}

/// A history search: empty means none; at most [`MAX_SEARCH_CHARS`] characters.
pub fn search_form(text: &str) -> Result<Option<String>, FormError> {
    Ok(optional_text("search", text, MAX_SEARCH_CHARS)?)
}

/// A validated reaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionInput {
    /// The question's day; `None` for today.
    pub date: Option<Date>,
    /// Set or take back the heart; `None` leaves it.
    pub heart: Option<bool>,
    /// A reply of at most [`MAX_REPLY_CHARS`] characters.
    pub reply: Option<String>,
}

/// A reaction: a heart and/or a reply (at least one).
pub fn reaction_form(form: &ReactionForm) -> Result<ReactionInput, FormError> {
    let reply = optional_text("reply", &form.reply, MAX_REPLY_CHARS)?;
    if form.heart.is_none() && reply.is_none() {
        return Err(FormError::new("react with a heart, a reply, or both"));
    }
    Ok(ReactionInput {
        date: crate::features::optional_date("date", &form.date)?,
        heart: form.heart,
        reply,
    })
}

// Actions.

impl Store {
    /// Saves the local person's answer to today's question (a second answer edits it, until the
    /// partner answered). Returns the question as it now reads.
    pub fn answer_question(&mut self, answer: &str, now: Timestamp) -> Result<QuestionView> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let day = local_day(tx.conn, Some(user), now)?;
            let context = Context::load(tx.conn, Some(user), Some(relationship))?;
            let pick = context.pick(day).ok_or_else(all_skipped)?;
            let q = DayQuestion {
                date: day,
                id: &pick.id,
                pack: &pick.pack,
                text: &pick.text,
            };
            tx.change(DocAddress::Series(relationship, day.year()), |d| {
                doc::answer_question(d, user, q, answer, now)
            })?;
            crate::usage::record(
                tx,
                user,
                Some(relationship),
                crate::usage::UsageEvent::QuestionAnswered,
                crate::usage::EventData::default(),
            )?;
            let context = Context::load(tx.conn, Some(user), Some(relationship))?;
            Ok(context.day_view(&day.to_string(), &pick))
        })
    }

    /// Skips today's question for both partners; returns the next one. Refused once someone
    /// answered it (an answer wins over a skip) and after [`MAX_SKIPS_PER_DAY`] skips a day.
    pub fn skip_question(&mut self, now: Timestamp) -> Result<Option<QuestionView>> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let day = local_day(tx.conn, Some(user), now)?;
            let context = Context::load(tx.conn, Some(user), Some(relationship))?;
            let pick = context.pick(day).ok_or_else(all_skipped)?;
            let view = context.day_view(&day.to_string(), &pick);
            if view.my_answer.is_some() || view.partner_answered {
                return Err(StoreError::Missing(
                    "this question has been answered already, so it stays today's question (an answer wins over a skip)".into(),
                ));
            }
            if context.skips_on(day) >= MAX_SKIPS_PER_DAY {
                return Err(StoreError::Missing(format!(
                    "you have skipped {MAX_SKIPS_PER_DAY} questions today; this one stays until tomorrow"
                )));
            }
            let q = DayQuestion {
                date: day,
                id: &pick.id,
                pack: &pick.pack,
                text: &pick.text,
            };
            tx.change(DocAddress::Series(relationship, day.year()), |d| {
                doc::skip_question(d, user, q, now)
            })?;
            Ok(Context::load(tx.conn, Some(user), Some(relationship))?.today(day))
        })
    }

    /// Reacts to the partner's answer to today's question or to the question of `input.date`
    /// (refused unless both answered it).
    pub fn react_to_question(
        &mut self,
        input: &ReactionInput,
        now: Timestamp,
    ) -> Result<QuestionView> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let day = match input.date {
                Some(day) => day,
                None => local_day(tx.conn, Some(user), now)?,
            };
            let context = Context::load(tx.conn, Some(user), Some(relationship))?;
            let pick = context
                .pick(day)
                .filter(|p| {
                    context
                        .day_view(&day.to_string(), p)
                        .partner_answer
                        .is_some()
                })
                .ok_or_else(|| {
                    StoreError::Missing(format!(
                        "you can react once you both answered the question of {day}"
                    ))
                })?;
            let q = DayQuestion {
                date: day,
                id: &pick.id,
                pack: &pick.pack,
                text: &pick.text,
            };
            tx.change(DocAddress::Series(relationship, day.year()), |d| {
                doc::react_to_answer(d, user, q, input.heart, input.reply.as_deref(), now)
            })?;
            let context = Context::load(tx.conn, Some(user), Some(relationship))?;
            Ok(context.day_view(&day.to_string(), &pick))
        })
    }

    /// Chooses the couple's question packs (a shared setting: the partner's device follows).
    pub fn set_question_packs(&mut self, packs: &PackSet, now: Timestamp) -> Result<Vec<PackView>> {
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::set_question_packs(d, packs, now)
            })?;
            Ok(pack_views(packs))
        })
    }
}

fn all_skipped() -> StoreError {
    StoreError::Missing(
        "every question of your packs was skipped today: choose more packs for tomorrow".into(),
    )
}

// Screen operations.

/// "Answer" on the question card: validate, save, and the card as it now reads.
pub fn answer(store: &mut Store, text: &str, now: Timestamp) -> Result<QuestionView> {
    let text = answer_form(text)?;
    store.answer_question(&text, now)
}

/// "React" under the partner's answer.
pub fn react(store: &mut Store, form: &ReactionForm, now: Timestamp) -> Result<QuestionView> {
    let input = reaction_form(form)?;
    store.react_to_question(&input, now)
}

/// The history screen's search box.
pub fn history(store: &Store, search: &str) -> Result<Vec<QuestionView>> {
    let search = search_form(search)?;
    store.question_history(search.as_deref())
}

/// Saving the pack choice.
pub fn choose_packs(store: &mut Store, packs: &str, now: Timestamp) -> Result<Vec<PackView>> {
    let packs = packs_form(packs)?;
    store.set_question_packs(&packs, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_bound_answers_replies_and_searches() {
        assert!(answer_form("   ").is_err());
        assert!(answer_form(&"é".repeat(MAX_ANSWER_CHARS + 1)).is_err());
        assert_eq!(answer_form("  yes  ").unwrap(), "yes");
        assert!(search_form(&"x".repeat(MAX_SEARCH_CHARS + 1)).is_err());
        assert_eq!(search_form(" ").unwrap(), None);
        let long = ReactionForm {
            reply: "x".repeat(MAX_REPLY_CHARS + 1),
            ..ReactionForm::default()
        };
        assert!(reaction_form(&long).is_err());
        assert!(reaction_form(&ReactionForm::default()).is_err());
        let heart = ReactionForm {
            heart: Some(true),
            ..ReactionForm::default()
        };
        assert_eq!(reaction_form(&heart).unwrap().heart, Some(true));
        assert!(packs_form("light,nope").is_err());
    }

    #[test]
    fn a_hidden_partner_answer_is_neither_shown_nor_searchable() {
        let entry = |user: &str, answer: Option<&str>| Entry {
            user_id: user.into(),
            date: "2026-03-14".into(),
            question: "deep-017".into(),
            pack: "deep".into(),
            text: "What does a good life look like to you?".into(),
            answer: answer.map(Into::into),
            skipped: false,
            heart: false,
            reply: None,
        };
        let mut context = Context {
            me: "me".into(),
            seed: "rel".into(),
            entries: vec![entry("partner", Some("secret garden"))],
            packs: PackSet::default(),
        };
        let day: Date = "2026-03-14".parse().unwrap();
        let today = context.today(day).unwrap();
        assert_eq!(today.id, "deep-017");
        assert_eq!(today.partner_answer, None);
        assert!(today.partner_answered);
        assert!(context.history(Some("garden")).is_empty());
        context.entries.push(entry("me", Some("slow mornings")));
        let today = context.today(day).unwrap();
        assert_eq!(today.partner_answer.as_deref(), Some("secret garden"));
        assert_eq!(context.history(Some("GARDEN")).len(), 1);
    }
}
