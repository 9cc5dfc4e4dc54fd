//! The command-line grammar of `together` (clap), and the small parsers its flags need.

use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Args, Parser, Subcommand};
use jiff::Timestamp;

/// Better Together on the command line.
#[derive(Debug, Parser)]
#[command(name = "together", version, about, long_about = None)]
pub struct Cli {
    /// Directory holding the local database (default: $TOGETHER_DATA_DIR, then the platform's data
    /// directory for Better Together).
    #[arg(long, global = true, env = "TOGETHER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Accept a plain http:// sync server on your own network (unencrypted: your sign-in secret
    /// and device token cross the network in clear). Also TOGETHER_ALLOW_HTTP=1. Loopback
    /// addresses never need it.
    #[arg(long, global = true)]
    pub allow_http: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `together`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the local database, or bring an existing one up to date, and print its path.
    Init,
    /// Your profile.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Your relationship.
    #[command(subcommand)]
    Relationship(RelationshipCommand),
    /// Check in for today (or --date): how connected, how you feel, how satisfied (1-10 each).
    Checkin(CheckinArgs),
    /// The check-ins you can see: yours, and your partner's on days you both checked in.
    Checkins(CheckinsArgs),
    /// Your relationships: the current one and those that ended (read-only, still readable).
    Relationships,
    /// Shared goals.
    #[command(subcommand)]
    Goal(GoalCommand),
    /// Shared activities.
    #[command(subcommand)]
    Activity(ActivityCommand),
    /// Important dates.
    #[command(subcommand)]
    Date(DateCommand),
    /// The talk log.
    #[command(subcommand)]
    Log(LogCommand),
    /// Challenges to take on together.
    #[command(subcommand)]
    Challenge(ChallengeCommand),
    /// The achievements, and which ones you have earned together.
    Achievements,
    /// Your notifications, newest first.
    Notifications(NotificationsArgs),
    /// Your private notes: only on your own devices, never shared with your partner.
    #[command(subcommand)]
    Note(NoteCommand),
    /// A question a day, answered alone, revealed when you both answered.
    #[command(subcommand)]
    Question(QuestionCommand),
    /// Send your partner a small gesture: "thinking of you" (or a heart, a hug), with a line of
    /// your own if you like. It shows on their devices within seconds when they are online.
    Ping(PingArgs),
    /// Quizzes: your love languages.
    #[command(subcommand)]
    Quiz(QuizCommand),
    /// Your settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// How you use the app, as recorded on this device; whether daily counts are shared.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Your relationship in numbers today: days together, streak, averages, health score.
    Stats,
    /// Everything you can see, in one file.
    Export(ExportArgs),
    /// The raw Automerge documents, for offline sync without a server.
    #[command(subcommand)]
    Doc(DocCommand),
    /// Recompute every table from the documents.
    Rebuild,
    /// Your account on a sync server.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Pair with your partner through the sync server, with an invite code.
    #[command(subcommand)]
    Pair(PairCommand),
    /// Upload your changes and fetch your partner's.
    Sync {
        /// Keep syncing: live updates from the server, local changes uploaded as soon as saved.
        #[arg(long)]
        watch: bool,
    },
}

/// `together account ...` (the password comes from $TOGETHER_PASSWORD, else a prompt; never a flag)
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account for the person using this device and upload their data, encrypted.
    Signup {
        /// The sync server, such as https://sync.example.com.
        #[arg(long)]
        server: String,
        /// Your email.
        #[arg(long)]
        email: String,
        /// Your name (used for your profile on this device; the server never sees it).
        #[arg(long)]
        name: String,
        /// A sign-up code from the server's operator, for a server that accepts new accounts only
        /// by invitation.
        #[arg(long, value_name = "CODE")]
        signup_code: Option<String>,
    },
    /// Sign this device in to your account and fetch everything.
    Login {
        /// The sync server.
        #[arg(long)]
        server: String,
        /// Your email.
        #[arg(long)]
        email: String,
    },
    /// Sign this device out.
    Logout,
    /// The devices signed in to your account.
    Devices,
    /// Sign one of your devices out (a lost phone).
    Revoke {
        /// The device's id (from `together account devices`).
        device_id: String,
    },
}

/// `together pair ...`
#[derive(Debug, Subcommand)]
pub enum PairCommand {
    /// Make an invite code for your partner (valid 7 days, once).
    Invite,
    /// Whether your newest invite code is still open, was used by your partner, or expired.
    Status,
    /// Join your partner's relationship with the invite code they gave you.
    Join {
        /// The invite code (case, spaces and dashes do not matter).
        code: String,
    },
    /// End the relationship, for both of you: it becomes read-only; your local copy stays.
    Leave,
}

/// `together profile ...`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Set your name and details (creates your identity on first use).
    Set(ProfileArgs),
}

/// `together profile set`
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Your name as your partner sees it.
    #[arg(long)]
    pub name: String,
    /// Your time zone (IANA name such as Europe/Paris; default UTC): decides which day a check-in is.
    #[arg(long)]
    pub timezone: Option<String>,
    /// A nickname.
    #[arg(long)]
    pub nickname: Option<String>,
    /// A photo URL.
    #[arg(long)]
    pub photo_url: Option<String>,
    /// Your primary love language (words_of_affirmation, quality_time, receiving_gifts,
    /// acts_of_service, physical_touch).
    #[arg(long)]
    pub love_language: Option<String>,
    /// Your secondary love language.
    #[arg(long)]
    pub love_language_secondary: Option<String>,
}

/// `together relationship ...`
#[derive(Debug, Subcommand)]
pub enum RelationshipCommand {
    /// Start your relationship in the app; your partner joins later.
    Create(RelationshipArgs),
    /// Join your partner's relationship from their documents (after `together doc import DIR`).
    Join {
        /// The relationship's id (the name of its rel-<id>.automerge file).
        relationship_id: String,
    },
    /// Change when your relationship started or your anniversary (either partner may).
    Edit(RelationshipEditArgs),
}

/// `together relationship edit`: a flag left out keeps its date; an empty value clears it.
#[derive(Debug, Args)]
pub struct RelationshipEditArgs {
    /// When you got together (YYYY-MM-DD, today at the latest; "" clears it).
    #[arg(long)]
    pub start_date: Option<String>,
    /// Your anniversary (YYYY-MM-DD; "" clears it).
    #[arg(long)]
    pub anniversary: Option<String>,
}

/// `together relationship create`
#[derive(Debug, Args)]
pub struct RelationshipArgs {
    /// dating, engaged, married, domestic_partnership, long_distance, other (default dating).
    #[arg(long)]
    pub r#type: Option<String>,
    /// When you got together (YYYY-MM-DD).
    #[arg(long)]
    pub start_date: Option<String>,
    /// Your anniversary (YYYY-MM-DD).
    #[arg(long)]
    pub anniversary: Option<String>,
    /// private, balanced or open (default balanced).
    #[arg(long)]
    pub privacy: Option<String>,
}

/// `together checkin`
#[derive(Debug, Args)]
pub struct CheckinArgs {
    /// How connected you feel, 1-10.
    #[arg(long, allow_negative_numbers = true)]
    pub connection: i64,
    /// Your mood, 1-10.
    #[arg(long, allow_negative_numbers = true)]
    pub mood: i64,
    /// How satisfied you are with the relationship, 1-10.
    #[arg(long, allow_negative_numbers = true)]
    pub satisfaction: i64,
    /// What you are grateful for.
    #[arg(long)]
    pub note: Option<String>,
    /// A note only you will see: kept on your own devices, never shared with your partner.
    #[arg(long, value_name = "TEXT")]
    pub private_note: Option<String>,
    /// The day (YYYY-MM-DD); default: today in your time zone.
    #[arg(long)]
    pub date: Option<String>,
}

/// `together checkins`
#[derive(Debug, Args)]
pub struct CheckinsArgs {
    /// A relationship of yours other than the current one, such as one that ended (ids from
    /// `together relationships`).
    #[arg(long, value_name = "ID")]
    pub relationship: Option<String>,
}

/// `together goal ...`
#[derive(Debug, Subcommand)]
pub enum GoalCommand {
    /// Add a goal; prints its id.
    Add(GoalArgs),
    /// Move a goal forward.
    Progress(GoalProgressArgs),
    /// List the goals.
    List,
}

/// `together goal add`
#[derive(Debug, Args)]
pub struct GoalArgs {
    /// What you aim for.
    #[arg(long)]
    pub name: String,
    /// How many steps make it.
    #[arg(long, allow_negative_numbers = true)]
    pub target: i64,
    /// habit, milestone, experience, financial, health, communication, other.
    #[arg(long)]
    pub r#type: Option<String>,
    /// Start (YYYY-MM-DD).
    #[arg(long)]
    pub start_date: Option<String>,
    /// Deadline (YYYY-MM-DD).
    #[arg(long)]
    pub target_date: Option<String>,
}

/// `together goal progress`
#[derive(Debug, Args)]
pub struct GoalProgressArgs {
    /// The goal's id.
    pub goal_id: String,
    /// Steps to add (negative to correct a mistake).
    #[arg(long, default_value_t = 1, allow_hyphen_values = true)]
    pub by: i64,
}

/// `together activity ...`
#[derive(Debug, Subcommand)]
pub enum ActivityCommand {
    /// Plan an activity; prints its id.
    Add(ActivityArgs),
    /// Mark an activity done.
    Complete(ActivityCompleteArgs),
    /// Rate an activity (your own rating, 1-5).
    Rate(ActivityRateArgs),
    /// List the activities.
    List,
    /// Change an activity: the flags given change, the others stay ("" clears an optional one).
    Edit(ActivityEditArgs),
    /// Delete an activity, for both of you.
    Delete {
        /// The activity's id.
        activity_id: String,
    },
}

/// `together activity edit`
#[derive(Debug, Args)]
pub struct ActivityEditArgs {
    /// The activity's id.
    pub activity_id: String,
    /// What it is.
    #[arg(long)]
    pub name: Option<String>,
    /// Its kind (as for `add`).
    #[arg(long)]
    pub r#type: Option<String>,
    /// When (YYYY-MM-DD or RFC 3339; "" makes it an idea again).
    #[arg(long)]
    pub planned: Option<String>,
    /// Minutes.
    #[arg(long, allow_negative_numbers = true)]
    pub duration: Option<i64>,
    /// Cost, such as 42.50 ("" clears it).
    #[arg(long, allow_negative_numbers = true)]
    pub cost: Option<String>,
}

/// `together activity add`
#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// What it is.
    #[arg(long)]
    pub name: String,
    /// date_night, outdoors, travel, at_home, creative, fitness, learning, social, self_care, other.
    #[arg(long)]
    pub r#type: Option<String>,
    /// When (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub planned: Option<String>,
    /// Minutes.
    #[arg(long, allow_negative_numbers = true)]
    pub duration: Option<i64>,
    /// Cost, such as 42.50.
    #[arg(long, allow_negative_numbers = true)]
    pub cost: Option<String>,
}

/// `together activity complete`
#[derive(Debug, Args)]
pub struct ActivityCompleteArgs {
    /// The activity's id.
    pub activity_id: String,
    /// When it was done (default: now).
    #[arg(long)]
    pub at: Option<String>,
}

/// `together activity rate`
#[derive(Debug, Args)]
pub struct ActivityRateArgs {
    /// The activity's id.
    pub activity_id: String,
    /// Your rating, 1-5.
    #[arg(long, allow_negative_numbers = true)]
    pub rating: i64,
}

/// `together date ...`
#[derive(Debug, Subcommand)]
pub enum DateCommand {
    /// Add an important date; prints its id.
    Add(DateArgs),
    /// List the important dates, soonest first, with what comes next of recurring ones.
    List,
    /// Change an important date: the flags given change, the others stay.
    Edit(DateEditArgs),
    /// Delete an important date, for both of you.
    Delete {
        /// The date's id.
        date_id: String,
    },
}

/// `together date edit`
#[derive(Debug, Args)]
pub struct DateEditArgs {
    /// The date's id.
    pub date_id: String,
    /// The day (YYYY-MM-DD).
    #[arg(long)]
    pub date: Option<String>,
    /// What it is.
    #[arg(long)]
    pub name: Option<String>,
    /// Its kind (as for `add`).
    #[arg(long)]
    pub r#type: Option<String>,
    /// Every year: true or false.
    #[arg(long)]
    pub recurring: Option<bool>,
    /// Remind this many days before (0-365).
    #[arg(long, allow_negative_numbers = true)]
    pub remind_days: Option<i64>,
}

/// `together date add`
#[derive(Debug, Args)]
pub struct DateArgs {
    /// The day (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
    /// What it is.
    #[arg(long)]
    pub name: String,
    /// anniversary, birthday, first_date, holiday, milestone, trip, other.
    #[arg(long)]
    pub r#type: Option<String>,
    /// Comes back every year.
    #[arg(long)]
    pub recurring: bool,
    /// Remind this many days before (0-365).
    #[arg(long, allow_negative_numbers = true)]
    pub remind_days: Option<i64>,
}

/// `together log ...`
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Log a conversation; prints its id.
    Add(LogArgs),
    /// List the talk log, newest first.
    List,
    /// Change a talk-log entry: the flags given change, the others stay ("" clears an optional
    /// one).
    Edit(LogEditArgs),
    /// Delete a talk-log entry, for both of you.
    Delete {
        /// The entry's id.
        log_id: String,
    },
}

/// `together log edit`
#[derive(Debug, Args)]
pub struct LogEditArgs {
    /// The entry's id.
    pub log_id: String,
    /// Its kind (as for `add`).
    #[arg(long)]
    pub r#type: Option<String>,
    /// What it was about.
    #[arg(long)]
    pub topic: Option<String>,
    /// How it went (as for `add`).
    #[arg(long)]
    pub outcome: Option<String>,
    /// Minutes.
    #[arg(long, allow_negative_numbers = true)]
    pub duration: Option<i64>,
    /// When (YYYY-MM-DD or RFC 3339, in the same year).
    #[arg(long)]
    pub at: Option<String>,
    /// It needs another talk: true or false.
    #[arg(long)]
    pub follow_up: Option<bool>,
}

/// `together log add`
#[derive(Debug, Args)]
pub struct LogArgs {
    /// daily_talk, deep_conversation, conflict_resolution, planning, appreciation, check_in, other.
    #[arg(long)]
    pub r#type: String,
    /// What it was about.
    #[arg(long)]
    pub topic: Option<String>,
    /// positive, neutral, resolved, unresolved, needs_follow_up.
    #[arg(long)]
    pub outcome: Option<String>,
    /// Minutes.
    #[arg(long, allow_negative_numbers = true)]
    pub duration: Option<i64>,
    /// When (YYYY-MM-DD or RFC 3339; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// It needs another talk.
    #[arg(long)]
    pub follow_up: bool,
    /// Keep this entry to yourself: on your own devices only, never shared with your partner
    /// (the choice is made now: an entry already shared cannot be taken back).
    #[arg(long)]
    pub private: bool,
}

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

/// `together settings ...`
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show your settings.
    Show,
    /// Share anonymous usage analytics: on or off (off until you opt in).
    Analytics {
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        choice: String,
    },
}

/// `together analytics ...`
#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Share daily per-feature counts (no content, no account, a new random key each day).
    On,
    /// Stop sharing: nothing leaves this device.
    Off,
    /// What this device recorded about you in the last 30 days, and whether counts are shared.
    Status,
    /// Send now the days that are due (when sharing is on).
    Upload,
    /// Delete every session, screen view and action recorded on this device.
    Delete,
}

/// `together export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format: json.
    #[arg(long)]
    pub format: String,
}

/// `together doc ...`
#[derive(Debug, Subcommand)]
pub enum DocCommand {
    /// Write every document into DIR as <id>.automerge.
    Export {
        /// Target directory (created if needed).
        dir: PathBuf,
    },
    /// Merge every <id>.automerge file of DIR into this device's documents.
    Import {
        /// Source directory.
        dir: PathBuf,
    },
}

/// A moment from `YYYY-MM-DD` (midnight UTC) or RFC 3339: the command line's `WHEN`.
pub fn parse_moment(text: &str) -> Result<Timestamp> {
    let text = text.trim();
    if let Ok(date) = together_core::domain::parse_date("date", text) {
        return Ok(date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp());
    }
    text.parse::<Timestamp>().map_err(|_| {
        anyhow!(
            "{text:?} is not a date (YYYY-MM-DD) or a time (RFC 3339, such as 2026-11-25T19:30:00Z)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_accept_days_and_rfc3339() {
        assert_eq!(
            parse_moment("2026-11-25").unwrap().to_string(),
            "2026-11-25T00:00:00Z"
        );
        assert!(parse_moment("2026-11-25T19:30:00+01:00").is_ok());
        assert!(parse_moment("tomorrow").is_err());
    }
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
