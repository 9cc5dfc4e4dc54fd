//! News from the other instances sharing the database (PostgreSQL), applied to this instance's
//! live sockets. After a gap in that feed (the listener's connection dropped), news may have been
//! missed: every local device is told to pull everything, and every connected device is checked
//! again, since a sign-out or an account deletion made through another instance meanwhile would
//! otherwise leave its socket open here, hearing news (and small appends' ciphertext) it should not;
//! for the same reason the tokens this instance checked a moment ago are all forgotten
//! ([`crate::tokens`]).

use std::sync::Arc;

use crate::hub::Hub;
use crate::storage::{Broadcast, Heard, Storage};
use crate::tokens::RecentTokens;

/// Applies news, this instance's own or another's: to the live sockets, and, when a token stopped
/// being valid (a sign-out, an account deleted or disabled), to the tokens checked a moment ago.
pub(crate) fn apply(hub: &Hub, tokens: &RecentTokens, news: &Broadcast) {
    match news {
        Broadcast::DeviceSignedOut { user_id, device_id } => {
            tokens.forget_device(user_id, device_id);
        }
        Broadcast::AccountDeleted { user_id } => tokens.forget_account(user_id),
        Broadcast::NewEntries { .. } | Broadcast::RelationshipEnded { .. } => {}
    }
    hub.apply(news);
}

/// Applies the broadcasts heard (but this instance's own) until the feed ends.
pub(crate) async fn relay_broadcasts(
    mut heard: tokio::sync::mpsc::UnboundedReceiver<Heard>,
    hub: Arc<Hub>,
    tokens: Arc<RecentTokens>,
    origin: Arc<str>,
    database: Arc<dyn Storage>,
) {
    while let Some(heard) = heard.recv().await {
        match heard {
            Heard::News(envelope) if *envelope.origin != *origin => {
                apply(&hub, &tokens, &envelope.news);
            }
            Heard::News(_) => {}
            Heard::Gap => {
                tokens.forget_all();
                hub.resync_all();
                // Apart, so news heard meanwhile is not held up by the checks.
                tokio::spawn(recheck_devices(Arc::clone(&database), Arc::clone(&hub)));
            }
        }
    }
}

/// Disconnects every connected device no longer signed in (revoked, or its account deleted), one
/// account at a time, as a new live socket is checked when it opens.
pub(crate) async fn recheck_devices(database: Arc<dyn Storage>, hub: Arc<Hub>) {
    for (user_id, connected) in hub.connected_devices() {
        match database.devices(user_id.clone()).await {
            Ok(signed_in) => {
                for device_id in connected {
                    if !signed_in.iter().any(|d| d.device_id == device_id) {
                        hub.disconnect_device(&user_id, &device_id);
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "a device could not be checked after the gap"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use std::time::Duration;

    use super::*;
    use crate::hub::{Carried, News};
    use crate::storage::{NewAccount, SqliteStorage};

    async fn account(db: &Arc<dyn Storage>, user: &str, device: &str, token: u8) {
        db.create_account(NewAccount::for_test(user, device, [token; 32]))
            .await
            .unwrap();
    }

    /// A device signed out through another instance while this one's feed was cut (its news
    /// lost) is disconnected once the feed is back; a device still signed in keeps its socket.
    #[tokio::test]
    async fn after_a_gap_a_device_signed_out_meanwhile_loses_its_socket() {
        let dir = tempfile::tempdir().unwrap();
        let db: Arc<dyn Storage> =
            Arc::new(SqliteStorage::open(&dir.path().join("server.sqlite3")).unwrap());
        account(&db, "alice", "a1", 1).await;
        account(&db, "bob", "b1", 2).await;
        let hub = Arc::new(Hub::default());
        let alice = hub.subscribe("alice", "a1", true);
        let bob = hub.subscribe("bob", "b1", true);
        // Signed out elsewhere: nothing told this instance.
        db.revoke_device(
            "alice".into(),
            "a1".into(),
            "2026-11-30T01:01:00.000Z".into(),
        )
        .await
        .unwrap();

        let (feed, heard) = tokio::sync::mpsc::unbounded_channel();
        let tokens = Arc::new(RecentTokens::default());
        let relay = tokio::spawn(relay_broadcasts(
            heard,
            Arc::clone(&hub),
            Arc::clone(&tokens),
            "this".into(),
            Arc::clone(&db),
        ));
        // Alice's token was checked a moment ago, before the sign-out this instance did not hear.
        let now = jiff::Timestamp::now();
        let generation = tokens.get(&[1; 32], now).unwrap_err();
        tokens.remember(generation, [1; 32], "alice", "a1", now);
        feed.send(Heard::Gap).unwrap();
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            while alice.mailbox.next().await.is_some() {}
        })
        .await;
        assert!(closed.is_ok(), "Alice's revoked device is disconnected");
        assert!(
            tokens.get(&[1; 32], now).is_err(),
            "the token checked before the gap is asked again"
        );

        assert_eq!(bob.mailbox.next().await, Some(vec![News::Resync]));
        // Every account was checked by now (the check runs apart: wait for it to end).
        recheck_devices(Arc::clone(&db), Arc::clone(&hub)).await;
        hub.publish(&["bob".into()], "user-bob", 3, &Carried::default());
        assert_eq!(
            bob.mailbox.next().await,
            Some(vec![News::NewEntries(
                "user-bob".into(),
                3,
                Carried::default()
            )]),
            "Bob, still signed in, keeps hearing news"
        );
        drop(feed);
        relay.await.unwrap();
    }
}
