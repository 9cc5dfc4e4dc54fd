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

/// The screen as it is now, at desktop size and at 390×844 (after the layout settled).
async fn both_sizes(session: &together_e2e::app::AppSession, name: &str) -> Result<()> {
    both_sizes_at(session, name, None).await
}

/// Like [`both_sizes`], with the element `at` scrolled into view at each size.
async fn both_sizes_at(
    session: &together_e2e::app::AppSession,
    name: &str,
    at: Option<&str>,
) -> Result<()> {
    for (width, height, size) in [(1024, 760, "desktop"), (390, 844, "390x844")] {
        session.resize(width, height).await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        if let Some(css) = at {
            session.scroll_to(css).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        session.screenshot(&format!("{name}-{size}")).await?;
    }
    session.resize(1024, 760).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_sets_their_start_date_and_corrects_their_records() -> Result<()> {
    const T: Duration = Duration::from_secs(30);
    let app = paths::built_binary("together-app", "bash scripts/build-app.sh")?;
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display)?;
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().to_str().expect("temp paths are UTF-8");
    let sam = driver.launch(&app, &["--data-dir", data_dir]).await?;

    // Onboarding asks when the couple got together; the name's counter follows the typing.
    sam.fill("#profile-name", "Sam").await?;
    sam.wait_until("#profile-name-count", T, |t| t == "3 / 80")
        .await?;
    let tomorrow = jiff::Zoned::now().date().tomorrow()?.to_string();
    assert_eq!(
        sam.attribute("#profile-start-date", "max")
            .await?
            .as_deref(),
        Some(jiff::Zoned::now().date().to_string().as_str()),
        "the picker offers today at the latest"
    );
    sam.set_value("#profile-start-date", &tomorrow).await?;
    sam.click("#start-space").await?;
    let refused = sam
        .wait_until("#onboarding-notice", T, |t| !t.is_empty())
        .await?;
    assert!(refused.contains("in the future"), "{refused}");
    let started = jiff::Zoned::now()
        .date()
        .saturating_sub(jiff::ToSpan::days(150));
    sam.set_value("#profile-start-date", &started.to_string())
        .await?;
    both_sizes(&sam, "onboarding-start-date").await?;
    sam.click("#start-space").await?;
    sam.click("#quiz-skip").await?;
    sam.wait_until("#today-headline", T, |t| t == "Hello, Sam")
        .await?;

    // History counts the days from it, and explains the health score.
    sam.go("history").await?;
    sam.wait_until("#history-days-together", T, |t| t == "150")
        .await?;
    let explained = sam.text("#history-health-explained").await?;
    assert!(
        explained.contains("35%") && explained.contains("start low by design"),
        "{explained}"
    );
    both_sizes_at(
        &sam,
        "history-health-explained",
        Some("#history-health-explained"),
    )
    .await?;
    // Settings shows the date and edits it.
    sam.go("settings").await?;
    sam.wait_for("#settings-start-date").await?;
    for _ in 0..50 {
        if sam.value("#settings-start-date").await? == started.to_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        sam.value("#settings-start-date").await?,
        started.to_string()
    );
    sam.set_value("#settings-anniversary", "2021-06-05").await?;
    sam.click("#settings-relationship-save").await?;
    sam.wait_until("#settings-relationship-notice", T, |t| {
        t.contains("Dates saved")
    })
    .await?;
    both_sizes_at(
        &sam,
        "settings-relationship-dates",
        Some("#settings-relationship"),
    )
    .await?;

    // An activity: edited through the form, then deleted after a confirmation.
    sam.go("activities").await?;
    sam.fill("#activity-name", "Picnic").await?;
    sam.click("#activity-add").await?;
    let picnic = r#".activity[data-name="Picnic"]"#;
    sam.click(&format!("{picnic} button.edit")).await?;
    sam.wait_until("#activity-add", T, |t| t == "Save changes")
        .await?;
    assert_eq!(sam.value("#activity-name").await?, "Picnic");
    sam.fill("#activity-name", "Picnic by the lake").await?;
    sam.click("#activity-add").await?;
    let lake = r#".activity[data-name="Picnic by the lake"]"#;
    sam.wait_for(lake).await?;
    assert!(!sam.exists(picnic).await, "edited, not added");
    sam.click(&format!("{lake} button.delete")).await?;
    let asked = sam
        .wait_until(&format!("{lake} .delete-question"), T, |t| !t.is_empty())
        .await?;
    assert!(
        asked.contains("Picnic by the lake") && asked.contains("both of you"),
        "{asked}"
    );
    both_sizes_at(&sam, "activity-delete-confirm", Some(".activity .confirm")).await?;
    sam.click(&format!("{lake} .delete-cancel")).await?;
    assert!(sam.exists(lake).await, "cancelling keeps it");
    sam.click(&format!("{lake} button.delete")).await?;
    sam.click(&format!("{lake} .delete-confirm")).await?;
    sam.wait_until("#activity-list", T, |t| t.contains("Nothing planned yet"))
        .await?;

    // A talk without a topic says its kind once; edited, it gets a topic; then deleted. A topic
    // over the limit is counted and refused in words, never cut.
    sam.go("talk").await?;
    sam.click("#log-add").await?;
    let headline = sam
        .wait_until(".log .log-headline", T, |t| !t.is_empty())
        .await?;
    assert_eq!(headline, "deep conversation");
    let row = sam.text(".log").await?;
    assert_eq!(
        row.matches("deep conversation").count(),
        1,
        "the kind is said once: {row}"
    );
    sam.click(".log button.edit").await?;
    let long = "a".repeat(210);
    sam.fill("#log-topic", &long).await?;
    sam.wait_until("#log-topic-count", T, |t| t.contains("10 too many"))
        .await?;
    sam.click("#log-add").await?;
    let refused = sam
        .wait_until("#log-notice", T, |t| t.contains("at most"))
        .await?;
    assert!(refused.contains("200"), "{refused}");
    assert_eq!(sam.value("#log-topic").await?.len(), 210, "nothing cut");
    both_sizes_at(&sam, "talk-topic-too-long", Some("#log-topic")).await?;
    sam.fill("#log-topic", "Holidays").await?;
    sam.click("#log-add").await?;
    sam.wait_until(".log .log-headline", T, |t| t == "Holidays")
        .await?;
    assert!(
        sam.text(".log .log-details")
            .await?
            .contains("deep conversation")
    );
    both_sizes_at(&sam, "talk-edited", Some(".log")).await?;
    sam.click(".log button.delete").await?;
    sam.click(".log .delete-confirm").await?;
    sam.wait_until("#log-list", T, |t| t.contains("Nothing logged yet"))
        .await?;

    // A date: edited, then deleted.
    sam.go("dates").await?;
    sam.fill("#date-name", "Trip").await?;
    let in_ten = jiff::Zoned::now()
        .date()
        .saturating_add(jiff::ToSpan::days(10));
    sam.set_value("#date-value", &in_ten.to_string()).await?;
    sam.click("#date-add").await?;
    let trip = r#".date[data-name="Trip"]"#;
    sam.click(&format!("{trip} button.edit")).await?;
    sam.fill("#date-name", "Trip to Rome").await?;
    sam.click("#date-add").await?;
    let rome = r#".date[data-name="Trip to Rome"]"#;
    sam.wait_until(rome, T, |t| t.contains("in 10 days"))
        .await?;
    both_sizes_at(&sam, "dates-edited", Some(".date")).await?;
    sam.click(&format!("{rome} button.delete")).await?;
    sam.click(&format!("{rome} .delete-confirm")).await?;
    sam.wait_until("#date-list", T, |t| t.contains("No dates yet"))
        .await?;

    // A goal: +1 reaches it (the inbox says so), Undo takes the step back.
    sam.go("goals").await?;
    sam.fill("#goal-name", "Sunday brunch").await?;
    sam.fill("#goal-target", "1").await?;
    sam.click("#goal-add").await?;
    let brunch = r#".goal[data-name="Sunday brunch"]"#;
    sam.click(&format!("{brunch} .plus")).await?;
    sam.wait_until(&format!("{brunch} .progress-text"), T, |t| {
        t.contains("1/1")
    })
    .await?;
    assert!(sam.exists(&format!("{brunch} .tag.reached")).await);
    both_sizes_at(&sam, "goal-reached-undo", Some(".goal")).await?;
    sam.click(&format!("{brunch} .undo")).await?;
    sam.wait_until(&format!("{brunch} .progress-text"), T, |t| {
        t.contains("0/1")
    })
    .await?;
    sam.go("inbox").await?;
    sam.wait_until("#inbox-list", T, |t| {
        t.contains("Goal reached: Sunday brunch")
    })
    .await?;

    // A one-time challenge: done once, it is completed and earns "Challenge accepted".
    sam.go("challenges").await?;
    sam.click(r#".challenge[data-name="Catch a sunrise"] .start"#)
        .await?;
    let sunrise = r#".participation[data-name="Catch a sunrise"]"#;
    sam.click(&format!("{sunrise} .done-today")).await?;
    sam.wait_for(r#".participation[data-name="Catch a sunrise"][data-status="completed"]"#)
        .await?;
    assert!(!sam.exists(&format!("{sunrise} .done-today")).await);
    sam.wait_for(r#".badge.earned[data-name="Challenge accepted"]"#)
        .await?;
    // 150 days since the start date said at onboarding.
    assert!(
        sam.exists(r#".badge.earned[data-name="A hundred days together"]"#)
            .await
    );
    both_sizes_at(&sam, "challenge-one-time-done", Some("#joined-challenges")).await?;
    sam.close().await?;
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
            // Three app windows share one X display, so this one may not hold the window
            // focus (then no element matches :focus): read the page's own rule instead.
            "const e = document.querySelector('#checkin-mood'); e.focus(); \
             if (document.hasFocus() && e.matches(':focus')) \
               return getComputedStyle(e).outlineStyle; \
             for (const sheet of document.styleSheets) for (const rule of sheet.cssRules) \
               if (rule.selectorText === 'input[type=\"range\"]:focus') \
                 return rule.style.outlineStyle; \
             return 'none';",
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

/// "Your data" (#15 §1): the screens the person went through are recorded on the device and
/// shown in Settings with the sharing switch; "Delete my usage data" asks first, then empties it.
#[tokio::test(flavor = "multi_thread")]
async fn your_data_shows_the_usage_recorded_here_and_deletes_it() -> Result<()> {
    let app = paths::built_binary("together-app", "bash scripts/build-app.sh")?;
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display)?;
    let dir = tempfile::tempdir()?;
    seed_profile(dir.path(), "Robin")?;
    let data_dir = dir.path().to_str().expect("temp paths are UTF-8");
    let me = driver.launch(&app, &["--data-dir", data_dir]).await?;
    let t = Duration::from_secs(30);
    me.wait_for_text("#today-headline", "#today-error").await?;
    me.go("goals").await?;
    me.go("history").await?;
    me.go("settings").await?;
    me.wait_for("#usage-summary").await?;
    // Going to Goals opens its section first (Activities), History's too (Partner): Today,
    // Activities, Goals, Partner and History were left, five page views in one session.
    assert_eq!(me.text("#usage-screens").await?, "5");
    assert_eq!(me.text("#usage-sessions").await?, "1");
    assert!(me.text("#usage-by-screen").await?.contains("today 1"));
    assert_eq!(me.text("#usage-last-upload").await?, "Never");
    assert!(
        me.text("#usage-share-sentence")
            .await?
            .contains("no name, account, partner or content")
    );
    // The switch is off until the person turns it on.
    assert_eq!(
        me.script(
            "return document.querySelector('#usage-share').checked;",
            vec![]
        )
        .await?,
        serde_json::Value::Bool(false)
    );
    me.click("#usage-share").await?;
    me.wait_until("#usage-notice", t, |n| n.contains("on"))
        .await?;
    both_sizes_at(&me, "settings-your-data", Some("#usage-summary")).await?;

    // Deleting asks first; cancelling keeps everything.
    me.click("#usage-delete").await?;
    me.wait_for("#usage-delete-confirm").await?;
    both_sizes_at(
        &me,
        "settings-your-data-confirm",
        Some("#usage-delete-text"),
    )
    .await?;
    me.click("#usage-delete-cancel").await?;
    assert_eq!(me.text("#usage-screens").await?, "5");
    me.click("#usage-delete").await?;
    me.click("#usage-delete-confirm").await?;
    me.wait_until("#usage-notice", t, |n| n.contains("deleted"))
        .await?;
    me.wait_until("#usage-screens", t, |n| n == "0").await?;
    assert_eq!(me.text("#usage-sessions").await?, "0");
    me.close().await?;
    // The opt-in was kept in the person's own document.
    let mut store = Store::open(&client_paths::database_path(dir.path()))?;
    assert!(store.analytics_opt_in(jiff::Timestamp::now())?);
    Ok(())
}
