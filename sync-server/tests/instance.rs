//! What instances sharing one database agree on, against the storage seam (so every backend runs
//! it): one signing key, one holder per once-only job. And, over HTTP, that the key survives a
//! restart and that a key file left by an earlier version stays the key devices pinned.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{Device, signup, start_with};
use ed25519_dalek::SigningKey;

#[tokio::test]
async fn the_first_signing_key_stored_is_the_one_every_instance_gets() {
    let (_backend, storage) = common::backend::storage().await;
    let first = storage.signing_seed([1; 32]).await.unwrap();
    assert_eq!(first, [1; 32]);
    let second = storage.signing_seed([2; 32]).await.unwrap();
    assert_eq!(second, [1; 32], "a later candidate never replaces the key");
}

#[tokio::test]
async fn a_once_only_job_has_one_holder_until_its_lease_runs_out() {
    let (_backend, storage) = common::backend::storage().await;
    let lease = |holder: &str, now: &str, until: &str| {
        storage.take_lease("job".into(), holder.into(), now.into(), until.into())
    };
    const T0: &str = "2026-11-29T12:00:00.000Z";
    const T1: &str = "2026-11-29T12:30:00.000Z";
    const T2: &str = "2026-11-29T13:00:00.000Z";
    const T3: &str = "2026-11-29T14:00:00.000Z";
    assert!(lease("a", T0, T2).await.unwrap());
    assert!(!lease("b", T1, T3).await.unwrap(), "a holds it until T2");
    assert!(lease("a", T1, T3).await.unwrap(), "the holder renews");
    assert!(!lease("b", T2, T3).await.unwrap());
    assert!(
        lease("b", T3, "2026-11-29T15:00:00.000Z").await.unwrap(),
        "expired: b takes it"
    );
}

async fn public_key(device: &Device) -> String {
    let reply = device.get("/v1/entitlements").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["public_key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_key_file_from_an_earlier_version_stays_the_key_and_the_database_keeps_it() {
    let data = tempfile::tempdir().unwrap();
    let server_data = data.path().join("server-data");
    std::fs::create_dir_all(&server_data).unwrap();
    let seed = [9_u8; 32];
    std::fs::write(server_data.join("entitlement-signing.key"), seed).unwrap();
    let pinned = STANDARD.encode(SigningKey::from_bytes(&seed).verifying_key().to_bytes());
    let dir = server_data.clone();
    let mut first = start_with(move |config| config.data_dir = dir).await;
    let alice = signup(&first, "a@example.com", "A", "pw").await;
    assert_eq!(public_key(&alice).await, pinned);
    first.shut_down().await;
    // The file is gone (a moved server, a restored database): the database still has the key.
    std::fs::remove_file(server_data.join("entitlement-signing.key")).unwrap();
    let dir = server_data.clone();
    // The same database (on PostgreSQL; on SQLite it lives in the data directory).
    let url = first.database_url.clone();
    let server = start_with(move |config| {
        config.data_dir = dir;
        config.database_url = url.as_deref().map(Into::into);
    })
    .await;
    let again = common::login(&server, "a@example.com", "pw").await;
    let alice = alice.with_token(
        again.body["token"].as_str().unwrap(),
        again.body["device_id"].as_str().unwrap(),
    );
    let mut alice = alice;
    alice.base = server.base.clone();
    assert_eq!(public_key(&alice).await, pinned);
}
