//! Automerge documents from outside: a `.automerge` file given to `together doc import`, and
//! changes merged one after the other on top of a document the device holds, as successive pulls
//! do. Both run the client's real write path (`WriteTx::merge`, which a pull uses too): the merge
//! into the document, the SQLite transaction and the projection of every touched record.
//!
//! Each run gets a fresh store, copied from a migrated template made once per process, so runs do
//! not depend on each other. Inputs carry the document id they are for on their first line.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use automerge::ActorId;
use jiff::Timestamp;
use together_client::Store;
use together_core::address::DocAddress;
use together_core::document::Document;

/// The time the harness writes at.
pub fn now() -> Timestamp {
    Timestamp::constant(1_767_225_600, 0)
}

/// A scratch directory for this process, with an empty migrated database in it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn template(&self) -> PathBuf {
        self.dir.path().join("template.sqlite3")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }
}

fn scratch() -> Option<&'static Scratch> {
    static SCRATCH: OnceLock<Option<Scratch>> = OnceLock::new();
    SCRATCH
        .get_or_init(|| {
            let scratch = Scratch {
                dir: tempfile::tempdir().ok()?,
            };
            // Closing the store checkpoints its WAL: the file alone is the whole database.
            drop(Store::open(&scratch.template()).ok()?);
            Some(scratch)
        })
        .as_ref()
}

/// A fresh store for one run (a copy of the template), and the run's directory.
fn fresh_store() -> Option<(Store, PathBuf)> {
    let scratch = scratch()?;
    let work = scratch.work();
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("files")).ok()?;
    let db = work.join("together.sqlite3");
    std::fs::copy(scratch.template(), &db).ok()?;
    Some((Store::open(&db).ok()?, work))
}

/// Splits `<doc id>\n<bytes>`; `None` when the first line is not a document id.
pub fn split(data: &[u8]) -> Option<(DocAddress, &[u8])> {
    let at = data.iter().position(|&b| b == b'\n')?;
    let (line, rest) = data.split_at(at);
    let address = std::str::from_utf8(line).ok()?.parse().ok()?;
    Some((address, rest.get(1..).unwrap_or_default()))
}

/// `<doc id>\n<bytes>`, for seeds.
pub fn join(address: DocAddress, bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("{address}\n").into_bytes();
    out.extend_from_slice(bytes);
    out
}

/// What a successful import or merge leads to next: reading every record again (`rebuild`) and
/// writing the documents out (`doc export`).
fn read_everything(store: &mut Store, work: &Path) {
    let _ = store.rebuild(now());
    let _ = store.export_documents(&work.join("out"), now());
}

/// Target `document_import`: `<doc id>\n<.automerge file>` imported as `together doc import`
/// does (the file is named after the document id).
pub fn document_import(data: &[u8]) {
    let Some((address, bytes)) = split(data) else {
        return;
    };
    let Some((mut store, work)) = fresh_store() else {
        return;
    };
    let files = work.join("files");
    if std::fs::write(files.join(format!("{address}.automerge")), bytes).is_err() {
        return;
    }
    if store.import_documents(&files, now()).is_ok() {
        read_everything(&mut store, &work);
    }
}

/// Splits the bytes after the document id into a base (a saved document the device already
/// holds, length-prefixed with 4 little-endian bytes) and a change pulled on top of it.
pub fn split_merge(bytes: &[u8]) -> (&[u8], &[u8]) {
    let (prefix, rest) = bytes.split_at(bytes.len().min(4));
    let mut length = [0_u8; 4];
    length[..prefix.len()].copy_from_slice(prefix);
    let length = usize::try_from(u32::from_le_bytes(length))
        .unwrap_or(usize::MAX)
        .min(rest.len());
    rest.split_at(length)
}

/// The inverse of [`split_merge`] after the document id line, for seeds.
pub fn join_merge(address: DocAddress, base: &[u8], change: &[u8]) -> Vec<u8> {
    let mut bytes = u32::try_from(base.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes()
        .to_vec();
    bytes.extend_from_slice(base);
    bytes.extend_from_slice(change);
    join(address, &bytes)
}

/// Merges `bytes` into the document at `address` through the public door a device has for
/// outside bytes, `doc import` (one file, one transaction); whether it merged.
fn merge_file(store: &mut Store, work: &Path, address: DocAddress, bytes: &[u8]) -> bool {
    let files = work.join("merge");
    let _ = std::fs::remove_dir_all(&files);
    std::fs::create_dir_all(&files).is_ok()
        && std::fs::write(files.join(format!("{address}.automerge")), bytes).is_ok()
        && store.import_documents(&files, now()).is_ok()
}

/// Target `document_merge`: `<doc id>\n<base length><base><change>`: the base (an empty slice or
/// a saved document) merged, then the change on top of it, each in its own transaction as two
/// pulls would be.
pub fn document_merge(data: &[u8]) {
    let Some((address, bytes)) = split(data) else {
        return;
    };
    let (base, change) = split_merge(bytes);
    let Some((mut store, work)) = fresh_store() else {
        return;
    };
    if !base.is_empty() && !merge_file(&mut store, &work, address, base) {
        return;
    }
    if merge_file(&mut store, &work, address, change) {
        // A second merge of the same change is a no-op on the document.
        let _ = merge_file(&mut store, &work, address, change);
        read_everything(&mut store, &work);
    }
}

/// Target `automerge_load`: the layer under the store, without SQLite, so it runs fast:
/// `<doc id>\n<bytes>` loaded as a saved document (`Document::load`) and merged into a fresh
/// genesis document (`Document::merge_bytes`), each then read the way the projection and export
/// read a document (every record, the changes since a state, a save).
pub fn automerge_load(data: &[u8]) {
    let Some((address, bytes)) = split(data) else {
        return;
    };
    let actor = ActorId::from(vec![7; 16]);
    if let Ok(mut doc) = Document::load(address, bytes, &actor) {
        let heads = doc.heads();
        let _ = doc.all_records();
        let _ = doc.changed_since(&[]);
        let _ = doc.save_after(&heads);
        let _ = doc.save();
    }
    if let Ok(mut doc) = Document::genesis(address, &actor) {
        let before = doc.heads();
        if doc.merge_bytes(bytes).is_ok() {
            let _ = doc.changed_since(&before);
            let _ = doc.all_records();
            let _ = doc.save_after(&before);
        }
    }
}

/// Makes panics raised inside the Automerge crate's own code unwind instead of aborting (libFuzzer
/// aborts on any panic by default), so that the guard in `together_core::document`, which turns
/// them into `DocumentError::Damaged`, is what the fuzzer sees. Every other panic still aborts
/// and is reported as a crash — including one from Automerge code the guard does not cover, since
/// nothing else catches it.
///
/// With `TOGETHER_FUZZ_STOP_IN_AUTOMERGE=1` in the environment every panic aborts, guarded or
/// not: the way to collect inputs that make Automerge itself panic (for `fuzz/regressions/`).
pub fn let_automerge_panics_reach_the_guard() {
    if std::env::var_os("TOGETHER_FUZZ_STOP_IN_AUTOMERGE").is_some_and(|v| v == "1") {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let inside_automerge = info
            .location()
            .is_some_and(|l| l.file().contains("/automerge-0."));
        if !inside_automerge {
            previous(info);
        }
    }));
}
