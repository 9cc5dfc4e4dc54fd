//! Where a device keeps its secrets (the server token and the document root keys).
//!
//! By default the operating system's keyring (Keychain, Credential Manager, the Linux kernel
//! keyring). Where none exists (a headless server, CI), `TOGETHER_SECRET_STORE=file` selects an
//! explicit fallback: a `secrets.json` file in the data directory, readable only by its owner.
//! Tests use the file store and never touch a real keyring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variable choosing the store: `keyring` (default) or `file`.
pub const STORE_ENV: &str = "TOGETHER_SECRET_STORE";

/// Keyring service name; entries are named after the data directory, so two data directories on
/// one machine (two people, or tests) never share secrets.
const SERVICE: &str = "com.bettertogether.couples";

/// Why a secret could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SecretStoreError {
    /// The OS keyring refused or is missing.
    #[error(
        "the system keyring is unavailable ({0}); set {STORE_ENV}=file to keep secrets in a file instead"
    )]
    Keyring(String),
    /// The fallback file could not be used.
    #[error("cannot use the secrets file {path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// An unknown store name in the environment.
    #[error("{STORE_ENV} must be \"keyring\" or \"file\" (got {0:?})")]
    UnknownStore(String),
}

/// A place for a device's secrets, by name.
pub trait SecretStore {
    /// Reads a secret.
    fn get(&self, name: &str) -> Result<Option<String>, SecretStoreError>;
    /// Writes a secret.
    fn set(&self, name: &str, value: &str) -> Result<(), SecretStoreError>;
    /// Forgets a secret (absent is fine).
    fn delete(&self, name: &str) -> Result<(), SecretStoreError>;
}

/// The store for the data directory `data_dir`, as the environment chooses.
pub fn for_data_dir(data_dir: &Path) -> Result<Box<dyn SecretStore>, SecretStoreError> {
    named(data_dir, std::env::var(STORE_ENV).ok().as_deref())
}

/// The store called `name` (`keyring` or `file`; `None` is the keyring) for `data_dir`: how the app
/// honours its `--secret-store` launch option.
pub fn named(
    data_dir: &Path,
    name: Option<&str>,
) -> Result<Box<dyn SecretStore>, SecretStoreError> {
    match name {
        Some("file") => Ok(Box::new(FileStore {
            path: data_dir.join("secrets.json"),
        })),
        Some("keyring") | None => Ok(Box::new(KeyringStore {
            scope: data_dir
                .canonicalize()
                .unwrap_or_else(|_| data_dir.to_path_buf())
                .display()
                .to_string(),
        })),
        Some(other) => Err(SecretStoreError::UnknownStore(other.to_owned())),
    }
}

/// The OS keyring.
pub struct KeyringStore {
    scope: String,
}

impl KeyringStore {
    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretStoreError> {
        keyring::Entry::new(SERVICE, &format!("{}#{name}", self.scope))
            .map_err(|e| SecretStoreError::Keyring(e.to_string()))
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, name: &str) -> Result<Option<String>, SecretStoreError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretStoreError::Keyring(e.to_string())),
        }
    }

    fn set(&self, name: &str, value: &str) -> Result<(), SecretStoreError> {
        self.entry(name)?
            .set_password(value)
            .map_err(|e| SecretStoreError::Keyring(e.to_string()))
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretStoreError::Keyring(e.to_string())),
        }
    }
}

/// The explicit fallback: a JSON object in a file only its owner may read.
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store in `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    fn error(&self, detail: impl ToString) -> SecretStoreError {
        SecretStoreError::File {
            path: self.path.clone(),
            detail: detail.to_string(),
        }
    }

    fn load(&self) -> Result<BTreeMap<String, String>, SecretStoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| self.error(e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.error(e)),
        }
    }

    fn save(&self, secrets: &BTreeMap<String, String>) -> Result<(), SecretStoreError> {
        let partial = self.path.with_extension("partial");
        let bytes = serde_json::to_vec_pretty(secrets).map_err(|e| self.error(e))?;
        std::fs::write(&partial, bytes).map_err(|e| self.error(e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| self.error(e))?;
        }
        std::fs::rename(&partial, &self.path).map_err(|e| self.error(e))
    }
}

impl SecretStore for FileStore {
    fn get(&self, name: &str) -> Result<Option<String>, SecretStoreError> {
        Ok(self.load()?.remove(name))
    }

    fn set(&self, name: &str, value: &str) -> Result<(), SecretStoreError> {
        let mut secrets = self.load()?;
        secrets.insert(name.to_owned(), value.to_owned());
        self.save(&secrets)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        let mut secrets = self.load()?;
        if secrets.remove(name).is_some() {
            self.save(&secrets)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_store_keeps_secrets_private_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("secrets.json"));
        assert_eq!(store.get("token").unwrap(), None);
        store.set("token", "abc").unwrap();
        store.set("key:rel-1", "k").unwrap();
        let again = FileStore::new(dir.path().join("secrets.json"));
        assert_eq!(again.get("token").unwrap().as_deref(), Some("abc"));
        again.delete("token").unwrap();
        assert_eq!(store.get("token").unwrap(), None);
        assert_eq!(store.get("key:rel-1").unwrap().as_deref(), Some("k"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

/// The real OS keyring (the kernel keyring on Linux), under a scope made of a fresh temporary
/// directory, so no entry of a real user is ever read or written; every entry is deleted again.
#[cfg(all(test, target_os = "linux"))]
mod keyring_tests {
    use super::*;

    #[test]
    fn the_os_keyring_store_keeps_forgets_and_separates_data_dirs() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        let scope = |dir: &tempfile::TempDir| KeyringStore {
            scope: dir.path().display().to_string(),
        };
        let (one, two) = (scope(&first), scope(&second));
        assert_eq!(one.get("token").unwrap(), None);
        one.set("token", "device-token-1").unwrap();
        two.set("token", "device-token-2").unwrap();
        // A new handle (a new process would do the same) reads what was stored.
        assert_eq!(
            scope(&first).get("token").unwrap().as_deref(),
            Some("device-token-1")
        );
        assert_eq!(two.get("token").unwrap().as_deref(), Some("device-token-2"));
        one.delete("token").unwrap();
        one.delete("token").unwrap(); // Absent is fine.
        assert_eq!(one.get("token").unwrap(), None);
        assert_eq!(two.get("token").unwrap().as_deref(), Some("device-token-2"));
        two.delete("token").unwrap();
    }
}
