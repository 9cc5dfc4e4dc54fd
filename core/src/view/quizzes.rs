//! The partner quizzes as screens and `together quiz` show them.

use serde::{Deserialize, Serialize};

/// Where a "know me" round stands for the person looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    /// The person has not answered (about themself) or guessed (about the partner) yet.
    YourTurn,
    /// The person did their part; the partner has not.
    WaitingForPartner,
    /// Both did: the answer and the guess are shown.
    Revealed,
}

/// A "know me" round: one partner answers about themself, the other guesses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowMeRoundView {
    /// The round's id (what `quiz know-me answer` takes).
    pub round_id: String,
    /// The catalogue item (`km-017`).
    pub item_id: String,
    /// "My ideal Sunday morning".
    pub prompt: String,
    /// The four choices (answered as 1–4 on the command line; 0–3 stored).
    pub choices: Vec<String>,
    /// Whether the round is about the person (they answer) or their partner (they guess).
    pub about_me: bool,
    /// The name of the person the round is about.
    pub subject_name: String,
    /// The person's answer (about themself) or guess (about the partner), 0–3.
    pub my_choice: Option<i64>,
    /// The partner's side: shown only once both sides exist.
    pub partner_choice: Option<i64>,
    /// Where the round stands.
    pub state: RoundState,
    /// Once revealed: whether the guess was right.
    pub correct: Option<bool>,
    /// When the round started (RFC 3339).
    pub started_at: String,
}

/// The couple's running "know me" score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowMeScore {
    /// The person's right guesses about their partner.
    pub my_right: i64,
    /// The person's revealed guesses.
    pub my_guesses: i64,
    /// The partner's right guesses about the person.
    pub partner_right: i64,
    /// The partner's revealed guesses.
    pub partner_guesses: i64,
}

/// One of the day's "this or that" pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThisOrThatView {
    /// The pair (`tt-004`).
    pub pair_id: String,
    /// The first side (pick 0, `a`).
    pub this: String,
    /// The second side (pick 1, `b`).
    pub that: String,
    /// The person's pick.
    pub my_pick: Option<i64>,
    /// The partner's pick, shown once the person picked too.
    pub partner_pick: Option<i64>,
    /// Once both picked: whether they match.
    pub matched: Option<bool>,
}

/// The Quizzes screen: the "know me" rounds the person may look at (newest first), the running
/// score, and the day's "this or that" pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizBoard {
    /// Rounds, newest first: open ones always, revealed ones as far back as the person's access
    /// allows (see [`super::quiz_round_needs_premium`]).
    pub rounds: Vec<KnowMeRoundView>,
    /// Revealed rounds older than the free window, left out because this device has no Premium
    /// (they still count in the score, and the export has them).
    pub older_rounds_hidden: usize,
    /// The running score over every revealed round.
    pub score: KnowMeScore,
    /// The day's "this or that" pairs.
    pub this_or_that: Vec<ThisOrThatView>,
    /// Whether the couple has a partner to play with (without one, the screen says so).
    pub has_partner: bool,
}
