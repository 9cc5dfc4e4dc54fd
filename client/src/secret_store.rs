//! Where a device keeps its secrets (the server token and the document root keys).
//!
//! By default the operating system's keyring (Keychain, Credential Manager, the Linux kernel
//! keyring). Where none exists (a headless server, CI), `TOGETHER_SECRET_STORE=file` selects an
//! explicit fallback: a `secrets.json` file in the data directory, readable only by its owner from
//! the moment it is created (written to a private temporary file, flushed, renamed into place).
//! Tests use the file store and never touch a real keyring; `TOGETHER_SECRET_STORE=unavailable`
//! rehearses a machine whose keyring the kernel denies (a container): nothing is found, nothing
//! can be kept. [`check`] finds such a store out before anything depends on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variable choosing the store: `keyring` (default), `file`, or `unavailable` (a
/// keyring that is not there, to rehearse such a machine).
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
        Some("unavailable") => Ok(Box::new(Unavailable)),
        Some(other) => Err(SecretStoreError::UnknownStore(other.to_owned())),
    }
}

/// The name of the secret [`check`] writes and removes again.
const PROBE: &str = "probe";

/// Proves `secrets` can keep a secret: writes one, reads it back and removes it. Called before
/// anything depends on the store (an account is made on the server, a missing token is reported
/// as a sign-out), because a keyring the system denies answers "no such secret" to every read and
/// would otherwise pass for a signed-out device.
pub fn check(secrets: &dyn SecretStore) -> Result<(), SecretStoreError> {
    let value = "kept";
    secrets.set(PROBE, value)?;
    let read = secrets.get(PROBE)?;
    secrets.delete(PROBE)?;
    if read.as_deref() == Some(value) {
        Ok(())
    } else {
        Err(SecretStoreError::Keyring(
            "a secret written to it could not be read back".into(),
        ))
    }
}

/// A keyring that is not there, as the kernel's looks from a container that may not use it: reads
/// find nothing, writes fail.
struct Unavailable;

impl SecretStore for Unavailable {
    fn get(&self, _name: &str) -> Result<Option<String>, SecretStoreError> {
        Ok(None)
    }

    fn set(&self, _name: &str, _value: &str) -> Result<(), SecretStoreError> {
        Err(SecretStoreError::Keyring(
            "permission denied (TOGETHER_SECRET_STORE=unavailable)".into(),
        ))
    }

    fn delete(&self, _name: &str) -> Result<(), SecretStoreError> {
        Ok(())
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

    /// Where this process writes a new version of the file before it replaces the old one (one
    /// name per process, so two processes never write into each other's).
    fn temporary_path(&self) -> PathBuf {
        self.path
            .with_extension(format!("{}.partial", std::process::id()))
    }

    /// Replaces the file atomically: the new version is written to a temporary file in the same
    /// directory, created readable by its owner only (never widened and narrowed later), flushed
    /// to disk, renamed over the old one, and the directory flushed so the rename survives a
    /// power cut.
    fn save(&self, secrets: &BTreeMap<String, String>) -> Result<(), SecretStoreError> {
        let partial = self.temporary_path();
        let bytes = serde_json::to_vec_pretty(secrets).map_err(|e| self.error(e))?;
        // A leftover from a crash (or planted) is removed, never reused: someone may hold it open.
        match std::fs::remove_file(&partial) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.error(e)),
        }
        let mut file = create_private(&partial).map_err(|e| self.error(e))?;
        let written = std::io::Write::write_all(&mut file, &bytes).and_then(|()| file.sync_all());
        drop(file);
        if let Err(e) = written.and_then(|()| std::fs::rename(&partial, &self.path)) {
            let _ = std::fs::remove_file(&partial);
            return Err(self.error(e));
        }
        sync_directory(&self.path).map_err(|e| self.error(e))
    }
}

/// Creates `path` for writing, readable and writable by its owner only from the first moment;
/// refuses a path that already exists (a file or link someone else put there).
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Flushes the directory holding `path`, so a rename into it is durable (Unix; elsewhere the
/// rename is as durable as the platform makes it).
fn sync_directory(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Serialises this process's changes to secrets files (the app's threads), so none is lost
/// between reading the file and replacing it.
static FILE_WRITES: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl SecretStore for FileStore {
    fn get(&self, name: &str) -> Result<Option<String>, SecretStoreError> {
        Ok(self.load()?.remove(name))
    }

    fn set(&self, name: &str, value: &str) -> Result<(), SecretStoreError> {
        let _writing = FILE_WRITES.lock().unwrap_or_else(|e| e.into_inner());
        let mut secrets = self.load()?;
        secrets.insert(name.to_owned(), value.to_owned());
        self.save(&secrets)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        let _writing = FILE_WRITES.lock().unwrap_or_else(|e| e.into_inner());
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

/// The secrets file is never readable by others, not even for a moment: another local user who
/// opened a leftover temporary file earlier must not read what is written next.
#[cfg(all(test, unix))]
mod file_mode_tests {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("the file exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_leftover_world_readable_temporary_file_never_receives_the_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        // A temporary file left world-readable (a crash, or planted by someone else), which an
        // onlooker keeps open.
        let leftover = FileStore::new(path.clone()).temporary_path();
        std::fs::write(&leftover, b"").unwrap();
        std::fs::set_permissions(&leftover, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut onlooker = std::fs::File::open(&leftover).unwrap();

        FileStore::new(path.clone())
            .set("token", "device-token-secret")
            .unwrap();

        let mut seen = String::new();
        onlooker.read_to_string(&mut seen).unwrap();
        assert!(!seen.contains("device-token-secret"), "leaked: {seen}");
        assert_eq!(mode(&path), 0o600);
        assert!(!leftover.exists(), "no temporary file stays behind");
    }

    #[test]
    fn the_temporary_file_is_created_private_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("secrets.json"));
        let temporary = store.temporary_path();
        let file = create_private(&temporary).unwrap();
        // Before anything is written or any permission changed.
        assert_eq!(mode(&temporary), 0o600);
        assert_eq!(file.metadata().unwrap().len(), 0);
        // And it never opens a file that is already there (a link planted in its place).
        drop(file);
        assert!(create_private(&temporary).is_err());
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
