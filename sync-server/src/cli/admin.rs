//! Admin commands: plans, add-ons, discount codes and revenue analytics, run against the server's
//! database, SQLite or PostgreSQL (`--database-url`), safe while servers run: each change is
//! one transaction.

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;

use super::Place;
use crate::billing::store::DiscountCode;
use crate::billing::store::discounts::check_new_code;

/// The longest span `revenue` reads or rewrites at once: ten years of days.
const MAX_REVENUE_DAYS: i32 = 3660;

/// `--from` must not be after `--to`, and one run covers at most [`MAX_REVENUE_DAYS`].
fn check_range(from: jiff::civil::Date, to: jiff::civil::Date) -> Result<()> {
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let days = (to - from).get_days();
    if days >= MAX_REVENUE_DAYS {
        bail!("--from {from} to --to {to} is more than {MAX_REVENUE_DAYS} days; run it in parts");
    }
    Ok(())
}

/// How a plan or add-on stands for couples, in the listing's words.
fn sale_state(active: bool, has_price: bool) -> &'static str {
    match (active, has_price) {
        (true, true) => "on sale",
        (true, false) => "not sold (no Stripe price)",
        (false, _) => "off sale",
    }
}
use crate::config::{Config, Overrides};
use crate::storage::Storage;

pub(super) async fn open(place: &Place) -> Result<std::sync::Arc<dyn Storage>> {
    Ok(open_with(place, Overrides::default()).await?.1)
}

/// Like [`open`], with more settings from the command line; also returns the configuration.
pub(super) async fn open_with(
    place: &Place,
    more: Overrides,
) -> Result<(Config, std::sync::Arc<dyn Storage>)> {
    let config = Config::load(
        place.config.as_deref(),
        Overrides {
            data_dir: place.data_dir.clone(),
            database_url: place.database_url.clone(),
            ..more
        },
    )?;
    // stdout stays clean for --json and ids: where the data is goes to stderr.
    eprintln!(
        "using the server database {}",
        crate::storage::describe(&config)
    );
    let storage = crate::storage::open_existing(&config).await?;
    Ok((config, storage))
}

/// Prints a listing: one JSON array with `--json` (for scripts), else one line per item.
pub(super) fn print_list<T: serde::Serialize>(
    json: bool,
    items: &[T],
    line: impl Fn(&T) -> String,
) -> Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(items).context("cannot print")?
        );
    } else {
        for item in items {
            println!("{}", line(item));
        }
    }
    Ok(())
}

fn one_of<'a>(what: &str, value: &'a str, allowed: &[&str]) -> Result<&'a str> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        bail!(
            "{what} must be one of {} (got {value:?})",
            allowed.join(", ")
        )
    }
}

/// `together-server plans …`.
#[derive(Debug, Subcommand)]
pub enum PlansCommand {
    /// Adds a plan; prints its id.
    Add {
        #[command(flatten)]
        place: Place,
        /// Name shown to couples.
        #[arg(long)]
        name: String,
        /// premium, premium_plus or lifetime.
        #[arg(long = "type", default_value = "premium")]
        plan_type: String,
        /// month, year or one_time.
        #[arg(long, default_value = "month")]
        period: String,
        /// Price in cents.
        #[arg(long, allow_negative_numbers = true)]
        price_cents: i64,
        /// ISO currency.
        #[arg(long, default_value = "usd")]
        currency: String,
        /// The Stripe price (price_…) Checkout charges.
        #[arg(long)]
        stripe_price: Option<String>,
        /// What it includes (repeat).
        #[arg(long = "feature")]
        features: Vec<String>,
    },
    /// Lists plans, on sale or not.
    List {
        #[command(flatten)]
        place: Place,
        /// Prints one JSON array instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Takes a plan off sale (subscribers keep it).
    Deactivate {
        #[command(flatten)]
        place: Place,
        /// Plan id.
        id: String,
    },
    /// Puts a plan back on sale.
    Activate {
        #[command(flatten)]
        place: Place,
        /// Plan id.
        id: String,
    },
}

/// Runs a `plans` command.
pub async fn plans(command: PlansCommand) -> Result<()> {
    match command {
        PlansCommand::Add {
            place,
            name,
            plan_type,
            period,
            price_cents,
            currency,
            stripe_price,
            features,
        } => {
            one_of(
                "--type",
                &plan_type,
                &["premium", "premium_plus", "lifetime"],
            )?;
            one_of("--period", &period, &["month", "year", "one_time"])?;
            if !(0..=100_000_000).contains(&price_cents) {
                bail!("--price-cents must be between 0 and 100000000");
            }
            if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
                bail!("--currency must be a three-letter ISO code such as usd");
            }
            if name.trim().is_empty() {
                bail!("--name cannot be empty");
            }
            let id = open(&place)
                .await?
                .add_plan(
                    name.trim().to_owned(),
                    plan_type,
                    period,
                    price_cents,
                    currency,
                    stripe_price,
                    features,
                )
                .await?;
            println!("{id}");
        }
        PlansCommand::List { place, json } => {
            let plans = open(&place).await?.plans(false).await?;
            print_list(json, &plans, |plan| {
                format!(
                    "{}  {:<20} {:<12} {:>8} {} / {:<8} {}  {}",
                    plan.id,
                    plan.name,
                    plan.plan_type,
                    plan.price_cents,
                    plan.currency,
                    plan.billing_period,
                    plan.stripe_price_id.as_deref().unwrap_or("-"),
                    sale_state(plan.is_active, plan.stripe_price_id.is_some())
                )
            })?;
        }
        PlansCommand::Deactivate { place, id } => {
            open(&place).await?.set_plan_active(id, false).await?;
            println!("off sale");
        }
        PlansCommand::Activate { place, id } => {
            open(&place).await?.set_plan_active(id, true).await?;
            println!("on sale");
        }
    }
    Ok(())
}

/// `together-server addons …`.
#[derive(Debug, Subcommand)]
pub enum AddonsCommand {
    /// Adds an add-on; prints its id.
    Add {
        #[command(flatten)]
        place: Place,
        /// Name.
        #[arg(long)]
        name: String,
        /// ai_credits, feature, content_pack or theme.
        #[arg(long = "type", default_value = "ai_credits")]
        addon_type: String,
        /// Price in cents.
        #[arg(long, allow_negative_numbers = true)]
        price_cents: i64,
        /// The Stripe price.
        #[arg(long)]
        stripe_price: Option<String>,
        /// Credits granted (AI-credit packs).
        #[arg(long, default_value_t = 0)]
        credits: i64,
    },
    /// Lists add-ons, on sale or not.
    List {
        #[command(flatten)]
        place: Place,
        /// Prints one JSON array instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Takes an add-on off sale (what people bought stays theirs).
    Deactivate {
        #[command(flatten)]
        place: Place,
        /// Add-on id.
        id: String,
    },
    /// Puts an add-on back on sale.
    Activate {
        #[command(flatten)]
        place: Place,
        /// Add-on id.
        id: String,
    },
}

/// Runs an `addons` command.
pub async fn addons(command: AddonsCommand) -> Result<()> {
    match command {
        AddonsCommand::Add {
            place,
            name,
            addon_type,
            price_cents,
            stripe_price,
            credits,
        } => {
            one_of(
                "--type",
                &addon_type,
                &["ai_credits", "feature", "content_pack", "theme"],
            )?;
            if addon_type == "ai_credits" && !(1..=1_000_000).contains(&credits) {
                bail!("an ai_credits pack needs --credits between 1 and 1000000");
            }
            if price_cents < 0 || name.trim().is_empty() {
                bail!("--name cannot be empty and --price-cents cannot be negative");
            }
            let id = open(&place)
                .await?
                .add_addon(
                    name.trim().to_owned(),
                    addon_type,
                    price_cents,
                    stripe_price,
                    credits,
                )
                .await?;
            println!("{id}");
        }
        AddonsCommand::List { place, json } => {
            let addons = open(&place).await?.addons(false).await?;
            print_list(json, &addons, |addon| {
                format!(
                    "{}  {:<20} {:<12} {:>8}  {} credits  {}  {}",
                    addon.id,
                    addon.name,
                    addon.addon_type,
                    addon.price_cents,
                    addon.credits,
                    addon.stripe_price_id.as_deref().unwrap_or("-"),
                    sale_state(addon.is_active, addon.stripe_price_id.is_some())
                )
            })?;
        }
        AddonsCommand::Deactivate { place, id } => {
            open(&place).await?.set_addon_active(id, false).await?;
            println!("off sale");
        }
        AddonsCommand::Activate { place, id } => {
            open(&place).await?.set_addon_active(id, true).await?;
            println!("on sale");
        }
    }
    Ok(())
}

/// `together-server discounts …`.
#[derive(Debug, Subcommand)]
pub enum DiscountsCommand {
    /// Creates a code; prints its id.
    Create {
        #[command(flatten)]
        place: Place,
        /// What people type (3–40 characters, any case).
        #[arg(long)]
        code: String,
        /// Percent off (1–100).
        #[arg(long, conflicts_with = "amount_cents")]
        percent: Option<i64>,
        /// Cents off.
        #[arg(long)]
        amount_cents: Option<i64>,
        /// Most redemptions.
        #[arg(long)]
        max_uses: Option<i64>,
        /// Last day it works (YYYY-MM-DD, inclusive) or an RFC 3339 time.
        #[arg(long)]
        valid_until: Option<String>,
        /// The Stripe coupon Checkout applies for this code.
        #[arg(long)]
        stripe_coupon: String,
    },
    /// Lists codes and their uses.
    List {
        #[command(flatten)]
        place: Place,
        /// Prints one JSON array instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Stops a code from working at checkout (uses so far stay counted).
    Deactivate {
        #[command(flatten)]
        place: Place,
        /// The code (any case).
        code: String,
    },
    /// Lets a code work again.
    Activate {
        #[command(flatten)]
        place: Place,
        /// The code (any case).
        code: String,
    },
}

/// Runs a `discounts` command.
pub async fn discounts(command: DiscountsCommand) -> Result<()> {
    match command {
        DiscountsCommand::Create {
            place,
            code,
            percent,
            amount_cents,
            max_uses,
            valid_until,
            stripe_coupon,
        } => {
            let (discount_type, discount_value) = match (percent, amount_cents) {
                (Some(p), None) if (1..=100).contains(&p) => ("percent", p),
                (None, Some(a)) if a > 0 => ("amount", a),
                _ => bail!("give --percent 1–100 or --amount-cents above 0"),
            };
            if max_uses.is_some_and(|m| m < 1) {
                bail!("--max-uses must be at least 1");
            }
            let valid_until = valid_until
                .map(|v| -> Result<String> {
                    if let Ok(day) = v.parse::<jiff::civil::Date>() {
                        return Ok(format!("{day}T23:59:59.999Z"));
                    }
                    let at: jiff::Timestamp = v.parse().map_err(|_| {
                        anyhow!("--valid-until {v:?} is neither a date nor an RFC 3339 time")
                    })?;
                    Ok(crate::billing::store::stamp(at.as_second()))
                })
                .transpose()?;
            let new = DiscountCode {
                id: String::new(),
                code,
                discount_type: discount_type.into(),
                discount_value,
                max_uses,
                current_uses: 0,
                valid_until,
                stripe_coupon_id: Some(stripe_coupon),
                is_active: true,
            };
            let now = crate::billing::store::stamp(jiff::Timestamp::now().as_second());
            check_new_code(&new, &now).map_err(|message| anyhow!(message))?;
            let id = open(&place).await?.create_discount(new).await?;
            println!("{id}");
        }
        DiscountsCommand::List { place, json } => {
            let codes = open(&place).await?.discounts().await?;
            print_list(json, &codes, |code| {
                format!(
                    "{:<16} {:>4} {:<7} used {}/{}  until {}  {}",
                    code.code,
                    code.discount_value,
                    code.discount_type,
                    code.current_uses,
                    code.max_uses.map_or("∞".to_owned(), |m| m.to_string()),
                    code.valid_until.as_deref().unwrap_or("-"),
                    if code.is_active { "active" } else { "inactive" }
                )
            })?;
        }
        DiscountsCommand::Deactivate { place, code } => {
            open(&place).await?.set_discount_active(code, false).await?;
            println!("inactive");
        }
        DiscountsCommand::Activate { place, code } => {
            open(&place).await?.set_discount_active(code, true).await?;
            println!("active");
        }
    }
    Ok(())
}

/// `together-server revenue …`.
#[derive(Debug, Subcommand)]
pub enum RevenueCommand {
    /// Recomputes the daily figures from the raw rows.
    Recompute {
        #[command(flatten)]
        place: Place,
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: jiff::civil::Date,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        to: jiff::civil::Date,
    },
    /// Prints the daily figures as JSON lines.
    Show {
        #[command(flatten)]
        place: Place,
        /// First day.
        #[arg(long)]
        from: jiff::civil::Date,
        /// Last day.
        #[arg(long)]
        to: jiff::civil::Date,
    },
}

/// Runs a `revenue` command.
pub async fn revenue(command: RevenueCommand) -> Result<()> {
    match command {
        RevenueCommand::Recompute { place, from, to } => {
            check_range(from, to)?;
            let days = open(&place).await?.recompute_revenue(from, to).await?;
            println!(
                "recomputed {days} {}",
                if days == 1 { "day" } else { "days" }
            );
        }
        RevenueCommand::Show { place, from, to } => {
            check_range(from, to)?;
            for day in open(&place).await?.revenue(from, to).await? {
                println!("{}", serde_json::to_string(&day).context("cannot print")?);
            }
        }
    }
    Ok(())
}
