//! The person's account on a sync server: the sign-up and sign-in forms (one set of rules for the
//! app and `together account`), and which account and server this device uses. Signing in itself
//! is the sync engine's ([`crate::sync::Session`]).

use together_core::profile::DisplayName;
use together_core::view::{AccountForm, AccountSummary, LoginForm};

use crate::error::{FormError, Result};
use crate::secret_store::SecretStore;
use crate::store::Store;
use crate::store::settings::SettingKey;
use crate::sync::{self, Session};

/// The shortest password accepted at sign-up, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A sign-up, validated: what [`Session::signup`] needs.
#[derive(Clone, PartialEq, Eq)]
pub struct Signup {
    /// The sync server's address.
    pub server: String,
    /// The sign-in email.
    pub email: String,
    /// The name for a new profile (empty when the device has one already).
    pub name: String,
    /// The password, which never leaves the device.
    pub password: String,
    /// The operator's sign-up code, for an invite-only server.
    pub signup_code: Option<String>,
}

impl std::fmt::Debug for Signup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signup")
            .field("server", &self.server)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

// Reads.

impl Store {
    /// The sync server this device uses, once signed up or in.
    pub fn sync_server(&self) -> Result<Option<String>> {
        self.setting(SettingKey::SyncServer)
    }

    /// The account this device is signed in to; `None` when it has none, or when `signed_in` says
    /// it signed out (it still remembers the server for the next sign-in).
    pub fn account(&self, signed_in: bool) -> Result<Option<AccountSummary>> {
        let server = self.setting(SettingKey::SyncServer)?;
        let email = self.setting(SettingKey::SyncEmail)?;
        Ok(match (server, email, signed_in) {
            (Some(server), Some(email), true) => Some(AccountSummary { email, server }),
            _ => None,
        })
    }
}

// Forms.

fn required(field: &str, value: &str) -> Result<String, FormError> {
    let value = value.trim();
    if value.is_empty() {
        Err(FormError::new(format!("enter your {field}")))
    } else {
        Ok(value.to_owned())
    }
}

/// Creating an account: a server, an email, a password of at least [`MIN_PASSWORD_CHARS`]
/// characters, and a valid name when one is given (it names a new profile).
pub fn signup_form(form: &AccountForm) -> Result<Signup, FormError> {
    let server = required("sync server address", &form.server)?;
    let email = required("email", &form.email)?;
    if !form.name.trim().is_empty() {
        DisplayName::parse(&form.name).map_err(|e| FormError::new(e.to_string()))?;
    }
    if form.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FormError::new(format!(
            "choose a password of at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let signup_code = Some(form.signup_code.trim())
        .filter(|code| !code.is_empty())
        .map(str::to_owned);
    Ok(Signup {
        server,
        email,
        name: form.name.clone(),
        password: form.password.clone(),
        signup_code,
    })
}

/// Signing in: a server, an email and a password.
pub fn login_form(form: &LoginForm) -> Result<LoginForm, FormError> {
    let server = required("sync server address", &form.server)?;
    let email = required("email", &form.email)?;
    if form.password.is_empty() {
        return Err(FormError::new("enter your password"));
    }
    Ok(LoginForm {
        server,
        email,
        password: form.password.clone(),
    })
}

// Screen operations.

/// "Create account": the account made on the server, this device's data uploaded, encrypted.
pub async fn sign_up(
    store: &mut Store,
    secrets: &dyn SecretStore,
    form: &AccountForm,
) -> sync::Result<()> {
    let signup = signup_form(form)?;
    Session::signup_with_code(
        store,
        secrets,
        &signup.server,
        &signup.email,
        &signup.name,
        &signup.password,
        signup.signup_code.as_deref(),
    )
    .await
    .map(drop)
}

/// "Sign in": this device signed in to an existing account, with everything fetched.
pub async fn log_in(
    store: &mut Store,
    secrets: &dyn SecretStore,
    form: &LoginForm,
) -> sync::Result<()> {
    let login = login_form(form)?;
    Session::login(store, secrets, &login.server, &login.email, &login.password)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(password: &str, name: &str) -> AccountForm {
        AccountForm {
            server: " https://sync.example.com ".into(),
            email: "sam@example.com".into(),
            name: name.into(),
            password: password.into(),
            signup_code: String::new(),
        }
    }

    #[test]
    fn a_sign_up_code_is_trimmed_and_a_blank_one_is_none() {
        let without = signup_form(&form("long enough", "")).unwrap();
        assert_eq!(without.signup_code, None);
        let with = signup_form(&AccountForm {
            signup_code: "  1234abcd-0000  ".into(),
            ..form("long enough", "")
        })
        .unwrap();
        assert_eq!(with.signup_code.as_deref(), Some("1234abcd-0000"));
    }

    #[test]
    fn a_password_needs_its_length_and_a_given_name_must_be_a_name() {
        let short = "é".repeat(MIN_PASSWORD_CHARS - 1);
        assert!(
            signup_form(&form(&short, ""))
                .unwrap_err()
                .to_string()
                .contains("at least 8")
        );
        let ok = signup_form(&form(&"é".repeat(MIN_PASSWORD_CHARS), "")).unwrap();
        assert_eq!(ok.server, "https://sync.example.com");
        assert!(signup_form(&form("long enough", "   x\u{0}")).is_err());
        let blank = AccountForm {
            email: "  ".into(),
            ..form("long enough", "")
        };
        assert!(
            signup_form(&blank)
                .unwrap_err()
                .to_string()
                .contains("email")
        );
        assert!(
            !format!("{ok:?}").contains("éé"),
            "Debug never shows the password"
        );
    }
}
