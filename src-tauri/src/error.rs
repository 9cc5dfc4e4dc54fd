//! The error every command answers with: a sentence for people.
//!
//! The client's errors speak to the command line (they name `together` commands, HTTP statuses,
//! ids and files). This is the one place where each kind of them becomes what a couple reads in
//! the app: what happened and what to do, never a command, a status code, an id, a path or a
//! cryptographic term. The details go to the log.

use together_client::StoreError;
use together_client::crypto::CryptoError;
use together_client::secret_store::SecretStoreError;
use together_client::sync::SyncError;
use together_core::wire::ErrorCode;

/// Why a command could not answer. Its `Display` text is what the UI shows, so it is written for
/// people, and it serializes as that text.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The local store could not be opened at start; the sentence says why.
    #[error("{0}")]
    StoreUnavailable(String),
    /// Reading or writing the local store failed, or a form was refused (nothing was saved).
    #[error("{}", store_sentence(.0))]
    Store(#[from] StoreError),
    /// The sync server refused or could not be reached.
    #[error("{}", sync_sentence(.0))]
    Sync(#[from] SyncError),
    /// The device's secrets could not be read or written.
    #[error("{}", secrets_sentence(.0))]
    Secrets(#[from] SecretStoreError),
    /// A payment page was not opened (refused, or no browser).
    #[error("{0}")]
    Browser(String),
    /// The store lock was poisoned by an earlier panic, or a background task died.
    #[error("The app hit an internal error. Please restart it.")]
    Internal,
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The sentence goes to the screen; what it replaced goes to the log, for whoever helps.
        tracing::warn!(detail = ?self, "a command failed");
        serializer.serialize_str(&self.to_string())
    }
}

/// Nothing lost, try again later: said after most failures of the device itself.
const RESTART: &str = "Nothing was lost. Please restart the app; if this keeps happening, export \
                       your data from Settings and ask for help.";

/// What the person reads when the local store failed or refused.
fn store_sentence(error: &StoreError) -> String {
    match error {
        // Forms and inputs are refused in the person's words already.
        StoreError::Invalid(error) => capitalised(&error.to_string()),
        StoreError::Form(error) => capitalised(&error.to_string()),
        StoreError::Missing(text) => capitalised(text),
        StoreError::NeedsProfile => "Set up your profile first (your name, in Settings).".into(),
        StoreError::NeedsRelationship => {
            "Start your shared space first: choose “Start our space”, or join your partner on the \
             Partner screen."
                .into()
        }
        StoreError::NotFound { what, .. } => format!(
            "This {what} is not there any more: it may have been removed on your partner’s \
             device. The screen shows what is there now."
        ),
        StoreError::Ended(_) => "Your shared space ended when a partner left: you can read \
                                 everything, but not add to it. Start a new space or join \
                                 another on the Partner screen."
            .into(),
        StoreError::Io { .. } => format!(
            "Better Together cannot read or write its files on this device (the system refused: \
             is the disk full?). {RESTART}"
        ),
        StoreError::ReadOnly { .. } => "Your data can only be read on this device right now (its \
                                        file is read-only), so nothing was changed."
            .into(),
        StoreError::IsADirectory { .. }
        | StoreError::EmptyFile { .. }
        | StoreError::NotADatabase { .. }
        | StoreError::ForeignDatabase { .. } => {
            "The file where Better Together keeps your data holds something else, so it was left \
             untouched. Move it away (or restore your backup) and start the app again."
                .into()
        }
        StoreError::Corrupt { .. } => {
            "Your data on this device is damaged and cannot be read; nothing was changed. Restore \
             it from an export or a backup, or sign in again to bring your shared space back."
                .into()
        }
        StoreError::SchemaTooNew { .. } => {
            "Your data was saved by a newer version of Better Together. Please update the app; \
             nothing was changed."
                .into()
        }
        StoreError::Migration { .. } => {
            format!("Better Together could not update how your data is stored. {RESTART}")
        }
        StoreError::Sqlite(_) | StoreError::Document(_) | StoreError::Damaged(_) => {
            format!("Better Together could not read or save your data on this device. {RESTART}")
        }
    }
}

/// What the person reads when talking to the sync server failed.
fn sync_sentence(error: &SyncError) -> String {
    match error {
        SyncError::Offline(_) => "The sync server cannot be reached right now. Your changes are \
                                  saved on this device and will sync when it can be reached."
            .into(),
        SyncError::Refused {
            status,
            message,
            code,
        } => refused_sentence(*status, message, *code),
        SyncError::Protocol(_) => "The sync server answered in a way this app does not \
                                   understand. Check the server address, or update the app."
            .into(),
        SyncError::NotSignedIn { signed_out: false } => "This device is not connected to an \
                                                         account yet: create one or sign in on \
                                                         the Partner screen."
            .into(),
        SyncError::NotSignedIn { signed_out: true } => {
            "This device is signed out: sign in again in Settings to sync.".into()
        }
        // Setup problems are written for people where they are raised.
        SyncError::Config(text) => capitalised(text),
        SyncError::Form(error) => capitalised(&error.to_string()),
        SyncError::Crypto(error) => crypto_sentence(error),
        SyncError::Store(error) => store_sentence(error),
        SyncError::Secrets(error) => secrets_sentence(error),
    }
}

/// What the person reads when the server said no: its reason when it is one a person can act
/// on, never the status code.
fn refused_sentence(status: u16, message: &str, code: Option<ErrorCode>) -> String {
    match (status, code) {
        (_, Some(ErrorCode::QuotaExceeded)) | (507, _) => "Your account’s space on the sync \
                                                           server is full. Your changes are kept \
                                                           on this device."
            .into(),
        (_, Some(ErrorCode::RelationshipEnded)) | (410, _) => {
            store_sentence(&StoreError::Ended(String::new()))
        }
        (_, Some(ErrorCode::AlreadyInRelationship)) => "Your account already shares a space with \
                                                        someone: leave it first, then join with \
                                                        the code."
            .into(),
        (401, _) => "The sync server did not recognise this sign-in: check your email and \
                     password, or sign in again."
            .into(),
        (429, _) => "The sync server is busy. Please try again in a minute.".into(),
        (500.., _) => "The sync server had a problem. Your changes are saved on this device; \
                       please try again in a moment."
            .into(),
        _ if message.trim().is_empty() => "The sync server refused. Please try again.".into(),
        _ => format!("The sync server refused: {}", sentence_end(message)),
    }
}

fn crypto_sentence(error: &CryptoError) -> String {
    match error {
        CryptoError::Tampered | CryptoError::Truncated => "Something from the sync server did not \
                                                           open with this device’s keys, so it \
                                                           was not used. Your data on this \
                                                           device is unchanged."
            .into(),
        CryptoError::Derivation(_) => {
            "Your password could not be turned into keys on this device. Please try again.".into()
        }
    }
}

fn secrets_sentence(error: &SecretStoreError) -> String {
    match error {
        SecretStoreError::Keyring(_) => "This device’s keychain could not be used, so the app \
                                         cannot keep your sign-in. Unlock the keychain (or sign \
                                         in to your desktop session) and try again."
            .into(),
        SecretStoreError::File { .. } | SecretStoreError::UnknownStore(_) => {
            format!("The app could not keep your sign-in on this device. {RESTART}")
        }
    }
}

/// `text` starting with a capital letter (the client's sentences start in lower case, to follow
/// a colon on the command line).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => sentence_end(&first.to_uppercase().chain(chars).collect::<String>()),
        None => String::new(),
    }
}

/// `text` ending like a sentence.
fn sentence_end(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a couple must never read in the app.
    fn assert_plain(sentence: &str) {
        for internal in [
            "together ",
            "--",
            "HTTP",
            "data directory",
            "decrypted",
            "0193a0f0",
        ] {
            assert!(!sentence.contains(internal), "{internal:?} in {sentence:?}");
        }
        assert!(
            sentence.starts_with(char::is_uppercase),
            "not a sentence: {sentence:?}"
        );
    }

    #[test]
    fn command_line_advice_becomes_what_to_do_in_the_app() {
        let id = "0193a0f0-0000-7000-8000-000000000001".to_owned();
        let errors: Vec<CommandError> = vec![
            StoreError::NeedsProfile.into(),
            StoreError::NeedsRelationship.into(),
            StoreError::NotFound {
                what: "activity",
                id: id.clone(),
            }
            .into(),
            StoreError::Ended(id.clone()).into(),
            StoreError::Damaged(format!("the stored user id is unreadable: {id:?}")).into(),
            SyncError::NotSignedIn { signed_out: false }.into(),
            SyncError::NotSignedIn { signed_out: true }.into(),
            SyncError::Refused {
                status: 404,
                message: "no such invite".into(),
                code: None,
            }
            .into(),
            SyncError::Refused {
                status: 401,
                message: "invalid token".into(),
                code: None,
            }
            .into(),
            SyncError::Refused {
                status: 500,
                message: "internal error".into(),
                code: None,
            }
            .into(),
            SyncError::Offline("error sending request for url (http://127.0.0.1:9/v1)".into())
                .into(),
            SyncError::Crypto(CryptoError::Tampered).into(),
            SyncError::Store(StoreError::NeedsRelationship).into(),
            SecretStoreError::Keyring("no session keyring".into()).into(),
        ];
        for error in errors {
            let sentence = error.to_string();
            assert_plain(&sentence);
            // The client's own text, for the command line, still says how to do it there.
            if let CommandError::Store(StoreError::NeedsProfile) = error {
                assert!(sentence.contains("Settings"), "{sentence}");
            }
        }
        assert!(
            StoreError::NeedsProfile
                .to_string()
                .contains("together profile set"),
            "the command line keeps its advice"
        );
    }

    #[test]
    fn a_refusal_keeps_the_servers_reason_without_its_status() {
        let sentence = CommandError::from(SyncError::Refused {
            status: 409,
            message: "this email already has an account".into(),
            code: None,
        })
        .to_string();
        assert_eq!(
            sentence,
            "The sync server refused: this email already has an account."
        );
        let full = CommandError::from(SyncError::Refused {
            status: 403,
            message: "quota".into(),
            code: Some(ErrorCode::QuotaExceeded),
        })
        .to_string();
        assert!(full.contains("full"), "{full}");
    }
}
