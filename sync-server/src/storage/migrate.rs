//! Moving an operator's data from the embedded SQLite file to PostgreSQL
//! (`together-server migrate-storage`).
//!
//! The source is opened read-only and only while no `serve` holds its data directory (the copy
//! holds the directory's serve lock meanwhile, so none starts). The target is migrated to the
//! current schema, must hold no data yet, and is filled in **one** transaction, table by table in
//! dependency order ([`tables::TABLES`]), with the columns the SQLite tables actually have,
//! converted to the PostgreSQL column's type ([`value`]). Before that transaction commits, both
//! sides are compared ([`verify`]): rows and a checksum per table, a checksum per document log.
//! Any difference rolls everything back. `--verify-only` runs the same comparison on an earlier
//! copy without writing anything.

mod source;
pub mod tables;
mod target;
pub mod value;
pub mod verify;

use std::path::{Path, PathBuf};

use source::Source;
use tables::{Policy, TABLES};
use target::{Column, Target};
pub use verify::Verification;
use verify::{DocLog, TableCheck};

use crate::secrets::SecretText;
use crate::storage::StorageError;

/// Copy, or only compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Copy everything into the empty target, verify, commit only if everything matches.
    Copy,
    /// Write nothing: compare the source with what the target holds.
    VerifyOnly,
}

/// What the move did, for the operator.
#[derive(Debug, Clone)]
pub struct Report {
    /// The comparison of both sides.
    pub verification: Verification,
    /// Whether the copy was committed (never in [`Mode::VerifyOnly`]; in [`Mode::Copy`] only when
    /// everything matched).
    pub committed: bool,
}

/// Why a move could not be made; each says what to do in plain words.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// No file at the source path.
    #[error(
        "there is no SQLite database at {path}: give the server's file, e.g. --from sqlite:server-data/server.sqlite3"
    )]
    SourceMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A server is running on the source.
    #[error(
        "a together-server is serving {dir}: stop it first (copying a database while it changes would copy half of its writes)"
    )]
    SourceServing {
        /// The data directory.
        dir: PathBuf,
    },
    /// The serve lock could not be checked.
    #[error("cannot check whether a server is running ({path})")]
    SourceLock {
        /// The lock file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused to open the source.
    #[error("cannot open {path} read-only")]
    SourceOpen {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The source is not at the schema this server knows.
    #[error(
        "the SQLite database is at schema version {found}, this together-server expects {expected}: start this version of the server on it once (it upgrades the file), stop it, then move"
    )]
    SourceVersion {
        /// What the file records ("none" when it has no history).
        found: String,
        /// The latest embedded migration.
        expected: i32,
    },
    /// A database has tables the copier does not know.
    #[error("the {side} database has tables this version does not know: {tables}")]
    UnknownTables {
        /// "SQLite" or "PostgreSQL".
        side: &'static str,
        /// Their names.
        tables: String,
    },
    /// The schemas differ in a way the copier will not paper over.
    #[error("{0}")]
    Schema(String),
    /// The target already holds data.
    #[error(
        "the PostgreSQL database already holds data ({0}): move into a new, empty database (nothing was changed)"
    )]
    TargetNotEmpty(String),
    /// A value cannot be converted without loss.
    #[error("a value of {table}.{column} cannot be copied")]
    Value {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What was wrong with it.
        #[source]
        mismatch: value::Mismatch,
    },
    /// Reading SQLite failed.
    #[error("reading the SQLite database failed")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused something, or its connection failed.
    #[error("the PostgreSQL database failed (nothing was kept)")]
    Postgres(#[from] tokio_postgres::Error),
    /// Opening (migrating) the target failed.
    #[error("preparing the PostgreSQL database failed")]
    Storage(#[from] StorageError),
}

/// The latest SQLite schema version this server knows.
fn expected_version() -> i32 {
    crate::storage::sqlite::embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(refinery::Migration::version)
        .max()
        .unwrap_or(0)
}

/// Moves (or, in [`Mode::VerifyOnly`], compares) the SQLite database at `from` to the PostgreSQL
/// database `to` names.
pub async fn migrate_storage(
    from: &Path,
    to: &SecretText,
    mode: Mode,
) -> Result<Report, MigrateError> {
    let source = Source::open(from)?;
    let expected = expected_version();
    let found = source.schema_version()?;
    if found != Some(i64::from(expected)) {
        return Err(MigrateError::SourceVersion {
            found: found.map_or_else(|| "none".into(), |v| v.to_string()),
            expected,
        });
    }
    let source_tables = source.tables()?;
    check_known("SQLite", &source_tables)?;

    let mut target = Target::connect(to).await?;
    let tx = target
        .client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .start()
        .await?;
    let target_tables = target::tables(&tx).await?;
    check_known("PostgreSQL", &target_tables)?;

    let mut plan: Vec<(&'static str, Policy, Vec<Column>)> = Vec::with_capacity(TABLES.len());
    for (table, policy) in TABLES {
        for (side, present) in [("SQLite", &source_tables), ("PostgreSQL", &target_tables)] {
            if !present.iter().any(|t| t == table) {
                return Err(MigrateError::Schema(format!(
                    "the {side} database has no table {table}"
                )));
            }
        }
        let columns = target::shared_columns(&tx, table, &source.columns(table)?).await?;
        plan.push((table, *policy, columns));
    }

    if mode == Mode::Copy {
        target::lock_and_check_empty(&tx).await?;
        // The copied server keeps its identity: devices know it by its instance id.
        tx.execute("DELETE FROM server_info", &[]).await?;
        for (table, policy, columns) in &plan {
            if *policy == Policy::Copy {
                target::copy_table(&source, &tx, table, columns).await?;
            }
        }
        target::advance_sequences(&tx).await?;
    }

    let mut verification = Verification::default();
    for (table, policy, columns) in &plan {
        let copied = *policy == Policy::Copy;
        let (source_rows, source_sum, target_rows, target_sum) = if copied {
            let (source_rows, source_sum) = verify::source_table(&source, table, columns)?;
            let (target_rows, target_sum) = verify::target_table(&tx, table, columns).await?;
            (source_rows, source_sum, target_rows, target_sum)
        } else {
            (source.count(table)?, [0; 32], 0, [0; 32])
        };
        verification.tables.push(TableCheck {
            table,
            copied,
            source_rows,
            target_rows,
            source_sum,
            target_sum,
        });
    }
    let source_docs: std::collections::BTreeMap<String, DocLog> =
        verify::source_documents(&source)?;
    let target_docs = verify::target_documents(&tx).await?;
    verification.documents = verify::compare_documents(source_docs, target_docs);

    let committed = mode == Mode::Copy && verification.matches();
    if committed {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(Report {
        verification,
        committed,
    })
}

/// Refuses a database with tables [`TABLES`] does not name.
fn check_known(side: &'static str, present: &[String]) -> Result<(), MigrateError> {
    let unknown = tables::unknown(present);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::UnknownTables {
            side,
            tables: unknown.join(", "),
        })
    }
}
