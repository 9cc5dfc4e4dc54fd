//! The `together` command line.
//!
//! Scriptable: every command exits 0 on success and non-zero with a one-line message on error, and
//! `--json` makes output machine-readable. Command forms relied on by outside checks are kept stable
//! (see `docs/cli.md`).

mod args;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use jiff::Timestamp;
use serde_json::json;
use together_core::document::{
    ActivityInput, CheckinInput, DateInput, GoalInput, LogInput, ProfileInput, RelationshipInput,
};
use together_core::domain::{
    self, Rating, Score, optional_text, parse_date, parse_time_zone, required_text,
};
use together_core::ids::{RecordId, RelationshipId};
use together_core::profile::DisplayName;

use args::{
    AccountCommand, ActivityCommand, ChallengeCommand, DateCommand, DocCommand, GoalCommand,
    LogCommand, NoteCommand, PairCommand, ProfileCommand, RelationshipCommand, SettingsCommand,
};
pub use args::{Cli, Command};

use crate::paths;
use crate::secret_store;
use crate::store::Store;
use crate::sync::Session;

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
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub fn execute(cli: &Cli) -> Result<()> {
    if cli.allow_http {
        crate::sync::server_url::allow_http(true);
    }
    let data_dir = resolve_data_dir(cli.data_dir.as_deref())?;
    let path = paths::database_path(&data_dir);
    let mut store = Store::open(&path)?;
    let now = Timestamp::now();
    let out = Output { json: cli.json };
    match &cli.command {
        Command::Init => {
            let version = store.schema_version()?;
            if cli.json {
                out.value(json!({ "database": store.path(), "schema_version": version }));
            } else {
                println!("{}", store.path().display());
            }
        }
        Command::Profile(ProfileCommand::Set(a)) => {
            let input = ProfileInput {
                name: DisplayName::parse(&a.name)?.to_string(),
                nickname: a
                    .nickname
                    .as_deref()
                    .map(|n| optional_text("nickname", n, 80))
                    .transpose()?
                    .flatten(),
                photo_url: a
                    .photo_url
                    .as_deref()
                    .map(|u| optional_text("photo URL", u, 2048))
                    .transpose()?
                    .flatten(),
                timezone: parse_time_zone(a.timezone.as_deref().unwrap_or("UTC"))?,
                love_language_primary: a.love_language.as_deref().map(str::parse).transpose()?,
                love_language_secondary: a
                    .love_language_secondary
                    .as_deref()
                    .map(str::parse)
                    .transpose()?,
            };
            let user = store.set_profile(&input, now)?;
            out.id("user", &user.to_string());
        }
        Command::Relationship(RelationshipCommand::Create(a)) => {
            let input = RelationshipInput {
                relationship_type: a.r#type.as_deref().unwrap_or("dating").parse()?,
                start_date: a
                    .start_date
                    .as_deref()
                    .map(|d| parse_date("start date", d))
                    .transpose()?,
                anniversary_date: a
                    .anniversary
                    .as_deref()
                    .map(|d| parse_date("anniversary", d))
                    .transpose()?,
                privacy_level: a.privacy.as_deref().unwrap_or("balanced").parse()?,
            };
            let id = store.create_relationship(&input, now)?;
            out.id("relationship", &id.to_string());
        }
        Command::Relationship(RelationshipCommand::Join { relationship_id }) => {
            let id: RelationshipId = relationship_id.parse()?;
            store.join_relationship(id, now)?;
            out.id("relationship", &id.to_string());
        }
        Command::Checkin(a) => {
            let date = match &a.date {
                Some(d) => parse_date("date", d)?,
                None => store.local_today(now)?,
            };
            let input = CheckinInput {
                date,
                connection: Score::new("connection", a.connection)?,
                mood: Score::new("mood", a.mood)?,
                satisfaction: Score::new("satisfaction", a.satisfaction)?,
                note: a
                    .note
                    .as_deref()
                    .map(|n| optional_text("note", n, 2000))
                    .transpose()?
                    .flatten(),
            };
            let id = store.checkin(&input, now)?;
            out.id("checkin", &id.to_string());
        }
        Command::Checkins(a) => {
            let checkins = match &a.relationship {
                None => store.visible_checkins()?,
                Some(id) => {
                    let id: RelationshipId = id.parse()?;
                    if !store
                        .relationships()?
                        .iter()
                        .any(|r| r.id == id.to_string())
                    {
                        return Err(anyhow!(
                            "you have no relationship {id} (together relationships lists yours)"
                        ));
                    }
                    store.visible_checkins_of(id)?
                }
            };
            out.list(&checkins, |c| {
                let who = if c.mine { "you" } else { "partner" };
                format!(
                    "{}  {who:<7}  connection {}  mood {}  satisfaction {}{}",
                    c.date,
                    c.connection_score,
                    c.mood_score,
                    c.relationship_satisfaction,
                    c.gratitude_note
                        .as_deref()
                        .map(|n| format!("  “{n}”"))
                        .unwrap_or_default()
                )
            });
        }
        Command::Relationships => out.list(&store.relationships()?, |r| {
            let state = match (&r.ended_at, r.current) {
                (Some(at), _) => format!("ended {}", at.get(..10).unwrap_or(at)),
                (None, true) => "current".to_owned(),
                (None, false) => "not shown".to_owned(),
            };
            let kept = if r.kept_on_device > 0 {
                format!(
                    "  ({} change(s) kept on this device only)",
                    r.kept_on_device
                )
            } else {
                String::new()
            };
            format!(
                "{}  {state:<16}  {}{kept}",
                r.id,
                r.partner
                    .as_deref()
                    .map_or("no partner yet".to_owned(), |p| format!("with {p}"))
            )
        }),
        Command::Goal(GoalCommand::Add(a)) => {
            let input = GoalInput {
                name: required_text("goal name", &a.name, 200)?,
                goal_type: a.r#type.as_deref().unwrap_or("other").parse()?,
                target_count: domain::in_range("target", a.target, 1, 1_000_000)?,
                start_date: a
                    .start_date
                    .as_deref()
                    .map(|d| parse_date("start date", d))
                    .transpose()?,
                target_date: a
                    .target_date
                    .as_deref()
                    .map(|d| parse_date("target date", d))
                    .transpose()?,
            };
            if let (Some(start), Some(end)) = (input.start_date, input.target_date)
                && end < start
            {
                return Err(anyhow!(
                    "the target date {end} is before the start date {start}"
                ));
            }
            let id = store.add_goal(&input, now)?;
            out.id("goal", &id.to_string());
        }
        Command::Goal(GoalCommand::Progress(a)) => {
            let id: RecordId = a.goal_id.parse()?;
            let by = domain::in_range("--by", a.by, -1000, 1000)?;
            if by == 0 {
                return Err(anyhow!("--by cannot be 0"));
            }
            require_record(
                &store
                    .goals()?
                    .iter()
                    .map(|g| g.id.clone())
                    .collect::<Vec<_>>(),
                &id,
                "goal",
            )?;
            store.progress_goal(id, by, now)?;
            out.ok(json!({ "id": id.to_string(), "by": by }), "progress saved");
        }
        Command::Goal(GoalCommand::List) => out.list(&store.goals()?, |g| {
            format!(
                "{}  {}/{}  {:<9}  {}",
                g.id, g.current_progress, g.target_count, g.status, g.name
            )
        }),
        Command::Activity(ActivityCommand::Add(a)) => {
            let input = ActivityInput {
                name: required_text("activity name", &a.name, 200)?,
                activity_type: a.r#type.as_deref().unwrap_or("other").parse()?,
                planned_date: a.planned.as_deref().map(args::parse_moment).transpose()?,
                duration_minutes: a
                    .duration
                    .map(|d| domain::in_range("duration", d, 0, 20160))
                    .transpose()?,
                cost_cents: a.cost.as_deref().map(args::cents).transpose()?,
            };
            let id = store.add_activity(&input, now)?;
            out.id("activity", &id.to_string());
        }
        Command::Activity(ActivityCommand::Complete(a)) => {
            let id: RecordId = a.activity_id.parse()?;
            require_record(&activity_ids(&store)?, &id, "activity")?;
            let when =
                a.at.as_deref()
                    .map(args::parse_moment)
                    .transpose()?
                    .unwrap_or(now);
            store.complete_activity(id, when, now)?;
            out.ok(
                json!({ "id": id.to_string(), "status": "completed" }),
                "activity completed",
            );
        }
        Command::Activity(ActivityCommand::Rate(a)) => {
            let id: RecordId = a.activity_id.parse()?;
            require_record(&activity_ids(&store)?, &id, "activity")?;
            let rating = Rating::new(a.rating)?;
            store.rate_activity(id, rating, now)?;
            out.ok(
                json!({ "id": id.to_string(), "rating": rating.get() }),
                "rating saved",
            );
        }
        Command::Activity(ActivityCommand::List) => out.list(&store.activities()?, |a| {
            let rating = |r: Option<i64>| r.map_or("-".to_owned(), |r| r.to_string());
            format!(
                "{}  {:<9}  ratings {}/{}  {}",
                a.id,
                a.status,
                rating(a.rating_user1),
                rating(a.rating_user2),
                a.name
            )
        }),
        Command::Date(DateCommand::Add(a)) => {
            let input = DateInput {
                date: parse_date("date", &a.date)?,
                name: required_text("name", &a.name, 200)?,
                event_type: a.r#type.as_deref().unwrap_or("other").parse()?,
                recurring: a.recurring,
                reminder_days_before: a
                    .remind_days
                    .map(|d| domain::in_range("reminder days", d, 0, 365))
                    .transpose()?,
            };
            let id = store.add_date(&input, now)?;
            out.id("date", &id.to_string());
        }
        Command::Log(LogCommand::Add(a)) => {
            let input = LogInput {
                communication_type: a.r#type.parse()?,
                topic: a
                    .topic
                    .as_deref()
                    .map(|t| optional_text("topic", t, 200))
                    .transpose()?
                    .flatten(),
                outcome: a.outcome.as_deref().map(str::parse).transpose()?,
                duration_minutes: a
                    .duration
                    .map(|d| domain::in_range("duration", d, 0, 1440))
                    .transpose()?,
                when: a
                    .at
                    .as_deref()
                    .map(args::parse_moment)
                    .transpose()?
                    .unwrap_or(now),
                follow_up_needed: a.follow_up,
            };
            let id = store.add_log(&input, now)?;
            out.id("log entry", &id.to_string());
        }
        Command::Challenge(ChallengeCommand::List) => out.list(&store.challenges()?, |c| {
            format!(
                "{}  {:<8} {:<6} {:<13} {}",
                c.id, c.challenge_type, c.difficulty_level, c.category, c.name
            )
        }),
        Command::Challenge(ChallengeCommand::Join { challenge_id }) => {
            let challenge_id: RecordId = challenge_id.parse()?;
            let id = store.join_challenge(&challenge_id.to_string(), now)?;
            out.id("participation", &id.to_string());
        }
        Command::Challenge(ChallengeCommand::Entry(a)) => {
            let date = match &a.date {
                Some(d) => parse_date("date", d)?,
                None => store.local_today(now)?,
            };
            let input = together_core::document::EntryInput {
                participation_id: a.participation_id.parse()?,
                date,
                content: a
                    .content
                    .as_deref()
                    .map(|c| optional_text("entry", c, 4000))
                    .transpose()?
                    .flatten(),
                completed: !a.not_done,
            };
            let id = store.add_challenge_entry(&input, now)?;
            out.id("entry", &id.to_string());
        }
        Command::Achievements => out.list(&store.achievements()?, |a| {
            let mark = if a.earned_date.is_some() { "★" } else { "·" };
            format!(
                "{mark} {:<28} {:>4} pts  {}",
                a.name,
                a.points,
                a.earned_date.as_deref().unwrap_or("")
            )
        }),
        Command::Notifications(a) => {
            store.refresh_reminders(now)?;
            if let Some(id) = &a.read {
                store.mark_notification_read(id, now)?;
            }
            out.list(&store.notifications()?, |n| {
                let dot = if n.is_read { " " } else { "•" };
                format!(
                    "{dot} {}  {}  {}",
                    to_the_minute(&n.created_at),
                    n.title,
                    n.message
                )
            });
        }
        Command::Note(NoteCommand::Add { text }) => {
            let text = required_text("note", text, 4000)?;
            let id = store.add_private_note(&text, now)?;
            out.id("note", &id.to_string());
        }
        Command::Note(NoteCommand::List) => {
            out.list(&store.private_notes(now)?, |n| {
                format!("{}  {}", to_the_minute(&n.created_at), n.text)
            });
        }
        Command::Settings(SettingsCommand::Show) => {
            let opt_in = store.analytics_opt_in(now)?;
            out.ok(
                json!({ "analytics_opt_in": opt_in }),
                &format!("analytics  {}", if opt_in { "on" } else { "off" }),
            );
        }
        Command::Settings(SettingsCommand::Analytics { choice }) => {
            let opt_in = choice == "on";
            store.set_analytics_opt_in(opt_in, now)?;
            out.ok(
                json!({ "analytics_opt_in": opt_in }),
                &format!("analytics {choice}"),
            );
        }
        Command::Stats => match store.stats(now)? {
            None => out.ok(
                json!(null),
                "no relationship yet: together relationship create",
            ),
            Some(s) => {
                let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
                out.ok(
                    json!(s),
                    &format!(
                        "{}\ndays together      {}\ncheck-in streak    {} day(s)\nconnection         {} (7 days) / {} (30 days)\nsatisfaction       {} (7 days) / {} (30 days)\nactivities         {} this month\nhealth score       {}",
                        s.date,
                        s.days_together,
                        s.checkin_streak,
                        show(s.average_connection_7),
                        show(s.average_connection_30),
                        show(s.average_satisfaction_7),
                        show(s.average_satisfaction_30),
                        s.activities_completed_this_month,
                        show(s.overall_health_score)
                    ),
                );
            }
        },
        Command::Export(a) => {
            if a.format != "json" {
                return Err(anyhow!(
                    "unknown export format {:?}; use --format json",
                    a.format
                ));
            }
            let export = store.export_json(now)?;
            println!("{}", serde_json::to_string_pretty(&export)?);
        }
        Command::Doc(DocCommand::Export { dir }) => {
            let files = store.export_documents(dir, now)?;
            out.ok(
                json!({ "files": files }),
                &format!("exported {} documents to {}", files.len(), dir.display()),
            );
        }
        Command::Doc(DocCommand::Import { dir }) => {
            let report = store.import_documents(dir, now)?;
            out.ok(
                json!(report),
                &format!(
                    "merged {} files; {} records changed",
                    report.files, report.changed_records
                ),
            );
        }
        Command::Account(AccountCommand::Signup {
            server,
            email,
            name,
        }) => {
            DisplayName::parse(name)?;
            let password = password("Choose a password: ")?;
            if password.chars().count() < 8 {
                return Err(anyhow!("a password needs at least 8 characters"));
            }
            let secrets = secret_store::for_data_dir(&data_dir)?;
            block_on(async {
                Session::signup(&mut store, secrets.as_ref(), server, email, name, &password)
                    .await
                    .map(drop)
            })?;
            let user = store.local_user()?.map(|u| u.to_string());
            out.ok(
                json!({ "user_id": user }),
                "signed up; your data is uploaded, encrypted",
            );
        }
        Command::Account(AccountCommand::Login { server, email }) => {
            let password = password("Password: ")?;
            let secrets = secret_store::for_data_dir(&data_dir)?;
            block_on(Session::login(
                &mut store,
                secrets.as_ref(),
                server,
                email,
                &password,
            ))?;
            let user = store.local_user()?.map(|u| u.to_string());
            out.ok(json!({ "user_id": user }), "signed in; everything is here");
        }
        Command::Account(AccountCommand::Logout) => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            block_on(Session::resume(&mut store, secrets.as_ref())?.logout())?;
            out.ok(
                json!({ "signed_out": true }),
                "signed out; your data stays on this device",
            );
        }
        Command::Pair(PairCommand::Invite) => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            let invite = block_on(async {
                Session::resume(&mut store, secrets.as_ref())?
                    .invite()
                    .await
            })?;
            out.ok(
                json!(invite),
                &format!(
                    "{}\n(give this code to your partner; it works once, until {})",
                    invite.code, invite.expires_at
                ),
            );
        }
        Command::Pair(PairCommand::Join { code }) => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            let relationship = block_on(async {
                Session::resume(&mut store, secrets.as_ref())?
                    .join(code)
                    .await
            })?;
            out.id("relationship", &relationship);
        }
        Command::Pair(PairCommand::Leave) => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            let ended =
                block_on(async { Session::resume(&mut store, secrets.as_ref())?.leave().await })?;
            out.ok(
                json!({ "left": ended.relationship_id, "kept_on_device": ended.kept_on_device }),
                &ended.left_sentence(),
            );
        }
        Command::Sync { watch: false } => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            let report =
                block_on(async { Session::resume(&mut store, secrets.as_ref())?.sync().await })?;
            out.ok(json!(report), &report_line(&report));
        }
        Command::Sync { watch: true } => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            let json = cli.json;
            block_on(async {
                let stop = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                Session::resume(&mut store, secrets.as_ref())?
                    .watch(stop, |report| {
                        if json {
                            println!("{}", json!(report));
                        } else {
                            println!("{}", report_line(report));
                        }
                    })
                    .await
            })?;
        }
        Command::Account(AccountCommand::Devices) => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            let devices = block_on(async {
                Session::resume(&mut store, secrets.as_ref())?
                    .devices()
                    .await
            })?;
            out.list(&devices, |d| {
                let here = if d.current { " (this device)" } else { "" };
                format!(
                    "{}  {}{here}  last seen {}",
                    d.device_id, d.name, d.last_seen_at
                )
            });
        }
        Command::Account(AccountCommand::Revoke { device_id }) => {
            let secrets = secret_store::for_data_dir(&data_dir)?;
            block_on(async {
                Session::resume(&mut store, secrets.as_ref())?
                    .revoke(device_id)
                    .await
            })?;
            out.ok(json!({ "revoked": device_id }), "that device is signed out");
        }
        Command::Rebuild => {
            store.rebuild(now)?;
            out.ok(
                json!({ "rebuilt": true }),
                "rebuilt every table from the documents",
            );
        }
    }
    Ok(())
}

/// One sync in words: what moved, and what needs the person's attention.
fn report_line(report: &crate::sync::SyncReport) -> String {
    let mut line = format!(
        "uploaded {}, merged {} ({} records changed)",
        report.pushed, report.pulled, report.changed_records
    );
    let count = i64::try_from(report.quarantined).unwrap_or(i64::MAX);
    if let Some(note) = together_core::view::set_aside_note(count) {
        line.push_str("; ");
        line.push_str(&note);
    }
    if let Some(blocked) = report.blocked {
        line.push_str(&format!("\n{blocked}."));
    }
    for ended in &report.ended {
        line.push('\n');
        line.push_str(&ended.learned_sentence());
    }
    line
}

/// Runs a sync future on a small runtime: the CLI is otherwise synchronous.
fn block_on<T>(future: impl Future<Output = Result<T, crate::sync::SyncError>>) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    Ok(runtime.block_on(future)?)
}

/// The password: `$TOGETHER_PASSWORD`, else asked without echo. Never a flag (it would end up in
/// shell history and process lists).
fn password(prompt: &str) -> Result<String> {
    if let Ok(password) = std::env::var("TOGETHER_PASSWORD") {
        if password.is_empty() {
            return Err(anyhow!("TOGETHER_PASSWORD is empty"));
        }
        return Ok(password);
    }
    rpassword::prompt_password(prompt)
        .context("cannot ask for the password here; set TOGETHER_PASSWORD")
}

fn activity_ids(store: &Store) -> Result<Vec<String>> {
    Ok(store.activities()?.into_iter().map(|a| a.id).collect())
}

/// Refuses an id the current relationship does not have, with a clear message.
/// `YYYY-MM-DDTHH:MM` of a stored timestamp, or the text as it is when shorter: it comes from
/// documents other devices wrote, so it is cut only where `str::get` finds a character boundary.
fn to_the_minute(timestamp: &str) -> &str {
    timestamp.get(..16).unwrap_or(timestamp)
}

fn require_record(known: &[String], id: &RecordId, what: &str) -> Result<()> {
    if known.iter().any(|k| *k == id.to_string()) {
        Ok(())
    } else {
        Err(anyhow!("there is no {what} with id {id}"))
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

/// Prints results as text or as JSON.
struct Output {
    json: bool,
}

impl Output {
    fn value(&self, value: serde_json::Value) {
        println!("{value}");
    }

    /// A created record: its id alone on a line, or `{"id": ...}`.
    fn id(&self, _what: &str, id: &str) {
        if self.json {
            self.value(json!({ "id": id }));
        } else {
            println!("{id}");
        }
    }

    fn ok(&self, value: serde_json::Value, text: &str) {
        if self.json {
            self.value(value);
        } else {
            println!("{text}");
        }
    }

    fn list<T: serde::Serialize>(&self, items: &[T], line: impl Fn(&T) -> String) {
        if self.json {
            self.value(json!(items));
        } else if items.is_empty() {
            println!("(none yet)");
        } else {
            for item in items {
                println!("{}", line(item));
            }
        }
    }
}
