//! The account and the couple on the server: sign up, sign in and out, pairing, devices, account
//! deletion, Premium, AI ideas and "sync now".
//!
//! These talk to the sync server, so each runs through [`Shell::on_device`] (its own thread,
//! connection and runtime); those that change the account or the couple go through
//! [`Shell::on_account`], which restarts the background sync afterwards.

use tauri::{AppHandle, State};
use together_client::sync::Session;
use together_client::{account, ideas as idea, premium as paid};
use together_core::view::{AccountForm, IdeasView, InviteView, LoginForm, PremiumView};
use together_core::wire::DeviceInfo;
use together_core::wire::billing::Suggestions;

use crate::error::CommandError;
use crate::shell::Shell;

/// Opens a payment page the server sent in the system browser, if the client's payment-page rule
/// allows it (Stripe's pages, or an origin named at launch): a server must not make the app open
/// just any address.
fn open_in_browser(shell: &Shell, app: &AppHandle, url: &str) -> Result<String, CommandError> {
    use tauri_plugin_opener::OpenerExt;
    let url = paid::payment_pages::check_payment_page(url, &shell.options.checkout_origins)
        .map_err(|refused| CommandError::Browser(refused.to_string()))?;
    app.opener()
        .open_url(&url, None::<&str>)
        .map_err(|error| CommandError::Browser(format!("cannot open the browser: {error}")))?;
    Ok(url)
}

/// Creates an account on the server and starts syncing this device's data to it.
#[tauri::command]
pub(crate) async fn sign_up(
    shell: State<'_, Shell>,
    form: AccountForm,
) -> Result<(), CommandError> {
    shell
        .on_account(async move |store, secrets| account::sign_up(store, secrets, &form).await)
        .await
}

/// Signs this device in to an existing account and fetches everything.
#[tauri::command]
pub(crate) async fn log_in(shell: State<'_, Shell>, form: LoginForm) -> Result<(), CommandError> {
    shell
        .on_account(async move |store, secrets| account::log_in(store, secrets, &form).await)
        .await
}

/// Makes an invite code (and its QR code) for the partner.
#[tauri::command]
pub(crate) async fn invite(shell: State<'_, Shell>) -> Result<InviteView, CommandError> {
    shell
        .on_device(async |store, secrets| {
            Session::resume(store, secrets)?.invite().await?.into_view()
        })
        .await
}

/// Checks a typed invite code on this device (typos, look-alikes, length), before the person
/// goes on to create their account: nothing is sent.
#[tauri::command]
pub(crate) fn check_invite_code(code: String) -> Result<(), CommandError> {
    Ok(together_client::sync::check_invite_code(&code)?)
}

/// The newest invite's state now (`None` without one): the inviter's screen shows whether the
/// partner joined or the code ran out.
#[tauri::command]
pub(crate) async fn invite_status(
    shell: State<'_, Shell>,
) -> Result<Option<together_core::wire::InviteInfo>, CommandError> {
    shell
        .on_device(async |store, secrets| Session::resume(store, secrets)?.invite_status().await)
        .await
}

/// Starts a new couple's space on this device (after the last one ended), usable alone at once.
#[tauri::command]
pub(crate) fn start_space(shell: State<'_, Shell>) -> Result<(), CommandError> {
    shell.with_store(|store| {
        let now = super::now();
        let today = store.local_today(now)?;
        let space = together_client::relationship::form(&Default::default(), today)
            .map_err(together_client::sync::SyncError::from)?;
        store.create_relationship(&space, now)?;
        Ok(())
    })
}

/// Joins the partner's space with their code.
#[tauri::command]
pub(crate) async fn join(shell: State<'_, Shell>, code: String) -> Result<(), CommandError> {
    shell
        .on_account(async move |store, secrets| {
            Session::resume(store, secrets)?.join(&code).await.map(drop)
        })
        .await
}

/// Ends the couple for both partners (it becomes read-only); the local copy stays. Answers what
/// to tell the person.
#[tauri::command]
pub(crate) async fn unpair(shell: State<'_, Shell>) -> Result<String, CommandError> {
    shell
        .on_account(async |store, secrets| {
            Ok(Session::resume(store, secrets)?
                .leave()
                .await?
                .left_sentence())
        })
        .await
}

/// Signs this device out; its data stays on it.
#[tauri::command]
pub(crate) async fn sign_out(shell: State<'_, Shell>) -> Result<(), CommandError> {
    shell
        .on_account(async |store, secrets| Session::resume(store, secrets)?.logout().await)
        .await
}

/// The account's signed-in devices.
#[tauri::command]
pub(crate) async fn devices(shell: State<'_, Shell>) -> Result<Vec<DeviceInfo>, CommandError> {
    shell
        .on_device(async |store, secrets| Session::resume(store, secrets)?.devices().await)
        .await
}

/// Signs another device of the account out; answers the devices left.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn revoke_device(
    shell: State<'_, Shell>,
    device_id: String,
) -> Result<Vec<DeviceInfo>, CommandError> {
    shell
        .on_device(async move |store, secrets| {
            let session = Session::resume(store, secrets)?;
            session.revoke(&device_id).await?;
            session.devices().await
        })
        .await
}

/// Deletes the account on the server; this device keeps its local copy and stays usable alone.
#[tauri::command]
pub(crate) async fn delete_account(shell: State<'_, Shell>) -> Result<(), CommandError> {
    shell
        .on_account(async |store, secrets| Session::resume(store, secrets)?.delete_account().await)
        .await
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
    let server = shell.options.server_url.clone();
    shell
        .on_device(async move |store, secrets| {
            paid::view(store, secrets, server.as_deref(), false).await
        })
        .await
}

/// Asks the server again (after paying, or "Check again").
#[tauri::command]
pub(crate) async fn refresh_premium(shell: State<'_, Shell>) -> Result<PremiumView, CommandError> {
    let server = shell.options.server_url.clone();
    shell
        .on_device(async move |store, secrets| {
            paid::view(store, secrets, server.as_deref(), true).await
        })
        .await
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
    open_in_browser(
        &shell,
        &app,
        &shell
            .on_device(async move |store, secrets| {
                paid::checkout(store, secrets, &plan_id, discount_code.as_deref()).await
            })
            .await?,
    )
}

/// The AI ideas card: the person's credits and the packs on sale.
#[tauri::command]
pub(crate) async fn ideas(shell: State<'_, Shell>) -> Result<IdeasView, CommandError> {
    shell
        .on_device(async |store, secrets| idea::view(store, secrets).await)
        .await
}

/// Asks the server's AI for ideas; what the person typed is sent once and stored nowhere.
#[tauri::command]
pub(crate) async fn ask_ideas(
    shell: State<'_, Shell>,
    kind: String,
    context: String,
) -> Result<Suggestions, CommandError> {
    shell
        .on_device(async move |store, secrets| idea::ask(store, secrets, &kind, &context).await)
        .await
}

/// Opens Stripe Checkout for a credit pack in the browser.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn buy_credits(
    shell: State<'_, Shell>,
    app: AppHandle,
    addon_id: String,
) -> Result<String, CommandError> {
    open_in_browser(
        &shell,
        &app,
        &shell
            .on_device(async move |store, secrets| {
                idea::buy_credits(store, secrets, &addon_id).await
            })
            .await?,
    )
}
