//! Compares the schema test data (`tests/data/spec_schema.txt`) with the spec's ERD, so the two cannot
//! drift apart. `.ci/run` calls it when the spec is available:
//!
//! ```text
//! cargo run -p together-client --example erd_check -- path/to/spec/erd.md
//! ```
//!
//! Exits 0 when every table, column, type, key marker and named index agrees; otherwise lists the
//! differences and exits 1.

#[path = "../tests/common/schema_spec.rs"]
mod common;

use std::collections::BTreeSet;
use std::process::ExitCode;

/// (table, column, type, keys) with keys as the spec marks them: PK, FK, UK.
type ColumnKey = (String, String, String, BTreeSet<String>);

fn erd_columns(erd: &str) -> Result<BTreeSet<ColumnKey>, String> {
    let mut columns = BTreeSet::new();
    let mut table: Option<String> = None;
    let mut in_mermaid = false;
    for (number, raw) in erd.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("```") {
            in_mermaid = line == "```mermaid";
            table = None;
            continue;
        }
        if !in_mermaid {
            continue;
        }
        if let Some(name) = line.strip_suffix('{').map(str::trim) {
            table = Some(name.to_owned());
        } else if line == "}" {
            table = None;
        } else if let Some(table) = &table {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() < 2 {
                return Err(format!("erd line {}: cannot read {line:?}", number + 1));
            }
            let keys = words[2..].iter().map(|k| (*k).to_owned()).collect();
            columns.insert((table.clone(), words[1].into(), words[0].into(), keys));
        }
    }
    Ok(columns)
}

fn erd_indexes(erd: &str) -> BTreeSet<(String, bool)> {
    erd.lines()
        .filter_map(|line| line.trim().strip_prefix("- `idx_"))
        .filter_map(|rest| {
            let (name, after) = rest.split_once('`')?;
            Some((
                format!("idx_{name}"),
                after.trim_start().starts_with("(unique)"),
            ))
        })
        .collect()
}

fn data_columns(spec: &common::SchemaSpec) -> BTreeSet<ColumnKey> {
    spec.columns
        .iter()
        .map(|c| {
            let mut keys = BTreeSet::new();
            if c.primary_key {
                keys.insert("PK".to_owned());
            }
            if c.unique {
                keys.insert("UK".to_owned());
            }
            if c.references.is_some() {
                keys.insert("FK".to_owned());
            }
            (c.table.clone(), c.column.clone(), c.sql_type.clone(), keys)
        })
        .collect()
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: erd_check PATH/TO/erd.md");
        return ExitCode::from(2);
    };
    let erd = match std::fs::read_to_string(&path) {
        Ok(erd) => erd,
        Err(error) => {
            eprintln!("error: cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let spec = common::SchemaSpec::parse(include_str!("../tests/data/spec_schema.txt"));
    let from_erd = match erd_columns(&erd) {
        Ok(columns) => columns,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let ours = data_columns(&spec);
    let erd_idx = erd_indexes(&erd);
    let our_idx: BTreeSet<(String, bool)> = spec
        .indexes
        .iter()
        .map(|i| (i.name.clone(), i.unique))
        .collect();

    let mut differences = Vec::new();
    for c in from_erd.difference(&ours) {
        differences.push(format!("in the spec, not in the test data: {c:?}"));
    }
    for c in ours.difference(&from_erd) {
        differences.push(format!("in the test data, not in the spec: {c:?}"));
    }
    for i in erd_idx.symmetric_difference(&our_idx) {
        differences.push(format!("index differs: {i:?}"));
    }
    if differences.is_empty() {
        println!(
            "schema test data matches {path}: {} columns in {} tables, {} named indexes",
            ours.len(),
            spec.tables().len(),
            our_idx.len()
        );
        ExitCode::SUCCESS
    } else {
        eprintln!("schema test data and {path} differ:");
        for difference in differences {
            eprintln!("  {difference}");
        }
        ExitCode::FAILURE
    }
}
