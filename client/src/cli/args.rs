//! The command-line grammar of `together` (clap), and the small parsers its flags need.

use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Args, Parser, Subcommand};
use jiff::Timestamp;

mod daily;
mod data;
mod records;

pub use daily::*;
pub use data::*;
pub use records::*;

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
