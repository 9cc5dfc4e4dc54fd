//! The encrypted document logs and their snapshots: what every backend stores of the couples'
//! documents (ciphertext only), and who may reach them (decided by [`super::rules`]).

use together_core::address::DocAddress;

use crate::storage::StorageError;

/// Who may reach a document, decided from its id alone (the server never looks inside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocAccess {
    /// A person's own document: only their devices.
    Owner(String),
    /// A couple's document: the relationship's current members.
    Relationship(String),
}

impl DocAccess {
    /// Access rule for a document id; `None` for an id that is not a Better Together document.
    pub fn of(doc_id: &str) -> Option<Self> {
        match doc_id.parse::<DocAddress>().ok()? {
            DocAddress::User(user) => Some(Self::Owner(user.to_string())),
            DocAddress::Relationship(r) | DocAddress::Series(r, _) => {
                Some(Self::Relationship(r.to_string()))
            }
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone)]
pub struct EntryRow {
    /// Position.
    pub seq: i64,
    /// The device's id for it.
    pub entry_id: String,
    /// Uploading device.
    pub device_id: Option<String>,
    /// Sealed bytes.
    pub ciphertext: Vec<u8>,
    /// RFC 3339.
    pub created_at: String,
}

/// One device's upload to one document's log.
#[derive(Debug, Clone)]
pub struct AppendJob {
    /// The document.
    pub doc_id: String,
    /// Its access rule.
    pub access: DocAccess,
    /// The uploading account.
    pub user_id: String,
    /// The uploading device.
    pub device_id: String,
    /// (entry id, sealed bytes), in the device's order.
    pub entries: Vec<(String, Vec<u8>)>,
    /// RFC 3339.
    pub now: String,
    /// The uploading account's storage quota: the append is refused if its new entries would
    /// take the account over.
    pub max_account_bytes: u64,
}

/// What an append did, once committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Each entry id with its seq (an entry id already in the log keeps its first seq).
    pub placed: Vec<(String, i64)>,
    /// The accounts that may read the document as of the commit: who live push tells.
    pub audience: Vec<String>,
}

/// A snapshot to store, and who sends it.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    /// The document.
    pub doc_id: String,
    /// Its access rule.
    pub access: DocAccess,
    /// The sender's account.
    pub user_id: String,
    /// The sender's device.
    pub device_id: String,
    /// The snapshot includes every entry with seq ≤ this.
    pub covers_seq: i64,
    /// The sealed full save.
    pub ciphertext: Vec<u8>,
    /// RFC 3339.
    pub now: String,
    /// The sender's storage quota (a replaced snapshot's bytes are given back first).
    pub max_account_bytes: u64,
}

/// The document logs.
#[async_trait::async_trait]
pub trait Documents {
    /// Appends sealed entries to a document's log (idempotent by entry id), charged to the
    /// uploader's storage quota, and committed before this returns.
    async fn append_entries(&self, job: AppendJob) -> Result<Appended, StorageError>;

    /// Up to `limit` entries after `after`, cut so their ciphertext adds up to at most
    /// `max_bytes` (but always at least one entry, so the caller makes progress), and whether
    /// more follow.
    async fn pull_entries(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
        after: i64,
        limit: i64,
        max_bytes: usize,
    ) -> Result<(Vec<EntryRow>, bool), StorageError>;

    /// Every document the account can reach now, with its latest seq.
    async fn accessible_documents(
        &self,
        user_id: String,
    ) -> Result<Vec<(String, i64)>, StorageError>;

    /// Stores an encrypted snapshot, unless a newer one is already stored; returns whether it was
    /// stored. The snapshot must not claim entries the log does not have.
    async fn put_snapshot(&self, snapshot: NewSnapshot) -> Result<bool, StorageError>;

    /// The latest snapshot: (covers_seq, ciphertext).
    async fn snapshot(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
    ) -> Result<Option<(i64, Vec<u8>)>, StorageError>;
}

/// Where a page ends, from the (seq, size) of the next `limit + 1` entries at most: the last seq
/// to send and whether more follow; `None` when there is nothing to send.
pub(crate) fn page_end(sizes: &[(i64, i64)], limit: i64, max_bytes: usize) -> Option<(i64, bool)> {
    let limit = usize::try_from(limit).unwrap_or(0).max(1);
    let mut total: u64 = 0;
    let mut last = None;
    for (taken, (seq, size)) in sizes.iter().enumerate() {
        total = total.saturating_add(u64::try_from(*size).unwrap_or(0));
        let over = total > u64::try_from(max_bytes).unwrap_or(u64::MAX);
        if taken == limit || (taken > 0 && over) {
            return last.map(|seq| (seq, true));
        }
        last = Some(*seq);
    }
    last.map(|seq| (seq, false))
}

#[cfg(test)]
mod tests {
    use super::page_end;

    #[test]
    fn a_page_ends_at_the_limit_or_before_the_byte_cap_but_never_empty() {
        let sizes = [(1, 4), (2, 4), (3, 4), (4, 4)];
        assert_eq!(page_end(&sizes, 10, 100), Some((4, false)));
        assert_eq!(page_end(&sizes, 2, 100), Some((2, true)), "cut by count");
        assert_eq!(page_end(&sizes, 10, 9), Some((2, true)), "cut by bytes");
        assert_eq!(
            page_end(&sizes, 10, 8),
            Some((2, true)),
            "exactly the cap fits"
        );
        assert_eq!(
            page_end(&sizes, 10, 1),
            Some((1, true)),
            "one entry even over the cap"
        );
        assert_eq!(page_end(&sizes[..1], 10, 1), Some((1, false)));
        assert_eq!(page_end(&[], 10, 1), None);
    }
}
