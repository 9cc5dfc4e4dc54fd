//! Writing a record's fields as one batch: the save path's Automerge cost.
//!
//! Automerge 0.12 keeps a document's operations in columns; every `put` splices each column once,
//! and on a document with years of records a splice costs tens of microseconds. A check-in is a new
//! map with eight fields: written field by field that is nine splices, most of a save's CPU. A
//! record this replica does not hold yet is therefore created with all its fields in one
//! `batch_create_object` (two splices, the same operations and so the same merge behaviour); a
//! record it holds is updated field by field, so a concurrent edit of another field still merges.

use automerge::transaction::Transactable;
use automerge::{ObjId, ScalarValue, hydrate};

use super::fields::object;
use super::write::collection_obj;
use super::{Collection, Document, Result};

/// A record's fields in one write, in order: `None` removes the field from an existing record (and
/// is left out of a new one).
pub(super) type Fields<'a> = Vec<(&'a str, Option<ScalarValue>)>;

/// Writes `fields` into the record `key` of collection `c` (not a single-record collection),
/// creating it if needed; `on_create` are fields written only when the record is new (its
/// `created_at`). Returns the record's map.
pub(super) fn write_record(
    doc: &mut Document,
    c: Collection,
    key: &str,
    fields: Fields<'_>,
    on_create: Fields<'_>,
) -> Result<ObjId> {
    let parent = collection_obj(doc, c)?;
    doc.touch(c, key);
    if let Some(existing) = object(doc.inner(), &parent, key) {
        for (field, value) in fields {
            match value {
                Some(value) => doc.inner_mut().put(&existing, field, value)?,
                None => doc.inner_mut().delete(&existing, field)?,
            }
        }
        return Ok(existing);
    }
    let map: std::collections::HashMap<&str, hydrate::Value> = on_create
        .into_iter()
        .chain(fields)
        .filter_map(|(field, value)| Some((field, hydrate::Value::scalar(value?))))
        .collect();
    Ok(doc
        .inner_mut()
        .batch_create_object(&parent, key, &hydrate::Value::from(map), false)?)
}
