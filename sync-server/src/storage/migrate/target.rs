//! The PostgreSQL side: migrated to the current schema first (as `serve` would), then filled in
//! one transaction by binary `COPY`, table by table, with the columns both databases have.

use std::str::FromStr;

use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::{Client, NoTls, Transaction};

use super::MigrateError;
use super::source::Source;
use super::tables::{Policy, TABLES, is_bookkeeping, plain_identifier};
use super::value::{Cell, Kind};
use crate::secrets::SecretText;
use crate::storage::postgres::{PostgresStorage, is_postgres_url};

/// A connection to the target database.
pub struct Target {
    /// The connection (its driver runs on the runtime).
    pub client: Client,
}

/// One column copied: its name and the target's kind.
#[derive(Debug, Clone)]
pub struct Column {
    /// The name both databases use.
    pub name: String,
    /// The PostgreSQL column's kind.
    pub kind: Kind,
}

impl Target {
    /// Migrates the database `url` names to the current schema and connects to it.
    pub async fn connect(url: &SecretText) -> Result<Self, MigrateError> {
        if !is_postgres_url(url.expose()) {
            return Err(MigrateError::Usage(
                "--to must be a PostgreSQL URL (postgres://user:password@host/database)".into(),
            ));
        }
        // Opening the storage runs the migrations (under their advisory lock), as `serve` does.
        drop(PostgresStorage::open(url).await?);
        let config = tokio_postgres::Config::from_str(url.expose())
            .map_err(|_| MigrateError::Usage("--to cannot be parsed as a PostgreSQL URL".into()))?;
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "the PostgreSQL connection ended");
            }
        });
        Ok(Self { client })
    }
}

/// The tables of the target's schema (not refinery's).
pub async fn tables(tx: &Transaction<'_>) -> Result<Vec<String>, MigrateError> {
    let rows = tx
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
             ORDER BY table_name",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| row.get::<_, String>(0))
        .filter(|t| !is_bookkeeping(t))
        .collect())
}

/// The columns of `table` the source has too, in the source's order, with the target's kinds.
/// A source column the target lacks is an error: its values would be lost.
pub async fn shared_columns(
    tx: &Transaction<'_>,
    table: &str,
    source_columns: &[String],
) -> Result<Vec<Column>, MigrateError> {
    let rows = tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1",
            &[&table],
        )
        .await?;
    let mut columns = Vec::with_capacity(source_columns.len());
    for name in source_columns {
        let Some(row) = rows.iter().find(|row| row.get::<_, &str>(0) == name) else {
            return Err(MigrateError::Schema(format!(
                "the PostgreSQL table {table} has no column {name}: its values would be lost"
            )));
        };
        let data_type: &str = row.get(1);
        let kind = Kind::of(data_type).ok_or_else(|| {
            MigrateError::Schema(format!(
                "the PostgreSQL column {table}.{name} has a type ({data_type}) this copier cannot fill"
            ))
        })?;
        columns.push(Column {
            name: name.clone(),
            kind,
        });
    }
    Ok(columns)
}

/// Locks every table against writers for the transaction, then checks that none holds data
/// (beyond the instance id a fresh database is given): a move never merges into a live database.
pub async fn lock_and_check_empty(tx: &Transaction<'_>) -> Result<(), MigrateError> {
    let names: Vec<String> = TABLES.iter().map(|(t, _)| format!("\"{t}\"")).collect();
    tx.batch_execute(&format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        names.join(", ")
    ))
    .await?;
    let mut holding = Vec::new();
    for (table, _) in TABLES {
        let sql = if *table == "server_info" {
            "SELECT count(*) FROM server_info WHERE key <> 'instance_id'".to_owned()
        } else {
            format!("SELECT count(*) FROM \"{table}\"")
        };
        let count: i64 = tx.query_one(&sql, &[]).await?.get(0);
        if count > 0 {
            holding.push(format!("{table} ({count} rows)"));
        }
    }
    if holding.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::TargetNotEmpty(holding.join(", ")))
    }
}

/// `SELECT` of `columns` from `table`, quoted.
pub fn select_sql(table: &str, columns: &[Column]) -> String {
    let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
    format!("SELECT {} FROM \"{table}\"", names.join(", "))
}

/// Copies every row of `table` from `source` into the transaction by binary `COPY`; how many.
pub async fn copy_table(
    source: &Source,
    tx: &Transaction<'_>,
    table: &str,
    columns: &[Column],
) -> Result<u64, MigrateError> {
    if !plain_identifier(table) || columns.iter().any(|c| !plain_identifier(&c.name)) {
        return Err(MigrateError::Schema(format!(
            "the table {table} has a name this copier does not expect"
        )));
    }
    let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let sink = tx
        .copy_in(&format!(
            "COPY \"{table}\" ({}) FROM STDIN (FORMAT binary)",
            names.join(", ")
        ))
        .await?;
    let types: Vec<_> = columns.iter().map(|c| c.kind.pg_type()).collect();
    let writer = BinaryCopyInWriter::new(sink, &types);
    let mut writer = std::pin::pin!(writer);
    let mut statement = source.conn.prepare(&select_sql(table, columns))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let cells = source_cells(row, table, columns)?;
        let values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = cells
            .iter()
            .map(|c| c as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        writer.as_mut().write(&values).await?;
    }
    Ok(writer.finish().await?)
}

/// One SQLite row as cells of the target's kinds.
pub fn source_cells(
    row: &rusqlite::Row<'_>,
    table: &str,
    columns: &[Column],
) -> Result<Vec<Cell>, MigrateError> {
    columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            Cell::from_sqlite(row.get_ref(index)?, column.kind).map_err(|mismatch| {
                MigrateError::Value {
                    table: table.to_owned(),
                    column: column.name.clone(),
                    mismatch,
                }
            })
        })
        .collect()
}

/// Sets every sequence behind a serial or identity column past the highest value copied, so new
/// rows continue after the copied ones. (Today's schema has none: every key is a text id or a
/// per-document seq the server computes; this keeps a future one from colliding.)
pub async fn advance_sequences(tx: &Transaction<'_>) -> Result<(), MigrateError> {
    let rows = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema()
               AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
            &[],
        )
        .await?;
    for row in rows {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        if !TABLES
            .iter()
            .any(|(t, policy)| *t == table && *policy == Policy::Copy)
            || !plain_identifier(&column)
        {
            continue;
        }
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), max(\"{column}\"))
                 FROM \"{table}\" HAVING max(\"{column}\") IS NOT NULL"
            ),
            &[&table, &column],
        )
        .await?;
    }
    Ok(())
}
