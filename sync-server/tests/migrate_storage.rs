//! `together-server migrate-storage`, the real binary: a SQLite server with real traffic (a couple
//! syncing a shared and a private log, a snapshot, key bundles, a Stripe purchase through signed
//! webhooks) is moved to PostgreSQL, and a server on PostgreSQL then serves the same devices: their
//! tokens work, their logs pull back the same, new appends continue the seqs, live news flows, the
//! entitlement is signed by the same key. A target that holds data is refused; a copy that fails
//! half-way keeps nothing; a copy changed afterwards fails `--verify-only`. The moves need
//! PostgreSQL (`TOGETHER_TEST_DATABASE_URL`, see scripts/pg.sh); without it those tests say so and
//! pass, and what needs no PostgreSQL (refusals before any connection) still runs.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::backend::TestDatabase;
use common::billing::{
    OLD_SECRET, WEBHOOK_SECRET, add_plan, couple, deliver, entitlement, event, now, subscription,
};
use common::fake_stripe::{FakeStripe, SECRET_KEY};
use common::instances::{append, connect, hear, log_of, postgres_or_skip};
use common::{Device, Server, b64, start_with};
use serde_json::{Value, json};
use sha2::Digest;

/// What one run of the command did.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn migrate_storage(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .arg("migrate-storage")
        .args(args)
        .env_remove("TOGETHER_MIGRATE_TO")
        .output()
        .unwrap();
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A server with billing, on SQLite (`database_url: None`) or on the PostgreSQL database `url`.
async fn billing_server(stripe: &FakeStripe, url: Option<&str>) -> Server {
    let base = stripe.base.clone();
    let url = url.map(str::to_owned);
    start_with(move |config| {
        config.billing.stripe_secret_key = Some(SECRET_KEY.into());
        config.billing.stripe_api_base = base;
        config.billing.webhook_secrets = vec![WEBHOOK_SECRET.into(), OLD_SECRET.into()];
        config.database_url = url.as_deref().map(Into::into);
    })
    .await
}

fn sqlite_file(server: &Server) -> PathBuf {
    server.dir.path().join("server-data/server.sqlite3")
}

/// The stopped server's database as an operator would carry it: one file in WAL mode, closed
/// (taken with `VACUUM INTO`, since the stopped in-process server's tasks may hold their
/// connection a while longer, and its closing would change the bytes this test compares).
fn operators_copy(server: &Server) -> PathBuf {
    let dir = server.dir.path().join("moved-from");
    std::fs::create_dir(&dir).unwrap();
    let copy = dir.join("server.sqlite3");
    rusqlite::Connection::open_with_flags(
        sqlite_file(server),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap()
    .execute("VACUUM INTO ?1", [copy.display().to_string()])
    .unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
        row.get::<_, String>(0)
    })
    .unwrap();
    drop(conn);
    copy
}

/// SHA-256 of the database file and of its write-ahead log, if any.
fn file_sum(path: &Path) -> Vec<u8> {
    let mut hasher = sha2::Sha256::new();
    hasher.update(std::fs::read(path).unwrap());
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if let Ok(bytes) = std::fs::read(wal) {
        hasher.update(bytes);
    }
    hasher.finalize().to_vec()
}

/// Runs `sql` in the PostgreSQL database `url`.
async fn pg_execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = driver.await;
}

/// `SELECT count(*)` in the PostgreSQL database `url`.
async fn pg_count(url: &str, sql: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    let count = client.query_one(sql, &[]).await.unwrap().get(0);
    drop(client);
    let _ = driver.await;
    count
}

/// `device`, talking to the server at `base` instead.
fn moved(device: &Device, base: &str) -> Device {
    let mut device = device.clone();
    device.base = base.to_owned();
    device
}

/// The couple buys the monthly plan: checkout, then Stripe's three events, signed.
async fn purchase(
    server: &Server,
    stripe: &FakeStripe,
    a: &Device,
    relationship: &str,
    plan: &str,
) {
    let started = a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "request_id": "r1" }),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.body);
    let period_end = now() + 30 * 86_400;
    let meta = json!({ "kind": "subscription", "relationship_id": relationship, "user_id": a.user_id, "plan_id": plan });
    let sub = subscription("sub_test_1", "active", meta.clone(), period_end);
    stripe.set_subscription(sub.clone());
    deliver(
        server,
        &event(
            "evt_1",
            "checkout.session.completed",
            now(),
            json!({
        "id": started.body["session_id"], "object": "checkout.session", "mode": "subscription",
        "payment_status": "paid", "status": "complete", "customer": "cus_test_1",
        "subscription": "sub_test_1", "amount_total": 999, "created": now(), "metadata": meta }),
        ),
    )
    .await;
    deliver(
        server,
        &event("evt_2", "customer.subscription.created", now(), sub),
    )
    .await;
    deliver(server, &event("evt_3", "invoice.paid", now(), json!({
        "id": "in_test_1", "object": "invoice", "amount_paid": 999, "amount_due": 999, "created": now(),
        "payment_intent": "pi_test_1", "parent": { "subscription_details": { "subscription": "sub_test_1" } } }))).await;
}

/// Real traffic on `server`: a couple, entries from both partners in their shared log and from A
/// in A's private one, a snapshot, both key bundles. (A, B, shared doc, private doc.)
async fn traffic(server: &Server) -> (Device, Device, String, String) {
    let pair = couple(server, "a@example.com", "b@example.com").await;
    let shared = format!("rel-{}-2026", pair.relationship);
    let private = format!("user-{}", pair.a.user_id);
    for i in 0..5 {
        assert_eq!(
            append(&pair.a, &shared, &format!("a-{i}")).await,
            Ok(2 * i + 1)
        );
        assert_eq!(
            append(&pair.b, &shared, &format!("b-{i}")).await,
            Ok(2 * i + 2)
        );
    }
    assert_eq!(append(&pair.a, &private, "mine").await, Ok(1));
    let snapshot = pair
        .a
        .call(
            reqwest::Method::PUT,
            &format!("/v1/docs/{shared}/snapshot"),
            Some(json!({ "covers_seq": 6, "ciphertext": b64(b"snapshot@6") })),
        )
        .await;
    assert_eq!(snapshot.status, 204, "{}", snapshot.body);
    for (device, bundle) in [(&pair.a, b"keys of a"), (&pair.b, b"keys of b")] {
        let put = device
            .call(
                reqwest::Method::PUT,
                "/v1/keys",
                Some(json!({ "bundle": b64(bundle) })),
            )
            .await;
        assert_eq!(put.status, 204, "{}", put.body);
    }
    (pair.a, pair.b, shared, private)
}

#[tokio::test]
async fn a_served_sqlite_database_moves_to_postgres_and_keeps_serving_its_devices() {
    let Some(pg) = postgres_or_skip("a_served_sqlite_database_moves_to_postgres") else {
        return;
    };
    let stripe = FakeStripe::start().await;
    let mut old = billing_server(&stripe, None).await;
    assert_eq!(old.database_url, None, "the old server is on SQLite");
    let plan = add_plan(&old);
    let (a, b, shared, private) = traffic(&old).await;
    let relationship = shared
        .strip_prefix("rel-")
        .and_then(|s| s.strip_suffix("-2026"))
        .unwrap()
        .to_owned();
    purchase(&old, &stripe, &a, &relationship, &plan).await;
    let before = a.get("/v1/entitlements").await.body;
    assert_eq!(entitlement(&a).await["level"], "premium");
    let shared_log = log_of(&b, &shared).await;
    assert_eq!(shared_log.len(), 10);
    old.shut_down().await;

    let source = operators_copy(&old);
    let from = format!("sqlite:{}", source.display());
    let instance_id: String =
        rusqlite::Connection::open_with_flags(&source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row(
                "SELECT value FROM server_info WHERE key = 'instance_id'",
                [],
                |row| row.get(0),
            )
            .unwrap();
    let source_sum = file_sum(&source);
    let database = TestDatabase::create(&pg).await;
    let run = migrate_storage(&["--from", &from, "--to", &database.url]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    for table in [
        "users",
        "devices",
        "doc_entries",
        "doc_snapshots",
        "key_bundles",
        "subscriptions",
        "payment_transactions",
        "stripe_webhooks",
        "server_info",
    ] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("no line for {table}: {}", run.stdout));
        assert!(line.ends_with(" ok"), "{line}");
        let counts: Vec<&str> = line.split_whitespace().skip(1).take(2).collect();
        assert_eq!(counts[0], counts[1], "{line}");
        assert_ne!(counts[0], "0", "{table} had rows to copy: {line}");
    }
    assert!(!run.stdout.contains("MISMATCH"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("2 documents checked: 2 match, 0 differ"),
        "{}",
        run.stdout
    );
    assert_eq!(
        file_sum(&source),
        source_sum,
        "the SQLite file was only read"
    );

    // Moving again into the same (now full) database is refused, and changes nothing.
    let again = migrate_storage(&["--from", &from, "--to", &database.url]);
    assert!(!again.ok);
    assert!(
        again.stderr.contains("already holds data"),
        "{}",
        again.stderr
    );
    let verified = migrate_storage(&["--from", &from, "--to", &database.url, "--verify-only"]);
    assert!(verified.ok, "{}\n{}", verified.stdout, verified.stderr);

    // A copy changed afterwards fails verification, naming the document and the table.
    pg_execute(
        &database.url,
        &format!("UPDATE doc_entries SET ciphertext = '\\x00'::bytea WHERE doc_id = '{shared}' AND seq = 3"),
    )
    .await;
    let tampered = migrate_storage(&["--from", &from, "--to", &database.url, "--verify-only"]);
    assert!(!tampered.ok, "{}", tampered.stdout);
    let doc_line = tampered
        .stdout
        .lines()
        .find(|l| l.starts_with(&shared))
        .unwrap();
    assert!(doc_line.ends_with("MISMATCH"), "{doc_line}");
    assert!(tampered.stderr.contains("differs"), "{}", tampered.stderr);
    pg_execute(
        &database.url,
        &format!("UPDATE doc_entries SET ciphertext = convert_to('b-0', 'UTF8') WHERE doc_id = '{shared}' AND seq = 2;
                  UPDATE doc_entries SET ciphertext = convert_to('a-1', 'UTF8') WHERE doc_id = '{shared}' AND seq = 3"),
    )
    .await;
    assert!(migrate_storage(&["--from", &from, "--to", &database.url, "--verify-only"]).ok);
    pg_execute(
        &database.url,
        "UPDATE subscriptions SET status = 'canceled'",
    )
    .await;
    let tampered = migrate_storage(&["--from", &from, "--to", &database.url, "--verify-only"]);
    assert!(!tampered.ok);
    let table_line = tampered
        .stdout
        .lines()
        .find(|l| l.starts_with("subscriptions "))
        .unwrap();
    assert!(table_line.ends_with("MISMATCH"), "{table_line}");
    pg_execute(&database.url, "UPDATE subscriptions SET status = 'active'").await;
    assert!(migrate_storage(&["--from", &from, "--to", &database.url, "--verify-only"]).ok);

    // A server on PostgreSQL serves the same devices as if nothing happened.
    let new = billing_server(&stripe, Some(&database.url)).await;
    let (a, b) = (moved(&a, &new.base), moved(&b, &new.base));
    assert_eq!(
        pg_count(
            &database.url,
            &format!("SELECT count(*) FROM server_info WHERE key = 'instance_id' AND value = '{instance_id}'")
        )
        .await,
        1,
        "the server keeps its identity"
    );
    assert_eq!(
        log_of(&b, &shared).await,
        shared_log,
        "B's token works and pulls the same log"
    );
    assert_eq!(log_of(&a, &private).await, vec![("mine".to_owned(), 1)]);
    let snapshot = b.get(&format!("/v1/docs/{shared}/snapshot")).await;
    assert_eq!(
        snapshot.body,
        json!({ "covers_seq": 6, "ciphertext": b64(b"snapshot@6") })
    );
    assert_eq!(b.get("/v1/keys").await.body["bundle"], b64(b"keys of b"));
    let after = a.get("/v1/entitlements").await.body;
    assert_eq!(
        after["public_key"], before["public_key"],
        "signed by the same key"
    );
    let granted = entitlement(&b).await;
    assert_eq!(granted["level"], "premium", "{granted}");
    assert_eq!(granted["relationship_id"], relationship.as_str());

    let mut b_live = connect(&b).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        append(&a, &shared, "after-the-move").await,
        Ok(11),
        "the seq continues"
    );
    assert!(
        hear(
            &mut b_live,
            Duration::from_secs(5),
            |m: &Value| m["latest_seq"] == 11
        )
        .await,
        "B hears it live"
    );
    assert_eq!(
        log_of(&b, &shared).await.last().unwrap().0,
        "after-the-move"
    );
    assert_eq!(
        append(&a, &shared, "after-the-move").await,
        Ok(11),
        "still idempotent by entry id"
    );
}

#[tokio::test]
async fn a_copy_that_fails_half_way_keeps_nothing() {
    let Some(pg) = postgres_or_skip("a_copy_that_fails_half_way_keeps_nothing") else {
        return;
    };
    let stripe = FakeStripe::start().await;
    let mut old = billing_server(&stripe, None).await;
    traffic(&old).await;
    old.shut_down().await;
    let from = format!("sqlite:{}", sqlite_file(&old).display());

    // The target is migrated by hand, then made to refuse key bundles, copied after the logs.
    let database = TestDatabase::create(&pg).await;
    drop(
        together_server::storage::PostgresStorage::open(&database.url.as_str().into())
            .await
            .unwrap(),
    );
    pg_execute(
        &database.url,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'injected failure'; END; $$;
         CREATE TRIGGER refuse BEFORE INSERT ON key_bundles FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .await;
    let failed = migrate_storage(&["--from", &from, "--to", &database.url]);
    assert!(!failed.ok, "{}", failed.stdout);
    assert!(
        failed.stderr.contains("nothing was kept"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("injected failure"),
        "{}",
        failed.stderr
    );
    for table in ["users", "devices", "documents", "doc_entries"] {
        assert_eq!(
            pg_count(&database.url, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table} was rolled back"
        );
    }
    assert_eq!(
        pg_count(&database.url, "SELECT count(*) FROM server_info").await,
        1,
        "only the fresh database's own instance id"
    );
    pg_execute(&database.url, "DROP TRIGGER refuse ON key_bundles").await;
    let run = migrate_storage(&["--from", &from, "--to", &database.url]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        pg_count(&database.url, "SELECT count(*) FROM key_bundles").await,
        2
    );
}

#[tokio::test]
async fn a_served_or_wrong_source_is_refused_before_anything_is_touched() {
    // None of this needs a PostgreSQL server: each refusal comes before any connection.
    let nowhere = "postgres://nobody@127.0.0.1:1/nothing";
    let stripe = FakeStripe::start().await;
    let mut old = billing_server(&stripe, None).await;
    traffic(&old).await;
    let source = sqlite_file(&old);
    let from = format!("sqlite:{}", source.display());

    let serving = migrate_storage(&["--from", &from, "--to", nowhere]);
    assert!(!serving.ok);
    assert!(
        serving.stderr.contains("is serving") && serving.stderr.contains("stop it first"),
        "{}",
        serving.stderr
    );
    old.shut_down().await;

    let no_scheme = migrate_storage(&["--from", &source.display().to_string(), "--to", nowhere]);
    assert!(!no_scheme.ok);
    assert!(
        no_scheme.stderr.contains("sqlite:PATH"),
        "{}",
        no_scheme.stderr
    );
    let missing = migrate_storage(&[
        "--from",
        "sqlite:/nonexistent/server.sqlite3",
        "--to",
        nowhere,
    ]);
    assert!(!missing.ok);
    assert!(
        missing.stderr.contains("no SQLite database at"),
        "{}",
        missing.stderr
    );
    let not_postgres = migrate_storage(&["--from", &from, "--to", "mysql://x@y/z"]);
    assert!(!not_postgres.ok);
    assert!(
        not_postgres.stderr.contains("PostgreSQL URL"),
        "{}",
        not_postgres.stderr
    );
    // The server stopped, the refusal above was the target's, not the lock's.
    assert!(!not_postgres.stderr.contains("is serving"));

    // An older schema is refused with what to do (the version row of the last migration removed).
    let older = old.dir.path().join("older.sqlite3");
    std::fs::copy(&source, &older).unwrap();
    rusqlite::Connection::open(&older)
        .unwrap()
        .execute_batch("DELETE FROM refinery_schema_history WHERE version = (SELECT max(version) FROM refinery_schema_history)")
        .unwrap();
    let run = migrate_storage(&[
        "--from",
        &format!("sqlite:{}", older.display()),
        "--to",
        nowhere,
    ]);
    assert!(!run.ok);
    assert!(run.stderr.contains("schema version"), "{}", run.stderr);

    let help = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["migrate-storage", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--from <sqlite:PATH>"), "{help}");
    assert!(help.contains("--verify-only"), "{help}");
}
