//! Signing in to the console: the session cookie, the signed-in operator as an extractor, CSRF
//! tokens and the same-origin check, and the sign-in and sign-out handlers.
//!
//! - A session is a random token in a cookie (`HttpOnly; SameSite=Strict; Path=/`, `Secure` when
//!   the admin listener serves TLS), of which only the SHA-256 is stored, in the database so every
//!   instance knows it; it ends after [`SESSION_HOURS`] or at sign-out.
//! - Every state-changing request is a POST whose form carries the session's CSRF token, and
//!   whose `Origin` or `Referer`, when present, names this very host ([`same_origin`]).
//! - Sign-in attempts are throttled by [`crate::limiter::LoginLimiter`] (per operator email and
//!   address) — its state is per instance, in memory, like the API's — and a wrong email or a
//!   wrong password get the same answer after the same work.

use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq as _;

use super::AdminState;
use super::layout;
use super::operators::{self, MAX_EMAIL_BYTES, MAX_PASSWORD_BYTES};
use crate::storage::console::OperatorSession;

/// The session cookie's name.
pub const COOKIE: &str = "together_console";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// The operator a request is signed in as: extracting it refuses everyone else — a GET is sent to
/// the sign-in page, anything else gets 403.
#[derive(Debug, Clone)]
pub struct Operator(pub OperatorSession);

/// Why a request is not signed in.
#[derive(Debug)]
pub struct NotSignedIn {
    read_only: bool,
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        if self.read_only {
            Redirect::to("/sign-in").into_response()
        } else {
            (StatusCode::FORBIDDEN, "sign in first\n").into_response()
        }
    }
}

impl FromRequestParts<AdminState> for Operator {
    type Rejection = NotSignedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AdminState,
    ) -> Result<Self, Self::Rejection> {
        let refused = NotSignedIn {
            read_only: parts.method == Method::GET || parts.method == Method::HEAD,
        };
        let Some(hash) = session_token(&parts.headers).and_then(crate::secrets::token_hash) else {
            return Err(refused);
        };
        match state
            .app
            .database
            .operator_session(hash, state.app.now_text())
            .await
        {
            Ok(Some(session)) => Ok(Self(session)),
            Ok(None) => Err(refused),
            Err(error) => {
                tracing::error!(%error, "console: cannot read the session");
                Err(refused)
            }
        }
    }
}

impl Operator {
    /// Whether `token` (from a form) is this session's CSRF token.
    pub fn csrf_ok(&self, token: &str) -> bool {
        let expected = self.0.csrf_token.as_bytes();
        expected.len() == token.len() && bool::from(expected.ct_eq(token.as_bytes()))
    }
}

/// The session token of the request's cookie, if it has one.
fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then_some(value)
        })
}

/// The `Set-Cookie` value of a session (or, with no token, of its removal).
fn cookie(token: Option<&str>, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    let text = match token {
        Some(token) => format!(
            "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
            SESSION_HOURS * 3600
        ),
        None => format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).ok()
}

/// Whether a state-changing request comes from a page of this host: its `Origin`, and its
/// `Referer`, when present, must name the `Host` it was sent to (a browser always sends one of
/// them with a form POST; a missing pair is left to the CSRF token and `SameSite=Strict`).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let names_host = |value: &HeaderValue| {
        value.to_str().ok().is_some_and(|url| {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            rest.is_some_and(|rest| rest.split('/').next() == Some(host))
        })
    };
    headers.get(header::ORIGIN).is_none_or(names_host)
        && headers.get(header::REFERER).is_none_or(names_host)
}

/// Refuses a cross-origin POST before any handler runs (a layer over the console's router).
pub async fn check_origin(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.method() != Method::GET
        && request.method() != Method::HEAD
        && !same_origin(request.headers())
    {
        return (StatusCode::FORBIDDEN, "cross-origin request refused\n").into_response();
    }
    next.run(request).await
}

/// The sign-in page.
pub async fn sign_in_page() -> Response {
    layout::sign_in(None).into_response()
}

/// The sign-in form's fields.
#[derive(Debug, serde::Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
}

/// The one answer to a wrong email or password.
const WRONG: &str = "Wrong email or password.";

/// Checks the credentials and opens a session.
pub async fn sign_in(
    State(state): State<AdminState>,
    ConnectInfo(super::tls::Peer(peer)): ConnectInfo<super::tls::Peer>,
    Form(form): Form<SignInForm>,
) -> Response {
    if form.email.len() > MAX_EMAIL_BYTES || form.password.len() > MAX_PASSWORD_BYTES {
        return (StatusCode::UNAUTHORIZED, layout::sign_in(Some(WRONG))).into_response();
    }
    let account = form.email.trim().to_lowercase();
    let address = peer.ip().to_string();
    let instant = std::time::Instant::now();
    if let Some(wait) = state.limiter.retry_after(&account, Some(&address), instant) {
        state.app.metrics.login_limited();
        let message = format!(
            "Too many attempts: try again in {} seconds.",
            wait.as_secs().max(1)
        );
        return (
            StatusCode::TOO_MANY_REQUESTS,
            layout::sign_in(Some(&message)),
        )
            .into_response();
    }
    let found = match state.app.database.operator_by_email(account.clone()).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "console sign-in: cannot read operators");
            return layout::failure().into_response();
        }
    };
    let hash = found.as_ref().map(|o| o.password_hash.clone());
    let password = form.password;
    let matches =
        tokio::task::spawn_blocking(move || operators::verify_password(hash.as_deref(), &password))
            .await
            .unwrap_or(false);
    let Some(operator) = found.filter(|_| matches) else {
        state
            .limiter
            .record_failure(&account, Some(&address), instant);
        return (StatusCode::UNAUTHORIZED, layout::sign_in(Some(WRONG))).into_response();
    };
    state
        .limiter
        .record_success(&account, Some(&address), instant);
    let (token, token_hash) = crate::secrets::new_token();
    let (csrf, _) = crate::secrets::new_token();
    let now = state.app.now();
    let expires = now + jiff::SignedDuration::from_hours(SESSION_HOURS);
    if let Err(error) = state
        .app
        .database
        .create_operator_session(
            token_hash,
            operator.id,
            crate::clock::stamp(now),
            crate::clock::stamp(expires),
            csrf,
        )
        .await
    {
        tracing::error!(%error, "console sign-in: cannot store the session");
        return layout::failure().into_response();
    }
    tracing::info!(operator = %operator.email, "console: operator signed in");
    let mut response = Redirect::to("/").into_response();
    if let Some(value) = cookie(Some(&token), state.secure) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// A form that carries only the CSRF token.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    pub csrf: String,
}

/// Ends the session.
pub async fn sign_out(
    State(state): State<AdminState>,
    operator: Operator,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !operator.csrf_ok(&form.csrf) {
        return layout::csrf_refused().into_response();
    }
    if let Some(hash) = session_token(&headers).and_then(crate::secrets::token_hash)
        && let Err(error) = state.app.database.end_operator_session(hash).await
    {
        tracing::error!(%error, "console sign-out: cannot end the session");
        return layout::failure().into_response();
    }
    let mut response = Redirect::to("/sign-in").into_response();
    if let Some(value) = cookie(None, state.secure) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                name.clone(),
                HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
            );
        }
        map
    }

    #[test]
    fn only_this_host_may_post() {
        let host = (header::HOST, "127.0.0.1:8788");
        assert!(same_origin(&headers(std::slice::from_ref(&host))));
        assert!(same_origin(&headers(&[
            host.clone(),
            (header::ORIGIN, "https://127.0.0.1:8788"),
            (header::REFERER, "https://127.0.0.1:8788/accounts?q=a"),
        ])));
        assert!(!same_origin(&headers(&[
            host.clone(),
            (header::ORIGIN, "https://evil.example"),
        ])));
        assert!(!same_origin(&headers(&[
            host.clone(),
            (header::REFERER, "https://127.0.0.1:8788.evil.example/"),
        ])));
        assert!(!same_origin(&headers(&[host, (header::ORIGIN, "null")])));
        assert!(!same_origin(&headers(&[])));
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_tls() {
        let plain = cookie(Some("t"), false).unwrap_or(HeaderValue::from_static(""));
        let plain = plain.to_str().unwrap_or_default();
        assert!(
            plain.contains("HttpOnly; SameSite=Strict; Path=/"),
            "{plain}"
        );
        assert!(!plain.contains("Secure"));
        let tls = cookie(Some("t"), true).unwrap_or(HeaderValue::from_static(""));
        assert!(tls.to_str().unwrap_or_default().ends_with("; Secure"));
    }
}
