//! End to end, as a couple: two instances of the built app (two data directories) in real WebKit,
//! a real `together-server` on loopback. Alice signs up and invites, Bob joins with her code; check-
//! ins reveal live (a private note never reaches Bob); a "know me" quiz round answered by Alice
//! and guessed by Bob, scored on both; a talk-log entry kept private; an activity rated by both;
//! a goal stepped +1 by each while the server is down gives +2 once it is back. Screenshots of every screen, desktop and 390×844.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::time::{Duration, Instant};

use anyhow::Result;
use together_e2e::app::{AppSession, free_port};
use together_e2e::notifications::Shown;
use together_e2e::{NotificationDesk, ServerProcess, TauriDriver, VirtualDisplay, paths};

const T: Duration = Duration::from_secs(30);
const WEBHOOK_SECRET: &str = "whsec_e2e";

/// A device setting from the app's store in `data_dir`.
fn setting(data_dir: &std::path::Path, key: &str) -> Result<String> {
    let db = rusqlite::Connection::open(together_client::paths::database_path(data_dir))?;
    Ok(db.query_row(
        "SELECT value FROM app_settings WHERE key = ?1",
        [key],
        |r| r.get(0),
    )?)
}

/// Plays Stripe: posts a signed event.
async fn stripe_event(server: &str, id: &str, kind: &str, object: serde_json::Value) -> Result<()> {
    let now = jiff::Timestamp::now().as_second();
    let event = serde_json::json!({ "id": id, "object": "event", "created": now, "type": kind,
        "data": { "object": object } });
    let body = serde_json::to_vec(&event)?;
    let signature = together_server::billing::signature::sign(WEBHOOK_SECRET, now, &body);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .post(format!("{server}/v1/stripe/webhook"))
        .header("Stripe-Signature", format!("t={now},v1={signature}"))
        .body(body)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "webhook answered {}",
        response.status()
    );
    Ok(())
}

/// Plays Stripe: the couple of the app in `data_dir` subscribed.
async fn subscribe(server: &str, data_dir: &std::path::Path) -> Result<()> {
    let (relationship, user) = (
        setting(data_dir, "current_relationship_id")?,
        setting(data_dir, "local_user_id")?,
    );
    let now = jiff::Timestamp::now().as_second();
    let subscription = serde_json::json!({
        "id": "sub_e2e", "object": "subscription", "status": "active", "customer": "cus_e2e",
        "cancel_at_period_end": false, "start_date": now,
        "metadata": { "relationship_id": relationship, "user_id": user },
        "items": { "data": [ { "current_period_start": now, "current_period_end": now + 30 * 86_400,
            "price": { "id": "price_e2e", "unit_amount": 999, "recurring": { "interval": "month" } } } ] } });
    stripe_event(
        server,
        "evt_e2e_1",
        "customer.subscription.created",
        subscription,
    )
    .await
}

/// An OpenAI-compatible endpoint on loopback that always suggests the same two ideas.
fn fake_ai() -> Result<String> {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = r#"{"choices":[{"message":{"role":"assistant","content":"- Sunset walk\n- Cook a new recipe together"}}]}"#;
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    Ok(url)
}

/// Every screen's navigation slug, in order.
const SCREENS: [&str; 13] = [
    "today",
    "questions",
    "quizzes",
    "history",
    "activities",
    "goals",
    "dates",
    "talk",
    "challenges",
    "inbox",
    "partner",
    "premium",
    "settings",
];

async fn launch(
    driver: &TauriDriver,
    app: &std::path::Path,
    args: Vec<String>,
) -> Result<AppSession> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    driver.launch(app, &args).await
}

/// Onboards `name`; starting a space, the love-language quiz that follows is shown at both sizes
/// and skipped.
async fn onboard(person: &AppSession, name: &str, start_space: bool) -> Result<()> {
    person.fill("#profile-name", name).await?;
    if !start_space {
        return person.click("#have-code").await;
    }
    person.click("#start-space").await?;
    person
        .wait_until("#quiz-count", T, |t| t == "Pair 1 of 30")
        .await?;
    both_sizes(person, &format!("{}-onboarding-quiz", name.to_lowercase())).await?;
    person.click("#quiz-skip").await?;
    person.wait_for("#screen-today").await
}

async fn sign_up(person: &AppSession, email: &str, name: &str) -> Result<()> {
    person.go("partner").await?;
    person
        .wait_until("#partner-state", T, |t| t.contains("create an account"))
        .await?;
    person.fill("#account-email", email).await?;
    assert!(
        !person.exists("#account-name").await,
        "the name was asked at onboarding: {name} is not asked twice"
    );
    person
        .fill("#account-password", "correct horse battery")
        .await?;
    // An open server needs no sign-up code: the field is there, left empty.
    assert!(person.exists("#account-signup-code").await);
    if name == "Alice" {
        person.screenshot("alice-signup-desktop").await?;
        person.resize(390, 844).await?;
        person.screenshot("alice-signup-390x844").await?;
        person.resize(1024, 760).await?;
    }
    person.click("#account-submit").await?;
    Ok(())
}

async fn check_in(person: &AppSession, score: &str, gratitude: &str) -> Result<()> {
    person.go("today").await?;
    for slider in [
        "#checkin-connection",
        "#checkin-mood",
        "#checkin-satisfaction",
    ] {
        person.set_value(slider, score).await?;
    }
    person.fill("#checkin-gratitude", gratitude).await?;
    person.click("#checkin-save").await?;
    person.wait_for("#my-checkin-summary").await
}

async fn screenshots(person: &AppSession, who: &str) -> Result<()> {
    for (width, height, size) in [(1024, 760, "desktop"), (390, 844, "390x844")] {
        person.resize(width, height).await?;
        for slug in SCREENS {
            person.go(slug).await?;
            person.wait_for(&format!("#{slug}-title")).await?;
            // Let the screen's data replace its loading line.
            tokio::time::sleep(Duration::from_millis(400)).await;
            person.screenshot(&format!("{who}-{slug}-{size}")).await?;
        }
    }
    person.resize(1024, 760).await
}

/// The screen as it is now, at desktop size and at 390×844 (after the layout settled).
async fn both_sizes(person: &AppSession, name: &str) -> Result<()> {
    for (width, height, size) in [(1024, 760, "desktop"), (390, 844, "390x844")] {
        person.resize(width, height).await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        person.screenshot(&format!("{name}-{size}")).await?;
    }
    person.resize(1024, 760).await
}

/// The OS notifications of the whole run: each check-in and the hug shown once, on the partner's
/// device only.
fn shown_once_each_on_the_partners_device(alice: &[Shown], bob: &[Shown]) {
    let count =
        |shown: &[Shown], title: &str| shown.iter().filter(|s| s.summary.contains(title)).count();
    for (title, on_alice, on_bob) in [
        ("Bob checked in", 1, 0),
        ("Alice checked in", 0, 1),
        ("Alice sent you a hug", 0, 1),
    ] {
        assert_eq!(
            count(alice, title),
            on_alice,
            "{title:?} on Alice's device: {alice:?}"
        );
        assert_eq!(
            count(bob, title),
            on_bob,
            "{title:?} on Bob's device: {bob:?}"
        );
    }
    let body = |shown: &[Shown], title: &str| {
        shown
            .iter()
            .find(|s| s.summary.contains(title))
            .map(|s| s.body.clone())
            .unwrap_or_default()
    };
    assert_eq!(body(bob, "sent you a hug"), "Proud of you today");
    // Bob checked in first: Alice is asked to check in too; Alice's check-in is Bob's reveal.
    assert!(body(alice, "Bob checked in").starts_with("Check in too"));
    assert!(body(bob, "Alice checked in").starts_with("You both checked in"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_couple_pairs_checks_in_rates_and_steps_a_goal_through_the_server() -> Result<()> {
    let app = paths::built_binary("together-app", "bash scripts/build-app.sh")?;
    let server_binary = paths::built_binary("together-server", "cargo build -p together-server")?;
    let port = free_port()?;
    let server_data = tempfile::tempdir()?;
    let ai_url = fake_ai()?;
    let billing_env = [
        ("TOGETHER_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("TOGETHER_AI_BASE_URL", ai_url.as_str()),
        ("TOGETHER_AI_MODEL", "test-model"),
    ];
    let server =
        ServerProcess::start_with_env(&server_binary, port, server_data.path(), &billing_env)?;
    // The operator adds a plan beside the running server (admin commands never create a database).
    let plan = std::process::Command::new(&server_binary)
        .args([
            "plans",
            "add",
            "--name",
            "Together",
            "--price-cents",
            "999",
            "--stripe-price",
            "price_e2e",
        ])
        .args(["--feature", "A full year of history", "--data-dir"])
        .arg(server_data.path())
        .output()?;
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let url = server.url.clone();
    let display = VirtualDisplay::start()?;
    // Each app on a desktop of its own (session bus and notification daemon), so what each
    // device showed is told apart.
    let (desk_a, desk_b) = (
        NotificationDesk::start(&display)?,
        NotificationDesk::start(&display)?,
    );
    let (driver_a, driver_b) = (
        TauriDriver::start_with_env(&display, &desk_a.env())?,
        TauriDriver::start_with_env(&display, &desk_b.env())?,
    );
    let (dir_a, dir_b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let args = |dir: &tempfile::TempDir| {
        vec![
            "--data-dir".to_owned(),
            dir.path().to_str().unwrap().to_owned(),
            "--server".to_owned(),
            url.clone(),
            "--secret-store".to_owned(),
            "file".to_owned(),
            // Payment pages open only from Stripe and the origins named at launch: the local
            // server stands in for Stripe's pages here.
            "--checkout-origin".to_owned(),
            url.clone(),
        ]
    };
    // Alice starts the couple's space on her own, then creates an account and invites.
    let started = Instant::now();
    let alice = launch(&driver_a, &app, args(&dir_a)).await?;
    alice.wait_for("#profile-name").await?;
    println!(
        "startup to interactive (WebDriver session, app start, first screen): {:?}",
        started.elapsed()
    );
    alice.screenshot("alice-onboarding-desktop").await?;
    alice.resize(390, 844).await?;
    alice.screenshot("alice-onboarding-390x844").await?;
    alice.resize(1024, 760).await?;
    onboard(&alice, "Alice", true).await?;
    alice
        .wait_until("#today-headline", T, |t| t == "Hello, Alice")
        .await?;
    // Where the section after the Inbox sits with nothing unread: a count must not move it.
    let more_at = alice.left("#group-more").await?;
    alice
        .wait_until("#partner-sentence", T, |t| {
            t.contains("Invite your partner")
        })
        .await?;
    sign_up(&alice, "alice@example.com", "Alice").await?;
    alice
        .wait_until("#partner-state", T, |t| t.contains("Invite your partner"))
        .await?;
    alice.click("#invite-make").await?;
    let code = alice
        .wait_until("#invite-code", T, |t| t.len() > 20)
        .await?;
    let code = code.trim().to_owned();
    assert!(
        alice.exists("#invite-qr svg").await,
        "the code is also a QR code"
    );
    // The invite's real state, from the server.
    alice
        .wait_until("#invite-state", T, |t| {
            t.contains("waiting for your partner")
        })
        .await?;
    assert_eq!(
        alice
            .attribute("#invite-state", "data-state")
            .await?
            .as_deref(),
        Some("open")
    );
    both_sizes(&alice, "alice-invite-open").await?;

    // Bob's partner invited him: the code comes first (a typo is caught on his device and spends
    // nothing), then his account; the code is used as soon as it exists.
    let bob = launch(&driver_b, &app, args(&dir_b)).await?;
    bob.fill("#profile-name", "Bob").await?;
    bob.click("#have-code").await?;
    bob.wait_until("#code-form", T, |t| t.contains("Enter the invite code"))
        .await?;
    let mut typo: Vec<char> = code.chars().collect();
    let at = typo.len() - 3;
    typo[at] = if typo[at] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    bob.fill("#onboarding-code", &typo).await?;
    bob.click("#code-continue").await?;
    let refused = bob
        .wait_until("#onboarding-code-notice", T, |t| !t.is_empty())
        .await?;
    assert!(refused.contains("typo"), "{refused}");
    for internal in ["decrypted", "HTTP", "together "] {
        assert!(!refused.contains(internal), "{internal:?} in {refused}");
    }
    both_sizes(&bob, "bob-onboarding-code-typo").await?;
    bob.fill("#onboarding-code", &code.to_lowercase()).await?;
    bob.click("#code-continue").await?;
    bob.wait_until("#partner-state", T, |t| t.contains("Step 2 of 2"))
        .await?;
    both_sizes(&bob, "bob-partner-step2").await?;
    assert!(
        !bob.exists("#account-name").await,
        "the name is not asked twice"
    );
    bob.fill("#account-email", "bob@example.com").await?;
    bob.fill("#account-password", "correct horse battery")
        .await?;
    bob.click("#account-submit").await?;
    bob.wait_until("#partner-state", T, |t| t.contains("Alice"))
        .await?;
    alice.go("partner").await?;
    alice
        .wait_until("#partner-state", T, |t| t.contains("Bob"))
        .await?;
    // "Bob joined you" counts in Alice's badge; the sections stay where they were.
    alice
        .wait_until("#nav-inbox-badge", T, |t| t.contains('('))
        .await?;
    assert_eq!(alice.left("#group-more").await?, more_at);
    // After pairing, no streak yet together reads as a start, not a loss.
    alice.go("today").await?;
    let streak = alice
        .wait_until("#today-streak", T, |t| !t.is_empty())
        .await?;
    assert!(streak.contains("starts"), "{streak}");

    // Bob checks in first; Alice's check-in then reaches his screen live, without reload.
    let long_note = format!(
        "Bob is grateful for the walk. {} And for the soup at the end.",
        "We talked about everything and nothing on the way home. ".repeat(8)
    );
    check_in(&bob, "6", &long_note).await?;
    bob.wait_until("#partner-sentence", T, |t| t.contains("hasn’t checked in"))
        .await?;
    alice.go("today").await?;
    for slider in [
        "#checkin-connection",
        "#checkin-mood",
        "#checkin-satisfaction",
    ] {
        alice.set_value(slider, "9").await?;
    }
    alice
        .fill("#checkin-gratitude", "Thank you for the soup")
        .await?;
    // A private note beside it: hers alone, never on Bob's screen.
    alice
        .fill("#checkin-private-note", "Private: worried about work")
        .await?;
    both_sizes(&alice, "alice-checkin-private-note").await?;
    let saved = Instant::now();
    alice.click("#checkin-save").await?;
    bob.wait_until("#partner-scores", Duration::from_secs(10), |t| {
        t.contains("Thank you for the soup")
    })
    .await?;
    let reveal = saved.elapsed();
    println!("Alice's check-in on Bob's screen {reveal:?} after her save");
    // How fast is a figure for the bench (`client/benches/partner.rs`), not a timed assertion here:
    // the wait above proves it arrives live, without a reload.
    // Each partner's check-in shows as an OS notification on the other's device.
    desk_a.wait_shown("Bob checked in", T).await?;
    desk_b.wait_shown("Alice checked in", T).await?;
    let folded = alice
        .wait_until("#partner-scores", T, |t| t.contains("Bob is grateful"))
        .await?;
    assert_eq!(bob.text("#partner-scores .connection").await?, "9");
    // Bob's long note folds on Alice's screen, and opens whole.
    assert!(!folded.contains("the soup at the end"), "{folded}");
    alice.click("#partner-scores .show-more").await?;
    alice
        .wait_until("#partner-scores", T, |t| t.contains("the soup at the end."))
        .await?;
    both_sizes(&alice, "alice-partner-note-show-more").await?;
    let own = alice
        .wait_until("#my-private-note", T, |t| t.contains("worried about work"))
        .await?;
    assert!(own.contains("only you"), "marked private: {own}");
    assert!(
        !alice.text("#partner-scores").await?.contains("worried"),
        "{own}"
    );
    for place in ["#partner-scores", "#screen-today"] {
        let seen = bob.text(place).await?;
        assert!(!seen.contains("worried about work"), "{place}: {seen}");
    }
    assert!(!bob.exists("#my-private-note").await, "Bob wrote none");

    // The question of the day: the same question on both devices; each answers alone. Bob answers
    // first: Alice learns that he did, never what, until she answers too; then both see both
    // answers, Bob's screen live. A heart comes back the same way.
    let question = alice
        .wait_until("#question-text", T, |t| !t.is_empty())
        .await?;
    bob.wait_until("#question-text", T, |t| t == question)
        .await?;
    assert_eq!(
        alice
            .attribute("#question-card", "data-state")
            .await?
            .as_deref(),
        Some("open")
    );
    bob.fill("#question-answer", "Sunday mornings with you")
        .await?;
    bob.click("#question-save").await?;
    bob.wait_until("#question-partner", T, |t| {
        t.contains("Alice has not answered")
    })
    .await?;
    alice
        .wait_until("#question-partner", T, |t| {
            t.contains("Bob answered. Answer too")
        })
        .await?;
    assert_eq!(
        alice
            .attribute("#question-card", "data-state")
            .await?
            .as_deref(),
        Some("sealed")
    );
    let page = alice.text("#screen-today").await?;
    assert!(
        !page.contains("Sunday mornings"),
        "hidden until both answered: {page}"
    );
    both_sizes(&alice, "alice-question-sealed").await?;
    alice
        .fill("#question-answer", "The trip to the coast")
        .await?;
    alice.click("#question-save").await?;
    alice
        .wait_until("#question-partner-answer", T, |t| {
            t.contains("Sunday mornings with you")
        })
        .await?;
    bob.wait_until("#question-partner-answer", Duration::from_secs(10), |t| {
        t.contains("The trip to the coast")
    })
    .await?;
    assert!(
        !bob.exists("#question-change").await,
        "an answer the partner has seen cannot change"
    );
    bob.click("#question-heart").await?;
    alice
        .wait_until("#question-partner-reaction", T, |t| {
            t.contains("Bob sent a heart")
        })
        .await?;
    both_sizes(&alice, "alice-question-revealed").await?;

    // "Thinking of you": Alice sends a hug with a line from Today; it lands in Bob's inbox live.
    // A second one at once is refused in plain words, beside the button.
    alice.click("#today-ping-kind-hug").await?;
    alice
        .fill("#today-ping-message", "Proud of you today")
        .await?;
    assert_eq!(alice.text("#today-ping-message-count").await?, "18 / 120");
    bob.go("inbox").await?;
    alice.click("#today-ping-send").await?;
    alice
        .wait_until("#today-ping-notice", T, |t| t.contains("Sent to Bob"))
        .await?;
    let hug = r#".notification[data-type="thinking_of_you"]"#;
    let arrived = bob
        .wait_until(hug, T, |t| t.contains("Alice sent you a hug"))
        .await?;
    assert!(arrived.contains("Proud of you today"), "{arrived}");
    both_sizes(&bob, "bob-inbox-thinking-of-you").await?;
    desk_b.wait_shown("Alice sent you a hug", T).await?;
    alice.click("#today-ping-send").await?;
    let refused = alice
        .wait_until("#today-ping-notice", T, |t| t.contains("moment"))
        .await?;
    assert_eq!(
        alice
            .attribute("#today-ping-notice", "class")
            .await?
            .as_deref(),
        Some("notice error"),
        "{refused}"
    );
    both_sizes(&alice, "alice-today-ping-refused").await?;

    // "How well do you know me": Alice starts a round about herself and answers; Bob guesses on
    // his device; both see the answer, the guess and the score. Then "this or that": a match.
    alice.go("quizzes").await?;
    alice
        .wait_until("#quiz-rounds-empty", T, |t| t.contains("No rounds yet"))
        .await?;
    both_sizes(&alice, "alice-quizzes-empty").await?;
    alice.click("#quiz-new-round").await?;
    let open = r#"li.round[data-state="your-turn"]"#;
    alice.wait_for(open).await?;
    let round = alice
        .attribute(open, "data-round")
        .await?
        .expect("a round has an id");
    let this_round = format!(r#"li.round[data-round="{round}"]"#);
    let lead = alice.text(&format!("{this_round} .quiz-lead")).await?;
    assert!(lead.contains("Your answer"), "{lead}");
    alice
        .click(&format!(r#"{this_round} button.choice[data-choice="2"]"#))
        .await?;
    alice
        .wait_for(&format!(r#"{this_round}[data-state="waiting"]"#))
        .await?;
    both_sizes(&alice, "alice-quizzes-waiting").await?;
    bob.go("quizzes").await?;
    let to_guess = bob
        .wait_until(
            &format!(r#"{this_round}[data-state="your-turn"]"#),
            T,
            |t| t.contains("About Alice"),
        )
        .await?;
    assert!(to_guess.contains("what did Alice answer"), "{to_guess}");
    both_sizes(&bob, "bob-quizzes-guess").await?;
    bob.click(&format!(r#"{this_round} button.choice[data-choice="2"]"#))
        .await?;
    let revealed = format!(r#"{this_round}[data-state="revealed"]"#);
    let verdict = bob
        .wait_until(&format!("{revealed} .verdict"), T, |t| !t.is_empty())
        .await?;
    assert_eq!(verdict, "Right ♥");
    bob.wait_until("#quiz-score", T, |t| {
        t.contains("You guessed 1 of 1 right about Alice")
    })
    .await?;
    // Alice's screen follows live.
    alice
        .wait_until(&format!("{revealed} .guess"), T, |t| t.starts_with("C ·"))
        .await?;
    alice
        .wait_until("#quiz-score", T, |t| {
            t.contains("Bob guessed 1 of 1 about you")
        })
        .await?;
    let first_pair = "#tot-pairs li.pair:first-child";
    alice
        .click(&format!(r#"{first_pair} button[data-side="0"]"#))
        .await?;
    alice
        .wait_until(&format!("{first_pair} .pair-outcome"), T, |t| {
            t.contains("Waiting for Bob")
        })
        .await?;
    bob.click(&format!(r#"{first_pair} button[data-side="0"]"#))
        .await?;
    bob.wait_until(&format!("{first_pair} .pair-outcome"), T, |t| {
        t.contains("A match")
    })
    .await?;
    alice
        .wait_until(&format!("{first_pair} .pair-outcome"), T, |t| {
            t.contains("Bob picked")
        })
        .await?;
    both_sizes(&alice, "alice-quizzes-revealed").await?;
    both_sizes(&bob, "bob-quizzes-revealed").await?;
    bob.go("today").await?;

    // The love-language quiz from Settings: thirty pairs, one at a time, then the result; Bob's
    // Today then suggests a gesture in Alice's language.
    assert!(!bob.exists("#today-gesture-card").await);
    alice.go("settings").await?;
    alice.click("#settings-love-quiz").await?;
    alice
        .wait_until("#quiz-count", T, |t| t == "Pair 1 of 30")
        .await?;
    for pair in 1..=30 {
        alice
            .wait_until("#quiz-count", T, |t| t == format!("Pair {pair} of 30"))
            .await?;
        if pair == 15 {
            both_sizes(&alice, "alice-love-quiz").await?;
        }
        alice
            .click(if pair % 3 == 0 { "#quiz-b" } else { "#quiz-a" })
            .await?;
    }
    let language = alice
        .wait_until("#quiz-primary", T, |t| !t.is_empty())
        .await?;
    assert!(
        !alice.text("#quiz-meaning").await?.is_empty(),
        "the result is explained"
    );
    both_sizes(&alice, "alice-love-quiz-result").await?;
    alice.click("#quiz-done").await?;
    alice.wait_for("#screen-settings").await?;
    let chosen = "return document.querySelector('#profile-love1').value;";
    let deadline = Instant::now() + T;
    loop {
        let value = alice.script(chosen, vec![]).await?;
        if value.as_str().map(|v| v.replace('_', " ")) == Some(language.to_lowercase()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the quiz did not set the profile: {value}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gesture = bob
        .wait_until("#today-gesture-card", T, |t| t.contains(&language))
        .await?;
    assert!(gesture.contains("Alice"), "{gesture}");
    both_sizes(&bob, "bob-today-gesture").await?;
    alice.go("today").await?;
    // Alice's "Bob checked in: check in too" settled when she checked in.
    alice.go("inbox").await?;
    let asked = r#".notification[data-type="partner_checkin"]"#;
    alice
        .wait_until(asked, T, |t| t.contains("Bob checked in"))
        .await?;
    assert_eq!(
        alice.attribute(asked, "data-resolved").await?.as_deref(),
        Some("true"),
        "checking in settles 'Check in too'"
    );

    // An activity: Alice plans it; it is rated once done, and a rating shows to the partner once
    // they rated too (as the check-in reveal).
    alice.go("activities").await?;
    alice.fill("#activity-name", "Picnic by the lake").await?;
    alice.click("#activity-add").await?;
    let picnic = r#".activity[data-name="Picnic by the lake"]"#;
    // No stars before it is done.
    alice
        .wait_until(&format!("{picnic} .rating-later"), T, |t| {
            t.contains("once it is done")
        })
        .await?;
    alice.click(&format!("{picnic} button.done")).await?;
    let done = r#".activity[data-name="Picnic by the lake"][data-status="completed"]"#;
    bob.go("activities").await?;
    bob.wait_for(done).await?;
    alice
        .click(&format!(r#"{done} button[aria-label="Rate 4 of 5"]"#))
        .await?;
    bob.wait_until(&format!("{done} .partner-rating"), T, |t| {
        t.contains("rate it too to see")
    })
    .await?;
    assert!(
        !bob.text(&format!("{done} .partner-rating"))
            .await?
            .contains("4/5")
    );
    bob.click(&format!(r#"{done} button[aria-label="Rate 5 of 5"]"#))
        .await?;
    alice
        .wait_until(&format!("{picnic} .partner-rating"), T, |t| {
            t.contains("5/5")
        })
        .await?;
    bob.wait_until(&format!("{picnic} .partner-rating"), T, |t| {
        t.contains("4/5")
    })
    .await?;
    // Bob's "Add your own rating" settled by his rating; the item opens Activities.
    bob.go("inbox").await?;
    let rated = r#".notification[data-type="activity_rated"]"#;
    bob.wait_until(&format!(r#"{rated}[data-resolved="true"]"#), T, |t| {
        t.contains("Done")
    })
    .await?;
    both_sizes(&bob, "bob-inbox-settled").await?;
    bob.click(&format!("{rated} button.open")).await?;
    bob.wait_for("#screen-activities").await?;
    // "Mark all read" empties the badge.
    bob.go("inbox").await?;
    if bob.exists("#inbox-read-all").await {
        bob.click("#inbox-read-all").await?;
    }
    bob.wait_until("#nav-inbox-badge", T, str::is_empty).await?;
    assert!(!bob.exists(".notification.unread").await);

    // A goal both step +1 while the server is unreachable: +2 once it is back.
    alice.go("goals").await?;
    // A blank name passes the browser's own check; the shell refuses it in plain words.
    alice.fill("#goal-name", "   ").await?;
    alice.fill("#goal-target", "10").await?;
    alice.click("#goal-add").await?;
    let refused = alice
        .wait_until("#goal-notice", T, |t| !t.is_empty())
        .await?;
    assert!(
        refused.starts_with("Goal name"),
        "a blank name is explained: {refused}"
    );
    alice.fill("#goal-name", "Walk together").await?;
    alice.click("#goal-add").await?;
    let walk = r#".goal[data-name="Walk together"]"#;
    bob.go("goals").await?;
    bob.wait_until(&format!("{walk} .progress-text"), T, |t| t.contains("0/10"))
        .await?;
    server.kill();
    for person in [&alice, &bob] {
        person.click(&format!("{walk} .plus")).await?;
        person
            .wait_until(&format!("{walk} .progress-text"), T, |t| t.contains("1/10"))
            .await?;
        person
            .wait_until("#sync-status", T, |t| t.contains("Offline"))
            .await?;
    }
    alice.screenshot("alice-offline-desktop").await?;
    let server =
        ServerProcess::start_with_env(&server_binary, port, server_data.path(), &billing_env)?;
    for person in [&alice, &bob] {
        person
            .wait_until(
                &format!("{walk} .progress-text"),
                Duration::from_secs(90),
                |t| t.contains("2/10"),
            )
            .await?;
    }

    // A goal Alice reaches: "Goal reached" reaches both of them, once each.
    alice.fill("#goal-name", "Cook dinner together").await?;
    alice.fill("#goal-target", "1").await?;
    alice.click("#goal-add").await?;
    let cook = r#".goal[data-name="Cook dinner together"]"#;
    alice.click(&format!("{cook} .plus")).await?;
    for person in [&alice, &bob] {
        person.go("inbox").await?;
        let inbox = person
            .wait_until("#inbox-list", T, |t| {
                t.contains("Goal reached: Cook dinner together")
            })
            .await?;
        assert_eq!(
            inbox.matches("Goal reached: Cook dinner together").count(),
            1,
            "{inbox}"
        );
    }

    // Bob sets when they got together, in Settings; it reaches Alice's Settings.
    bob.go("settings").await?;
    bob.set_value("#settings-start-date", "2024-02-14").await?;
    bob.set_value("#settings-anniversary", "2025-06-21").await?;
    bob.click("#settings-relationship-save").await?;
    bob.wait_until("#settings-relationship-notice", T, |t| {
        t.contains("Dates saved")
    })
    .await?;
    alice.go("settings").await?;
    let deadline = Instant::now() + T;
    while alice
        .value("#settings-start-date")
        .await
        .unwrap_or_default()
        != "2024-02-14"
    {
        assert!(
            Instant::now() < deadline,
            "Bob's start date never reached Alice"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(alice.value("#settings-anniversary").await?, "2025-06-21");
    both_sizes(&alice, "alice-settings-dates-from-bob").await?;

    // A date and a conversation, so those screens have something to show.
    alice.go("dates").await?;
    alice.fill("#date-name", "Our anniversary").await?;
    let in_two_days = jiff::Zoned::now()
        .date()
        .saturating_add(jiff::ToSpan::days(2));
    alice
        .set_value("#date-value", &in_two_days.to_string())
        .await?;
    alice.click("#date-add").await?;
    alice
        .wait_until("#date-list", T, |t| t.contains("in 2 days"))
        .await?;
    alice.go("talk").await?;
    alice.fill("#log-topic", "Holidays with family").await?;
    alice.click("#log-add").await?;
    alice
        .wait_until("#log-list", T, |t| t.contains("Holidays with family"))
        .await?;
    // One kept private at creation: on Alice's list, marked; never on Bob's.
    alice
        .fill("#log-topic", "My own thoughts on moving")
        .await?;
    assert!(
        alice
            .text("#log-private-hint")
            .await?
            .contains("cannot be taken back"),
        "the choice is explained"
    );
    alice.click("#log-private").await?;
    alice.click("#log-add").await?;
    let private_row = r#"#log-list li.log[data-private="true"]"#;
    alice
        .wait_until(private_row, T, |t| t.contains("My own thoughts on moving"))
        .await?;
    assert!(alice.text(private_row).await?.contains("private"));
    both_sizes(&alice, "alice-talk-private").await?;
    bob.go("talk").await?;
    bob.wait_until("#log-list", T, |t| t.contains("Holidays with family"))
        .await?;
    let bobs = bob.text("#log-list").await?;
    assert!(!bobs.contains("My own thoughts"), "{bobs}");

    // Premium: plans come from the server; Stripe's webhook makes the couple Premium; both
    // devices honour it, and the year of history opens.
    alice.go("premium").await?;
    alice
        .wait_until("#plan-list", T, |t| {
            t.contains("Together") && t.contains("$9.99 / month")
        })
        .await?;
    let unlocks = alice.text("#premium-unlocks").await?;
    assert!(
        unlocks.contains("year of History") && unlocks.contains("quiz history"),
        "what Premium adds, plainly: {unlocks}"
    );
    assert_eq!(
        alice
            .attribute("#premium-status", "data-level")
            .await?
            .as_deref(),
        Some("free")
    );
    alice.go("history").await?;
    alice.click("#history-365").await?;
    let why = alice
        .wait_until("#history-locked", T, |t| !t.is_empty())
        .await?;
    assert!(
        why.contains("Premium"),
        "a year of history is Premium, and says so: {why}"
    );
    subscribe(&server.url, dir_a.path()).await?;
    for person in [&alice, &bob] {
        person.go("premium").await?;
        person.click("#premium-check").await?;
        person
            .wait_until("#premium-status", T, |t| t.contains("You have Premium"))
            .await?;
    }
    alice.go("history").await?;
    alice
        .wait_until("#history-365", T, |t| !t.contains('★'))
        .await?;
    alice.click("#history-365").await?;
    alice.wait_for("#chart-connection").await?;

    // AI ideas, paid with credits bought through Stripe (two here).
    let credits = serde_json::json!({ "id": "cs_e2e_credits", "object": "checkout.session",
        "mode": "payment", "payment_status": "paid", "payment_intent": "pi_e2e_credits",
        "amount_total": 200, "created": jiff::Timestamp::now().as_second(),
        "metadata": { "kind": "credits", "credits": "2", "user_id": setting(dir_a.path(), "local_user_id")? } });
    stripe_event(
        &server.url,
        "evt_e2e_credits",
        "checkout.session.completed",
        credits,
    )
    .await?;
    alice.go("activities").await?;
    alice
        .wait_until("#ideas-balance", T, |t| t.contains("2 credit"))
        .await?;
    alice.fill("#ideas-context", "we love hiking").await?;
    alice.click("#ideas-ask").await?;
    alice
        .wait_until("#ideas-list", T, |t| t.contains("Sunset walk"))
        .await?;
    alice
        .wait_until("#ideas-notice", T, |t| t.contains("1 credit left"))
        .await?;

    screenshots(&alice, "alice").await?;
    bob.resize(390, 844).await?;
    bob.go("today").await?;
    bob.screenshot("bob-today-390x844").await?;
    bob.resize(1024, 760).await?;

    shown_once_each_on_the_partners_device(&desk_a.shown()?, &desk_b.shown()?);

    // Bob unpairs: the relationship ends for both. Neither Partner screen says "together" any
    // more (Alice's device hears of it live), and the app keeps working.
    bob.go("settings").await?;
    bob.click("#unpair").await?;
    // A real confirmation first: nothing ended yet, and cancelling keeps the couple.
    let asked = bob
        .wait_until("#confirm-unpair-text", T, |t| t.contains("Alice"))
        .await?;
    assert!(asked.contains("both of you"), "{asked}");
    both_sizes(&bob, "bob-unpair-confirm").await?;
    bob.click("#unpair-cancel").await?;
    assert!(!bob.exists("#unpair-confirm").await);
    bob.go("partner").await?;
    bob.wait_until("#partner-state", T, |t| t.contains("Alice"))
        .await?;
    bob.go("settings").await?;
    bob.click("#unpair").await?;
    bob.click("#unpair-confirm").await?;
    bob.wait_until("#unpair-notice", T, |t| t.contains("You left"))
        .await?;
    // Both apps show the same unpaired state (Alice's hears of it live), both can start again,
    // and neither keeps saying "together", "Synced" with a partner, or "needs attention".
    let mut states = Vec::new();
    for person in [&bob, &alice] {
        person.go("partner").await?;
        let state = person
            .wait_until("#partner-state", T, |t| t.contains("no shared space"))
            .await?;
        assert!(!state.contains("together"), "{state}");
        assert!(person.exists("#start-new-space").await);
        let badge = person
            .wait_until("#sync-status", T, |t| !t.contains("Connecting"))
            .await?;
        assert!(
            !badge.contains("needs attention") && !badge.contains("waiting"),
            "{badge}"
        );
        states.push(state);
        person.go("today").await?;
        person.wait_for("#today-title").await?;
    }
    assert_eq!(states[0], states[1], "both sides say the same");
    for (person, who) in [(&bob, "bob"), (&alice, "alice")] {
        person.go("partner").await?;
        both_sizes(person, &format!("{who}-unpaired")).await?;
    }
    alice.go("settings").await?;
    alice
        .wait_until("#settings-sync-message", T, |t| {
            t.contains("Your partner left")
        })
        .await?;
    alice.close().await?;
    bob.close().await?;
    Ok(())
}
