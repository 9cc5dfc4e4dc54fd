//! The sealed entries live news carries ([`Carried`]): what an append placed, shared between the
//! mailboxes of its audience, and passed to the other instances inside the notification when it
//! fits (serialized as the entries a pull returns; what another instance sends is checked again
//! on arrival, and carried only when it is still a run without a hole within the bound).

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use together_core::wire::StoredEntry;

/// The most sealed bytes live news carries for one document; larger runs are told without them.
pub const CARRY_BYTES_PER_DOCUMENT: usize = 8 * 1024;

/// Sealed entries an append carries in its live news: a run of one document's log without a hole,
/// oldest first, with their sealed size. Empty when there is nothing small enough to carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carried {
    pub(super) entries: Vec<Arc<StoredEntry>>,
    pub(super) sealed_bytes: usize,
}

impl Carried {
    /// What an append of `sent` (entry id, sealed bytes, in order) placed at `placed` (entry id,
    /// seq, in the same order) carries: the entries themselves as a pull returns them, when they
    /// are small and their seqs run on without a hole; nothing otherwise.
    pub fn of_append(
        sent: &[(String, Vec<u8>)],
        placed: &[(String, i64)],
        device_id: &str,
        created_at: &str,
    ) -> Self {
        let sealed_bytes: usize = sent.iter().map(|(_, bytes)| bytes.len()).sum();
        let same_entries = sent.len() == placed.len()
            && sent
                .iter()
                .zip(placed)
                .all(|((sent, _), (placed, _))| sent == placed);
        let without_hole = placed
            .windows(2)
            .all(|pair| pair[0].1.checked_add(1) == Some(pair[1].1));
        if sealed_bytes > CARRY_BYTES_PER_DOCUMENT || !same_entries || !without_hole {
            return Self::default();
        }
        let entries = sent
            .iter()
            .zip(placed)
            .map(|((entry_id, bytes), (_, seq))| {
                Arc::new(StoredEntry {
                    seq: *seq,
                    entry_id: entry_id.clone(),
                    device_id: Some(device_id.to_owned()),
                    ciphertext: crate::secrets::encode(bytes),
                    created_at: created_at.to_owned(),
                })
            })
            .collect();
        Self {
            entries,
            sealed_bytes,
        }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &StoredEntry> {
        self.entries.iter().map(|entry| &**entry)
    }

    pub(super) fn first_seq(&self) -> Option<i64> {
        self.entries.first().map(|entry| entry.seq)
    }

    pub(super) fn last_seq(&self) -> Option<i64> {
        self.entries.last().map(|entry| entry.seq)
    }

    /// Whether nothing is carried (the news alone is told).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What another instance sent: carried only when it is still a run without a hole, of
    /// entries whose ciphertext is base64, within [`CARRY_BYTES_PER_DOCUMENT`]; nothing
    /// otherwise (the devices pull, as they would have).
    fn heard(entries: Vec<StoredEntry>) -> Self {
        let without_hole = entries
            .windows(2)
            .all(|pair| pair[0].seq.checked_add(1) == Some(pair[1].seq));
        let mut sealed_bytes: usize = 0;
        for entry in &entries {
            match crate::secrets::decode(&entry.ciphertext) {
                Some(bytes) if !bytes.is_empty() => {
                    sealed_bytes = sealed_bytes.saturating_add(bytes.len());
                }
                _ => return Self::default(),
            }
        }
        if !without_hole || sealed_bytes > CARRY_BYTES_PER_DOCUMENT {
            return Self::default();
        }
        Self {
            entries: entries.into_iter().map(Arc::new).collect(),
            sealed_bytes,
        }
    }
}

impl Serialize for Carried {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.entries())
    }
}

impl<'de> Deserialize<'de> for Carried {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<StoredEntry>::deserialize(deserializer).map(Self::heard)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;

    fn sent(ids: &[&str], size: usize) -> Vec<(String, Vec<u8>)> {
        ids.iter()
            .map(|id| ((*id).to_owned(), vec![9; size]))
            .collect()
    }

    fn placed(ids: &[&str], first: i64) -> Vec<(String, i64)> {
        ids.iter()
            .zip(first..)
            .map(|(id, seq)| ((*id).to_owned(), seq))
            .collect()
    }

    #[test]
    fn carried_entries_cross_to_another_instance_unchanged() {
        let ids = ["e4", "e5"];
        let carried = Carried::of_append(&sent(&ids, 100), &placed(&ids, 4), "d1", "t");
        assert!(!carried.is_empty());
        let json = serde_json::to_string(&carried).unwrap();
        let heard: Carried = serde_json::from_str(&json).unwrap();
        assert_eq!(heard, carried);
    }

    #[test]
    fn what_another_instance_sends_is_carried_only_within_the_rules() {
        let entry = |seq: i64, ciphertext: &str| StoredEntry {
            seq,
            entry_id: format!("e{seq}"),
            device_id: Some("d".into()),
            ciphertext: ciphertext.into(),
            created_at: "t".into(),
        };
        let ok = crate::secrets::encode(b"sealed");
        let big = crate::secrets::encode(&vec![1; CARRY_BYTES_PER_DOCUMENT + 1]);
        let heard = |entries: Vec<StoredEntry>| -> Carried {
            serde_json::from_value(serde_json::to_value(entries).unwrap()).unwrap()
        };
        assert_eq!(heard(vec![entry(1, &ok), entry(2, &ok)]).sealed_bytes, 12);
        for refused in [
            vec![entry(1, &ok), entry(3, &ok)],
            vec![entry(1, "not base64!")],
            vec![entry(1, "")],
            vec![entry(1, &big)],
        ] {
            assert!(heard(refused).is_empty());
        }
    }
}
