//! Small typed accessors over Automerge values, so records read the same way everywhere.

use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::Collection;

/// The map object of a root collection.
pub(crate) fn collection(doc: &AutoCommit, collection: Collection) -> Option<ObjId> {
    object(doc, &ROOT, collection.as_str())
}

/// A map object stored at `key` of `obj`.
pub(crate) fn object(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key).ok()?? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

pub(crate) fn scalar(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(value), _) => Some(value.into_owned()),
        _ => None,
    }
}

/// A string field; `None` when absent or not a string.
pub(crate) fn string(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    match scalar(doc, obj, key)? {
        ScalarValue::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

/// An integer field (plain or counter).
pub(crate) fn int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    match scalar(doc, obj, key)? {
        ScalarValue::Int(i) => Some(i),
        ScalarValue::Uint(u) => i64::try_from(u).ok(),
        ScalarValue::Counter(c) => Some(i64::from(&c)),
        _ => None,
    }
}

/// A boolean field, `false` when absent.
pub(crate) fn flag(doc: &AutoCommit, obj: &ObjId, key: &str) -> bool {
    matches!(scalar(doc, obj, key), Some(ScalarValue::Boolean(true)))
}

/// The keys of a map, in Automerge's (sorted) order.
pub(crate) fn keys(doc: &AutoCommit, obj: &ObjId) -> Vec<String> {
    doc.keys(obj).collect()
}

/// A string field at the document root.
pub(crate) fn root_str(doc: &AutoCommit, key: &str) -> Option<String> {
    string(doc, &ROOT, key)
}

/// An integer field at the document root.
pub(crate) fn root_i64(doc: &AutoCommit, key: &str) -> Option<i64> {
    int(doc, &ROOT, key)
}
