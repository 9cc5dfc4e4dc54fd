//! The account and the couple on the server: sign up, sign in and out, pairing, devices, account
//! deletion, plans and "sync now".
//!
//! These talk to the sync server, so each runs on a blocking thread with its own connection to the
//! store and its own small runtime (a sync session holds the store across network waits; the UI's
//! connection must stay free). Afterwards the background worker is kicked to pick up the new state.

use tauri::{AppHandle, State};
use together_client::Store;
use together_client::secret_store::SecretStore;
use together_client::settings::SettingKey;
use together_client::sync::{Api, Session};
use together_core::view::{
    AccountForm, IdeasAnswer, IdeasView, InviteView, LoginForm, PremiumView,
};
use together_core::wire::DeviceInfo;

use super::changed;
use crate::shell::{CommandError, DeviceContext, Shell};

/// Shortest password accepted at sign-up.
const MIN_PASSWORD: usize = 8;

/// Runs `op` with a fresh store connection, the secret store and a runtime, off the UI's threads.
async fn off_thread<T: Send + 'static>(
    device: DeviceContext,
    op: impl FnOnce(&tokio::runtime::Runtime, &mut Store, &dyn SecretStore) -> Result<T, CommandError>
    + Send
    + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|_| CommandError::Internal)?;
        let mut store = device.open_store()?;
        let secrets = device.secrets()?;
        op(&runtime, &mut store, secrets.as_ref())
    })
    .await
    .map_err(|_| CommandError::Internal)?
}

/// Runs `op` with this device's signed-in session, off the UI's threads.
async fn in_session<T: Send + 'static>(
    device: DeviceContext,
    op: impl AsyncFnOnce(Session<'_>) -> Result<T, together_client::sync::SyncError> + Send + 'static,
) -> Result<T, CommandError> {
    off_thread(device, move |runtime, store, secrets| {
        let session = Session::resume(store, secrets)?;
        Ok(runtime.block_on(op(session))?)
    })
    .await
}

/// Opens a payment page the server sent in the system browser, if it is a Stripe page (or on an
/// origin named at launch): a server must not make the app open just any address.
fn open_in_browser(shell: &Shell, app: &AppHandle, url: &str) -> Result<String, CommandError> {
    use tauri_plugin_opener::OpenerExt;
    let url =
        together_client::payment_pages::check_payment_page(url, &shell.options.checkout_origins)
            .map_err(|refused| CommandError::Invalid(refused.to_string()))?;
    app.opener()
        .open_url(&url, None::<&str>)
        .map_err(|error| CommandError::Invalid(format!("cannot open the browser: {error}")))?;
    Ok(url)
}

fn after_account_change(shell: &Shell, app: &AppHandle) {
    if let Some(worker) = shell.worker() {
        worker.kick();
    }
    changed(app);
}

fn required(field: &str, value: &str) -> Result<String, CommandError> {
    let value = value.trim();
    if value.is_empty() {
        Err(CommandError::Invalid(format!("enter your {field}")))
    } else {
        Ok(value.to_owned())
    }
}

/// Creates an account on the server and starts syncing this device's data to it.
#[tauri::command]
pub(crate) async fn sign_up(
    shell: State<'_, Shell>,
    app: AppHandle,
    form: AccountForm,
) -> Result<(), CommandError> {
    let server = required("sync server address", &form.server)?;
    let email = required("email", &form.email)?;
    if form.password.chars().count() < MIN_PASSWORD {
        return Err(CommandError::Invalid(format!(
            "choose a password of at least {MIN_PASSWORD} characters"
        )));
    }
    let (name, password) = (form.name, form.password);
    off_thread(shell.device()?, move |runtime, store, secrets| {
        runtime.block_on(Session::signup(
            store, secrets, &server, &email, &name, &password,
        ))?;
        Ok(())
    })
    .await?;
    after_account_change(&shell, &app);
    Ok(())
}

/// Signs this device in to an existing account and fetches everything.
#[tauri::command]
pub(crate) async fn log_in(
    shell: State<'_, Shell>,
    app: AppHandle,
    form: LoginForm,
) -> Result<(), CommandError> {
    let server = required("sync server address", &form.server)?;
    let email = required("email", &form.email)?;
    let password = form.password;
    if password.is_empty() {
        return Err(CommandError::Invalid("enter your password".into()));
    }
    off_thread(shell.device()?, move |runtime, store, secrets| {
        runtime.block_on(Session::login(store, secrets, &server, &email, &password))?;
        Ok(())
    })
    .await?;
    after_account_change(&shell, &app);
    Ok(())
}

/// Makes a pairing code (and its QR code) for the partner.
#[tauri::command]
pub(crate) async fn invite(shell: State<'_, Shell>) -> Result<InviteView, CommandError> {
    let invite = in_session(shell.device()?, async |mut s| s.invite().await).await?;
    let qr_svg = qrcode::QrCode::new(invite.code.as_bytes())
        .map_err(|error| CommandError::Invalid(format!("cannot draw the QR code: {error}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(InviteView {
        code: invite.code,
        expires_at: invite.expires_at,
        qr_svg,
    })
}

/// Joins the partner's space with their code.
#[tauri::command]
pub(crate) async fn join(
    shell: State<'_, Shell>,
    app: AppHandle,
    code: String,
) -> Result<(), CommandError> {
    let code = required("pairing code", &code)?;
    in_session(shell.device()?, async move |mut s| s.join(&code).await).await?;
    after_account_change(&shell, &app);
    Ok(())
}

/// Ends the couple for both partners (it becomes read-only); the local copy stays. Answers what
/// to tell the person.
#[tauri::command]
pub(crate) async fn unpair(
    shell: State<'_, Shell>,
    app: AppHandle,
) -> Result<String, CommandError> {
    let ended = in_session(shell.device()?, async |mut s| s.leave().await).await?;
    after_account_change(&shell, &app);
    Ok(ended.left_sentence())
}

/// Signs this device out; its data stays on it.
#[tauri::command]
pub(crate) async fn sign_out(shell: State<'_, Shell>, app: AppHandle) -> Result<(), CommandError> {
    in_session(shell.device()?, async |s| s.logout().await).await?;
    after_account_change(&shell, &app);
    Ok(())
}

/// The account's signed-in devices.
#[tauri::command]
pub(crate) async fn devices(shell: State<'_, Shell>) -> Result<Vec<DeviceInfo>, CommandError> {
    in_session(shell.device()?, async |s| s.devices().await).await
}

/// Signs another device of the account out.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn revoke_device(
    shell: State<'_, Shell>,
    device_id: String,
) -> Result<Vec<DeviceInfo>, CommandError> {
    let device_id = required("device", &device_id)?;
    in_session(shell.device()?, async move |s| {
        s.revoke(&device_id).await?;
        s.devices().await
    })
    .await
}

/// Deletes the account on the server; this device keeps its local copy and stays usable alone.
#[tauri::command]
pub(crate) async fn delete_account(
    shell: State<'_, Shell>,
    app: AppHandle,
) -> Result<(), CommandError> {
    in_session(shell.device()?, async |s| s.delete_account().await).await?;
    after_account_change(&shell, &app);
    Ok(())
}

/// Syncs now (restarts the background session).
#[tauri::command]
pub(crate) fn sync_now(shell: State<'_, Shell>) {
    if let Some(worker) = shell.worker() {
        worker.kick();
    }
}

/// The Premium screen: plans from the server (when reachable) and the couple's access as this
/// device honours it (the signed entitlement, also offline).
#[tauri::command]
pub(crate) async fn premium(shell: State<'_, Shell>) -> Result<PremiumView, CommandError> {
    let launch_server = shell.options.server_url.clone();
    off_thread(shell.device()?, move |runtime, store, secrets| {
        premium_view(runtime, store, secrets, launch_server, false)
    })
    .await
}

/// Asks the server again (after paying, or "Check again").
#[tauri::command]
pub(crate) async fn refresh_premium(
    shell: State<'_, Shell>,
    app: AppHandle,
) -> Result<PremiumView, CommandError> {
    let launch_server = shell.options.server_url.clone();
    let view = off_thread(shell.device()?, move |runtime, store, secrets| {
        premium_view(runtime, store, secrets, launch_server, true)
    })
    .await?;
    changed(&app);
    Ok(view)
}

fn premium_view(
    runtime: &tokio::runtime::Runtime,
    store: &mut Store,
    secrets: &dyn SecretStore,
    launch_server: Option<String>,
    refresh: bool,
) -> Result<PremiumView, CommandError> {
    let now = jiff::Timestamp::now();
    let server = store
        .sync_setting(SettingKey::SyncServer)?
        .or(launch_server);
    let mut note = None;
    let plans = match &server {
        Some(server) => match runtime.block_on(Api::new(server, None)?.plans()) {
            Ok(plans) => plans,
            Err(error) => {
                note = Some(format!("Plans could not be loaded: {error}"));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let signed_in = together_client::sync::has_session(secrets)?;
    if refresh && signed_in {
        let refreshed = runtime.block_on(async {
            Session::resume(store, secrets)?
                .refresh_entitlement(true)
                .await
        });
        if let Err(error) = refreshed {
            note = Some(format!("Premium could not be checked just now: {error}"));
        }
    }
    let access = store.access(now)?;
    let (level, entitled_until, is_gift) = match &access {
        Some(a) if a.premium => (
            a.entitlement.level.clone(),
            a.entitlement.entitled_until.clone(),
            a.entitlement.is_gift,
        ),
        _ => ("free".to_owned(), None, false),
    };
    Ok(PremiumView {
        plans,
        level,
        entitled_until,
        is_gift,
        can_buy: signed_in && store.current_relationship()?.is_some(),
        note,
    })
}

/// Starts paying for a plan: Stripe Checkout opens in the system browser; the app returns
/// through its deep link (`bettertogether://premium`) and checks again.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn buy_premium(
    shell: State<'_, Shell>,
    app: AppHandle,
    plan_id: String,
    discount_code: Option<String>,
) -> Result<String, CommandError> {
    let plan_id = required("plan", &plan_id)?;
    let url = in_session(shell.device()?, async move |s| {
        let code = discount_code.as_deref().filter(|c| !c.trim().is_empty());
        s.checkout(&plan_id, code).await
    })
    .await?;
    open_in_browser(&shell, &app, &url)
}

/// The AI ideas card: the person's credits and the packs on sale.
#[tauri::command]
pub(crate) async fn ideas(shell: State<'_, Shell>) -> Result<IdeasView, CommandError> {
    off_thread(shell.device()?, |runtime, store, secrets| {
        if !together_client::sync::has_session(secrets)? {
            return Ok(IdeasView {
                balance: None,
                packs: Vec::new(),
                signed_in: false,
                note: Some(
                    "AI ideas come through your sync server: create an account first.".into(),
                ),
            });
        }
        let session = Session::resume(store, secrets)?;
        let answer = runtime.block_on(async {
            let packs = session.api().addons().await?;
            let balance = session.api().credits().await?;
            Ok::<_, together_client::sync::SyncError>((packs, balance))
        });
        Ok(match answer {
            Ok((packs, balance)) => IdeasView {
                balance: Some(balance),
                packs: packs
                    .into_iter()
                    .filter(|p| p.addon_type == "ai_credits")
                    .collect(),
                signed_in: true,
                note: None,
            },
            Err(error) => IdeasView {
                balance: None,
                packs: Vec::new(),
                signed_in: true,
                note: Some(format!("AI ideas are unavailable right now: {error}")),
            },
        })
    })
    .await
}

/// Asks the server's AI for ideas; what the person typed is sent once and stored nowhere.
#[tauri::command]
pub(crate) async fn ask_ideas(
    shell: State<'_, Shell>,
    kind: String,
    context: String,
) -> Result<IdeasAnswer, CommandError> {
    if kind != "date_ideas" && kind != "conversation_starters" {
        return Err(CommandError::Invalid(format!(
            "{kind:?} is not a kind of idea"
        )));
    }
    if context.chars().count() > 2000 {
        return Err(CommandError::Invalid(
            "keep it under 2000 characters".into(),
        ));
    }
    let request_id = uuid::Uuid::now_v7().to_string();
    in_session(shell.device()?, async move |s| {
        s.api().suggest(&kind, context.trim(), &request_id).await
    })
    .await
}

/// Opens Stripe Checkout for a credit pack in the browser.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn buy_credits(
    shell: State<'_, Shell>,
    app: AppHandle,
    addon_id: String,
) -> Result<String, CommandError> {
    let addon_id = required("pack", &addon_id)?;
    let url = in_session(shell.device()?, async move |s| {
        Ok(s.api().buy_addon(&addon_id).await?.checkout_url)
    })
    .await?;
    open_in_browser(&shell, &app, &url)
}
