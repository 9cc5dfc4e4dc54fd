//! Ending the relationship for both while the app's watchers run (issue #13 §5): the device that
//! ends it, with its own watcher beside it on another connection, is answered, and the partner's
//! watcher hears of it. Real server on loopback; each watcher on its own thread, runtime and
//! connection, as in the app.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::now;
use common::server::{checkin, paired_through, secrets, server};
use common::watcher::{WAIT, Watcher};
use together_client::sync::{Session, WatchEvent};

#[tokio::test(flavor = "multi_thread")]
async fn ending_it_for_both_is_answered_while_both_watchers_run() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let relationship = alice.store.current_relationship().unwrap().unwrap();
    let mut alice_watch = Watcher::start(&alice);
    let mut bob_watch = Watcher::start(&bob);
    for watcher in [&mut alice_watch, &mut bob_watch] {
        watcher
            .until("live socket", |e| *e == WatchEvent::Live)
            .await;
    }
    // Something in flight both ways, as in the app.
    alice
        .store
        .checkin(&checkin(8, "alice's day"), now())
        .unwrap();
    bob.store.checkin(&checkin(7, "bob's day"), now()).unwrap();

    // Bob ends it for both, from another connection than his watcher's (the app's command).
    let secrets = secrets(&bob);
    let mut session = Session::resume(&mut bob.store, &secrets).unwrap();
    let ended = tokio::time::timeout(WAIT, session.leave())
        .await
        .expect("ending the relationship was never answered")
        .unwrap();
    assert_eq!(ended.relationship_id, relationship.to_string());
    assert_eq!(bob.store.current_relationship().unwrap(), None);

    // Alice's watcher hears of it.
    alice_watch
        .until(
            "news of the end",
            |e| matches!(e, WatchEvent::Synced(report) if !report.ended.is_empty()),
        )
        .await;
    assert_eq!(alice.store.current_relationship().unwrap(), None);
    alice_watch.stop().await;
    bob_watch.stop().await;
}
