//! Collections added after the first release ([`DocKind::later_collections`]).
//!
//! A collection is a map at the document root. If two devices each created it with an ordinary
//! change, Automerge would keep one of the two maps and hide the other's records (the reason the
//! genesis is deterministic). So a later collection is created by an **upgrade change** that every
//! device builds identically: on top of the genesis change alone, by an actor derived from the
//! document id and the collection, at time 0. Two devices that add it offline produce the same
//! change (same hash), which Automerge merges into one; the records both then write land in the
//! same map.
//!
//! [`DocKind::later_collections`]: crate::address::DocKind::later_collections

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, ObjType, ROOT};

use super::fields::collection;
use super::{Collection, Document, DocumentError, Result};
use crate::ids::derived;

/// Makes sure `c`, a later collection of this document's kind, exists: merges its upgrade change
/// if the document does not hold it yet (harmless if a partner's copy of the same change arrives
/// later, or arrived already).
pub(crate) fn ensure_collection(doc: &mut Document, c: Collection) -> Result<()> {
    if collection(doc.inner(), c).is_some() {
        return Ok(());
    }
    let kind = doc.address().kind();
    if !kind.later_collections().contains(&c) {
        return Err(DocumentError::Refused(format!(
            "a {} document holds no {} collection",
            kind.as_str(),
            c.as_str()
        )));
    }
    let change = upgrade_change(doc, c)?;
    doc.inner_mut().load_incremental(&change)?;
    Ok(())
}

/// The bytes of the upgrade change adding `c` to `doc`'s document: built on a fresh genesis of the
/// same address, so they depend only on the address and the collection.
fn upgrade_change(doc: &Document, c: Collection) -> Result<Vec<u8>> {
    let address = *doc.address();
    let actor = ActorId::from(
        derived(&["upgrade", &address.doc_id(), c.as_str()])
            .as_bytes()
            .to_vec(),
    );
    let mut fresh = Document::genesis(address, &actor)?;
    let genesis = fresh.heads();
    fresh
        .inner_mut()
        .put_object(ROOT, c.as_str(), ObjType::Map)?;
    fresh
        .inner_mut()
        .commit_with(CommitOptions::default().with_time(0));
    Ok(fresh.save_after(&genesis))
}

#[cfg(test)]
mod tests {
    use automerge::ReadDoc;

    use super::*;
    use crate::address::DocAddress;
    use crate::ids::RelationshipId;

    fn series() -> DocAddress {
        let id: RelationshipId = "0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192".parse().unwrap();
        DocAddress::Series(id, 2026)
    }

    #[test]
    fn the_upgrade_change_is_the_same_bytes_on_every_device() {
        let a = Document::genesis(series(), &ActorId::from(vec![1])).unwrap();
        let b = Document::genesis(series(), &ActorId::from(vec![2])).unwrap();
        assert_eq!(
            upgrade_change(&a, Collection::Questions).unwrap(),
            upgrade_change(&b, Collection::Questions).unwrap()
        );
    }

    #[test]
    fn two_devices_adding_the_collection_offline_keep_both_records() {
        let mut a = Document::genesis(series(), &ActorId::from(vec![1])).unwrap();
        let mut b = Document::genesis(series(), &ActorId::from(vec![2])).unwrap();
        for (doc, key) in [(&mut a, "from-a"), (&mut b, "from-b")] {
            ensure_collection(doc, Collection::Questions).unwrap();
            let map = collection(doc.inner(), Collection::Questions).unwrap();
            doc.inner_mut().put_object(&map, key, ObjType::Map).unwrap();
            doc.commit(jiff::Timestamp::UNIX_EPOCH);
        }
        let from_b = b.save();
        a.merge_bytes(&from_b).unwrap();
        let map = collection(a.inner(), Collection::Questions).unwrap();
        let keys: Vec<String> = a.inner().keys(&map).collect();
        assert_eq!(keys, ["from-a", "from-b"]);
        // Without the deterministic change, the two maps would conflict and hide one record.
        assert_eq!(a.inner().get_all(ROOT, "questions").unwrap().len(), 1);
    }

    #[test]
    fn only_a_later_collection_of_the_kind_can_be_added() {
        let mut doc = Document::genesis(series(), &ActorId::from(vec![1])).unwrap();
        assert!(ensure_collection(&mut doc, Collection::Notes).is_err());
        // A genesis collection is there already: nothing to do.
        ensure_collection(&mut doc, Collection::Checkins).unwrap();
    }
}
