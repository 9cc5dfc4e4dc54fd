//! Why a sync step failed, and the answers of the server a device must recognise.

use together_core::wire::ErrorCode;

use crate::crypto::CryptoError;
use crate::error::{FormError, StoreError};
use crate::secret_store::SecretStoreError;

/// Why a sync step failed. The `Display` text says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached: everything stays queued for later.
    #[error("the sync server cannot be reached ({0}); your changes are saved and will sync later")]
    Offline(String),
    /// The server refused the request.
    #[error("the sync server refused: {message} (HTTP {status})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
        /// The server's machine-readable reason, when it gave one.
        code: Option<ErrorCode>,
    },
    /// The server answered something this client does not understand.
    #[error("unexpected answer from the sync server: {0}")]
    Protocol(String),
    /// Sync is not set up, or set up wrongly.
    #[error("{0}")]
    Config(String),
    /// The device has no account yet, or was signed out: nothing can reach the server.
    #[error("{}", if *signed_out {
        "this device is signed out: together account login --server URL --email EMAIL"
    } else {
        "this device is not signed in: together account signup|login --server URL"
    })]
    NotSignedIn {
        /// It had an account and was signed out (rather than never signed in).
        signed_out: bool,
    },
    /// A form (sign-up, sign-in, a purchase) was refused before anything was sent.
    #[error(transparent)]
    Form(#[from] FormError),
    /// Key derivation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The secret store failed.
    #[error(transparent)]
    Secrets(#[from] SecretStoreError),
}

/// Convenience alias.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;

impl SyncError {
    /// The server refused an upload because the account's storage is full.
    pub fn is_quota_exceeded(&self) -> bool {
        matches!(
            self,
            Self::Refused { status: 507, .. }
                | Self::Refused {
                    code: Some(ErrorCode::QuotaExceeded),
                    ..
                }
        )
    }

    /// The server refused a write because the relationship ended.
    pub fn is_relationship_ended(&self) -> bool {
        matches!(
            self,
            Self::Refused { status: 410, .. }
                | Self::Refused {
                    code: Some(ErrorCode::RelationshipEnded),
                    ..
                }
        )
    }
}
