//! The schema test data (`tests/data/*.txt`): parsing and loading. Shared by the schema test and
//! the `erd_check` example.

#![allow(dead_code)]

use std::path::Path;

/// One column the schema must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub table: String,
    pub column: String,
    /// The spec's type word: text, integer, date, datetime, boolean, decimal.
    pub sql_type: String,
    pub primary_key: bool,
    pub unique: bool,
    /// The parent table of a foreign key.
    pub references: Option<String>,
}

/// One named index the schema must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: String,
    pub table: String,
    pub unique: bool,
}

/// The parsed contents of a schema data file.
#[derive(Debug, Default)]
pub struct SchemaSpec {
    pub columns: Vec<ColumnSpec>,
    pub indexes: Vec<IndexSpec>,
}

impl SchemaSpec {
    /// Parses the format described at the top of `tests/data/spec_schema.txt`.
    pub fn parse(text: &str) -> Self {
        let mut spec = Self::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if words[0] == "index" {
                assert!(words.len() >= 3, "line {}: bad index line", number + 1);
                spec.indexes.push(IndexSpec {
                    name: words[1].into(),
                    table: words[2].into(),
                    unique: words.get(3) == Some(&"unique"),
                });
                continue;
            }
            assert!(words.len() >= 3, "line {}: bad column line", number + 1);
            let keys = &words[3..];
            spec.columns.push(ColumnSpec {
                table: words[0].into(),
                column: words[1].into(),
                sql_type: words[2].into(),
                primary_key: keys.contains(&"PK"),
                unique: keys.contains(&"UK"),
                references: keys
                    .iter()
                    .find_map(|k| k.strip_prefix("FK>"))
                    .map(str::to_owned),
            });
        }
        spec
    }

    /// The spec's tables plus the project's own (user_cohorts, app tables).
    pub fn load_all() -> Self {
        let mut spec = Self::parse(include_str!("../data/spec_schema.txt"));
        let app = Self::parse(include_str!("../data/app_schema.txt"));
        spec.columns.extend(app.columns);
        spec.indexes.extend(app.indexes);
        spec
    }

    /// Table names in first-seen order.
    pub fn tables(&self) -> Vec<String> {
        let mut tables: Vec<String> = Vec::new();
        for column in &self.columns {
            if !tables.contains(&column.table) {
                tables.push(column.table.clone());
            }
        }
        tables
    }
}

/// The bytes of a file, for proving it was not modified.
pub fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("database file is readable")
}
