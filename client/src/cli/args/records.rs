//! The grammar of the record commands: check-ins, goals, activities, dates, the talk log.

use clap::{Args, Subcommand};

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
