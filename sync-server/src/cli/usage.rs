//! `together-server admin usage | cohorts | fold-usage`: what the operator sees of how the app is
//! used — the opt-in usage figures through the k-threshold, and the weekly sign-up cohorts.

use anyhow::{Result, bail};

use super::Place;
use super::admin::{open_with, print_list};
use crate::config::Overrides;
use crate::storage::usage::feature_usage;

/// The most days `admin usage` lists (folded rows are kept for good; this bounds one listing).
pub const MAX_DAYS: u16 = 3660;

/// `together-server admin usage`.
#[derive(Debug, clap::Args)]
pub struct UsageArgs {
    /// Configuration file and data directory.
    #[command(flatten)]
    place: Place,
    /// How many days back from today (UTC) to list.
    #[arg(long, default_value_t = 30)]
    days: u16,
    /// The least number of reporting devices a feature's day needs to be listed (at least 2)
    /// [default: the configuration's usage_k_threshold, else 5].
    #[arg(long, env = "TOGETHER_USAGE_K_THRESHOLD")]
    usage_k_threshold: Option<u32>,
    /// Prints one JSON array instead of lines.
    #[arg(long)]
    json: bool,
}

/// `together-server admin cohorts`.
#[derive(Debug, clap::Args)]
pub struct CohortsArgs {
    /// Configuration file and data directory.
    #[command(flatten)]
    place: Place,
    /// Prints one JSON array instead of lines.
    #[arg(long)]
    json: bool,
}

/// `together-server admin fold-usage`.
#[derive(Debug, clap::Args)]
pub struct FoldArgs {
    /// Configuration file and data directory.
    #[command(flatten)]
    place: Place,
}

/// A share as a percentage for people.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Lists the k-filtered usage figures.
pub async fn usage(args: UsageArgs) -> Result<()> {
    if !(1..=MAX_DAYS).contains(&args.days) {
        bail!("--days must be 1 to {MAX_DAYS}");
    }
    let (config, db) = open_with(
        &args.place,
        Overrides {
            usage_k_threshold: args.usage_k_threshold,
            ..Overrides::default()
        },
    )
    .await?;
    let today = config.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let k = config.usage_k_threshold;
    let rows = feature_usage(&*db, today, args.days, k).await?;
    if !args.json {
        eprintln!(
            "features used per day, only days with at least {} reporting devices (usage_k_threshold)",
            k.get()
        );
    }
    print_list(args.json, &rows, |row| {
        format!(
            "{}  {:<15} devices {:>5}  active {:>5}  interactions {:>6}  avg time {}  completed {}",
            row.date,
            row.feature,
            row.total_users,
            row.active_users,
            row.total_interactions,
            row.average_time_spent_seconds
                .map_or_else(|| "-".to_owned(), |s| format!("{s:.0} s")),
            row.completion_rate.map_or_else(|| "-".to_owned(), percent),
        )
    })
}

/// Lists the cohorts.
pub async fn cohorts(args: CohortsArgs) -> Result<()> {
    let (_, db) = open_with(&args.place, Overrides::default()).await?;
    let rows = db.user_cohorts().await?;
    print_list(args.json, &rows, |row| {
        format!(
            "{}  week {:>3}  accounts {:>5}  active {:>5} ({})  paying {:>5}",
            row.cohort_week,
            row.weeks_since_signup,
            row.cohort_size,
            row.active_users,
            percent(row.retention_rate),
            row.paying_users,
        )
    })
}

/// Folds usage reports and recomputes cohorts now.
pub async fn fold(args: FoldArgs) -> Result<()> {
    let (config, db) = open_with(&args.place, Overrides::default()).await?;
    let now = config.clock.now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let rows = crate::storage::usage::fold_usage(&*db, today).await?;
    let cohorts = crate::storage::usage::compute_cohorts(&*db, now).await?;
    eprintln!("folded {rows} feature-day rows; {cohorts} cohort rows computed");
    Ok(())
}
