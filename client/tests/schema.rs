//! The migrated database holds exactly the schema written down in `tests/data/`: every spec table,
//! column, type, key and named index, and nothing undocumented.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::SchemaSpec;
use rusqlite::Connection;
use together_client::Store;

fn migrated() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("together.sqlite3");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    // Foreign keys are a per-connection setting; the store turns them on, so does this raw look.
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    (dir, conn)
}

struct DbColumn {
    name: String,
    declared_type: String,
    pk: bool,
}

fn columns(conn: &Connection, table: &str) -> Vec<DbColumn> {
    let mut stmt = conn
        .prepare("SELECT name, type, pk FROM pragma_table_xinfo(?1) WHERE hidden = 0")
        .unwrap();
    stmt.query_map([table], |row| {
        Ok(DbColumn {
            name: row.get(0)?,
            declared_type: row.get(1)?,
            pk: row.get::<_, i64>(2)? > 0,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The spec's type word for a declared SQLite type: `DECIMAL(12, 2)` is `decimal`.
fn type_word(declared: &str) -> String {
    declared
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Whether some unique index (or UNIQUE constraint) covers exactly `column` of `table`.
fn has_single_column_unique_index(conn: &Connection, table: &str, column: &str) -> bool {
    let mut stmt = conn
        .prepare(
            "SELECT il.name FROM pragma_index_list(?1) AS il
             WHERE il.\"unique\" = 1
               AND (SELECT count(*) FROM pragma_index_info(il.name)) = 1
               AND (SELECT name FROM pragma_index_info(il.name)) = ?2",
        )
        .unwrap();
    stmt.exists((table, column)).unwrap()
}

fn foreign_key_parent(conn: &Connection, table: &str, column: &str) -> Option<String> {
    conn.query_row(
        "SELECT \"table\" FROM pragma_foreign_key_list(?1) WHERE \"from\" = ?2",
        (table, column),
        |row| row.get(0),
    )
    .ok()
}

#[test]
fn every_table_and_column_has_the_specified_type_and_keys() {
    let spec = SchemaSpec::load_all();
    let (_dir, conn) = migrated();
    let mut problems = Vec::new();

    for table in spec.tables() {
        let db_columns = columns(&conn, &table);
        if db_columns.is_empty() {
            problems.push(format!("missing table {table}"));
            continue;
        }
        let expected: Vec<_> = spec.columns.iter().filter(|c| c.table == table).collect();
        for want in &expected {
            let Some(have) = db_columns.iter().find(|c| c.name == want.column) else {
                problems.push(format!("missing column {table}.{}", want.column));
                continue;
            };
            if type_word(&have.declared_type) != want.sql_type {
                problems.push(format!(
                    "{table}.{} is declared {} but the spec says {}",
                    want.column, have.declared_type, want.sql_type
                ));
            }
            if have.pk != want.primary_key {
                problems.push(format!(
                    "{table}.{}: primary key is {}",
                    want.column, have.pk
                ));
            }
            if want.unique && !has_single_column_unique_index(&conn, &table, &want.column) {
                problems.push(format!("{table}.{} is not unique", want.column));
            }
            let parent = foreign_key_parent(&conn, &table, &want.column);
            if parent != want.references {
                problems.push(format!(
                    "{table}.{}: foreign key to {parent:?}, expected {:?}",
                    want.column, want.references
                ));
            }
        }
        for have in &db_columns {
            if !expected.iter().any(|c| c.column == have.name) {
                problems.push(format!(
                    "{table}.{} exists but is not in the schema test data",
                    have.name
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "schema problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn all_seventeen_named_indexes_exist_on_their_tables() {
    let spec = SchemaSpec::load_all();
    assert_eq!(spec.indexes.len(), 17, "the spec names 17 indexes");
    let (_dir, conn) = migrated();
    for index in &spec.indexes {
        let table: String = conn
            .query_row(
                "SELECT tbl_name FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                [&index.name],
                |row| row.get(0),
            )
            .unwrap_or_else(|_| panic!("index {} is missing", index.name));
        assert_eq!(
            table, index.table,
            "index {} is on the wrong table",
            index.name
        );
        let unique: bool = conn
            .query_row(
                "SELECT \"unique\" FROM pragma_index_list(?1) WHERE name = ?2",
                (&index.table, &index.name),
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(unique, index.unique, "uniqueness of index {}", index.name);
    }
}

#[test]
fn no_table_exists_that_the_schema_data_does_not_describe() {
    let spec = SchemaSpec::load_all();
    let known = spec.tables();
    let (_dir, conn) = migrated();
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history' ORDER BY name",
        )
        .unwrap();
    let tables: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let undocumented: Vec<_> = tables.iter().filter(|t| !known.contains(t)).collect();
    assert!(
        undocumented.is_empty(),
        "undocumented tables: {undocumented:?}"
    );
    assert_eq!(tables.len(), known.len(), "every described table exists");
}

#[test]
fn email_uniqueness_ignores_case() {
    let (_dir, conn) = migrated();
    let insert = "INSERT INTO users (id, email, name, created_at, updated_at)
                  VALUES (?1, ?2, 'Sam', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
    conn.execute(insert, ("u1", "Sam@Example.com")).unwrap();
    let duplicate = conn.execute(insert, ("u2", "sam@example.COM"));
    assert!(
        duplicate.is_err(),
        "the same email in another case must be refused"
    );
}

#[test]
fn check_constraints_refuse_out_of_range_values_and_accept_valid_ones() {
    let (_dir, conn) = migrated();
    let now = "2026-11-25T08:30:00.000Z";
    conn.execute(
        "INSERT INTO users (id, name, created_at, updated_at) VALUES ('a', 'Alex', ?1, ?1)",
        [now],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO relationships (id, user_1_id, created_at, updated_at) VALUES ('r', 'a', ?1, ?1)",
        [now],
    )
    .unwrap();
    let checkin = "INSERT INTO daily_checkins (id, relationship_id, user_id, checkin_date,
                   connection_score, mood_score, relationship_satisfaction, created_at)
                   VALUES (?1, 'r', 'a', ?2, ?3, 7, 8, ?4)";
    conn.execute(checkin, ("c1", "2026-11-25", 9, now)).unwrap();
    // Score out of 1..=10, impossible date, second check-in of the same person on the same day.
    assert!(
        conn.execute(checkin, ("c2", "2026-11-24", 11, now))
            .is_err()
    );
    assert!(conn.execute(checkin, ("c3", "2026-02-30", 5, now)).is_err());
    assert!(conn.execute(checkin, ("c4", "2026-11-25", 5, now)).is_err());
    // An enumeration outside its values, a foreign key to nobody.
    assert!(
        conn.execute(
            "UPDATE relationships SET status = 'complicated' WHERE id = 'r'",
            []
        )
        .is_err()
    );
    assert!(
        conn.execute(
            "INSERT INTO relationships (id, user_1_id, created_at, updated_at)
             VALUES ('r2', 'nobody', ?1, ?1)",
            [now],
        )
        .is_err(),
        "foreign keys are enforced"
    );
    // The AI-credit ledger never goes negative; a discount code never exceeds its uses.
    assert!(
        conn.execute(
            "INSERT INTO ai_credits (id, user_id, transaction_type, credits_amount, credits_balance)
             VALUES ('l1', 'a', 'spend', -5, -5)",
            [],
        )
        .is_err()
    );
    conn.execute(
        "INSERT INTO discount_codes (id, code, discount_type, discount_value, max_uses, current_uses)
         VALUES ('d', 'LOVE10', 'percent', 10, 1, 1)",
        [],
    )
    .unwrap();
    assert!(
        conn.execute(
            "UPDATE discount_codes SET current_uses = current_uses + 1 WHERE id = 'd'",
            []
        )
        .is_err()
    );
}
