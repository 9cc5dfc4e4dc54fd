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
    as_string(&scalar(doc, obj, key)?)
}

/// An integer field (plain or counter).
pub(crate) fn int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    as_int(&scalar(doc, obj, key)?)
}

/// A boolean field, `false` when absent.
pub(crate) fn flag(doc: &AutoCommit, obj: &ObjId, key: &str) -> bool {
    as_flag(scalar(doc, obj, key).as_ref())
}

fn as_string(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

fn as_int(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Int(i) => Some(*i),
        ScalarValue::Uint(u) => i64::try_from(*u).ok(),
        ScalarValue::Counter(c) => Some(i64::from(c)),
        _ => None,
    }
}

fn as_flag(value: Option<&ScalarValue>) -> bool {
    matches!(value, Some(ScalarValue::Boolean(true)))
}

/// Every scalar field of a map object, read in one pass over the object's operations: a record
/// read whole (the projection after each save) costs one seek in the op set instead of one per
/// field. Same values as [`string`], [`int`] and [`flag`] (the winner of a conflict included).
pub(crate) struct Fields(Vec<(String, ScalarValue)>);

impl Fields {
    /// Reads the scalar fields of `obj` (nested objects are left out).
    pub(crate) fn read(doc: &AutoCommit, obj: &ObjId) -> Self {
        Self(
            doc.map_range(obj, ..)
                .filter_map(|item| match item.value.into_value() {
                    Value::Scalar(value) => Some((item.key.into_owned(), value.into_owned())),
                    Value::Object(_) => None,
                })
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&ScalarValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A string field; `None` when absent or not a string.
    pub(crate) fn string(&self, key: &str) -> Option<String> {
        as_string(self.get(key)?)
    }

    /// An integer field (plain or counter).
    pub(crate) fn int(&self, key: &str) -> Option<i64> {
        as_int(self.get(key)?)
    }

    /// A boolean field, `false` when absent.
    pub(crate) fn flag(&self, key: &str) -> bool {
        as_flag(self.get(key))
    }
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

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;

    use super::*;

    #[test]
    fn a_record_read_whole_has_the_values_read_field_by_field() {
        let mut doc = AutoCommit::new();
        let obj = doc.put_object(ROOT, "record", ObjType::Map).unwrap();
        doc.put(&obj, "text", "hello").unwrap();
        doc.put(&obj, "int", -7_i64).unwrap();
        doc.put(&obj, "uint", 7_u64).unwrap();
        doc.put(&obj, "yes", true).unwrap();
        doc.put(&obj, "count", ScalarValue::counter(3)).unwrap();
        doc.increment(&obj, "count", 2).unwrap();
        doc.put_object(&obj, "nested", ObjType::Map).unwrap();
        // A conflict: two replicas set the same field, then merge.
        let mut other = doc.fork().with_actor(automerge::ActorId::from([9_u8; 16]));
        doc.put(&obj, "title", "mine").unwrap();
        other.put(&obj, "title", "theirs").unwrap();
        doc.merge(&mut other).unwrap();

        let fields = Fields::read(&doc, &obj);
        for key in [
            "text", "int", "uint", "yes", "count", "title", "nested", "absent",
        ] {
            assert_eq!(fields.string(key), string(&doc, &obj, key), "{key}");
            assert_eq!(fields.int(key), int(&doc, &obj, key), "{key}");
            assert_eq!(fields.flag(key), flag(&doc, &obj, key), "{key}");
        }
        assert_eq!(fields.int("count"), Some(5));
        assert!(fields.string("title").is_some());
    }
}
