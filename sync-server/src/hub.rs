//! Who is listening: the live WebSockets by account, so a new entry reaches only the devices of the
//! people who may read its document, without a database query per listener.
//!
//! Each connected device has a [`Mailbox`]: the newest seq per document it has not been told about
//! yet, the relationships that ended, and a wake-up. Publishing coalesces (a burst of entries on one
//! document is one message), so a slow device holds at most one pending line per document it can
//! reach; nothing grows without bound and no publisher ever waits for a socket.
//!
//! A device that asked for them (`GET /v1/live?entries=true`) also gets small appends' sealed
//! entries inside the news ([`Carried`]), which spares it the pull: a run of one document's log
//! without a hole, at most [`CARRY_BYTES_PER_DOCUMENT`] sealed bytes per document and
//! [`CARRY_BYTES_PER_MAILBOX`] in a mailbox. News that would leave a hole in the run, or go over
//! a bound, is told without entries (the device pulls, as before). The entries are shared between
//! the mailboxes of an append's audience, not copied.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

mod carried;

pub use carried::{CARRY_BYTES_PER_DOCUMENT, Carried};

/// The most sealed bytes a device's mailbox holds in carried entries, across its documents.
pub const CARRY_BYTES_PER_MAILBOX: usize = 32 * 1024;

/// One thing a device is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// `doc_id` has entries up to this seq; the sealed entries themselves when carried (a run
    /// ending at that seq), for a device that asked for them.
    NewEntries(String, i64, Carried),
    /// A partner left this relationship: it ended for both.
    RelationshipEnded(String),
    /// News may have been missed (another instance's feed was cut): pull everything.
    Resync,
}

/// What a device has still to be told: the newest seq per document (with the entries carried up
/// to it, if any), and the relationships that ended (a device is in at most a few).
#[derive(Debug, Default)]
struct Pending {
    entries: HashMap<String, (i64, Carried)>,
    /// Sealed bytes carried in `entries`, in all.
    carried_bytes: usize,
    ended: Vec<String>,
    resync: bool,
}

impl Pending {
    /// Takes news of `doc_id` up to `seq`: the carried run grows when `carried` continues it
    /// within the bounds, and is dropped when it would leave a hole (the device pulls instead).
    fn add(&mut self, doc_id: &str, seq: i64, carried: &Carried, carries: bool) {
        let usable = carries
            && carried.last_seq() == Some(seq)
            && self.carried_bytes + carried.sealed_bytes <= CARRY_BYTES_PER_MAILBOX;
        match self.entries.get_mut(doc_id) {
            None => {
                let taken = if usable {
                    self.carried_bytes += carried.sealed_bytes;
                    carried.clone()
                } else {
                    Carried::default()
                };
                self.entries.insert(doc_id.to_owned(), (seq, taken));
            }
            Some((latest, run)) => {
                let continues = usable
                    && run
                        .last_seq()
                        .is_some_and(|last| last.checked_add(1) == carried.first_seq())
                    && run.sealed_bytes + carried.sealed_bytes <= CARRY_BYTES_PER_DOCUMENT;
                if continues {
                    run.entries.extend(carried.entries.iter().cloned());
                    run.sealed_bytes += carried.sealed_bytes;
                    self.carried_bytes += carried.sealed_bytes;
                } else if seq > *latest || !run.entries.is_empty() {
                    // A hole, an older run or too much: told without entries.
                    self.carried_bytes = self.carried_bytes.saturating_sub(run.sealed_bytes);
                    *run = Carried::default();
                }
                *latest = (*latest).max(seq);
            }
        }
    }
}

/// What a device has still to be told.
#[derive(Debug, Default)]
pub struct Mailbox {
    pending: Mutex<Pending>,
    /// Whether the device asked for the entries themselves (`?entries=true`).
    carries: bool,
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
        pending.carried_bytes = 0;
        let mut news: Vec<News> = pending
            .entries
            .drain()
            .map(|(doc_id, (seq, carried))| News::NewEntries(doc_id, seq, carried))
            .collect();
        news.extend(pending.ended.drain(..).map(News::RelationshipEnded));
        if std::mem::take(&mut pending.resync) {
            news.push(News::Resync);
        }
        news
    }

    fn post(&self, doc_id: &str, seq: i64, carried: &Carried) {
        lock(&self.pending).add(doc_id, seq, carried, self.carries);
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
    /// Registers a device of `user_id` until the returned subscription is dropped; `carries`:
    /// it asked for small appends' entries inside the news.
    pub fn subscribe(
        self: &Arc<Self>,
        user_id: &str,
        device_id: &str,
        carries: bool,
    ) -> Subscription {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mailbox = Arc::new(Mailbox {
            carries,
            ..Mailbox::default()
        });
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
    /// as of the commit) that `doc_id` has entries up to `seq`, with the `carried` entries for
    /// those that asked.
    pub fn publish(&self, audience: &[String], doc_id: &str, seq: i64, carried: &Carried) {
        let by_user = lock(&self.by_user);
        for user in audience {
            for listener in by_user.get(user).into_iter().flatten() {
                listener.mailbox.post(doc_id, seq, carried);
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

    /// The connected devices, by account: (account, its devices' ids).
    pub fn connected_devices(&self) -> Vec<(String, Vec<String>)> {
        lock(&self.by_user)
            .iter()
            .map(|(user, listeners)| {
                let devices = listeners.iter().map(|l| l.device_id.clone()).collect();
                (user.clone(), devices)
            })
            .collect()
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
                carried,
            } => self.publish(audience, doc_id, *seq, carried),
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
        let alice = hub.subscribe("alice", "a1", false);
        let bob = hub.subscribe("bob", "b1", false);
        hub.publish(&["alice".into()], "rel-x", 3, &Carried::default());
        hub.publish(&["alice".into()], "rel-x", 5, &Carried::default());
        hub.publish(&["alice".into()], "rel-x", 4, &Carried::default());
        assert_eq!(
            alice.mailbox.next().await,
            Some(vec![News::NewEntries(
                "rel-x".into(),
                5,
                Carried::default()
            )])
        );
        let nothing =
            tokio::time::timeout(std::time::Duration::from_millis(50), bob.mailbox.next()).await;
        assert!(nothing.is_err(), "bob is not in the audience");
    }

    #[tokio::test]
    async fn an_ended_relationship_is_told_once_to_its_members() {
        let hub = Arc::new(Hub::default());
        let alice = hub.subscribe("alice", "a1", false);
        let carol = hub.subscribe("carol", "c1", false);
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
        let alice = hub.subscribe("alice", "a1", false);
        let bob = hub.subscribe("bob", "b1", false);
        hub.apply(&Broadcast::NewEntries {
            audience: vec!["alice".into()],
            doc_id: "rel-x".into(),
            seq: 7,
            carried: Carried::default(),
        });
        assert_eq!(
            alice.mailbox.next().await,
            Some(vec![News::NewEntries(
                "rel-x".into(),
                7,
                Carried::default()
            )])
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
        let phone = hub.subscribe("alice", "phone", false);
        let laptop = hub.subscribe("alice", "laptop", false);
        assert_eq!(hub.connected(), 2);
        hub.disconnect_device("alice", "phone");
        assert_eq!(phone.mailbox.next().await, None);
        hub.publish(&["alice".into()], "user-a", 1, &Carried::default());
        assert_eq!(
            laptop.mailbox.next().await,
            Some(vec![News::NewEntries(
                "user-a".into(),
                1,
                Carried::default()
            )])
        );
        drop(phone);
        drop(laptop);
        assert_eq!(hub.connected(), 0);
    }

    /// An append of `ids` (each `size` sealed bytes) placed from `first` on.
    fn append(ids: &[&str], first: i64, size: usize) -> Carried {
        let sent: Vec<(String, Vec<u8>)> =
            ids.iter().map(|id| ((*id).into(), vec![7; size])).collect();
        let placed: Vec<(String, i64)> = ids
            .iter()
            .zip(first..)
            .map(|(id, seq)| ((*id).into(), seq))
            .collect();
        Carried::of_append(&sent, &placed, "d1", "2026-01-01T00:00:00.000Z")
    }

    fn carried_seqs(news: &[News]) -> Vec<(i64, Vec<i64>)> {
        news.iter()
            .filter_map(|n| match n {
                News::NewEntries(_, seq, carried) => {
                    Some((*seq, carried.entries().map(|e| e.seq).collect()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn only_small_runs_without_a_hole_are_carried() {
        let two = append(&["e1", "e2"], 4, 100);
        assert_eq!(two.entries().map(|e| e.seq).collect::<Vec<_>>(), [4, 5]);
        let entry = two.entries().next().unwrap();
        assert_eq!(entry.entry_id, "e1");
        assert_eq!(entry.device_id.as_deref(), Some("d1"));
        assert_eq!(
            crate::secrets::decode(&entry.ciphertext),
            Some(vec![7; 100])
        );
        assert_eq!(
            append(&["big"], 1, CARRY_BYTES_PER_DOCUMENT + 1),
            Carried::default()
        );
        // A retried upload keeps older seqs, which need not run on.
        let sent = vec![("a".to_owned(), vec![1]), ("b".to_owned(), vec![2])];
        let holed = [("a".to_owned(), 3), ("b".to_owned(), 9)];
        assert_eq!(
            Carried::of_append(&sent, &holed, "d", "t"),
            Carried::default()
        );
        let other = [("a".to_owned(), 3), ("c".to_owned(), 4)];
        assert_eq!(
            Carried::of_append(&sent, &other, "d", "t"),
            Carried::default()
        );
    }

    #[tokio::test]
    async fn carried_runs_grow_without_holes_and_only_for_devices_that_asked() {
        let hub = Arc::new(Hub::default());
        let asks = hub.subscribe("alice", "a1", true);
        let plain = hub.subscribe("alice", "a2", false);
        let audience = ["alice".to_owned()];
        hub.publish(&audience, "rel-x", 3, &append(&["e3"], 3, 10));
        hub.publish(&audience, "rel-x", 4, &append(&["e4"], 4, 10));
        assert_eq!(
            carried_seqs(&asks.mailbox.next().await.unwrap()),
            [(4, vec![3, 4])]
        );
        assert_eq!(
            carried_seqs(&plain.mailbox.next().await.unwrap()),
            [(4, vec![])]
        );

        // A hole (seq 6 published before 5): told without entries, the device pulls.
        hub.publish(&audience, "rel-x", 6, &append(&["e6"], 6, 10));
        hub.publish(&audience, "rel-x", 5, &append(&["e5"], 5, 10));
        assert_eq!(
            carried_seqs(&asks.mailbox.next().await.unwrap()),
            [(6, vec![])]
        );
        // News without entries ends a run too.
        hub.publish(&audience, "rel-x", 7, &append(&["e7"], 7, 10));
        hub.publish(&audience, "rel-x", 8, &Carried::default());
        assert_eq!(
            carried_seqs(&asks.mailbox.next().await.unwrap()),
            [(8, vec![])]
        );
    }

    #[tokio::test]
    async fn a_slow_devices_carried_entries_stay_within_their_bounds() {
        let hub = Arc::new(Hub::default());
        let slow = hub.subscribe("alice", "a1", true);
        let audience = ["alice".to_owned()];
        let size = CARRY_BYTES_PER_DOCUMENT / 2;
        // Per document: two halves fit, a third is too much and the run is dropped.
        for seq in 1..=3 {
            hub.publish(
                &audience,
                "rel-x",
                seq,
                &append(&[&format!("e{seq}")], seq, size),
            );
        }
        assert_eq!(
            carried_seqs(&slow.mailbox.next().await.unwrap()),
            [(3, vec![])]
        );
        // Per mailbox: documents fill it up to its bound, later ones are told without entries.
        let documents = CARRY_BYTES_PER_MAILBOX / CARRY_BYTES_PER_DOCUMENT + 2;
        for n in 0..documents {
            hub.publish(
                &audience,
                &format!("rel-{n}"),
                1,
                &append(&["e1"], 1, CARRY_BYTES_PER_DOCUMENT),
            );
        }
        let news = carried_seqs(&slow.mailbox.next().await.unwrap());
        let carrying = news.iter().filter(|(_, run)| !run.is_empty()).count();
        assert_eq!(news.len(), documents);
        assert_eq!(carrying, CARRY_BYTES_PER_MAILBOX / CARRY_BYTES_PER_DOCUMENT);
    }
}
