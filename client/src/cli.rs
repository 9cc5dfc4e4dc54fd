//! The `together` command line.
//!
//! Scriptable: every command exits 0 on success and non-zero with a one-line message on error, and
//! `--json` makes output machine-readable. Command forms relied on by outside checks are kept stable
//! (see `docs/cli.md`).
//!
//! ## Layout
//! - `args`: the grammar (clap) and the `WHEN` parser.
//! - One function per command, grouped by concept: `person` (profile, settings, notes,
//!   notifications), `pairing` (relationships, invite codes), `records` (check-ins, goals,
//!   activities, dates, talk log, stats), `questions` (the question of the day), `challenges`
//!   (challenges, achievements), `data` (init,
//!   exports, `.automerge` files, rebuild), `account` (the sync server: account, devices, sync).
//!
//! A command fills the same `together_core::view` form the app sends and validates it with the
//! same feature function (`crate::goals::form`...), so a rule is written once for both.

mod account;
mod analytics;
mod args;
mod challenges;
mod data;
mod edits;
mod pairing;
mod person;
mod questions;
mod quiz;
mod records;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use jiff::Timestamp;
use serde_json::json;

use args::{
    AccountCommand, ActivityCommand, ChallengeCommand, DateCommand, DocCommand, GoalCommand,
    LogCommand, NoteCommand, PairCommand, ProfileCommand, RelationshipCommand, SettingsCommand,
};
pub use args::{Cli, Command};

use crate::paths;
use crate::store::Store;

/// Parses the process arguments, runs the command and reports errors in plain words.
pub fn run() -> ExitCode {
    // Warnings of the sync engine (an entry set aside, a snapshot ignored) go to stderr;
    // RUST_LOG chooses more.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "together_client=warn".into()),
        )
        .try_init();
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader stopped reading (`together checkins | head -3`): it had what it wanted.
        Err(error) if error.is::<ReaderGone>() => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", sentence(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once (an error that prints its source is
/// followed by that source in the chain).
fn sentence(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    let mut previous = line.clone();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        // Left out: words already said, and a cause that only restates the one before it with a
        // code ("Error code 1544: attempt to write a readonly database").
        if !line.contains(&cause) && !cause.contains(&previous) {
            line.push_str(": ");
            line.push_str(&cause);
        }
        previous = cause;
    }
    line
}

/// Standard output was closed by its reader (a pipe to `head`): the command stops printing and
/// ends quietly, with success.
#[derive(Debug, thiserror::Error)]
#[error("the reader of the output went away")]
struct ReaderGone;

/// Writes one line to standard output; a closed pipe becomes [`ReaderGone`].
fn print_line(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ReaderGone.into()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write the output")),
    }
}

/// What every command works with: the open store, where the data lives, the moment it acts at
/// and how it prints.
struct Cx {
    store: Store,
    data_dir: PathBuf,
    now: Timestamp,
    out: Output,
}

/// Runs one parsed command.
pub fn execute(cli: &Cli) -> Result<()> {
    if cli.allow_http {
        crate::sync::server_url::allow_http(true);
    }
    let data_dir = resolve_data_dir(cli.data_dir.as_deref())?;
    let mut store = Store::open(&paths::database_path(&data_dir))?;
    // What a command does is recorded as the person's `cli` usage (`crate::usage`).
    store.set_usage_device(crate::usage::DeviceType::Cli);
    let cx = &mut Cx {
        store,
        data_dir,
        now: Timestamp::now(),
        out: Output { json: cli.json },
    };
    let result = dispatch(cx, &cli.command);
    if let Err(error) = cx.store.end_usage(Timestamp::now()) {
        tracing::warn!(%error, "cannot close the usage session");
    }
    result
}

/// Runs `command` in `cx`.
fn dispatch(cx: &mut Cx, command: &Command) -> Result<()> {
    match command {
        Command::Init => data::init(cx),
        Command::Profile(ProfileCommand::Set(a)) => person::profile_set(cx, a),
        Command::Relationship(RelationshipCommand::Create(a)) => pairing::create(cx, a),
        Command::Relationship(RelationshipCommand::Join { relationship_id }) => {
            pairing::join_from_documents(cx, relationship_id)
        }
        Command::Relationship(RelationshipCommand::Edit(a)) => pairing::edit(cx, a),
        Command::Relationships => pairing::relationships(cx),
        Command::Checkin(a) => records::checkin(cx, a),
        Command::Checkins(a) => records::checkins(cx, a),
        Command::Goal(GoalCommand::Add(a)) => records::goal_add(cx, a),
        Command::Goal(GoalCommand::Progress(a)) => records::goal_progress(cx, a),
        Command::Goal(GoalCommand::List) => records::goal_list(cx),
        Command::Activity(ActivityCommand::Add(a)) => records::activity_add(cx, a),
        Command::Activity(ActivityCommand::Complete(a)) => records::activity_complete(cx, a),
        Command::Activity(ActivityCommand::Rate(a)) => records::activity_rate(cx, a),
        Command::Activity(ActivityCommand::List) => records::activity_list(cx),
        Command::Activity(ActivityCommand::Edit(a)) => edits::activity_edit(cx, a),
        Command::Activity(ActivityCommand::Delete { activity_id }) => {
            edits::activity_delete(cx, activity_id)
        }
        Command::Date(DateCommand::Add(a)) => records::date_add(cx, a),
        Command::Date(DateCommand::List) => records::date_list(cx),
        Command::Date(DateCommand::Edit(a)) => edits::date_edit(cx, a),
        Command::Date(DateCommand::Delete { date_id }) => edits::date_delete(cx, date_id),
        Command::Log(LogCommand::Add(a)) => records::log_add(cx, a),
        Command::Log(LogCommand::List) => records::log_list(cx),
        Command::Log(LogCommand::Edit(a)) => edits::log_edit(cx, a),
        Command::Log(LogCommand::Delete { log_id }) => edits::log_delete(cx, log_id),
        Command::Stats => records::stats(cx),
        Command::Challenge(ChallengeCommand::List) => challenges::list(cx),
        Command::Challenge(ChallengeCommand::Join { challenge_id }) => {
            challenges::join(cx, challenge_id)
        }
        Command::Challenge(ChallengeCommand::Entry(a)) => challenges::entry(cx, a),
        Command::Achievements => challenges::achievements(cx),
        Command::Notifications(a) => person::notifications(cx, a),
        Command::Note(NoteCommand::Add { text }) => person::note_add(cx, text),
        Command::Note(NoteCommand::List) => person::note_list(cx),
        Command::Question(command) => questions::run(cx, command),
        Command::Quiz(command) => quiz::run(cx, command),
        Command::Ping(a) => person::ping(cx, a),
        Command::Settings(SettingsCommand::Show) => person::settings_show(cx),
        Command::Settings(SettingsCommand::Analytics { choice }) => {
            analytics::switch(cx, choice == "on")
        }
        Command::Analytics(command) => analytics::run(cx, command),
        Command::Export(a) => data::export(cx, a),
        Command::Doc(DocCommand::Export { dir }) => data::doc_export(cx, dir),
        Command::Doc(DocCommand::Import { dir }) => data::doc_import(cx, dir),
        Command::Rebuild => data::rebuild(cx),
        Command::Account(AccountCommand::Signup {
            server,
            email,
            name,
            signup_code,
        }) => account::signup(cx, server, email, name, signup_code.as_deref()),
        Command::Account(AccountCommand::Login { server, email }) => {
            account::login(cx, server, email)
        }
        Command::Account(AccountCommand::Logout) => account::logout(cx),
        Command::Account(AccountCommand::Devices) => account::devices(cx),
        Command::Account(AccountCommand::Revoke { device_id }) => account::revoke(cx, device_id),
        Command::Pair(PairCommand::Invite) => pairing::invite(cx),
        Command::Pair(PairCommand::Status) => pairing::status(cx),
        Command::Pair(PairCommand::Join { code }) => pairing::join(cx, code),
        Command::Pair(PairCommand::Leave) => pairing::leave(cx),
        Command::Sync { watch: false } => account::sync(cx),
        Command::Sync { watch: true } => account::watch(cx),
    }
}

fn resolve_data_dir(flag: Option<&Path>) -> Result<PathBuf> {
    match flag {
        Some(dir) if dir.as_os_str().is_empty() => Err(anyhow!("--data-dir cannot be empty")),
        Some(dir) => Ok(dir.to_path_buf()),
        None => paths::default_data_dir()
            .context("no home directory found for the default data directory; pass --data-dir DIR"),
    }
}

/// `YYYY-MM-DDTHH:MM` of a stored timestamp, or the text as it is when shorter: it comes from
/// documents other devices wrote, so it is cut only where `str::get` finds a character boundary.
fn to_the_minute(timestamp: &str) -> &str {
    timestamp.get(..16).unwrap_or(timestamp)
}

/// Prints results as text or as JSON.
struct Output {
    json: bool,
}

impl Output {
    fn value(&self, value: serde_json::Value) -> Result<()> {
        print_line(&value.to_string())
    }

    /// Text printed as it is, in either mode (a path, a pretty JSON export).
    fn text(&self, text: &str) -> Result<()> {
        print_line(text)
    }

    /// A created record: its id alone on a line, or `{"id": ...}`.
    fn id(&self, id: &str) -> Result<()> {
        if self.json {
            self.value(json!({ "id": id }))
        } else {
            print_line(id)
        }
    }

    fn ok(&self, value: serde_json::Value, text: &str) -> Result<()> {
        if self.json {
            self.value(value)
        } else {
            print_line(text)
        }
    }

    fn list<T: serde::Serialize>(&self, items: &[T], line: impl Fn(&T) -> String) -> Result<()> {
        if self.json {
            self.value(json!(items))
        } else if items.is_empty() {
            print_line("(none yet)")
        } else {
            items.iter().try_for_each(|item| print_line(&line(item)))
        }
    }
}
