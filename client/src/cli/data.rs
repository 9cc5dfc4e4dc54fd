//! `together init`, `export`, `doc export|import` and `rebuild`: the database and the person's data
//! in and out of it.

use std::path::Path;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::Cx;
use super::args::ExportArgs;

/// `together init`: creates or upgrades the database and prints where it is.
pub(super) fn init(cx: &mut Cx) -> Result<()> {
    let version = cx.store.schema_version()?;
    if cx.out.json {
        cx.out
            .value(json!({ "database": cx.store.path(), "schema_version": version }))?;
    } else {
        cx.out.text(&cx.store.path().display().to_string())?;
    }
    Ok(())
}

/// `together export --format json`: everything the person may see, on stdout.
pub(super) fn export(cx: &mut Cx, a: &ExportArgs) -> Result<()> {
    if a.format != "json" {
        return Err(anyhow!(
            "unknown export format {:?}; use --format json",
            a.format
        ));
    }
    let export = cx.store.export_json(cx.now)?;
    cx.out.text(&serde_json::to_string_pretty(&export)?)
}

/// `together doc export DIR`.
pub(super) fn doc_export(cx: &mut Cx, dir: &Path) -> Result<()> {
    let files = cx.store.export_documents(dir, cx.now)?;
    cx.out.ok(
        json!({ "files": files }),
        &format!("exported {} documents to {}", files.len(), dir.display()),
    )?;
    Ok(())
}

/// `together doc import DIR`.
pub(super) fn doc_import(cx: &mut Cx, dir: &Path) -> Result<()> {
    let report = cx.store.import_documents(dir, cx.now)?;
    let mut said = format!(
        "merged {} files; {} records changed",
        report.files, report.changed_records
    );
    if report.skipped_private > 0 {
        said.push_str(&format!(
            "; skipped {} of someone else (their notes and settings stay theirs)",
            together_core::view::counted(
                report.skipped_private,
                "private document",
                "private documents"
            )
        ));
    }
    cx.out.ok(json!(report), &said)?;
    Ok(())
}

/// `together rebuild`.
pub(super) fn rebuild(cx: &mut Cx) -> Result<()> {
    cx.store.rebuild(cx.now)?;
    cx.out.ok(
        json!({ "rebuilt": true }),
        "rebuilt every table from the documents",
    )?;
    Ok(())
}
