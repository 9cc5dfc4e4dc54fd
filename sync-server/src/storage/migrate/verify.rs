//! Verifying a copy from both sides: rows per table, a checksum per table (SHA-256 over its rows'
//! values, whatever their order) and a checksum per document: SHA-256 over its entries in seq
//! order, each entry as its seq (8 bytes, big-endian), then its entry id and its ciphertext, each
//! preceded by its length (8 bytes, big-endian). The document checksums say which couple's log
//! differs, if one does.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use futures_util::TryStreamExt as _;
use sha2::{Digest, Sha256};
use tokio_postgres::Transaction;

use super::MigrateError;
use super::source::Source;
use super::target::{Column, select_sql, source_cells};
use super::value::{Cell, Kind, row_digest, table_digest};

/// One table compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    /// The table.
    pub table: &'static str,
    /// Whether its rows are copied at all ([`super::tables::Policy`]).
    pub copied: bool,
    /// Rows in SQLite.
    pub source_rows: u64,
    /// Rows in PostgreSQL.
    pub target_rows: u64,
    /// The table's checksum in SQLite.
    pub source_sum: [u8; 32],
    /// The table's checksum in PostgreSQL.
    pub target_sum: [u8; 32],
}

impl TableCheck {
    /// Whether both sides agree (a table not copied always does).
    pub fn matches(&self) -> bool {
        !self.copied || (self.source_rows == self.target_rows && self.source_sum == self.target_sum)
    }
}

/// One document's log, summed up on one side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocLog {
    /// How many entries.
    pub entries: u64,
    /// The checksum defined above.
    pub sum: [u8; 32],
}

/// One document compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocCheck {
    /// The document.
    pub doc_id: String,
    /// Its log in SQLite, if it has entries there.
    pub source: Option<DocLog>,
    /// Its log in PostgreSQL, if it has entries there.
    pub target: Option<DocLog>,
}

impl DocCheck {
    /// Whether both sides agree.
    pub fn matches(&self) -> bool {
        self.source == self.target
    }
}

/// Everything compared.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Every table, in copy order.
    pub tables: Vec<TableCheck>,
    /// Every document with entries on either side, by id.
    pub documents: Vec<DocCheck>,
}

impl Verification {
    /// Whether everything matches.
    pub fn matches(&self) -> bool {
        self.tables.iter().all(TableCheck::matches) && self.documents.iter().all(DocCheck::matches)
    }

    /// The table printed for the operator: every table, then the documents (each one when
    /// `every_document`, else only those that differ, and a total).
    pub fn render(&self, every_document: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<22} {:>10} {:>10}  {:<16}  result",
            "table", "sqlite", "postgres", "checksum"
        );
        for check in &self.tables {
            let result = if !check.copied {
                "not copied (leases of running servers)"
            } else if check.matches() {
                "ok"
            } else {
                "MISMATCH"
            };
            let target = if check.copied {
                check.target_rows.to_string()
            } else {
                "-".into()
            };
            let _ = writeln!(
                out,
                "{:<22} {:>10} {:>10}  {:<16}  {result}",
                check.table,
                check.source_rows,
                target,
                short(&check.source_sum),
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<40} {:>8} {:>8}  {:<16}  result",
            "document", "sqlite", "postgres", "checksum"
        );
        let mismatched = self.documents.iter().filter(|d| !d.matches()).count();
        for doc in &self.documents {
            if !every_document && doc.matches() {
                continue;
            }
            let entries = |log: &Option<DocLog>| log.as_ref().map_or(0, |l| l.entries);
            let sum = doc
                .source
                .as_ref()
                .or(doc.target.as_ref())
                .map_or_else(String::new, |l| short(&l.sum));
            let _ = writeln!(
                out,
                "{:<40} {:>8} {:>8}  {:<16}  {}",
                doc.doc_id,
                entries(&doc.source),
                entries(&doc.target),
                sum,
                if doc.matches() { "ok" } else { "MISMATCH" }
            );
        }
        let _ = writeln!(
            out,
            "{} documents checked: {} match, {mismatched} differ",
            self.documents.len(),
            self.documents.len() - mismatched
        );
        out
    }
}

/// The first 8 bytes of a checksum, in hex: enough to compare by eye.
fn short(sum: &[u8; 32]) -> String {
    hex::encode(&sum[..8])
}

/// One side's checksum of `table`: (rows, checksum).
pub fn source_table(
    source: &Source,
    table: &str,
    columns: &[Column],
) -> Result<(u64, [u8; 32]), MigrateError> {
    let mut statement = source.conn.prepare(&select_sql(table, columns))?;
    let mut rows = statement.query([])?;
    let mut digests = Vec::new();
    while let Some(row) = rows.next()? {
        digests.push(row_digest(&source_cells(row, table, columns)?));
    }
    Ok((digests.len() as u64, table_digest(digests)))
}

/// The other side's checksum of `table`, read as a stream (a log may not fit in memory).
pub async fn target_table(
    tx: &Transaction<'_>,
    table: &str,
    columns: &[Column],
) -> Result<(u64, [u8; 32]), MigrateError> {
    let stream = tx
        .query_raw(&select_sql(table, columns), std::iter::empty::<i64>())
        .await?;
    let mut stream = std::pin::pin!(stream);
    let mut digests = Vec::new();
    while let Some(row) = stream.try_next().await? {
        let cells = columns
            .iter()
            .enumerate()
            .map(|(index, column)| Cell::from_postgres(&row, index, column.kind))
            .collect::<Result<Vec<_>, _>>()?;
        digests.push(row_digest(&cells));
    }
    Ok((digests.len() as u64, table_digest(digests)))
}

/// The query both sides sum documents with.
const DOC_LOGS: &str =
    "SELECT doc_id, seq, entry_id, ciphertext FROM doc_entries ORDER BY doc_id, seq";

/// Adds one entry to its document's running checksum.
fn add_entry(
    logs: &mut BTreeMap<String, (u64, Sha256)>,
    doc_id: &str,
    seq: i64,
    entry_id: &str,
    ciphertext: &[u8],
) {
    let (count, hasher) = logs
        .entry(doc_id.to_owned())
        .or_insert_with(|| (0, Sha256::new()));
    *count += 1;
    hasher.update(seq.to_be_bytes());
    hasher.update((entry_id.len() as u64).to_be_bytes());
    hasher.update(entry_id.as_bytes());
    hasher.update((ciphertext.len() as u64).to_be_bytes());
    hasher.update(ciphertext);
}

fn finish(logs: BTreeMap<String, (u64, Sha256)>) -> BTreeMap<String, DocLog> {
    logs.into_iter()
        .map(|(doc, (entries, hasher))| {
            (
                doc,
                DocLog {
                    entries,
                    sum: hasher.finalize().into(),
                },
            )
        })
        .collect()
}

/// Every document's log checksum in SQLite.
pub fn source_documents(source: &Source) -> Result<BTreeMap<String, DocLog>, MigrateError> {
    let mut statement = source.conn.prepare(DOC_LOGS)?;
    let mut rows = statement.query([])?;
    let mut logs = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let doc_id: String = row.get(0)?;
        let seq: i64 = row.get(1)?;
        let entry_id: String = row.get(2)?;
        let ciphertext = match Cell::from_sqlite(row.get_ref(3)?, Kind::Bytes) {
            Ok(Cell::Bytes(bytes)) => bytes,
            _ => Vec::new(),
        };
        add_entry(&mut logs, &doc_id, seq, &entry_id, &ciphertext);
    }
    Ok(finish(logs))
}

/// Every document's log checksum in PostgreSQL.
pub async fn target_documents(
    tx: &Transaction<'_>,
) -> Result<BTreeMap<String, DocLog>, MigrateError> {
    let stream = tx.query_raw(DOC_LOGS, std::iter::empty::<i64>()).await?;
    let mut stream = std::pin::pin!(stream);
    let mut logs = BTreeMap::new();
    while let Some(row) = stream.try_next().await? {
        let doc_id: String = row.try_get(0)?;
        let seq: i64 = row.try_get(1)?;
        let entry_id: String = row.try_get(2)?;
        let ciphertext: Vec<u8> = row.try_get(3)?;
        add_entry(&mut logs, &doc_id, seq, &entry_id, &ciphertext);
    }
    Ok(finish(logs))
}

/// Pairs both sides' document checksums by id.
pub fn compare_documents(
    mut source: BTreeMap<String, DocLog>,
    target: BTreeMap<String, DocLog>,
) -> Vec<DocCheck> {
    let mut checks: Vec<DocCheck> = target
        .into_iter()
        .map(|(doc_id, log)| DocCheck {
            source: source.remove(&doc_id),
            target: Some(log),
            doc_id,
        })
        .collect();
    checks.extend(source.into_iter().map(|(doc_id, log)| DocCheck {
        doc_id,
        source: Some(log),
        target: None,
    }));
    checks.sort_by(|a, b| a.doc_id.cmp(&b.doc_id));
    checks
}
