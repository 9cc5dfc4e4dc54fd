//! A real `together-server` for API conformance runs (schemathesis, in `.ci/run`): billing wired
//! to a local server speaking Stripe's HTTP shape and to a local OpenAI-compatible endpoint, with a
//! test couple, a plan and a credit pack. Prints one JSON line once ready —
//! `{"base", "openapi", "token", "user_id", "relationship_id", "doc_id", "plan_id", "addon_id"}` —
//! and serves until its standard
//! input closes.
//!
//! `cargo run -p together-server --example api_conformance` (see `scripts/api-conformance.sh`)

#![allow(clippy::unwrap_used)] // The fake Stripe is test code.

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/common/fake_stripe.rs"]
mod fake_stripe;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use together_server::billing::ai::AiConfig;
use together_server::billing::store::Catalog;
use together_server::storage::SqliteStorage;
use together_server::{Config, launch};

const WEBHOOK_SECRET: &str = "whsec_conformance";

#[tokio::main]
async fn main() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let data = tempfile::tempdir()?;
    let stripe = fake_stripe::FakeStripe::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = Config {
        listen: address,
        data_dir: data.path().join("server-data"),
        ..Config::default()
    };
    config.billing.stripe_secret_key = Some(fake_stripe::SECRET_KEY.into());
    config.billing.stripe_api_base = stripe.base.clone();
    config.billing.webhook_secrets = vec![WEBHOOK_SECRET.into()];
    config.billing.ai = Some(AiConfig {
        base_url: format!("{}/ai", stripe.base),
        model: "conformance".into(),
        api_key: "".into(),
    });
    let (plan, addon);
    {
        let db = SqliteStorage::open(&config.database_path())?;
        plan = db
            .add_plan(
                "Together".into(),
                "premium".into(),
                "month".into(),
                999,
                "usd".into(),
                Some("price_conformance".into()),
                vec!["A year of history".into()],
            )
            .await?;
        addon = db
            .add_addon(
                "3 ideas".into(),
                "ai_credits".into(),
                300,
                Some("price_credits".into()),
                3,
            )
            .await?;
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(launch(config, listener, async {
        let _ = stopped.await;
    }));
    let base = format!("http://{address}");
    let http = reqwest::Client::new();
    let alice = signup(&http, &base, "alice@conformance.test").await?;
    let bob = signup(&http, &base, "bob@conformance.test").await?;
    let relationship = uuid::Uuid::now_v7().to_string();
    call(
        &http,
        &base,
        &alice.0,
        "/v1/relationships",
        json!({ "relationship_id": relationship }),
    )
    .await?;
    let secret: [u8; 16] = rand::random();
    let hash = STANDARD.encode(<sha2::Sha256 as sha2::Digest>::digest(secret));
    call(
        &http,
        &base,
        &alice.0,
        &format!("/v1/relationships/{relationship}/invites"),
        json!({ "secret_hash": hash }),
    )
    .await?;
    call(
        &http,
        &base,
        &bob.0,
        "/v1/invites/redeem",
        json!({ "secret": STANDARD.encode(secret) }),
    )
    .await?;
    println!(
        "{}",
        json!({ "base": base, "openapi": format!("{base}/v1/openapi.json"), "token": alice.0,
            "user_id": alice.1, "relationship_id": relationship,
            "doc_id": format!("rel-{relationship}"), "plan_id": plan, "addon_id": addon })
    );
    // Serve until whoever started this closes our standard input.
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
    })
    .await?;
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// Signs up `email`; returns (token, user id).
async fn signup(http: &reqwest::Client, base: &str, email: &str) -> Result<(String, String)> {
    let reply: Value = http
        .post(format!("{base}/v1/accounts"))
        .json(
            &json!({ "email": email, "auth_secret": STANDARD.encode([7_u8; 32]),
            "device_name": "conformance" }),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let field = |name: &str| {
        reply[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("signup answered no {name}: {reply}"))
    };
    Ok((field("token")?, field("user_id")?))
}

async fn call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> Result<()> {
    let reply = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    if !reply.status().is_success() {
        bail!(
            "{path} answered {}: {}",
            reply.status(),
            reply.text().await?
        );
    }
    Ok(())
}
