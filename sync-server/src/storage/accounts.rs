//! Accounts, credentials and devices: what every backend stores about people.

use crate::storage::StorageError;

/// What the server keeps to check a login: a salt and SHA-256(salt || auth secret).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user_id: String,
    /// Random per account.
    pub salt: [u8; 16],
    /// The hash to compare with.
    pub secret_hash: [u8; 32],
}

/// A signed-in device, as listed to its owner.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// Id.
    pub device_id: String,
    /// Name.
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub last_seen_at: String,
}

/// Everything needed to create an account with its first device.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// New user id.
    pub user_id: String,
    /// Email.
    pub email: String,
    /// Optional display name.
    pub name: Option<String>,
    /// Credential salt.
    pub salt: [u8; 16],
    /// Credential hash.
    pub secret_hash: [u8; 32],
    /// New device id.
    pub device_id: String,
    /// Device name.
    pub device_name: String,
    /// SHA-256 of the device's token.
    pub token_hash: [u8; 32],
    /// RFC 3339.
    pub now: String,
}

#[cfg(test)]
impl NewAccount {
    /// The server's unit tests' account: `<user_id>@example.com`, one device named "phone",
    /// created at the start of 2026 (change a field with `..NewAccount::for_test(…)`).
    pub(crate) fn for_test(user_id: &str, device_id: &str, token_hash: [u8; 32]) -> Self {
        Self {
            user_id: user_id.into(),
            email: format!("{user_id}@example.com"),
            name: None,
            salt: [1; 16],
            secret_hash: [2; 32],
            device_id: device_id.into(),
            device_name: "phone".into(),
            token_hash,
            now: "2026-01-01T00:00:00.000Z".into(),
        }
    }
}

/// Accounts, credentials, devices and key bundles.
#[async_trait::async_trait]
pub trait Accounts {
    /// Creates an account, its credentials and its first device, atomically. An email already in
    /// use (in any case) is a [`StorageError::Conflict`].
    async fn create_account(&self, a: NewAccount) -> Result<(), StorageError>;

    /// The credentials of the account with this email (any case), if there is one.
    async fn credentials(&self, email: String) -> Result<Option<Credentials>, StorageError>;

    /// Signs a new device in for `user_id`, unless it already has `max_devices` signed in (a
    /// [`StorageError::Conflict`]). One conditional insert, so concurrent sign-ins cannot pass
    /// the bound together.
    async fn add_device(
        &self,
        user_id: String,
        device_id: String,
        name: String,
        token_hash: [u8; 32],
        now: String,
        max_devices: u32,
    ) -> Result<(), StorageError>;

    /// The (user, device) a bearer token belongs to, if it is valid and not revoked; records the
    /// device as seen.
    async fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> Result<Option<(String, String)>, StorageError>;

    /// The account's devices that are still signed in (none when the account is disabled: its
    /// tokens are refused, so its live sockets must close too).
    async fn devices(&self, user_id: String) -> Result<Vec<DeviceRow>, StorageError>;

    /// Revokes one of the account's devices; another account's device is [`StorageError::NotFound`].
    async fn revoke_device(
        &self,
        user_id: String,
        device_id: String,
        now: String,
    ) -> Result<(), StorageError>;

    /// Replaces the user's wrapped-key bundle.
    async fn put_key_bundle(
        &self,
        user_id: String,
        bundle: Vec<u8>,
        now: String,
    ) -> Result<(), StorageError>;

    /// The user's wrapped-key bundle, if they stored one.
    async fn key_bundle(&self, user_id: String) -> Result<Option<Vec<u8>>, StorageError>;

    /// Deletes an account: its devices, credentials, key bundle, memberships and the documents only
    /// it owned (with their logs). Its current relationship ends for the partner too, whose devices
    /// must be told (the returned relationship and partners). Relationship documents stay for the partner; a relationship
    /// left with no member at all is deleted with its documents.
    async fn delete_account(
        &self,
        user_id: String,
        now: String,
    ) -> Result<Option<(String, Vec<String>)>, StorageError>;
}

/// Whether two stored RFC 3339 times (`YYYY-MM-DDTHH:MM…`) fall in the same minute.
pub(crate) fn same_minute(a: &str, b: &str) -> bool {
    a.get(..16)
        .is_some_and(|prefix| Some(prefix) == b.get(..16))
}
