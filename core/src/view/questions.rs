//! The daily question's view models: what Today's question card, the Questions history and the
//! pack settings show, and the forms they send back.

use serde::{Deserialize, Serialize};

/// A day's question as the local person may see it. The **reveal rule** is already applied:
/// `partner_answer` is `None` until both partners answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionView {
    /// The question's catalogue id (`deep-017`).
    pub id: String,
    /// The question as asked.
    pub text: String,
    /// Its pack (`deep`).
    pub pack: String,
    /// The couple's day it belongs to, `YYYY-MM-DD`.
    pub date: String,
    /// The local person's answer.
    pub my_answer: Option<String>,
    /// The partner's answer, only once both answered.
    pub partner_answer: Option<String>,
    /// Whether the partner answered (shown as "Sam answered: answer to see it").
    pub partner_answered: bool,
    /// Whether the local person may still change their answer (until the partner answered).
    pub can_change: bool,
    /// The local person's reaction to the partner's answer.
    pub my_reaction: Option<ReactionView>,
    /// The partner's reaction to the local person's answer (only once both answered).
    pub partner_reaction: Option<ReactionView>,
}

impl QuestionView {
    /// The longest answer, in characters (the app's counter shows it; the document enforces it).
    pub const ANSWER_MAX_CHARS: usize = 2000;
}

/// A reaction to a partner's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionView {
    /// A heart.
    pub heart: bool,
    /// A short reply.
    pub reply: Option<String>,
}

/// One question pack, for the pack settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackView {
    /// The pack's name (`deep`).
    pub pack: String,
    /// What it holds, one line.
    pub description: String,
    /// How many questions it holds.
    pub questions: usize,
    /// Whether the couple chose it.
    pub chosen: bool,
}

/// A reaction form: on today's question, or on the question of `date` (`YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReactionForm {
    /// The day of the question; empty for today.
    pub date: String,
    /// Set (`Some(true)`), take back (`Some(false)`) or leave (`None`) the heart.
    pub heart: Option<bool>,
    /// A short reply; empty for none.
    pub reply: String,
}

impl ReactionForm {
    /// The longest reply, in characters: a reaction, not a second answer.
    pub const REPLY_MAX_CHARS: usize = 280;
}
