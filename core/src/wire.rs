//! The sync protocol's JSON bodies, shared by `together-server` and the device's sync engine.
//! Version 2, described in `docs/sync-protocol.md`: changing a field here is a protocol change.
//!
//! Binary values (secrets, ciphertext) travel as standard base64; tokens as URL-safe base64.

use serde::{Deserialize, Serialize};

pub mod billing;
pub mod usage;

pub use billing::CheckoutSession;

/// The protocol version these types describe, sent by the server in `GET /healthz` later versions.
pub const PROTOCOL_VERSION: u32 = 2;

/// `POST /v1/accounts`: create an account and sign this device in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    /// The account's email (unique, case-insensitive).
    pub email: String,
    /// A name for the account, for the operator; optional, and the app leaves it out: names live
    /// in the couple's encrypted documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 32 bytes derived on the device from the password (Argon2id); never the password itself.
    pub auth_secret: String,
    /// A name for this device ("Alice's laptop").
    pub device_name: String,
    /// The user id the device already uses (a person may use the app alone before signing up);
    /// the server makes one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// A sign-up code from the server's operator, for a server whose registration is
    /// invite-only (ignored where registration is open). Added in protocol version 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signup_code: Option<String>,
}

/// `POST /v1/sessions`: sign a device in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The account's email.
    pub email: String,
    /// As in [`SignupRequest::auth_secret`].
    pub auth_secret: String,
    /// A name for this device.
    pub device_name: String,
}

/// The answer to a signup or login: the device's bearer token, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// The account.
    pub user_id: String,
    /// This device.
    pub device_id: String,
    /// 256 random bits, URL-safe base64: `Authorization: Bearer <token>`.
    pub token: String,
}

/// One signed-in device, in `GET /v1/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceInfo {
    /// Id.
    pub device_id: String,
    /// Name.
    pub name: String,
    /// When it signed in (RFC 3339).
    pub created_at: String,
    /// When it last called the server.
    pub last_seen_at: String,
    /// Whether it is the device asking.
    pub current: bool,
}

/// `POST /v1/relationships`: register a relationship the device created (its id is the device's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateRelationshipRequest {
    /// The relationship's id (a UUID).
    pub relationship_id: String,
}

/// A relationship the account belongs to, in `GET /v1/relationships`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelationshipInfo {
    /// Id.
    pub relationship_id: String,
    /// The members' user ids (former members too, once it ended).
    pub members: Vec<String>,
    /// When a partner left and it ended (RFC 3339); `None` while it goes on. An ended relationship
    /// is read-only. Added in protocol version 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
}

/// `POST /v1/relationships/{id}/invites`: the SHA-256 of a one-time secret made on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInviteRequest {
    /// base64 of the 32-byte SHA-256 of the invite secret.
    pub secret_hash: String,
    /// Days until it expires (1–30, default 7).
    pub expires_in_days: Option<u32>,
    /// base64 of the relationship key sealed with the key derived from the invite code (which the
    /// server never sees); handed to whoever redeems the invite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_key: Option<String>,
}

/// The answer to an invite creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteResponse {
    /// When it stops working (RFC 3339).
    pub expires_at: String,
}

/// Where an invite stands, as both partners' devices show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// Waiting for the partner: it still works.
    Open,
    /// The partner joined with it.
    Used,
    /// It ran out of time (or its relationship ended) before anyone joined with it.
    Expired,
}

impl InviteState {
    /// The word the CLI and `--json` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Used => "used",
            Self::Expired => "expired",
        }
    }
}

/// `GET /v1/relationships/{id}/invites`: one invite of the relationship, newest first. Carries no
/// secret: only what the inviter's screen needs to show the code's real state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteInfo {
    /// Its state now.
    pub state: InviteState,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops (or stopped) working (RFC 3339).
    pub expires_at: String,
    /// When the partner joined with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<String>,
}

/// `POST /v1/invites/redeem`: join with the secret derived from an invite code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedeemInviteRequest {
    /// base64 of the invite secret (10 to 64 bytes).
    pub secret: String,
}

/// The relationship joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedeemInviteResponse {
    /// Its id.
    pub relationship_id: String,
    /// The wrapped relationship key stored with the invite, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_key: Option<String>,
}

/// One entry to append to a document's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewEntry {
    /// Chosen by the device (a UUID): the same entry uploaded twice is stored once.
    pub entry_id: String,
    /// base64 of the sealed change (XChaCha20-Poly1305, nonce included).
    pub ciphertext: String,
}

/// `POST /v1/docs/{doc_id}/entries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppendRequest {
    /// The entries, in order (at most 256 per request).
    pub entries: Vec<NewEntry>,
}

/// Where each appended entry landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppendedEntry {
    /// The entry.
    pub entry_id: String,
    /// Its position in the log (the existing one for a repeated upload).
    pub seq: i64,
}

/// The answer to an append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppendResponse {
    /// One per entry sent, in order.
    pub entries: Vec<AppendedEntry>,
}

/// One stored entry, in a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredEntry {
    /// Position in the log.
    pub seq: i64,
    /// The device's id for it.
    pub entry_id: String,
    /// The device that uploaded it (`None` once that device is deleted).
    pub device_id: Option<String>,
    /// base64 of the sealed change.
    pub ciphertext: String,
    /// When the server stored it (RFC 3339).
    pub created_at: String,
}

/// `GET /v1/docs/{doc_id}/entries?after=N&limit=M`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Entries with seq > after, oldest first.
    pub entries: Vec<StoredEntry>,
    /// Whether more entries follow (pull again after the last seq).
    pub more: bool,
}

/// A document the account can reach, in `GET /v1/docs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocInfo {
    /// The document id.
    pub doc_id: String,
    /// The last seq in its log (0 when empty).
    pub latest_seq: i64,
}

/// Any error: a status code and this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A sentence for people.
    pub error: String,
    /// A stable machine-readable reason, for the few errors a device acts on (see [`ErrorCode`]);
    /// absent for the others. Added in protocol version 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
}

/// Machine-readable reasons a device acts on. Unknown codes from a newer server read as
/// [`ErrorCode::Other`], so adding one is not a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// `507`: the account's storage quota is used up; the device keeps its changes queued.
    QuotaExceeded,
    /// `410`: the relationship has ended (a partner left); its documents are read-only.
    RelationshipEnded,
    /// `409`: the account already belongs to another current relationship.
    AlreadyInRelationship,
    /// `403`: this server accepts no new accounts.
    RegistrationClosed,
    /// `403`: this server accepts new accounts only with a valid sign-up code from its operator,
    /// and the one given (if any) is missing, wrong or used up.
    SignupCodeRequired,
    /// A code this version does not know.
    #[serde(other)]
    Other,
}

/// `PUT /v1/docs/{doc_id}/snapshot` and its `GET`: an encrypted snapshot of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// The snapshot includes every entry with seq ≤ this.
    pub covers_seq: i64,
    /// base64 of the sealed full save.
    pub ciphertext: String,
}

/// `PUT /v1/keys` and its `GET`: the user's document keys, wrapped on the device with a key derived
/// from their password. Opaque to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyBundle {
    /// base64 of the sealed bundle.
    pub bundle: String,
}

/// A message on the live WebSocket (`GET /v1/live`): a document the device can reach has new
/// entries, or the device should pull everything because it missed messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// New entries up to `latest_seq` in `doc_id`.
    NewEntries {
        /// The document.
        doc_id: String,
        /// Its newest seq.
        latest_seq: i64,
        /// The sealed entries themselves, oldest first, a run ending at `latest_seq`, exactly as
        /// a pull returns them; only for a socket opened with `?entries=true`, and only when
        /// small (at most 8 KiB sealed per document). Absent otherwise: the device pulls. Added
        /// in protocol version 2 (a device verifies them exactly as pulled ones).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        entries: Vec<StoredEntry>,
    },
    /// Messages were dropped (the device was too slow): pull every document.
    Resync,
    /// A partner left: the relationship ended for both and is read-only from now on. Added in
    /// protocol version 2 (older devices ignore it and learn it from `GET /v1/relationships`).
    RelationshipEnded {
        /// The relationship.
        relationship_id: String,
    },
}

/// What `GET /v1/entitlements` signs: a couple's access, valid offline until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entitlement {
    /// The person it was issued to.
    pub user_id: String,
    /// Their couple, if any.
    pub relationship_id: Option<String>,
    /// `free`, `premium`, `premium_plus`, `lifetime` (see [`billing::AccessLevel`]; text here, as
    /// the server signs it).
    pub level: String,
    /// The entitling subscription's status.
    pub status: Option<String>,
    /// Its plan.
    pub plan_id: Option<String>,
    /// Until when the subscription entitles (RFC 3339).
    pub entitled_until: Option<String>,
    /// A gift.
    pub is_gift: bool,
    /// When this was signed.
    pub issued_at: String,
    /// After this the app must ask again (RFC 3339).
    pub expires_at: String,
}

impl Entitlement {
    /// The level as a type. A word this version does not know grants nothing (`Free`): Premium
    /// is never opened by a level it cannot name.
    pub fn access_level(&self) -> billing::AccessLevel {
        self.level.parse().unwrap_or_default()
    }
}

/// `GET /v1/entitlements`: the exact JSON text signed (verify these bytes, then parse them), its
/// Ed25519 signature and the server's public key, both base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedEntitlement {
    /// An [`Entitlement`] as JSON text.
    pub payload: String,
    /// Ed25519 signature of `payload`.
    pub signature: String,
    /// The server's public key (devices pin the first one they see).
    pub public_key: String,
}
