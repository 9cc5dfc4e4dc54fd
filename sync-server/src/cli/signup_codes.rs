//! `together-server admin …`: the operator's commands about accounts — the sign-up codes an
//! invite-only server asks for ([`crate::registration`]) — and about how the app is used (usage
//! figures and cohorts, [`super::usage`]).

use anyhow::{Result, bail};
use clap::Subcommand;

use super::Place;
use super::admin::{open, print_list};
use crate::registration::{self, MAX_USES};

/// `together-server admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Sign-up codes for `--registration invite-only`.
    #[command(subcommand)]
    SignupCode(SignupCodeCommand),
    /// Opt-in usage figures per feature and day, newest day first (only days with at least
    /// usage_k_threshold reporting devices).
    Usage(super::usage::UsageArgs),
    /// Weekly sign-up cohorts: per week since sign-up, how many were active and paying.
    Cohorts(super::usage::CohortsArgs),
    /// Folds the usage reports and recomputes the cohorts now (the server does it every 10
    /// minutes).
    FoldUsage(super::usage::FoldArgs),
}

/// `together-server admin signup-code …`.
#[derive(Debug, Subcommand)]
pub enum SignupCodeCommand {
    /// Makes a sign-up code and prints it (shown this once: only its hash is stored).
    Create {
        /// Configuration file and data directory.
        #[command(flatten)]
        place: Place,
        /// How many accounts it may create.
        #[arg(long, default_value_t = 1)]
        uses: i64,
    },
    /// Lists the codes: id, uses, when made and last used (never the codes themselves).
    List {
        /// Configuration file and data directory.
        #[command(flatten)]
        place: Place,
        /// Prints one JSON array instead of lines.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an `admin` command.
pub async fn run(command: AdminCommand) -> Result<()> {
    match command {
        AdminCommand::Usage(args) => super::usage::usage(args).await?,
        AdminCommand::Cohorts(args) => super::usage::cohorts(args).await?,
        AdminCommand::FoldUsage(args) => super::usage::fold(args).await?,
        AdminCommand::SignupCode(SignupCodeCommand::Create { place, uses }) => {
            if !(1..=MAX_USES).contains(&uses) {
                bail!("--uses must be 1 to {MAX_USES}");
            }
            let database = open(&place).await?;
            let (code, hash) = registration::new_code();
            let now = crate::clock::stamp(jiff::Timestamp::now());
            database
                .create_signup_code(crate::storage::new_id(), hash, uses, now)
                .await?;
            eprintln!(
                "a sign-up code for {uses} account(s); it is shown only now (people give it with \
                 `together account signup … --signup-code CODE` or in the app's sign-up form):"
            );
            println!("{code}");
        }
        AdminCommand::SignupCode(SignupCodeCommand::List { place, json }) => {
            let codes = open(&place).await?.signup_codes().await?;
            print_list(json, &codes, |code| {
                format!(
                    "{}  used {}/{}  made {}  last used {}",
                    code.id,
                    code.uses,
                    code.max_uses,
                    code.created_at,
                    code.last_used_at.as_deref().unwrap_or("never")
                )
            })?;
        }
    }
    Ok(())
}
