//! AI credits: a balance per person changed only by conditional updates, a ledger of every
//! movement, and AI requests spent once and answered once.

use crate::storage::StorageError;

/// One movement of credits, as every backend records it.
#[derive(Debug, Clone)]
pub(crate) struct Movement<'a> {
    /// Whose credits.
    pub user: &'a str,
    /// Their couple then, for the ledger.
    pub relationship: Option<&'a str>,
    /// `purchase`, `grant`, `spend`, `refund`.
    pub kind: &'static str,
    /// Credits added (positive) or taken (negative).
    pub amount: i64,
    /// Makes the movement happen once.
    pub request_id: &'a str,
    /// The Stripe payment behind a purchase or its refund.
    pub payment: Option<&'a str>,
    /// RFC 3339.
    pub now: &'a str,
}

/// What a movement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moved {
    /// Done now; the balance after it.
    Done(i64),
    /// Done before (same request id); the balance after it then.
    Repeated(i64),
    /// Refused: the balance (this much) would go negative.
    Short(i64),
}

/// How long an AI answer is kept for replays of its request id.
pub const ANSWER_KEPT_SECONDS: i64 = 24 * 3600;

/// How an AI request starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiStart {
    /// Credits were spent now: ask the AI. The balance after the spend.
    Fresh(i64),
    /// This request id was answered before: here is the answer, no credits spent.
    Answered(Vec<String>, i64),
}

/// AI credits and AI requests.
#[async_trait::async_trait]
pub trait Credits {
    /// A person's AI-credit balance.
    async fn credit_balance(&self, user_id: String) -> Result<i64, StorageError>;

    /// Starts the AI request `key` for `user_id`: spends `cost` credits and records the request,
    /// in one transaction; or answers what a replay of the same key gets. Refused (`Forbidden`)
    /// when credits are short, and (`Conflict`) while the request is in flight or after it failed.
    async fn begin_ai_request(
        &self,
        user_id: String,
        relationship_id: Option<String>,
        cost: i64,
        key: String,
        now: String,
    ) -> Result<AiStart, StorageError>;

    /// Stores the answer of AI request `key`, for replays.
    async fn finish_ai_request(
        &self,
        key: String,
        answer: Vec<String>,
        now: String,
    ) -> Result<(), StorageError>;

    /// Marks AI request `key` failed and gives its credits back, once.
    async fn fail_ai_request(&self, key: String, now: String) -> Result<(), StorageError>;

    /// Forgets AI answers older than `before` (RFC 3339): a replay is then refused.
    async fn forget_ai_answers(&self, before: String) -> Result<usize, StorageError>;
}
