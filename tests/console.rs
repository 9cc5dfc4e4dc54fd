//! The operator console in a real browser (WebKitGTK's MiniBrowser under WebKitWebDriver, on a
//! private X display): `together-server serve` with its admin listener over TLS (a test CA made
//! here with rcgen, trusted through `acceptInsecureCerts`), seeded with accounts, a couple, a failed
//! Stripe webhook and revenue days. An operator signs in; every page shows the seeded data; a
//! webhook retry and an account disable work; a wrong password is refused; without the cookie the
//! console sends the browser to the sign-in page. Screenshots of every page, at desktop and
//! 390×844, go to `target/screenshots/console-*.png`.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use together_e2e::{ServerProcess, VirtualDisplay, app, paths};

const OPERATOR: &str = "ops@example.org";
const PASSWORD: &str = "a long operator password";
const MINI_BROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// WebKitWebDriver on a free port, stopped on drop.
struct Driver {
    process: Child,
    port: u16,
}

impl Driver {
    fn start(display: &VirtualDisplay) -> Result<Self> {
        let port = app::free_port()?;
        let mut command = Command::new(paths::tool("WebKitWebDriver")?);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let process = command
            .arg(format!("--port={port}"))
            .env("DISPLAY", &display.display)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start WebKitWebDriver")?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(Instant::now() < deadline, "WebKitWebDriver did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Self { process, port })
    }

    async fn session(&self) -> Result<Client> {
        let capabilities = json!({
            "browserName": "MiniBrowser",
            "acceptInsecureCerts": true,
            "webkitgtk:browserOptions": { "binary": MINI_BROWSER, "args": ["--automation"] },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            anyhow::bail!("capabilities must be an object");
        };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        Ok(builder
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        app::terminate(&mut self.process, true);
    }
}

/// A test CA and a certificate for 127.0.0.1 it signed, written as PEM files into `dir`.
fn make_certificates(dir: &std::path::Path) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "together console test CA");
    let ca = ca_params.self_signed(&ca_key)?;
    let key = rcgen::KeyPair::generate()?;
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let cert = params.signed_by(&key, &ca, &ca_key)?;
    let (cert_path, key_path) = (dir.join("admin-cert.pem"), dir.join("admin-key.pem"));
    std::fs::write(&cert_path, format!("{}{}", cert.pem(), ca.pem()))?;
    std::fs::write(&key_path, key.serialize_pem())?;
    std::fs::write(dir.join("ca.pem"), ca.pem())?;
    Ok((cert_path, key_path))
}

/// Signs an account up through the public API; returns (user id, token).
async fn signup(api: &str, email: &str) -> (String, String) {
    let http = reqwest::Client::new();
    let reply: serde_json::Value = http
        .post(format!("{api}/v1/accounts"))
        .json(&json!({
            "email": email, "name": "Someone",
            "auth_secret": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "device_name": "laptop",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        reply["user_id"].as_str().unwrap().to_owned(),
        reply["token"].as_str().unwrap().to_owned(),
    )
}

async fn devices_status(api: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{api}/v1/devices"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Screenshots of the current page at desktop size and at 390×844.
async fn shots(browser: &Client, name: &str) -> Result<()> {
    browser.set_window_size(1280, 900).await?;
    save(browser, &format!("console-{name}-desktop")).await?;
    browser.set_window_size(390, 844).await?;
    // The resize lands a moment later. MiniBrowser's window has a minimum width (its toolbar):
    // its page is about 447 px wide at the narrowest, so wait for that.
    let deadline = Instant::now() + Duration::from_secs(10);
    let width = loop {
        let width = browser.execute("return window.innerWidth", vec![]).await?;
        if let Some(width) = width.as_u64().filter(|w| *w < 500) {
            break width;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the window did not narrow: {width}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Nothing sticks out sideways at that width (wide tables scroll inside their own box)...
    let overflow = browser
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await?;
    anyhow::ensure!(
        overflow.as_i64() == Some(0),
        "{name}: the page is wider than the window by {overflow}"
    );
    // ...and the page is laid out at 390 CSS px (zoomed to fill the window) for the screenshot.
    browser
        .execute(
            "document.documentElement.style.zoom = String(arguments[0] / 390); \
             return await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))",
            vec![json!(width)],
        )
        .await?;
    save(browser, &format!("console-{name}-phone")).await?;
    browser
        .execute("document.documentElement.style.zoom = ''", vec![])
        .await?;
    browser.set_window_size(1280, 900).await?;
    Ok(())
}

async fn save(browser: &Client, name: &str) -> Result<()> {
    let png = browser.screenshot().await?;
    std::fs::write(paths::screenshot_dir()?.join(format!("{name}.png")), png)?;
    Ok(())
}

async fn body_text(browser: &Client) -> String {
    browser
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The body's text once `ready` holds for it (the page after a click loads a moment later).
async fn text_when(browser: &Client, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = match browser.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ready(&text) || Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sign_in(browser: &Client, admin: &str, password: &str) -> Result<()> {
    browser.goto(&format!("{admin}/sign-in")).await?;
    browser
        .find(Locator::Css("#email"))
        .await?
        .send_keys(OPERATOR)
        .await?;
    browser
        .find(Locator::Css("#password"))
        .await?
        .send_keys(password)
        .await?;
    browser
        .find(Locator::Css("#sign-in"))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
async fn the_console_works_in_a_real_browser() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server_binary = paths::built_binary("together-server", "cargo build -p together-server")?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server-data");
    let (cert, key) = make_certificates(dir.path())?;
    let admin_port = app::free_port()?;
    let port = app::free_port()?;
    let admin_listen = format!("127.0.0.1:{admin_port}");
    let server = ServerProcess::start_with_env(
        &server_binary,
        port,
        &data,
        &[
            ("TOGETHER_ADMIN_LISTEN", &admin_listen),
            ("TOGETHER_ADMIN_TLS_CERT", cert.to_str().unwrap()),
            ("TOGETHER_ADMIN_TLS_KEY", key.to_str().unwrap()),
        ],
    )?;
    let api = server.url.clone();
    let admin = format!("https://127.0.0.1:{admin_port}");

    // Seed: three accounts (the hourly billing job recomputes today and yesterday at start; the
    // assertions read older days), two of them a couple, a failed webhook, a month of revenue.
    let (alex, alex_token) = signup(&api, "alex@example.org").await;
    let (sam, _) = signup(&api, "sam@example.org").await;
    let (_kim, _) = signup(&api, "kim@example.org").await;
    let created = Command::new(&server_binary)
        .args([
            "admin",
            "create-operator",
            "--email",
            OPERATOR,
            "--data-dir",
        ])
        .arg(&data)
        .env("TOGETHER_OPERATOR_PASSWORD", PASSWORD)
        .env_remove("TOGETHER_CONFIG")
        .output()?;
    anyhow::ensure!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    {
        let db = rusqlite::Connection::open(data.join("server.sqlite3"))?;
        db.busy_timeout(Duration::from_secs(5))?;
        db.execute_batch(&format!(
            "INSERT INTO relationships (id, created_by, created_at) VALUES ('rel-couple-1', '{alex}', '2026-11-01T10:00:00.000Z');
             INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES ('rel-couple-1', '{alex}', '2026-11-01T10:00:00.000Z');
             INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES ('rel-couple-1', '{sam}', '2026-11-01T10:05:00.000Z');
             UPDATE users SET stored_bytes = 48000 WHERE id = '{alex}';
             UPDATE users SET stored_bytes = 12000 WHERE id = '{sam}';
             INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed, retry_count, received_at, last_error)
             VALUES ('w1', 'evt_console_failed', 'customer.created',
                     '{{\"id\":\"evt_console_failed\",\"type\":\"customer.created\",\"created\":1,\"data\":{{\"object\":{{\"id\":\"cus_1\"}}}}}}',
                     0, 2, '2026-11-28T09:00:00.000Z', 'database is locked');"
        ))?;
        let today = jiff::Zoned::now().date();
        for back in 0..30_i64 {
            let day = today.checked_sub(jiff::Span::new().days(back))?;
            let mrr = 50_000 + (30 - back) * 1_500;
            db.execute(
                "INSERT INTO revenue_analytics (id, analytics_date, subscription_revenue_cents, credits_revenue_cents,
                    total_revenue_cents, new_subscriptions, canceled_subscriptions, mrr_cents, arr_cents)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (analytics_date) DO UPDATE SET
                    subscription_revenue_cents = excluded.subscription_revenue_cents,
                    credits_revenue_cents = excluded.credits_revenue_cents,
                    total_revenue_cents = excluded.total_revenue_cents,
                    new_subscriptions = excluded.new_subscriptions,
                    canceled_subscriptions = excluded.canceled_subscriptions,
                    mrr_cents = excluded.mrr_cents, arr_cents = excluded.arr_cents",
                rusqlite::params![
                    format!("rev-{back}"), day.to_string(), 4_999 * (back % 3), 999 * (back % 2),
                    4_999 * (back % 3) + 999 * (back % 2) - if back == 5 { 999 } else { 0 },
                    back % 4, back % 5 / 3, mrr, mrr * 12
                ],
            )?;
        }
    }

    // Five devices reported yesterday (the default k-threshold), folded now with the admin command.
    let yesterday = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .yesterday()?
        .to_string();
    for n in 0..5_u32 {
        let mut token = format!("console{n:03}");
        while token.len() < 43 {
            token.push('A');
        }
        let status = reqwest::Client::new()
            .post(format!("{api}/v1/usage"))
            .json(&json!({ "day": yesterday, "token": token, "features": [
                { "feature": "checkin", "interactions": 2 + n, "seconds": 30 + 10 * n, "completed": n % 2 == 0 },
                { "feature": "notes", "interactions": 1, "seconds": 20, "completed": true },
            ]}))
            .send()
            .await?
            .status();
        anyhow::ensure!(status.as_u16() == 204, "usage report: {status}");
    }
    let folded = Command::new(&server_binary)
        .args(["admin", "fold-usage", "--data-dir"])
        .arg(&data)
        .env_remove("TOGETHER_CONFIG")
        .output()?;
    anyhow::ensure!(
        folded.status.success(),
        "{}",
        String::from_utf8_lossy(&folded.stderr)
    );

    let display = VirtualDisplay::start()?;
    let driver = Driver::start(&display)?;
    let browser = driver.session().await?;

    // Without a cookie, the console sends the browser to the sign-in page.
    browser.goto(&format!("{admin}/billing")).await?;
    assert!(browser.current_url().await?.path().ends_with("/sign-in"));
    shots(&browser, "sign-in").await?;

    // A wrong password is refused.
    sign_in(&browser, &admin, "not the right password").await?;
    let refused = text_when(&browser, |t| t.contains("Wrong email")).await;
    assert!(refused.contains("Wrong email or password."), "{refused}");
    assert!(browser.current_url().await?.path().ends_with("/sign-in"));

    sign_in(&browser, &admin, PASSWORD).await?;
    let overview = text_when(&browser, |t| t.contains("Couples storing the most")).await;
    assert_eq!(browser.current_url().await?.path(), "/");
    assert!(overview.contains("rel-couple-1"), "{overview}");
    assert!(overview.contains("Couples"), "{overview}");
    shots(&browser, "overview").await?;

    browser.goto(&format!("{admin}/revenue")).await?;
    let revenue = body_text(&browser).await;
    assert!(
        revenue.contains("ARR") && revenue.contains("920.00"),
        "{revenue}"
    );
    assert_eq!(browser.find_all(Locator::Css("svg.chart")).await?.len(), 4);
    shots(&browser, "revenue").await?;

    browser.goto(&format!("{admin}/usage")).await?;
    let usage = body_text(&browser).await;
    assert!(
        usage.contains("checkin") && usage.contains(&yesterday),
        "{usage}"
    );
    shots(&browser, "usage").await?;

    browser.goto(&format!("{admin}/cohorts")).await?;
    let shaded = browser
        .find_all(Locator::Css("#cohorts td[class*='heat']"))
        .await?;
    assert!(
        !shaded.is_empty(),
        "no shaded cohort cell: {}",
        body_text(&browser).await
    );
    shots(&browser, "cohorts").await?;

    browser.goto(&format!("{admin}/billing")).await?;
    let billing = body_text(&browser).await;
    assert!(
        billing.contains("evt_console_failed") && billing.contains("database is locked"),
        "{billing}"
    );
    shots(&browser, "billing").await?;
    browser
        .find(Locator::Css("#failed-webhooks button"))
        .await?
        .click()
        .await?;
    let after = text_when(&browser, |t| t.contains("No failed event.")).await;
    assert_eq!(browser.current_url().await?.path(), "/billing");
    assert!(!after.contains("evt_console_failed"), "{after}");
    assert!(after.contains("processed"), "{after}");

    browser.goto(&format!("{admin}/accounts?q=alex")).await?;
    assert!(body_text(&browser).await.contains("alex@example.org"));
    shots(&browser, "accounts").await?;
    browser
        .find(Locator::Css("#accounts a"))
        .await?
        .click()
        .await?;
    assert!(
        text_when(&browser, |t| t.contains("laptop"))
            .await
            .contains("laptop")
    );
    shots(&browser, "account").await?;
    assert_eq!(devices_status(&api, &alex_token).await, 200);
    browser.find(Locator::Css("#toggle")).await?.click().await?;
    let disabled = text_when(&browser, |t| t.contains("This account is disabled")).await;
    assert!(disabled.contains("This account is disabled"), "{disabled}");
    assert_eq!(
        devices_status(&api, &alex_token).await,
        401,
        "a disabled account's token is refused"
    );
    shots(&browser, "account-disabled").await?;
    browser
        .find(Locator::Css("a[href$='/delete']"))
        .await?
        .click()
        .await?;
    assert!(
        text_when(&browser, |t| t.contains("for good?"))
            .await
            .contains("for good?")
    );
    shots(&browser, "delete-confirm").await?;

    // Without the cookie, nothing of the console opens.
    browser.delete_all_cookies().await?;
    browser.goto(&format!("{admin}/accounts")).await?;
    assert!(browser.current_url().await?.path().ends_with("/sign-in"));

    browser.close().await?;
    drop(server);
    Ok(())
}
