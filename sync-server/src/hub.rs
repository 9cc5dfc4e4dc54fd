//! Who is listening: the live WebSockets by account, so a new entry reaches only the devices of the
//! people who may read its document, without a database query per listener.
//!
//! Each connected device has a [`Mailbox`]: the newest seq per document it has not been told about
//! yet, the relationships that ended, and a wake-up. Publishing coalesces (a burst of entries on one
//! document is one message), so a slow device holds at most one pending line per document it can
//! reach; nothing grows without bound and no publisher ever waits for a socket.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// One thing a device is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// `doc_id` has entries up to this seq.
    NewEntries(String, i64),
    /// A partner left this relationship: it ended for both.
    RelationshipEnded(String),
    /// News may have been missed (another instance's feed was cut): pull everything.
    Resync,
}

/// What a device has still to be told: the newest seq per document, and the relationships that
/// ended (a device is in at most a few).
#[derive(Debug, Default)]
struct Pending {
    entries: HashMap<String, i64>,
    ended: Vec<String>,
    resync: bool,
}

/// What a device has still to be told.
#[derive(Debug, Default)]
pub struct Mailbox {
    pending: Mutex<Pending>,
    closed: AtomicBool,
    wake: Notify,
}

impl Mailbox {
    /// Waits until there is news or the device was disconnected, then takes the news. `None`
    /// once the hub closed this mailbox (device revoked, account deleted).
    pub async fn next(&self) -> Option<Vec<News>> {
        loop {
            // Register interest before looking, so a publish between the look and the wait is
            // not missed.
            let woken = self.wake.notified();
            if self.closed.load(Ordering::Acquire) {
                return None;
            }
            let news = self.take();
            if !news.is_empty() {
                return Some(news);
            }
            woken.await;
        }
    }

    fn take(&self) -> Vec<News> {
        let mut pending = lock(&self.pending);
        let mut news: Vec<News> = pending
            .entries
            .drain()
            .map(|(doc_id, seq)| News::NewEntries(doc_id, seq))
            .collect();
        news.extend(pending.ended.drain(..).map(News::RelationshipEnded));
        if std::mem::take(&mut pending.resync) {
            news.push(News::Resync);
        }
        news
    }

    fn post(&self, doc_id: &str, seq: i64) {
        let mut pending = lock(&self.pending);
        let newest = pending.entries.entry(doc_id.to_owned()).or_insert(seq);
        *newest = (*newest).max(seq);
        drop(pending);
        self.wake.notify_one();
    }

    fn post_ended(&self, relationship_id: &str) {
        let mut pending = lock(&self.pending);
        if !pending.ended.iter().any(|r| r == relationship_id) {
            pending.ended.push(relationship_id.to_owned());
        }
        drop(pending);
        self.wake.notify_one();
    }

    fn post_resync(&self) {
        lock(&self.pending).resync = true;
        self.wake.notify_one();
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.wake.notify_one();
    }
}

/// One connected device.
#[derive(Debug)]
struct Listener {
    id: u64,
    device_id: String,
    mailbox: Arc<Mailbox>,
}

/// The registry of live devices, by account.
#[derive(Debug, Default)]
pub struct Hub {
    by_user: Mutex<HashMap<String, Vec<Listener>>>,
    next_id: AtomicU64,
}

/// A device's place in the hub; leaving it (drop) unregisters the device.
#[derive(Debug)]
pub struct Subscription {
    hub: Arc<Hub>,
    user_id: String,
    id: u64,
    /// Where the news arrives.
    pub mailbox: Arc<Mailbox>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut by_user = lock(&self.hub.by_user);
        if let Some(listeners) = by_user.get_mut(&self.user_id) {
            listeners.retain(|listener| listener.id != self.id);
            if listeners.is_empty() {
                by_user.remove(&self.user_id);
            }
        }
    }
}

impl Hub {
    /// Registers a device of `user_id` until the returned subscription is dropped.
    pub fn subscribe(self: &Arc<Self>, user_id: &str, device_id: &str) -> Subscription {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mailbox = Arc::new(Mailbox::default());
        lock(&self.by_user)
            .entry(user_id.to_owned())
            .or_default()
            .push(Listener {
                id,
                device_id: device_id.to_owned(),
                mailbox: Arc::clone(&mailbox),
            });
        Subscription {
            hub: Arc::clone(self),
            user_id: user_id.to_owned(),
            id,
            mailbox,
        }
    }

    /// Tells every connected device of the `audience` (the accounts that may read the document,
    /// as of the commit) that `doc_id` has entries up to `seq`.
    pub fn publish(&self, audience: &[String], doc_id: &str, seq: i64) {
        let by_user = lock(&self.by_user);
        for user in audience {
            for listener in by_user.get(user).into_iter().flatten() {
                listener.mailbox.post(doc_id, seq);
            }
        }
    }

    /// Tells every connected device of `members` that their relationship ended.
    pub fn publish_ended(&self, members: &[String], relationship_id: &str) {
        let by_user = lock(&self.by_user);
        for user in members {
            for listener in by_user.get(user).into_iter().flatten() {
                listener.mailbox.post_ended(relationship_id);
            }
        }
    }

    /// Disconnects one device (it was revoked).
    pub fn disconnect_device(&self, user_id: &str, device_id: &str) {
        let by_user = lock(&self.by_user);
        for listener in by_user.get(user_id).into_iter().flatten() {
            if listener.device_id == device_id {
                listener.mailbox.close();
            }
        }
    }

    /// Disconnects every device of an account (it was deleted).
    pub fn disconnect_user(&self, user_id: &str) {
        let by_user = lock(&self.by_user);
        for listener in by_user.get(user_id).into_iter().flatten() {
            listener.mailbox.close();
        }
    }

    /// Tells every connected device to pull everything (news may have been missed).
    pub fn resync_all(&self) {
        let by_user = lock(&self.by_user);
        for listener in by_user.values().flatten() {
            listener.mailbox.post_resync();
        }
    }

    /// Applies news broadcast by an instance (this one or another sharing the database).
    pub fn apply(&self, news: &crate::storage::Broadcast) {
        use crate::storage::Broadcast;
        match news {
            Broadcast::NewEntries {
                audience,
                doc_id,
                seq,
            } => self.publish(audience, doc_id, *seq),
            Broadcast::RelationshipEnded {
                members,
                relationship_id,
            } => self.publish_ended(members, relationship_id),
            Broadcast::DeviceSignedOut { user_id, device_id } => {
                self.disconnect_device(user_id, device_id);
            }
            Broadcast::AccountDeleted { user_id } => self.disconnect_user(user_id),
        }
    }

    /// How many devices are connected (for logs and benchmarks).
    pub fn connected(&self) -> usize {
        lock(&self.by_user).values().map(Vec::len).sum()
    }
}

/// The hub's maps hold no invariant a panic could break half-way, so a poisoned lock is still
/// usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn news_reaches_only_the_audience_and_coalesces() {
        let hub = Arc::new(Hub::default());
        let alice = hub.subscribe("alice", "a1");
        let bob = hub.subscribe("bob", "b1");
        hub.publish(&["alice".into()], "rel-x", 3);
        hub.publish(&["alice".into()], "rel-x", 5);
        hub.publish(&["alice".into()], "rel-x", 4);
        assert_eq!(
            alice.mailbox.next().await,
            Some(vec![News::NewEntries("rel-x".into(), 5)])
        );
        let nothing =
            tokio::time::timeout(std::time::Duration::from_millis(50), bob.mailbox.next()).await;
        assert!(nothing.is_err(), "bob is not in the audience");
    }

    #[tokio::test]
    async fn an_ended_relationship_is_told_once_to_its_members() {
        let hub = Arc::new(Hub::default());
        let alice = hub.subscribe("alice", "a1");
        let carol = hub.subscribe("carol", "c1");
        hub.publish_ended(&["alice".into(), "bob".into()], "r1");
        hub.publish_ended(&["alice".into()], "r1");
        assert_eq!(
            alice.mailbox.next().await,
            Some(vec![News::RelationshipEnded("r1".into())])
        );
        let nothing =
            tokio::time::timeout(std::time::Duration::from_millis(50), carol.mailbox.next()).await;
        assert!(nothing.is_err(), "carol was not a member");
    }

    #[tokio::test]
    async fn another_instances_news_applies_here_and_a_gap_asks_everyone_to_resync() {
        use crate::storage::Broadcast;
        let hub = Arc::new(Hub::default());
        let alice = hub.subscribe("alice", "a1");
        let bob = hub.subscribe("bob", "b1");
        hub.apply(&Broadcast::NewEntries {
            audience: vec!["alice".into()],
            doc_id: "rel-x".into(),
            seq: 7,
        });
        assert_eq!(
            alice.mailbox.next().await,
            Some(vec![News::NewEntries("rel-x".into(), 7)])
        );
        hub.resync_all();
        assert_eq!(alice.mailbox.next().await, Some(vec![News::Resync]));
        assert_eq!(bob.mailbox.next().await, Some(vec![News::Resync]));
        hub.apply(&Broadcast::DeviceSignedOut {
            user_id: "bob".into(),
            device_id: "b1".into(),
        });
        assert_eq!(
            bob.mailbox.next().await,
            None,
            "signed out elsewhere: closed here"
        );
    }

    #[tokio::test]
    async fn revoked_device_is_disconnected_and_dropping_unregisters() {
        let hub = Arc::new(Hub::default());
        let phone = hub.subscribe("alice", "phone");
        let laptop = hub.subscribe("alice", "laptop");
        assert_eq!(hub.connected(), 2);
        hub.disconnect_device("alice", "phone");
        assert_eq!(phone.mailbox.next().await, None);
        hub.publish(&["alice".into()], "user-a", 1);
        assert_eq!(
            laptop.mailbox.next().await,
            Some(vec![News::NewEntries("user-a".into(), 1)])
        );
        drop(phone);
        drop(laptop);
        assert_eq!(hub.connected(), 0);
    }
}
