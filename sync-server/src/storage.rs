//! The server's SQLite database.
//!
//! One connection behind a mutex, used from blocking tasks: SQLite serialises writers anyway, and a
//! single connection keeps the embedded default simple. Document appends, the hot path, go through
//! a writer thread that commits whatever is waiting in one transaction ([`group_commit`]); each
//! upload is charged to its account's storage quota inside that transaction ([`quota`]). Other
//! backends (PostgreSQL) plug in behind the [`Storage`] trait.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

mod accounts;
mod documents;
mod group_commit;
mod quota;
mod relationships;

pub use accounts::{Credentials, DeviceRow, NewAccount};
pub use documents::{AppendJob, Appended, DocAccess, EntryRow, NewSnapshot};
pub use relationships::{RelationshipRow, Standing};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Why the database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused to open the file.
    #[error("cannot open the server database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A migration failed and was rolled back.
    #[error("upgrading the server database {path} failed: {source}")]
    Migration {
        /// The database file.
        path: PathBuf,
        /// refinery's report.
        #[source]
        source: Box<refinery::Error>,
    },
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] rusqlite::Error),
    /// The blocking task running a query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The transaction that held this append with others failed to commit.
    #[error("committing a batch of appends failed: {0}")]
    Batch(String),
    /// The appends writer thread could not be started or has stopped.
    #[error("the appends writer is not running")]
    WriterGone,
    /// A previous query panicked while holding the connection.
    #[error("database connection is poisoned")]
    Poisoned,
    /// The request conflicts with what is stored (an email already taken...).
    #[error("{0}")]
    Conflict(String),
    /// Storing this would take the account over its storage quota.
    #[error("this upload would take the account over its storage quota of {max_bytes} bytes")]
    QuotaExceeded {
        /// The quota.
        max_bytes: u64,
    },
    /// Nothing the caller may see matches.
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The relationship ended (a partner left): it is read-only from now on.
    #[error("this relationship has ended: a partner left, so nothing more can be added to it")]
    RelationshipEnded,
    /// A stored value could not be read back (written by a newer version, or damaged).
    #[error("a stored value could not be read: {0}")]
    Corrupt(String),
    /// The account already belongs to another current relationship.
    #[error("you are already in a relationship; leave it before starting or joining another")]
    AlreadyInRelationship,
}

/// The server's database handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    /// The connection. A std mutex, not a Tokio one: it is only locked inside `spawn_blocking`.
    conn: Arc<Mutex<Connection>>,
    /// The group-commit writer's queue.
    appends: std::sync::mpsc::Sender<group_commit::Pending>,
}

impl Database {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_error = |source| StorageError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(open_error)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        })
        .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_error)?;
        embedded::migrations::runner()
            .run(&mut conn)
            .map_err(|source| StorageError::Migration {
                path: path.to_path_buf(),
                source: Box::new(source),
            })?;
        let conn = Arc::new(Mutex::new(conn));
        let appends =
            group_commit::start(Arc::clone(&conn)).map_err(|source| StorageError::DataDir {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self { conn, appends })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub(crate) async fn with_conn<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let guard = conn.lock().map_err(|_| StorageError::Poisoned)?;
            f(&guard)
        })
        .await?
    }

    /// Appends sealed entries to a document's log (idempotent by entry id), committed with
    /// whatever other appends are waiting, before this returns.
    pub async fn append_entries(&self, job: AppendJob) -> Result<Appended, StorageError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.appends
            .send((job, reply))
            .map_err(|_| StorageError::WriterGone)?;
        answer.await.map_err(|_| StorageError::WriterGone)?
    }

    /// Proves the database answers: reads this server's instance id.
    pub async fn instance_id(&self) -> Result<String, StorageError> {
        self.with_conn(|conn| {
            Ok(conn.query_row(
                "SELECT value FROM server_info WHERE key = 'instance_id'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }
}

/// A storage operation in flight.
pub type StorageFuture<'a, T> =
    std::pin::Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// What the server stores, whatever the database. SQLite ([`Database`]) is the embedded default; a
/// PostgreSQL implementation plugs in here for operators who outgrow one machine, and the same
/// API tests run against whichever backend `launch` is given.
///
/// Futures are boxed so the trait can be used as `dyn Storage` behind the router's state.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// This server's stable identity; also proves the database answers.
    fn instance_id(&self) -> StorageFuture<'_, String>;
    /// Creates an account, its credentials and its first device, atomically; an email or user id in use is a conflict.
    fn create_account(&self, a: NewAccount) -> StorageFuture<'_, ()>;
    /// The credentials of the account with this email (any case).
    fn credentials(&self, email: String) -> StorageFuture<'_, Option<Credentials>>;
    /// Signs a new device in, unless the account has `max_devices` signed in already.
    fn add_device(
        &self,
        user_id: String,
        device_id: String,
        name: String,
        token_hash: [u8; 32],
        now: String,
        max_devices: u32,
    ) -> StorageFuture<'_, ()>;
    /// The (user, device) a token hash belongs to, if valid and not revoked; records the device as seen.
    fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> StorageFuture<'_, Option<(String, String)>>;
    /// The account's signed-in devices.
    fn devices(&self, user_id: String) -> StorageFuture<'_, Vec<DeviceRow>>;
    /// Revokes one of the account's devices.
    fn revoke_device(
        &self,
        user_id: String,
        device_id: String,
        now: String,
    ) -> StorageFuture<'_, ()>;
    /// Replaces the account's sealed key bundle.
    fn put_key_bundle(
        &self,
        user_id: String,
        bundle: Vec<u8>,
        now: String,
    ) -> StorageFuture<'_, ()>;
    /// The account's sealed key bundle.
    fn key_bundle(&self, user_id: String) -> StorageFuture<'_, Option<Vec<u8>>>;
    /// Deletes an account and what only it owned, ending its current relationship; the partner
    /// keeps the couple's documents. Returns the relationship that ended and the former partners,
    /// to be told.
    fn delete_account(
        &self,
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, Option<(String, Vec<String>)>>;
    /// Appends sealed entries to a document's log, idempotently by entry id, committed before returning.
    fn append_entries(&self, job: AppendJob) -> StorageFuture<'_, Appended>;
    /// Up to `limit` entries after a seq, at most `max_bytes` of ciphertext (but at least one
    /// entry), and whether more follow.
    fn pull_entries(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
        after: i64,
        limit: i64,
        max_bytes: usize,
    ) -> StorageFuture<'_, (Vec<EntryRow>, bool)>;
    /// Every document the account can reach, with its latest seq.
    fn accessible_documents(&self, user_id: String) -> StorageFuture<'_, Vec<(String, i64)>>;
    /// Stores a sealed snapshot unless a newer one exists; returns whether it was stored.
    fn put_snapshot(&self, snapshot: NewSnapshot) -> StorageFuture<'_, bool>;
    /// The newest sealed snapshot of a document.
    fn snapshot(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
    ) -> StorageFuture<'_, Option<(i64, Vec<u8>)>>;
    /// Whether a person is a member of a relationship now (it has not ended).
    fn is_member(&self, relationship_id: String, user_id: String) -> StorageFuture<'_, bool>;
    /// The one relationship a person belongs to now, if any.
    fn current_relationship(&self, user_id: String) -> StorageFuture<'_, Option<String>>;
    /// Registers a relationship with its creator as first member (idempotent for members).
    fn create_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, ()>;
    /// The relationships of an account, current and ended, with their members.
    fn relationships_of(&self, user_id: String) -> StorageFuture<'_, Vec<RelationshipRow>>;
    /// Stores an invite (hash of its secret, optional sealed key) made by a member.
    fn create_invite(
        &self,
        relationship_id: String,
        user_id: String,
        secret_hash: [u8; 32],
        wrapped_key: Option<Vec<u8>>,
        now: String,
        expires_at: String,
    ) -> StorageFuture<'_, ()>;
    /// Redeems an invite: the caller joins; returns the relationship and the sealed key.
    fn redeem_invite(
        &self,
        secret_hash: [u8; 32],
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, (String, Option<Vec<u8>>)>;
    /// Ends a relationship for both partners because one leaves; returns its members.
    fn leave_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, Vec<String>>;
}

impl Storage for Database {
    fn instance_id(&self) -> StorageFuture<'_, String> {
        Box::pin(Database::instance_id(self))
    }
    fn create_account(&self, a: NewAccount) -> StorageFuture<'_, ()> {
        Box::pin(Database::create_account(self, a))
    }
    fn credentials(&self, email: String) -> StorageFuture<'_, Option<Credentials>> {
        Box::pin(Database::credentials(self, email))
    }
    fn add_device(
        &self,
        user_id: String,
        device_id: String,
        name: String,
        token_hash: [u8; 32],
        now: String,
        max_devices: u32,
    ) -> StorageFuture<'_, ()> {
        Box::pin(Database::add_device(
            self,
            user_id,
            device_id,
            name,
            token_hash,
            now,
            max_devices,
        ))
    }
    fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: String,
    ) -> StorageFuture<'_, Option<(String, String)>> {
        Box::pin(Database::authenticate(self, token_hash, now))
    }
    fn devices(&self, user_id: String) -> StorageFuture<'_, Vec<DeviceRow>> {
        Box::pin(Database::devices(self, user_id))
    }
    fn revoke_device(
        &self,
        user_id: String,
        device_id: String,
        now: String,
    ) -> StorageFuture<'_, ()> {
        Box::pin(Database::revoke_device(self, user_id, device_id, now))
    }
    fn put_key_bundle(
        &self,
        user_id: String,
        bundle: Vec<u8>,
        now: String,
    ) -> StorageFuture<'_, ()> {
        Box::pin(Database::put_key_bundle(self, user_id, bundle, now))
    }
    fn key_bundle(&self, user_id: String) -> StorageFuture<'_, Option<Vec<u8>>> {
        Box::pin(Database::key_bundle(self, user_id))
    }
    fn delete_account(
        &self,
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, Option<(String, Vec<String>)>> {
        Box::pin(Database::delete_account(self, user_id, now))
    }
    fn append_entries(&self, job: AppendJob) -> StorageFuture<'_, Appended> {
        Box::pin(Database::append_entries(self, job))
    }
    fn pull_entries(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
        after: i64,
        limit: i64,
        max_bytes: usize,
    ) -> StorageFuture<'_, (Vec<EntryRow>, bool)> {
        Box::pin(Database::pull_entries(
            self, doc_id, access, user_id, after, limit, max_bytes,
        ))
    }
    fn accessible_documents(&self, user_id: String) -> StorageFuture<'_, Vec<(String, i64)>> {
        Box::pin(Database::accessible_documents(self, user_id))
    }
    fn put_snapshot(&self, snapshot: NewSnapshot) -> StorageFuture<'_, bool> {
        Box::pin(Database::put_snapshot(self, snapshot))
    }
    fn snapshot(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
    ) -> StorageFuture<'_, Option<(i64, Vec<u8>)>> {
        Box::pin(Database::snapshot(self, doc_id, access, user_id))
    }
    fn is_member(&self, relationship_id: String, user_id: String) -> StorageFuture<'_, bool> {
        Box::pin(Database::is_member(self, relationship_id, user_id))
    }
    fn current_relationship(&self, user_id: String) -> StorageFuture<'_, Option<String>> {
        Box::pin(Database::current_relationship(self, user_id))
    }
    fn create_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, ()> {
        Box::pin(Database::create_relationship(
            self,
            relationship_id,
            user_id,
            now,
        ))
    }
    fn relationships_of(&self, user_id: String) -> StorageFuture<'_, Vec<RelationshipRow>> {
        Box::pin(Database::relationships_of(self, user_id))
    }
    fn create_invite(
        &self,
        relationship_id: String,
        user_id: String,
        secret_hash: [u8; 32],
        wrapped_key: Option<Vec<u8>>,
        now: String,
        expires_at: String,
    ) -> StorageFuture<'_, ()> {
        Box::pin(Database::create_invite(
            self,
            relationship_id,
            user_id,
            secret_hash,
            wrapped_key,
            now,
            expires_at,
        ))
    }
    fn redeem_invite(
        &self,
        secret_hash: [u8; 32],
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, (String, Option<Vec<u8>>)> {
        Box::pin(Database::redeem_invite(self, secret_hash, user_id, now))
    }
    fn leave_relationship(
        &self,
        relationship_id: String,
        user_id: String,
        now: String,
    ) -> StorageFuture<'_, Vec<String>> {
        Box::pin(Database::leave_relationship(
            self,
            relationship_id,
            user_id,
            now,
        ))
    }
}
