//! What the operator console (the admin listener) stores and reads: operators and their sessions,
//! the figures of its overview, the webhook log, and accounts as an operator manages them. The
//! rules (password hashing, session lifetime, CSRF) are in [`crate::admin`], above the backends.

use crate::storage::StorageError;

/// An operator, as the sign-in reads it.
#[derive(Debug, Clone)]
pub struct OperatorRow {
    /// Id.
    pub id: String,
    /// Email, as created.
    pub email: String,
    /// Argon2id PHC string of the password.
    pub password_hash: String,
}

/// A console session that has not expired.
#[derive(Debug, Clone)]
pub struct OperatorSession {
    /// The operator signed in.
    pub operator_id: String,
    /// Their email, shown in the page header.
    pub email: String,
    /// The token every state-changing form of this session carries.
    pub csrf_token: String,
}

/// Figures for the overview page.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Accounts (disabled ones included).
    pub accounts: i64,
    /// Current relationships (not ended) with two members.
    pub couples: i64,
    /// Signed-in devices seen since each of the cutoffs given (1, 7 and 30 days ago).
    pub devices_seen: [i64; 3],
    /// Ciphertext bytes stored, summed over accounts (the quota's count).
    pub stored_bytes: i64,
    /// Current relationships with the most bytes stored by their members, most first.
    pub top_couples: Vec<(String, i64)>,
}

/// One Stripe event the webhook could not apply, as listed for operators.
#[derive(Debug, Clone)]
pub struct FailedWebhook {
    /// Stripe's event id.
    pub event_id: String,
    /// Stripe's event type.
    pub event_type: String,
    /// Attempts that failed.
    pub retry_count: i64,
    /// When it first arrived (RFC 3339).
    pub received_at: String,
    /// The last processing error.
    pub last_error: Option<String>,
}

/// An account as the operator sees it.
#[derive(Debug, Clone)]
pub struct AccountSummary {
    /// Id.
    pub id: String,
    /// Email.
    pub email: String,
    /// RFC 3339.
    pub created_at: String,
    /// Whether an operator disabled it.
    pub disabled: bool,
    /// Ciphertext bytes its devices stored.
    pub stored_bytes: i64,
    /// Its current relationship, if any.
    pub relationship_id: Option<String>,
}

/// Longest text an account search takes.
pub const MAX_SEARCH_CHARS: usize = 254;
/// Most accounts a search lists.
pub const SEARCH_LIMIT: i64 = 50;
/// Most failed webhook events listed.
pub const FAILED_LIMIT: i64 = 100;

/// The console's storage.
#[async_trait::async_trait]
pub trait Console {
    /// Stores an operator; an email already in use (any case) is a [`StorageError::Conflict`].
    async fn create_operator(
        &self,
        id: String,
        email: String,
        password_hash: String,
        now: String,
    ) -> Result<(), StorageError>;

    /// The operator with this email (any case).
    async fn operator_by_email(&self, email: String) -> Result<Option<OperatorRow>, StorageError>;

    /// Opens a session (forgetting the sessions that expired before `now`).
    async fn create_operator_session(
        &self,
        token_hash: [u8; 32],
        operator_id: String,
        now: String,
        expires_at: String,
        csrf_token: String,
    ) -> Result<(), StorageError>;

    /// The session of this token, unless it expired at or before `now`.
    async fn operator_session(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> Result<Option<OperatorSession>, StorageError>;

    /// Ends a session (signing out); an unknown one is no error.
    async fn end_operator_session(&self, token_hash: [u8; 32]) -> Result<(), StorageError>;

    /// The overview's figures; `seen_since` are the cutoffs of the devices-seen counts.
    async fn overview(&self, seen_since: [String; 3]) -> Result<Overview, StorageError>;

    /// Stripe events by status (`processed`, `failed`, `pending`), with their counts.
    async fn webhook_statuses(&self) -> Result<Vec<(String, i64)>, StorageError>;

    /// The events not applied that failed at least once, latest first, at most [`FAILED_LIMIT`].
    async fn failed_webhooks(&self) -> Result<Vec<FailedWebhook>, StorageError>;

    /// The raw body of a stored event not yet applied (for a retry), if there is one.
    async fn unprocessed_webhook(&self, event_id: String) -> Result<Option<String>, StorageError>;

    /// Accounts whose email contains `text` (any case), at most [`SEARCH_LIMIT`], by email.
    async fn search_accounts(&self, text: String) -> Result<Vec<AccountSummary>, StorageError>;

    /// One account.
    async fn account_summary(
        &self,
        user_id: String,
    ) -> Result<Option<AccountSummary>, StorageError>;

    /// Disables or enables an account; an unknown one is [`StorageError::NotFound`].
    async fn set_account_disabled(
        &self,
        user_id: String,
        disabled: bool,
    ) -> Result<(), StorageError>;
}
