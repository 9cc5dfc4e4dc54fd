//! `together account …` and `together sync`: the person's account on a sync server, its devices,
//! and syncing once or for as long as it runs.

use anyhow::{Context, Result, anyhow};
use serde_json::json;
use together_core::view::{AccountForm, LoginForm};

use super::Cx;
use crate::secret_store;
use crate::store::Store;
use crate::sync::{Session, SyncError, SyncReport, WatchEvent};

/// Runs a sync future on a small runtime: the CLI is otherwise synchronous.
fn block_on<T>(future: impl Future<Output = Result<T, SyncError>>) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    Ok(runtime.block_on(future)?)
}

/// Runs `op` with this device's secrets, on a small runtime.
fn with_secrets<T>(
    cx: &mut Cx,
    op: impl AsyncFnOnce(&mut Store, &dyn secret_store::SecretStore) -> Result<T, SyncError>,
) -> Result<T> {
    let secrets = secret_store::for_data_dir(&cx.data_dir)?;
    block_on(op(&mut cx.store, secrets.as_ref()))
}

/// Runs `op` in this device's signed-in session.
pub(super) fn in_session<T>(
    cx: &mut Cx,
    op: impl AsyncFnOnce(Session<'_>) -> Result<T, SyncError>,
) -> Result<T> {
    with_secrets(cx, async |store, secrets| {
        op(Session::resume(store, secrets)?).await
    })
}

/// The password: `$TOGETHER_PASSWORD`, else asked without echo. Never a flag (it would end up in
/// shell history and process lists).
fn password(prompt: &str) -> Result<String> {
    if let Ok(password) = std::env::var("TOGETHER_PASSWORD") {
        if password.is_empty() {
            return Err(anyhow!("TOGETHER_PASSWORD is empty"));
        }
        return Ok(password);
    }
    rpassword::prompt_password(prompt)
        .context("cannot ask for the password here; set TOGETHER_PASSWORD")
}

/// `together account signup`: the app's sign-up form, filled from the flags and the password.
pub(super) fn signup(
    cx: &mut Cx,
    server: &str,
    email: &str,
    name: &str,
    signup_code: Option<&str>,
) -> Result<()> {
    super::person::warn_about_pronoun(name);
    let form = AccountForm {
        server: server.to_owned(),
        email: email.to_owned(),
        name: name.to_owned(),
        password: password("Choose a password: ")?,
        signup_code: signup_code.unwrap_or_default().to_owned(),
    };
    with_secrets(cx, async |store, secrets| {
        crate::account::sign_up(store, secrets, &form).await
    })?;
    let user = cx.store.local_user()?.map(|u| u.to_string());
    cx.out.ok(
        json!({ "user_id": user }),
        "signed up; your data is uploaded, encrypted",
    )?;
    Ok(())
}

/// `together account login`.
pub(super) fn login(cx: &mut Cx, server: &str, email: &str) -> Result<()> {
    let form = LoginForm {
        server: server.to_owned(),
        email: email.to_owned(),
        password: password("Password: ")?,
    };
    with_secrets(cx, async |store, secrets| {
        crate::account::log_in(store, secrets, &form).await
    })?;
    let user = cx.store.local_user()?.map(|u| u.to_string());
    cx.out
        .ok(json!({ "user_id": user }), "signed in; everything is here")?;
    Ok(())
}

/// `together account logout`: signs out here even when the server cannot be reached, and says
/// so (the server is told at the next sign-in).
pub(super) fn logout(cx: &mut Cx) -> Result<()> {
    let told = in_session(cx, async |s| s.sign_out().await)?;
    let text = if told {
        "signed out; your data stays on this device"
    } else {
        "signed out on this device; your data stays here. The sync server could not be told: \
         it will be, the next time you sign in (or revoke this device from another one: \
         together account revoke)"
    };
    cx.out
        .ok(json!({ "signed_out": true, "server_told": told }), text)?;
    Ok(())
}

/// `together account devices`.
pub(super) fn devices(cx: &mut Cx) -> Result<()> {
    let devices = in_session(cx, async |s| s.devices().await)?;
    cx.out.list(&devices, |d| {
        let here = if d.current { " (this device)" } else { "" };
        format!(
            "{}  {}{here}  last seen {}",
            d.device_id, d.name, d.last_seen_at
        )
    })?;
    Ok(())
}

/// `together account revoke DEVICE_ID`.
pub(super) fn revoke(cx: &mut Cx, device_id: &str) -> Result<()> {
    in_session(cx, async |s| s.revoke(device_id).await)?;
    cx.out
        .ok(json!({ "revoked": device_id }), "that device is signed out")?;
    Ok(())
}

/// `together sync`: one sync.
pub(super) fn sync(cx: &mut Cx) -> Result<()> {
    let report = in_session(cx, async |mut s| s.sync().await)?;
    cx.out.ok(json!(report), &report_line(&report))?;
    Ok(())
}

/// `together sync --watch`: syncs until Ctrl-C, a line per sync that moved something on
/// stdout; on stderr, a line when it starts and each time it loses or finds the server again.
pub(super) fn watch(cx: &mut Cx) -> Result<()> {
    let json = cx.out.json;
    let server = cx.store.sync_server()?.unwrap_or_default();
    let reader_gone = tokio::sync::Notify::new();
    let mut printing = Ok(());
    let mut offline = false;
    in_session(cx, async |mut s| {
        eprintln!("watching {server} for changes (Ctrl-C to stop)");
        let stop = async {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = reader_gone.notified() => {}
            }
        };
        s.watch_with(stop, |event| match event {
            WatchEvent::Synced(report) => {
                if std::mem::take(&mut offline) {
                    eprintln!("reached the sync server again");
                }
                if printing.is_ok() && (report.moved() || report.blocked.is_some()) {
                    let line = if json {
                        json!(report).to_string()
                    } else {
                        report_line(&report)
                    };
                    printing = super::print_line(&line);
                    if printing.is_err() {
                        reader_gone.notify_one();
                    }
                }
            }
            WatchEvent::Offline(reason) if !offline => {
                offline = true;
                eprintln!(
                    "cannot reach the sync server ({reason}); changes wait on this device, retrying"
                );
            }
            _ => {}
        })
        .await
    })?;
    printing
}

/// One sync in words: what moved, and what needs the person's attention.
fn report_line(report: &SyncReport) -> String {
    let mut line = format!(
        "uploaded {}, merged {} ({} records changed)",
        report.pushed, report.pulled, report.changed_records
    );
    let count = i64::try_from(report.quarantined).unwrap_or(i64::MAX);
    if let Some(note) = together_core::view::set_aside_note(count) {
        line.push_str("; ");
        line.push_str(&note);
    }
    if let Some(blocked) = report.blocked {
        line.push_str(&format!("\n{blocked}."));
    }
    for ended in &report.ended {
        line.push('\n');
        line.push_str(&ended.learned_sentence());
    }
    line
}
