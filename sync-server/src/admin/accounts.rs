//! The console's accounts page: search by email, one account with its devices, disable and enable
//! (a disabled account cannot sign in and its device tokens are refused: see the `disabled` checks
//! in the storage backends' `credentials` and `authenticate`), and deletion after a confirmation
//! page (the same deletion as `DELETE /v1/account`).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::AdminState;
use super::layout::{self, bytes, page};
use super::session::{CsrfForm, Operator};
use crate::storage::console::{AccountSummary, MAX_SEARCH_CHARS};

/// Logs a storage error and answers 500.
fn failed(what: &str, error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "console: {what}");
    layout::failure()
}

/// `?q=` of the search.
#[derive(Debug, serde::Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// Ids are UUIDs: anything else is not looked up.
fn plausible_id(id: &str) -> bool {
    id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `GET /accounts?q=`: accounts whose email contains the text.
pub async fn search(
    State(state): State<AdminState>,
    operator: Operator,
    Query(search): Query<Search>,
) -> Response {
    let text: String = search.q.trim().chars().take(MAX_SEARCH_CHARS).collect();
    let found = if text.is_empty() {
        Vec::new()
    } else {
        match state.app.database.search_accounts(text.clone()).await {
            Ok(found) => found,
            Err(error) => return failed("account search", error),
        }
    };
    let body = html! {
        form method="get" action="/accounts" {
            input #q type="search" name="q" value=(text) placeholder="Email contains…" aria-label="Email contains";
            " " button type="submit" { "Search" }
        }
        @if !text.is_empty() {
            div.scroll { table.stack #accounts {
                thead { tr { th { "Email" } th { "Created" } th.num { "Stored" } th { "State" } } }
                tbody {
                    @for account in &found {
                        tr {
                            td data-label="Email" { a href=(format!("/accounts/{}", account.id)) { (account.email) } }
                            td data-label="Created" { (account.created_at) }
                            td.num data-label="Stored" { (bytes(account.stored_bytes)) }
                            td data-label="State" { @if account.disabled { "disabled" } @else { "active" } }
                        }
                    }
                    @if found.is_empty() { tr { td colspan="4" { "No account matches." } } }
                }
            } }
        }
    };
    page(&operator, "/accounts", "Accounts", body).into_response()
}

async fn load(state: &AdminState, id: &str) -> Result<AccountSummary, Response> {
    if !plausible_id(id) {
        return Err(layout::not_found("No such account."));
    }
    match state.app.database.account_summary(id.to_owned()).await {
        Ok(Some(account)) => Ok(account),
        Ok(None) => Err(layout::not_found("No such account.")),
        Err(error) => Err(failed("account", error)),
    }
}

/// `GET /accounts/{id}`: the account, its devices, and its actions.
pub async fn account(
    State(state): State<AdminState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Response {
    let account = match load(&state, &id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let devices = match state.app.database.devices(account.id.clone()).await {
        Ok(devices) => devices,
        Err(error) => return failed("devices", error),
    };
    let csrf = &operator.0.csrf_token;
    let (toggle, label) = if account.disabled {
        ("enable", "Enable")
    } else {
        ("disable", "Disable")
    };
    let body = html! {
        @if account.disabled {
            p.notice #disabled-notice { "This account is disabled: it cannot sign in and its devices are refused." }
        }
        div.scroll { table {
            tbody {
                tr { th { "Email" } td #account-email { (account.email) } }
                tr { th { "Id" } td { code { (account.id) } } }
                tr { th { "Created" } td { (account.created_at) } }
                tr { th { "Stored" } td { (bytes(account.stored_bytes)) } }
                tr { th { "Relationship" } td { (account.relationship_id.as_deref().unwrap_or("none")) } }
            }
        } }
        h2 { "Devices signed in" }
        div.scroll { table.stack #devices {
            thead { tr { th { "Name" } th { "Signed in" } th { "Last seen" } } }
            tbody {
                @for device in &devices {
                    tr {
                        td data-label="Name" { (device.name) }
                        td data-label="Signed in" { (device.created_at) }
                        td data-label="Last seen" { (device.last_seen_at) }
                    }
                }
                @if account.disabled {
                    tr { td colspan="3" #devices-while-disabled {
                        "None while the account is disabled: its devices are refused until it is enabled again."
                    } }
                } @else if devices.is_empty() {
                    tr { td colspan="3" { "No device signed in." } }
                }
            }
        } }
        h2 { "Actions" }
        p {
            form.inline method="post" action=(format!("/accounts/{}/{toggle}", account.id)) {
                input type="hidden" name="csrf" value=(csrf);
                button #toggle type="submit" { (label) }
            }
            " "
            a href=(format!("/accounts/{}/delete", account.id)) { "Delete…" }
        }
    };
    page(&operator, "/accounts", "Account", body).into_response()
}

async fn set_disabled(
    state: AdminState,
    operator: Operator,
    id: String,
    form: CsrfForm,
    disabled: bool,
) -> Response {
    if !operator.csrf_ok(&form.csrf) {
        return layout::csrf_refused();
    }
    if !plausible_id(&id) {
        return layout::not_found("No such account.");
    }
    // The change and its news together, even if the operator's request is dropped meanwhile.
    let (app, user_id) = (state.app.clone(), id.clone());
    let changed = crate::http::to_completion(async move {
        app.database
            .set_account_disabled(user_id.clone(), disabled)
            .await?;
        if disabled {
            // Its live sockets close on every instance, and its tokens checked a moment ago are
            // forgotten (the database refuses them from now on).
            app.announce(crate::storage::Broadcast::AccountDeleted { user_id })
                .await;
        }
        Ok::<(), crate::storage::StorageError>(())
    })
    .await;
    match changed {
        Ok(()) => {}
        Err(crate::storage::StorageError::NotFound(_)) => {
            return layout::not_found("No such account.");
        }
        Err(error) => return failed("disable", error),
    }
    tracing::info!(user_id = %id, disabled, operator = %operator.0.email, "console: account state changed");
    Redirect::to(&format!("/accounts/{id}")).into_response()
}

/// `POST /accounts/{id}/disable`.
pub async fn disable(
    State(state): State<AdminState>,
    operator: Operator,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    set_disabled(state, operator, id, form, true).await
}

/// `POST /accounts/{id}/enable`.
pub async fn enable(
    State(state): State<AdminState>,
    operator: Operator,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    set_disabled(state, operator, id, form, false).await
}

/// `GET /accounts/{id}/delete`: the confirmation step.
pub async fn confirm_delete(
    State(state): State<AdminState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Response {
    let account = match load(&state, &id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let body = html! {
        p.notice {
            "Delete " strong { (account.email) } " for good? Its devices, key bundle and own documents are deleted; "
            "its current relationship ends for the partner, who keeps the couple's documents. What it pays for stops renewing."
        }
        form method="post" action=(format!("/accounts/{}/delete", account.id)) {
            input type="hidden" name="csrf" value=(operator.0.csrf_token);
            button.danger #confirm-delete type="submit" { "Delete this account" }
            " " a href=(format!("/accounts/{}", account.id)) { "Cancel" }
        }
    };
    page(&operator, "/accounts", "Delete account", body).into_response()
}

/// `POST /accounts/{id}/delete`.
pub async fn delete(
    State(state): State<AdminState>,
    operator: Operator,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !operator.csrf_ok(&form.csrf) {
        return layout::csrf_refused();
    }
    if let Err(response) = load(&state, &id).await {
        return response;
    }
    if let Err(error) = crate::http::accounts::delete_everywhere(&state.app, &id).await {
        return failed("delete", format!("{:?}", error.status()));
    }
    tracing::info!(user_id = %id, operator = %operator.0.email, "console: account deleted");
    Redirect::to("/accounts").into_response()
}
