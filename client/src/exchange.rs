//! Documents in and out of the store: `doc export` / `doc import` (offline sync through files, as
//! standard `.automerge` files any Automerge implementation loads) and `rebuild` (re-project every
//! record from the documents).

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use together_core::document::DocAddress;

use crate::documents;
use crate::projection::PROJECTED_TABLES;
use crate::store::{Result, Store, StoreError};

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

/// Tables a JSON export carries in full (check-ins and notifications go through the read API, so
/// the reveal rule holds in exports too).
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
    /// Everything the person may see, as one JSON document (`better-together-export`, version 1):
    /// what "Export" in the app and `together export` write.
    pub fn export_json(&mut self, now: Timestamp) -> Result<serde_json::Value> {
        let mut tables = serde_json::Map::new();
        for table in EXPORTED_TABLES {
            tables.insert(table.to_owned(), self.table_as_json(table)?.into());
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
        self.write(now, |tx| {
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
        })
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
