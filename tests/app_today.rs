//! End to end: the built app, in real WebKit under a private X display, reads the local SQLite store
//! through a Tauri command and shows the Today screen.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::time::Duration;

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
    // Today names no server: where data syncs is Settings' business.
    session.wait_for("#today-streak").await?;
    let page = session.text("#screen-today").await?;
    assert!(!page.contains("127.0.0.1"), "{page}");
    assert!(!session.exists("#today-sync").await);
    // Alone, the streak is the person's own.
    let streak = session.text("#today-streak").await?;
    assert!(!streak.contains("together"), "{streak}");
    session.screenshot("today-profile-desktop").await?;
    session.resize(390, 844).await?;
    session.screenshot("today-profile-390x844").await?;
    session.close().await?;
    Ok(())
}

/// One person alone, start to finish of what #12 §2, §3 and §5 changed: labels, the streak alone,
/// dates picked without an input event, feedback beside Export that fades, a locked year that
/// says why, labelled heat-map squares and a visible focus ring on the sliders.
#[tokio::test(flavor = "multi_thread")]
async fn alone_the_words_feedback_and_pickers_make_sense() -> Result<()> {
    let app = paths::built_binary("together-app", "bash scripts/build-app.sh")?;
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display)?;
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().to_str().expect("temp paths are UTF-8");
    let me = driver.launch(&app, &["--data-dir", data_dir]).await?;
    let t = Duration::from_secs(30);

    // Love languages read like "Not sure yet" beside them.
    me.wait_for("#profile-love1").await?;
    let options = me.text("#profile-love1").await?;
    assert!(options.contains("Quality time"), "{options}");
    assert!(
        !options.contains('_') && !options.contains("quality time"),
        "{options}"
    );
    // The time zone is picked from a searchable list, the device's zone preselected; leaving the
    // field without picking keeps it.
    let value = "return document.querySelector('#profile-timezone').value;";
    let device_zone = me.script(value, vec![]).await?;
    let zone = device_zone.as_str().unwrap_or_default().to_owned();
    assert!(!zone.is_empty(), "the device's zone is preselected");
    // Select what the field shows, then type: the search replaces it.
    let select = "document.querySelector('#profile-timezone').select();";
    me.click("#profile-timezone").await?;
    me.script(select, vec![]).await?;
    me.press("new york").await?;
    me.wait_until("#profile-timezone-list", t, |l| {
        l.contains("America/New York")
    })
    .await?;
    for (w, h, size) in [(1024, 760, "desktop"), (390, 844, "390x844")] {
        me.resize(w, h).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        me.screenshot(&format!("alone-timezone-picker-{size}"))
            .await?;
    }
    me.resize(1024, 760).await?;
    me.click("#profile-name").await?;
    assert_eq!(
        me.script(value, vec![]).await?.as_str(),
        Some(zone.as_str())
    );
    let city = zone.rsplit('/').next().unwrap_or(&zone).replace('_', " ");
    me.click("#profile-timezone").await?;
    me.script(select, vec![]).await?;
    me.press(&city.to_lowercase()).await?;
    me.click(&format!(r#"#profile-timezone-list li[data-zone="{zone}"]"#))
        .await?;
    assert_eq!(
        me.script(value, vec![]).await?.as_str(),
        Some(zone.as_str())
    );
    me.fill("#profile-name", "Robin").await?;
    me.click("#start-space").await?;
    // The love-language quiz follows, by keyboard too: A and B choose, Backspace goes back.
    me.wait_until("#quiz-count", t, |c| c == "Pair 1 of 30")
        .await?;
    me.click("#quiz-a").await?;
    me.press("b").await?;
    me.wait_until("#quiz-count", t, |c| c == "Pair 3 of 30")
        .await?;
    me.press("\u{e003}").await?;
    me.wait_until("#quiz-count", t, |c| c == "Pair 2 of 30")
        .await?;
    me.click("#quiz-skip").await?;
    me.wait_until("#today-streak", t, |s| s.contains("start a streak"))
        .await?;

    // The sliders show where the keyboard is.
    let outline = me
        .script(
            "const e = document.querySelector('#checkin-mood'); e.focus(); \
             return getComputedStyle(e).outlineStyle;",
            vec![],
        )
        .await?;
    assert_eq!(outline.as_str(), Some("solid"), "no focus ring on a slider");
    me.screenshot("alone-slider-focus").await?;
    me.click("#checkin-save").await?;
    me.wait_until("#today-streak", t, |s| {
        s == "You checked in 1 day in a row."
    })
    .await?;

    // A date the calendar pop-up put in the field, and one click on "Save date".
    let in_three_days = jiff::Zoned::now()
        .date()
        .saturating_add(jiff::ToSpan::days(3));
    me.go("dates").await?;
    me.fill("#date-name", "First trip").await?;
    me.set_value_silently("#date-value", &in_three_days.to_string())
        .await?;
    me.click("#date-add").await?;
    me.wait_until("#date-list", t, |l| l.contains("First trip"))
        .await?;
    me.go("activities").await?;
    me.fill("#activity-name", "Museum").await?;
    me.set_value_silently("#activity-date", &in_three_days.to_string())
        .await?;
    me.click("#activity-add").await?;
    me.wait_until(r#".activity[data-name="Museum"]"#, t, |row| {
        row.contains(&in_three_days.to_string())
    })
    .await?;

    // A year of history without Premium says why, beside the buttons.
    me.go("history").await?;
    me.wait_for("#history-heat").await?;
    assert!(me.attribute("#history-365", "disabled").await?.is_none());
    me.click("#history-365").await?;
    let why = me
        .wait_until("#history-locked", t, |w| !w.is_empty())
        .await?;
    assert!(why.contains("Premium"), "{why}");
    // Every heat-map square says its day and what happened.
    let today = jiff::Zoned::now().date().to_string();
    let labels = me
        .script(
            "return [...document.querySelectorAll('#history-heat rect')].map(r => r.getAttribute('aria-label'));",
            vec![],
        )
        .await?;
    let labels: Vec<String> = serde_json::from_value(labels)?;
    assert!(labels.iter().all(|l| l.len() > 10), "{labels:?}");
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with(&today) && l.contains("checked in")),
        "{labels:?}"
    );
    for (w, h, size) in [(1024, 760, "desktop"), (390, 844, "390x844")] {
        me.resize(w, h).await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        me.screenshot(&format!("alone-history-locked-{size}"))
            .await?;
    }
    me.resize(1024, 760).await?;

    // Export's result shows beside the Export button, then fades.
    me.go("settings").await?;
    me.click("#export").await?;
    let done = me
        .wait_until("#export-notice", t, |n| n.contains("Exported"))
        .await?;
    assert!(!done.contains("data directory"), "{done}");
    assert!(
        me.exists(".actions #export + #export-notice").await,
        "the notice sits beside Export"
    );
    for (w, h, size) in [(1024, 760, "desktop"), (390, 844, "390x844")] {
        me.resize(w, h).await?;
        me.script(
            "document.querySelector('#export').scrollIntoView();",
            vec![],
        )
        .await?;
        me.screenshot(&format!("alone-settings-export-{size}"))
            .await?;
    }
    me.resize(1024, 760).await?;
    me.wait_until("#export-notice", Duration::from_secs(15), str::is_empty)
        .await?;

    // An old error goes once the person edits the field again.
    me.go("dates").await?;
    me.fill("#date-name", "   ").await?;
    me.set_value_silently("#date-value", &in_three_days.to_string())
        .await?;
    me.click("#date-add").await?;
    me.wait_until("#date-notice", t, |n| !n.is_empty()).await?;
    me.fill("#date-name", "Picnic").await?;
    me.wait_until("#date-notice", t, str::is_empty).await?;
    me.close().await?;
    Ok(())
}
