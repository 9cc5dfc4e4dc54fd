//! Every table of the server's schema, in the order the copier fills them (a table after those its
//! foreign keys point to), and what it does with each. A test compares this list with the tables a
//! freshly migrated database has, so a table added by a future migration cannot be forgotten.

/// What the copier does with a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Every row is copied and verified.
    Copy,
    /// Nothing is copied: the rows describe running server processes (job leases), and the source
    /// server is stopped; a new server takes fresh leases.
    Skip,
}

/// The server's tables, parents before children.
pub const TABLES: &[(&str, Policy)] = &[
    ("server_info", Policy::Copy),
    ("users", Policy::Copy),
    ("credentials", Policy::Copy),
    ("devices", Policy::Copy),
    ("relationships", Policy::Copy),
    ("memberships", Policy::Copy),
    ("invites", Policy::Copy),
    ("documents", Policy::Copy),
    ("doc_entries", Policy::Copy),
    ("doc_snapshots", Policy::Copy),
    ("key_bundles", Policy::Copy),
    ("subscription_plans", Policy::Copy),
    ("subscriptions", Policy::Copy),
    ("payment_transactions", Policy::Copy),
    ("ai_credits", Policy::Copy),
    ("ai_credit_balances", Policy::Copy),
    ("ai_requests", Policy::Copy),
    ("subscription_addons", Policy::Copy),
    ("user_addons", Policy::Copy),
    ("discount_codes", Policy::Copy),
    ("discount_usage", Policy::Copy),
    ("pending_checkouts", Policy::Copy),
    ("billing_actions", Policy::Copy),
    ("stripe_webhooks", Policy::Copy),
    ("revenue_analytics", Policy::Copy),
    ("analytics_events", Policy::Copy),
    ("gift_lookups", Policy::Copy),
    ("signup_codes", Policy::Copy),
    ("usage_reports", Policy::Copy),
    ("feature_usage_metrics", Policy::Copy),
    ("account_active_weeks", Policy::Copy),
    ("user_cohorts", Policy::Copy),
    ("job_leases", Policy::Skip),
];

/// Tables that belong to the tools, not to the server's data (refinery's migration history: each
/// database keeps its own).
pub fn is_bookkeeping(table: &str) -> bool {
    table == "refinery_schema_history" || table.starts_with("sqlite_")
}

/// The tables of `present` (a database's own list) that [`TABLES`] does not name.
pub fn unknown(present: &[String]) -> Vec<&str> {
    present
        .iter()
        .map(String::as_str)
        .filter(|table| !is_bookkeeping(table) && !TABLES.iter().any(|(known, _)| known == table))
        .collect()
}

/// Whether `name` is safe to put in SQL as a quoted identifier (the schema's own names are all
/// lower-case ASCII words).
pub fn plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The tables a freshly migrated SQLite database has.
    fn sqlite_tables() -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite3");
        drop(crate::storage::SqliteStorage::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut statement = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn every_table_of_the_schema_is_in_the_list_and_nothing_else() {
        let present = sqlite_tables();
        assert_eq!(
            unknown(&present),
            Vec::<&str>::new(),
            "a migration added a table the copier does not know: add it to TABLES"
        );
        for (table, _) in TABLES {
            assert!(
                present.iter().any(|p| p == table),
                "TABLES names {table}, which the schema no longer has"
            );
            assert!(plain_identifier(table));
        }
        let mut names: Vec<_> = TABLES.iter().map(|(t, _)| *t).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len(), "a table is listed twice");
    }

    #[test]
    fn the_list_puts_every_table_after_the_tables_its_foreign_keys_point_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite3");
        drop(crate::storage::SqliteStorage::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let position = |name: &str| TABLES.iter().position(|(t, _)| *t == name);
        for (index, (table, _)) in TABLES.iter().enumerate() {
            let mut statement = conn
                .prepare(&format!(
                    "SELECT \"table\" FROM pragma_foreign_key_list('{table}')"
                ))
                .unwrap();
            let parents: Vec<String> = statement
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for parent in parents {
                let parent_at = position(&parent).unwrap();
                assert!(
                    parent_at < index,
                    "{table} refers to {parent}, which must come first"
                );
            }
        }
    }

    #[test]
    fn only_plain_names_are_identifiers() {
        assert!(plain_identifier("doc_entries"));
        for bad in ["", "a\"b", "Users", "a b", "x;drop", &"a".repeat(64)] {
            assert!(!plain_identifier(bad), "{bad}");
        }
    }
}
