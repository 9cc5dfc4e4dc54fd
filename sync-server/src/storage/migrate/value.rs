//! One value on its way from SQLite to PostgreSQL, in the target column's terms: SQLite keeps
//! flags as integers 0/1, times as text and binary as blobs; PostgreSQL wants `BOOLEAN`, `TEXT`
//! and `BYTEA`. The same [`Cell`] is what the copier writes and what both sides' checksums hash,
//! so a value that changed on the way cannot hash the same.

use std::error::Error;

use bytes::BytesMut;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// A PostgreSQL column type the copier can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `TEXT` (or `VARCHAR`).
    Text,
    /// `BIGINT`.
    BigInt,
    /// `INTEGER`.
    Int,
    /// `SMALLINT`.
    SmallInt,
    /// `BOOLEAN`.
    Bool,
    /// `BYTEA`.
    Bytes,
    /// `DOUBLE PRECISION`.
    Double,
}

impl Kind {
    /// The kind of a column whose `information_schema.columns.data_type` is `data_type`.
    pub fn of(data_type: &str) -> Option<Self> {
        Some(match data_type {
            "text" | "character varying" => Self::Text,
            "bigint" => Self::BigInt,
            "integer" => Self::Int,
            "smallint" => Self::SmallInt,
            "boolean" => Self::Bool,
            "bytea" => Self::Bytes,
            "double precision" => Self::Double,
            _ => return None,
        })
    }

    /// PostgreSQL's type, for binary `COPY`.
    pub fn pg_type(self) -> Type {
        match self {
            Self::Text => Type::TEXT,
            Self::BigInt => Type::INT8,
            Self::Int => Type::INT4,
            Self::SmallInt => Type::INT2,
            Self::Bool => Type::BOOL,
            Self::Bytes => Type::BYTEA,
            Self::Double => Type::FLOAT8,
        }
    }
}

/// A value in the target column's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// `NULL`.
    Null,
    /// Any integer column.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// Text (times included).
    Text(String),
    /// Binary.
    Bytes(Vec<u8>),
    /// A floating-point number.
    Double(f64),
}

/// Why a SQLite value cannot go into its PostgreSQL column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SQLite holds {found} where PostgreSQL wants {wanted:?}")]
pub struct Mismatch {
    /// What SQLite held (its storage class, never the value: it may be a secret).
    pub found: &'static str,
    /// The target column's kind.
    pub wanted: Kind,
}

impl Cell {
    /// Converts SQLite's `value` for a column of kind `kind`; only conversions that lose nothing.
    pub fn from_sqlite(value: ValueRef<'_>, kind: Kind) -> Result<Self, Mismatch> {
        let mismatch = |found| Mismatch {
            found,
            wanted: kind,
        };
        match (value, kind) {
            (ValueRef::Null, _) => Ok(Self::Null),
            (ValueRef::Text(text), Kind::Text) => std::str::from_utf8(text)
                .map(|t| Self::Text(t.to_owned()))
                .map_err(|_| mismatch("text that is not UTF-8")),
            (ValueRef::Integer(i), Kind::Text) => Ok(Self::Text(i.to_string())),
            (ValueRef::Integer(i), Kind::BigInt) => Ok(Self::Int(i)),
            (ValueRef::Integer(i), Kind::Int) => i32::try_from(i)
                .map(|_| Self::Int(i))
                .map_err(|_| mismatch("an integer too large")),
            (ValueRef::Integer(i), Kind::SmallInt) => i16::try_from(i)
                .map(|_| Self::Int(i))
                .map_err(|_| mismatch("an integer too large")),
            (ValueRef::Integer(0), Kind::Bool) => Ok(Self::Bool(false)),
            (ValueRef::Integer(1), Kind::Bool) => Ok(Self::Bool(true)),
            (ValueRef::Blob(bytes) | ValueRef::Text(bytes), Kind::Bytes) => {
                Ok(Self::Bytes(bytes.to_vec()))
            }
            (ValueRef::Real(f), Kind::Double) => Ok(Self::Double(f)),
            (ValueRef::Integer(i), Kind::Double) => {
                #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
                let exact = (i as f64) as i64 == i;
                if exact {
                    #[allow(clippy::cast_precision_loss)]
                    Ok(Self::Double(i as f64))
                } else {
                    Err(mismatch("an integer a double cannot hold exactly"))
                }
            }
            (ValueRef::Integer(_), _) => Err(mismatch("an integer")),
            (ValueRef::Real(_), _) => Err(mismatch("a real number")),
            (ValueRef::Text(_), _) => Err(mismatch("text")),
            (ValueRef::Blob(_), _) => Err(mismatch("a blob")),
        }
    }

    /// Reads column `index` of a PostgreSQL row, a column of kind `kind`.
    pub fn from_postgres(
        row: &tokio_postgres::Row,
        index: usize,
        kind: Kind,
    ) -> Result<Self, tokio_postgres::Error> {
        Ok(match kind {
            Kind::Text => row.try_get::<_, Option<String>>(index)?.map(Self::Text),
            Kind::BigInt => row.try_get::<_, Option<i64>>(index)?.map(Self::Int),
            Kind::Int => row
                .try_get::<_, Option<i32>>(index)?
                .map(|i| Self::Int(i.into())),
            Kind::SmallInt => row
                .try_get::<_, Option<i16>>(index)?
                .map(|i| Self::Int(i.into())),
            Kind::Bool => row.try_get::<_, Option<bool>>(index)?.map(Self::Bool),
            Kind::Bytes => row.try_get::<_, Option<Vec<u8>>>(index)?.map(Self::Bytes),
            Kind::Double => row.try_get::<_, Option<f64>>(index)?.map(Self::Double),
        }
        .unwrap_or(Self::Null))
    }

    /// Feeds this value, unambiguously (a tag, then a length where the size varies), to `hasher`.
    pub fn hash_into(&self, hasher: &mut Sha256) {
        match self {
            Self::Null => hasher.update([0]),
            Self::Int(i) => {
                hasher.update([1]);
                hasher.update(i.to_be_bytes());
            }
            Self::Bool(b) => hasher.update([2, u8::from(*b)]),
            Self::Text(text) => {
                hasher.update([3]);
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            Self::Bytes(bytes) => {
                hasher.update([4]);
                hasher.update((bytes.len() as u64).to_be_bytes());
                hasher.update(bytes);
            }
            Self::Double(f) => {
                hasher.update([5]);
                hasher.update(f.to_bits().to_be_bytes());
            }
        }
    }
}

/// SHA-256 of one row's cells.
pub fn row_digest(cells: &[Cell]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for cell in cells {
        cell.hash_into(&mut hasher);
    }
    hasher.finalize().into()
}

/// The checksum of a whole table whatever order its rows come in: SHA-256 of the sorted row
/// digests (each database orders rows without a key its own way).
pub fn table_digest(mut rows: Vec<[u8; 32]>) -> [u8; 32] {
    rows.sort_unstable();
    let mut hasher = Sha256::new();
    for row in &rows {
        hasher.update(row);
    }
    hasher.finalize().into()
}

impl ToSql for Cell {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Self::Null => Ok(IsNull::Yes),
            Self::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                _ => Err(format!("an integer cannot be written as {ty}").into()),
            },
            Self::Bool(b) => b.to_sql(ty, out),
            Self::Text(text) => text.to_sql(ty, out),
            Self::Bytes(bytes) => bytes.to_sql(ty, out),
            Self::Double(f) => f.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn flags_times_and_blobs_take_their_postgres_form_and_nothing_lossy_passes() {
        assert_eq!(
            Cell::from_sqlite(ValueRef::Integer(1), Kind::Bool),
            Ok(Cell::Bool(true))
        );
        assert_eq!(
            Cell::from_sqlite(ValueRef::Integer(0), Kind::Bool),
            Ok(Cell::Bool(false))
        );
        assert!(Cell::from_sqlite(ValueRef::Integer(2), Kind::Bool).is_err());
        assert_eq!(
            Cell::from_sqlite(ValueRef::Text(b"2026-01-02T03:04:05Z"), Kind::Text),
            Ok(Cell::Text("2026-01-02T03:04:05Z".into()))
        );
        assert_eq!(
            Cell::from_sqlite(ValueRef::Blob(&[0, 255]), Kind::Bytes),
            Ok(Cell::Bytes(vec![0, 255]))
        );
        assert!(Cell::from_sqlite(ValueRef::Text(&[0xff]), Kind::Text).is_err());
        assert!(Cell::from_sqlite(ValueRef::Integer(1 << 40), Kind::Int).is_err());
        assert!(Cell::from_sqlite(ValueRef::Blob(b"x"), Kind::Text).is_err());
        assert!(Cell::from_sqlite(ValueRef::Real(0.5), Kind::BigInt).is_err());
        assert_eq!(
            Cell::from_sqlite(ValueRef::Null, Kind::Bool),
            Ok(Cell::Null)
        );
    }

    #[test]
    fn digests_tell_values_apart_and_ignore_row_order() {
        let a = row_digest(&[Cell::Text("ab".into()), Cell::Text("c".into())]);
        let b = row_digest(&[Cell::Text("a".into()), Cell::Text("bc".into())]);
        assert_ne!(a, b, "lengths keep neighbouring values apart");
        assert_ne!(
            row_digest(&[Cell::Null]),
            row_digest(&[Cell::Text(String::new())])
        );
        assert_ne!(row_digest(&[Cell::Int(1)]), row_digest(&[Cell::Bool(true)]));
        assert_eq!(table_digest(vec![a, b]), table_digest(vec![b, a]));
        assert_ne!(table_digest(vec![a, b]), table_digest(vec![a, a]));
    }
}
