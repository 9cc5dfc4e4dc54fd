//! The person's data in and out of the store: the JSON export of everything they may see
//! (`together export`, the app's "Export"), `doc export` / `doc import` (offline sync through
//! files, as standard `.automerge` files any Automerge implementation loads) and `rebuild`
//! (re-project every record from the documents).

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use together_core::document::DocAddress;

use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::store::documents;
use crate::store::projection::PROJECTED_TABLES;

/// File extension of exported documents.
pub const EXTENSION: &str = "automerge";

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Files read.
    pub files: usize,
    /// Records that changed because of them (0 when everything was already known).
    pub changed_records: usize,
    /// Another person's private documents, left out: they are theirs alone.
    pub skipped_private: usize,
}

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Tables a JSON export carries in full (check-ins, notifications, questions, quizzes and pings go
/// through the read API, and activities' ratings are shown as the read API shows them, so the
/// reveal rules hold in exports too).
const EXPORTED_TABLES: [&str; 9] = [
    "users",
    "relationships",
    "shared_goals",
    "activities",
    "important_dates",
    "communication_log",
    "challenge_participation",
    "challenge_entries",
    "user_achievements",
];

impl Store {
    /// Rows of a projected table as JSON objects, for exports and tests.
    pub fn table_as_json(&self, table: &str) -> Result<Vec<serde_json::Value>> {
        if !PROJECTED_TABLES.contains(&table) {
            return Err(StoreError::Missing(format!(
                "{table} is not a projected table"
            )));
        }
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT * FROM {table} ORDER BY id"))?;
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let rows = stmt.query_map([], |row| {
            let mut object = serde_json::Map::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => serde_json::Value::Null,
                    rusqlite::types::ValueRef::Integer(v) => v.into(),
                    rusqlite::types::ValueRef::Real(v) => v.into(),
                    rusqlite::types::ValueRef::Text(t) => {
                        String::from_utf8_lossy(t).into_owned().into()
                    }
                    rusqlite::types::ValueRef::Blob(b) => b.len().into(),
                };
                object.insert(name.clone(), value);
            }
            Ok(serde_json::Value::Object(object))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Everything the person may see, as one JSON document (`better-together-export`, version 1):
    /// what "Export" in the app and `together export` write.
    pub fn export_json(&mut self, now: Timestamp) -> Result<serde_json::Value> {
        let mut tables = serde_json::Map::new();
        for table in EXPORTED_TABLES {
            tables.insert(table.to_owned(), self.table_as_json(table)?.into());
        }
        // The rating reveal holds in exports too: the partner's rating as the read API shows it.
        let ratings: std::collections::HashMap<String, (Option<i64>, Option<i64>)> = self
            .activities()?
            .into_iter()
            .map(|a| (a.id, (a.rating_user1, a.rating_user2)))
            .collect();
        if let Some(serde_json::Value::Array(rows)) = tables.get_mut("activities") {
            for row in rows {
                let id = row["id"].as_str().unwrap_or_default().to_owned();
                // (An ended relationship's activities stay as stored: nothing is left to reveal.)
                if let Some((one, two)) = ratings.get(&id).copied() {
                    row["satisfaction_rating_user1"] = one.into();
                    row["satisfaction_rating_user2"] = two.into();
                }
            }
        }
        let signed_in = self.local_user()?.is_some();
        Ok(serde_json::json!({
            "format": "better-together-export",
            "version": 1,
            "exported_at": together_core::document::timestamp_text(now),
            "local_user_id": self.local_user()?.map(|u| u.to_string()),
            "relationship_id": self.current_relationship()?.map(|r| r.to_string()),
            "daily_checkins": self.visible_checkins()?,
            "notifications": self.notifications()?,
            "private_notes": if signed_in { serde_json::json!(self.private_notes(now)?) } else { serde_json::json!([]) },
            "analytics_opt_in": signed_in && self.analytics_opt_in(now)?,
            // The daily loop, as the read API shows it (the partner's side only once revealed).
            "questions": self.question_history(None)?,
            "quizzes": {
                "know_me": self.know_me_rounds()?,
                "score": self.know_me_score()?,
                "this_or_that": self.this_or_that_picks()?,
            },
            "pings": self.pings()?,
            "tables": tables,
        }))
    }

    /// Writes each document this device holds into `dir` as `<doc id>.automerge` (a full, standard
    /// Automerge save). Returns the files written.
    pub fn export_documents(&mut self, dir: &Path, now: Timestamp) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let saved = self.write(now, |tx| {
            let mut saved = Vec::new();
            for address in documents::all_addresses(tx.conn)? {
                if let Some(bytes) = tx.save_document(address)? {
                    saved.push((address, bytes));
                }
            }
            Ok(saved)
        })?;
        let mut written = Vec::new();
        for (address, bytes) in saved {
            let path = dir.join(format!("{}.{EXTENSION}", address.doc_id()));
            let partial = path.with_extension("partial");
            std::fs::write(&partial, &bytes).map_err(|e| io_error(&partial, e))?;
            std::fs::rename(&partial, &path).map_err(|e| io_error(&path, e))?;
            written.push(path);
        }
        Ok(written)
    }

    /// Merges every `<doc id>.automerge` file of `dir` into this device's documents, in one
    /// transaction: a bad file aborts the import with nothing changed. Merging is idempotent.
    pub fn import_documents(&mut self, dir: &Path, now: Timestamp) -> Result<ImportReport> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
            let path = entry.map_err(|e| io_error(dir, e))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
                continue;
            }
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let address: DocAddress = stem
                .parse()
                .map_err(|e| StoreError::Missing(format!("{}: {e}", path.display())))?;
            let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
            files.push((address, path, bytes));
        }
        // Relationship documents first: their members are the people the time series refer to.
        files.sort_by_key(|(address, ..)| (address.kind(), *address));
        let me = self.local_user()?;
        let report = self.write(now, |tx| {
            let mut report = ImportReport::default();
            for (address, path, bytes) in &files {
                if let (DocAddress::User(owner), Some(me)) = (address, me)
                    && *owner != me
                {
                    report.skipped_private += 1;
                    continue;
                }
                report.changed_records += tx.merge(*address, bytes).map_err(|e| {
                    StoreError::Missing(format!("{} could not be merged: {e}", path.display()))
                })?;
                report.files += 1;
            }
            Ok(report)
        })?;
        if report.changed_records > 0 {
            // What the partner's changes earned or reached reaches this person too.
            self.settle_merged(now)?;
        }
        Ok(report)
    }

    /// Recomputes every projected row from the documents, in one transaction.
    pub fn rebuild(&mut self, now: Timestamp) -> Result<()> {
        self.write(now, |tx| {
            for table in PROJECTED_TABLES {
                tx.conn.execute(&format!("DELETE FROM {table}"), [])?;
            }
            for address in documents::all_addresses(tx.conn)? {
                tx.reproject(address)?;
            }
            Ok(())
        })
    }
}

// Screen operations.

/// Settings' "Export": writes `exports/better-together-<time>.json` and
/// `exports/documents-<time>/` in the data directory `data_dir`; answers the folder, to show. (No
/// file dialog: the folder is the same on every platform and the person is told where it is.)
pub fn export_to_folder(store: &mut Store, data_dir: &Path, now: Timestamp) -> Result<PathBuf> {
    let folder = data_dir.join("exports");
    std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
    let stamp = now.strftime("%Y-%m-%d-%H%M%S").to_string();
    let json = store.export_json(now)?;
    let text = serde_json::to_string_pretty(&json)
        .map_err(|e| StoreError::Missing(format!("cannot write the export: {e}")))?;
    let file = folder.join(format!("better-together-{stamp}.json"));
    std::fs::write(&file, text).map_err(|e| io_error(&file, e))?;
    store.export_documents(&folder.join(format!("documents-{stamp}")), now)?;
    Ok(folder)
}
