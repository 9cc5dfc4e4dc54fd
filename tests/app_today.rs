//! End to end: the built app, in real WebKit under a private X display, reads the local SQLite store
//! through a Tauri command and shows the Today screen.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use anyhow::Result;
use together_client::{Store, paths as client_paths};
use together_e2e::{TauriDriver, VirtualDisplay, paths};

/// Creates a migrated store in `dir` holding a person named `name` who uses this device.
fn seed_profile(dir: &std::path::Path, name: &str) -> Result<()> {
    let db = client_paths::database_path(dir);
    drop(Store::open(&db)?);
    let conn = rusqlite::Connection::open(&db)?;
    let now = "2026-11-25T09:00:00.000Z";
    conn.execute(
        "INSERT INTO users (id, name, timezone, created_at, updated_at)
         VALUES ('0193a0f0-0000-7000-8000-000000000001', ?1, 'Europe/Paris', ?2, ?2)",
        (name, now),
    )?;
    conn.execute(
        "INSERT INTO app_settings (key, value, updated_at)
         VALUES ('local_user_id', '0193a0f0-0000-7000-8000-000000000001', ?1)",
        [now],
    )?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn today_screen_shows_what_the_local_store_holds() -> Result<()> {
    let app = paths::built_binary("together-app", "bash scripts/build-app.sh")?;
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display)?;

    // A first launch on an empty data directory: the app creates the store and invites to set up a
    // profile.
    let fresh = tempfile::tempdir()?;
    let fresh_dir = fresh.path().to_str().expect("temp paths are UTF-8");
    let session = driver.launch(&app, &["--data-dir", fresh_dir]).await?;
    let headline = session
        .wait_for_text("#today-headline", "#today-error")
        .await?;
    assert!(
        headline.contains("Set up your profile") && !headline.contains("Welcome"),
        "unexpected headline on a fresh install (the title already says Welcome): {headline:?}"
    );
    assert_eq!(session.text("#onboarding-title").await?, "Welcome");
    session.screenshot("today-new-user").await?;
    session.close().await?;
    let created = Store::open(&client_paths::database_path(fresh.path()))?;
    assert_eq!(
        created.schema_version()?,
        Store::supported_schema_version(),
        "the app should have created and migrated the store"
    );

    // A store that knows who uses the device: the greeting comes from SQLite, by name.
    let profiled = tempfile::tempdir()?;
    seed_profile(profiled.path(), "Alice Émilie")?;
    let profiled_dir = profiled.path().to_str().expect("temp paths are UTF-8");
    let session = driver
        .launch(
            &app,
            &[
                "--data-dir",
                profiled_dir,
                "--server",
                "http://127.0.0.1:8787",
            ],
        )
        .await?;
    let headline = session
        .wait_for_text("#today-headline", "#today-error")
        .await?;
    assert_eq!(headline, "Hello, Alice Émilie");
    let date = session
        .attribute("#today-date", "datetime")
        .await?
        .unwrap_or_default();
    let date = jiff::civil::Date::strptime("%Y-%m-%d", &date)?;
    assert_eq!(
        session.text("#today-date").await?,
        date.strftime("%A, %B %-d").to_string()
    );
    let today = jiff::Zoned::now().date();
    assert!(
        (date - today).get_days().abs() <= 1,
        "the screen's date {date} is not today ({today})"
    );
    assert_eq!(
        session.text("#today-sync").await?,
        "Sync server: http://127.0.0.1:8787"
    );
    session.screenshot("today-profile-desktop").await?;
    session.resize(390, 844).await?;
    session.screenshot("today-profile-390x844").await?;
    session.close().await?;
    Ok(())
}
