//! The grammar of the couple's daily loop: challenges, notifications, notes, questions, quizzes, pings.

use clap::{Args, Subcommand};

/// `together challenge ...`
#[derive(Debug, Subcommand)]
pub enum ChallengeCommand {
    /// The catalogue of challenges.
    List,
    /// Start a challenge from the catalogue; prints the participation id.
    Join {
        /// The challenge's id (from `together challenge list`).
        challenge_id: String,
    },
    /// Add your entry for a day of a challenge you are doing; prints its id.
    Entry(EntryArgs),
}

/// `together challenge entry`
#[derive(Debug, Args)]
pub struct EntryArgs {
    /// The participation id (from `together challenge join`).
    pub participation_id: String,
    /// What you did or noticed.
    #[arg(long)]
    pub content: Option<String>,
    /// The day (YYYY-MM-DD); default: today in your time zone.
    #[arg(long)]
    pub date: Option<String>,
    /// The day's task is not done yet (the entry is a note only).
    #[arg(long)]
    pub not_done: bool,
}

/// `together notifications`
#[derive(Debug, Args)]
pub struct NotificationsArgs {
    /// Mark this notification read.
    #[arg(long, value_name = "ID", conflicts_with = "read_all")]
    pub read: Option<String>,
    /// Mark every notification read.
    #[arg(long)]
    pub read_all: bool,
}

/// `together note ...`
#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Write a private note; prints its id.
    Add {
        /// The note.
        text: String,
    },
    /// List your private notes.
    List,
}

/// `together question ...`
#[derive(Debug, Subcommand)]
pub enum QuestionCommand {
    /// Today's question, your answer, and your partner's once you both answered.
    Today,
    /// Answer today's question (you may change it until your partner answered).
    Answer {
        /// Your answer (several words are joined with spaces).
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Skip today's question for both of you, and show the next one.
    Skip,
    /// The questions you answered, newest first.
    History {
        /// Only those whose question or visible answers contain these words.
        #[arg(long, num_args = 1..)]
        search: Vec<String>,
    },
    /// The question packs, and which ones you chose.
    Packs {
        /// Choose the packs, comma-separated (for example light,deep,fun).
        #[arg(long, value_name = "PACKS")]
        set: Option<String>,
    },
    /// React to your partner's answer (today's, or --date's).
    React {
        /// Send a heart.
        #[arg(long, conflicts_with = "unheart")]
        heart: bool,
        /// Take your heart back.
        #[arg(long)]
        unheart: bool,
        /// A short reply (at most 280 characters).
        #[arg(long)]
        reply: Option<String>,
        /// The day of the question, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
    },
}

/// `together quiz ...`
#[derive(Debug, Subcommand)]
pub enum QuizCommand {
    /// "How well do you know me": one of you answers about themself, the other guesses.
    #[command(subcommand)]
    KnowMe(KnowMeCommand),
    /// "This or that": today's quick pairs; matches show once you both picked.
    #[command(subcommand)]
    ThisOrThat(ThisOrThatCommand),
    /// Find your love languages: 30 quick choices, asked one by one (or all at once with
    /// --answers); the result is set on your profile. Take it again any time.
    LoveLanguages {
        /// Every answer at once, one letter per pair in order (for example abba…, 30 letters).
        #[arg(long, value_name = "LETTERS")]
        answers: Option<String>,
    },
}

/// `together ping`
#[derive(Debug, Args)]
pub struct PingArgs {
    /// heart, hug or thinking_of_you (default).
    #[arg(long)]
    pub kind: Option<String>,
    /// A short line of your own (at most 120 characters).
    #[arg(long)]
    pub message: Option<String>,
}

/// `together quiz know-me ...`
#[derive(Debug, Subcommand)]
pub enum KnowMeCommand {
    /// Start a round about yourself: prints the round id, the question and its four answers.
    New,
    /// Answer a round: about yourself (the true answer) or about your partner (your guess).
    Answer {
        /// The round's id (from `new` or `list`).
        round: String,
        /// Your answer, 1 to 4.
        #[arg(allow_negative_numbers = true)]
        choice: i64,
    },
    /// Every round, newest first: yours to answer, your partner's to guess, revealed ones.
    List,
    /// The running score: right guesses each way.
    Score,
}

/// `together quiz this-or-that ...`
#[derive(Debug, Subcommand)]
pub enum ThisOrThatCommand {
    /// Today's pairs, your picks, and your partner's once you picked too.
    List,
    /// Pick a side of one of today's pairs.
    Pick {
        /// The pair's id (from `list`).
        pair: String,
        /// a (this) or b (that).
        side: String,
    },
}
