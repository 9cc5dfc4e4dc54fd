//! Feeds a folder of Stripe webhook events to a real `together-server`, signed with Stripe's
//! scheme: in order (by `created`), shuffled, and with every event twice. Every delivery must be
//! acknowledged (2xx) and the three final billing states must be identical.
//!
//! `cargo run -p together-server --example stripe_fixtures -- DIR`
//! (`.ci/run` runs it on `../shared/fixtures/stripe-events` when that folder exists.)

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde_json::Value;
use together_server::billing::signature::sign;
use together_server::billing::store::BillingLedger;
use together_server::billing::store::Ledger;
use together_server::storage::SqliteStorage;
use together_server::{Config, launch};

const SECRET: &str = "whsec_fixture_feed";

/// A file and its bytes.
type Delivery = (String, Vec<u8>);
/// The files that share one event id.
type Group = (String, Vec<Delivery>);

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .context("usage: stripe_fixtures DIR")?;
    let mut events: Vec<(i64, String, Vec<u8>)> = Vec::new();
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
    {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let body = std::fs::read(&path)?;
        let value: Value = serde_json::from_slice(&body)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let created = value.get("created").and_then(Value::as_i64).unwrap_or(0);
        events.push((created, path.display().to_string(), body));
    }
    if events.is_empty() {
        bail!("no .json events in {}", dir.display());
    }
    events.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    // Some sample files reuse one event id for different payloads. Stripe never does; the server
    // keeps the first it receives under an id and acknowledges the rest as duplicates. So files
    // sharing an id travel together, in file order, and the shuffle moves whole groups.
    let mut groups: Vec<Group> = Vec::new();
    for (_, file, body) in &events {
        let id = serde_json::from_slice::<Value>(body)?
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, members)) => members.push((file.clone(), body.clone())),
            None => groups.push((id, vec![(file.clone(), body.clone())])),
        }
    }
    let flatten = |groups: &[Group]| -> Vec<Delivery> {
        groups
            .iter()
            .flat_map(|(_, members)| members.clone())
            .collect()
    };
    let in_order = flatten(&groups);
    let mut shuffled_groups = groups.clone();
    shuffled_groups.shuffle(&mut rand::rngs::StdRng::seed_from_u64(20261125));
    let shuffled = flatten(&shuffled_groups);
    let doubled: Vec<_> = in_order
        .iter()
        .flat_map(|e| [e.clone(), e.clone()])
        .collect();

    let reference = feed("in order", &in_order).await?;
    for (name, sequence) in [("shuffled", &shuffled), ("each twice", &doubled)] {
        let state = feed(name, sequence).await?;
        if state != reference {
            bail!(
                "delivered {name}, the final billing state differs from in order:\n{state:#?}\nvs\n{reference:#?}"
            );
        }
    }
    println!(
        "stripe fixtures: {} files ({} distinct event ids) acknowledged in order, shuffled and twice; identical final state ({} subscription row(s), {} payment row(s))",
        in_order.len(),
        groups.len(),
        reference.subscriptions.len(),
        reference.payments.len()
    );
    Ok(())
}

/// Runs a fresh server, delivers `events` signed, and returns the final billing state.
async fn feed(name: &str, events: &[Delivery]) -> Result<BillingLedger> {
    let data = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = Config {
        listen: address,
        data_dir: data.path().join("server-data"),
        ..Config::default()
    };
    config.billing.webhook_secrets = vec![SECRET.into()];
    let database_path = config.database_path();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(launch(config, listener, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    for (file, body) in events {
        let t = jiff::Timestamp::now().as_second();
        let response = http
            .post(format!("http://{address}/v1/stripe/webhook"))
            .header(
                "Stripe-Signature",
                format!("t={t},v1={}", sign(SECRET, t, body)),
            )
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "{name}: {file} was answered {status}: {}",
                response.text().await?
            );
        }
    }
    let _ = stop.send(());
    server.await??;
    Ok(SqliteStorage::open(&database_path)?
        .billing_ledger()
        .await?)
}
