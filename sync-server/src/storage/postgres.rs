//! The PostgreSQL backend: any number of server instances on one database.
//!
//! A pool of `tokio-postgres` connections (`deadpool-postgres`, without TLS: put the database on a
//! private network or a local socket, or terminate TLS in front of it) serves every query; each
//! write is one transaction committed before the server answers. Where SQLite relies on its single
//! writer, this backend says what it serialises on:
//! - appends are group-committed ([`group_commit`]): the appends waiting share one transaction;
//!   an append locks its document's row (in doc_id order across a batch), then reads `max(seq)`:
//!   seqs are strictly increasing per document, and committed in order, so a reader never sees a
//!   gap; the quota is charged on the uploader's row, locked, in the same transaction;
//! - a write to a couple's document holds the writer's membership row (`FOR SHARE`), so a partner
//!   leaving waits for it, or it sees the relationship ended;
//! - registering, joining and leaving a relationship lock the person's and the relationship's
//!   rows (in that order); a checkout locks the couple's row; credits lock the person's balance
//!   row; gift lookups lock the giver's row; discount uses are taken by a conditional update;
//! - Stripe's webhook events (few, and touching many tables) are applied one at a time across
//!   every instance, under a transaction-level advisory lock, as SQLite would.
//!
//! Migrations are embedded from `migrations-postgres/` and run under a session advisory lock, so
//! instances starting together migrate once. Live news between instances goes through
//! `LISTEN`/`NOTIFY` ([`listener`]).

mod accounts;
mod batch;
mod batch_predicted;
mod batch_transaction;
mod billing;
mod console;
mod documents;
mod group_commit;
mod instance;
mod listener;
mod news_key;
mod notifier;
mod quota;
mod relationships;
mod signup_codes;
mod usage;

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use crate::secrets::SecretText;
use crate::storage::StorageError;

pub(crate) mod embedded {
    refinery::embed_migrations!("migrations-postgres");
}

/// The key of the session advisory lock held while migrating (any constant shared by every
/// instance: "together" in ASCII).
const MIGRATION_LOCK: i64 = 0x746f_6765_7468_6572;

/// The key of the transaction advisory lock that applies Stripe events one at a time.
pub(crate) const BILLING_LOCK: i64 = 0x7374_7269_7065;

/// Most connections one instance opens for requests (the group commit has its own).
const POOL_SIZE: usize = 16;

/// The PostgreSQL backend; cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct PostgresStorage {
    /// The connections.
    pool: Pool,
    /// Where the listener connects (it needs a connection of its own, outside the pool).
    config: tokio_postgres::Config,
    /// The group commit's writers, where appends go.
    writers: group_commit::Writers,
    /// Where live news for the other instances goes.
    notifier: notifier::Notifier,
    /// The key live news is sealed with, read on first use ([`news_key`]).
    news_key: std::sync::Arc<tokio::sync::OnceCell<news_key::NewsKey>>,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password: never shown.
        f.debug_struct("PostgresStorage")
            .field("pool", &self.pool.status())
            .finish_non_exhaustive()
    }
}

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The database `url` names, for an operator's eyes: user, hosts, port and database, never the
/// password.
pub fn describe_url(url: &SecretText) -> String {
    let Ok(config) = tokio_postgres::Config::from_str(url.expose()) else {
        return "a PostgreSQL database (the URL cannot be parsed)".into();
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{}:{port}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

impl PostgresStorage {
    /// Connects to the database `url` names and migrates it (once, whatever the number of
    /// instances starting at the same time).
    pub async fn open(url: &SecretText) -> Result<Self, StorageError> {
        if !is_postgres_url(url.expose()) {
            return Err(StorageError::Url(
                "it must start with postgres:// or postgresql://".into(),
            ));
        }
        let mut config = tokio_postgres::Config::from_str(url.expose())
            // The driver's message may quote the URL: only say it is not valid.
            .map_err(|_| StorageError::Url("it cannot be parsed".into()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.application_name("together-server");
        migrate(&config).await?;
        let pool = new_pool(&config, POOL_SIZE)?;
        // The writers and the notifier hold one connection each at most, from a pool of their
        // own: requests waiting for the main pool never stall a batch that would answer them.
        let writing = new_pool(&config, group_commit::WRITERS + 1)?;
        let writers = group_commit::Writers::start(&writing);
        let notifier = notifier::Notifier::start(&writing);
        Ok(Self {
            pool,
            config,
            writers,
            notifier,
            news_key: std::sync::Arc::default(),
        })
    }

    /// The instances' key for live news, read (or created) on first use.
    async fn news_key(&self) -> Result<&news_key::NewsKey, StorageError> {
        self.news_key
            .get_or_try_init(|| async {
                let client = self.client().await?;
                news_key::NewsKey::load_or_create(&client).await
            })
            .await
    }

    /// A connection from the pool.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool
            .get()
            .await
            .map_err(|e| StorageError::Pool(e.to_string()))
    }
}

/// A pool of at most `size` connections to `config`'s database.
fn new_pool(config: &tokio_postgres::Config, size: usize) -> Result<Pool, StorageError> {
    let manager = Manager::from_config(
        config.clone(),
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .map_err(|e| StorageError::Pool(e.to_string()))
}

/// Runs the embedded migrations under a session advisory lock on a connection of their own.
async fn migrate(config: &tokio_postgres::Config) -> Result<(), StorageError> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let driver = tokio::spawn(connection);
    let migrated = async {
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let report = embedded::migrations::runner()
            .run_async(&mut client)
            .await
            .map_err(|source| StorageError::PostgresMigration {
                source: Box::new(source),
            });
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await?;
        report.map(|_| ())
    }
    .await;
    drop(client);
    let _ = driver.await;
    migrated
}

/// Maps a unique violation to `conflict`, anything else to a query error.
pub(crate) fn unique(
    conflict: impl FnOnce() -> StorageError,
) -> impl FnOnce(tokio_postgres::Error) -> StorageError {
    move |error| {
        if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            conflict()
        } else {
            StorageError::Postgres(error)
        }
    }
}

/// Maps an integrity violation (unique, check, foreign key) to `conflict`, like SQLite's
/// constraint errors; anything else to a query error.
pub(crate) fn constraint(message: &'static str) -> impl Fn(tokio_postgres::Error) -> StorageError {
    move |error| match error.code() {
        Some(code)
            if *code == SqlState::UNIQUE_VIOLATION
                || *code == SqlState::CHECK_VIOLATION
                || *code == SqlState::FOREIGN_KEY_VIOLATION
                || *code == SqlState::NOT_NULL_VIOLATION =>
        {
            StorageError::Conflict(message.into())
        }
        _ => StorageError::Postgres(error),
    }
}

/// Shorthand for a statement's parameters.
pub(crate) type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Every row of `sql`, through the connection's statement cache.
pub(crate) async fn rows<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<Row>, tokio_postgres::Error> {
    let statement = c.prepare_cached(sql).await?;
    c.query(&statement, params).await
}

/// The row of `sql`, if any.
pub(crate) async fn opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<Option<Row>, tokio_postgres::Error> {
    let statement = c.prepare_cached(sql).await?;
    c.query_opt(&statement, params).await
}

/// The one row of `sql`.
pub(crate) async fn one<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<Row, tokio_postgres::Error> {
    let statement = c.prepare_cached(sql).await?;
    c.query_one(&statement, params).await
}

/// Runs `sql`; how many rows it changed.
pub(crate) async fn exec<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<u64, tokio_postgres::Error> {
    let statement = c.prepare_cached(sql).await?;
    c.execute(&statement, params).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;

    #[test]
    fn a_description_names_the_database_and_never_the_password() {
        let url = SecretText::new("postgres://together:hunter2@db.internal:5433/couples");
        let shown = describe_url(&url);
        assert_eq!(shown, "postgres://together@db.internal:5433/couples");
        assert!(!describe_url(&SecretText::new("postgres://x:%zz@")).contains("%zz"));
    }

    /// A batch's transaction plans generically, and PostgreSQL takes the setting (the
    /// PostgreSQL suite sets the URL; the SQLite one has no server to ask).
    #[tokio::test]
    async fn a_batch_plans_generically() {
        let Ok(url) = std::env::var("TOGETHER_TEST_DATABASE_URL") else {
            eprintln!("no PostgreSQL here: the PostgreSQL suite runs this");
            return;
        };
        let config = tokio_postgres::Config::from_str(&url).unwrap();
        let (client, connection) = config.connect(NoTls).await.unwrap();
        tokio::spawn(connection);
        let mode = || async {
            client
                .query_one("SHOW plan_cache_mode", &[])
                .await
                .unwrap()
                .get::<_, String>(0)
        };
        client
            .batch_execute(batch_transaction::BEGIN)
            .await
            .unwrap();
        assert_eq!(mode().await, "force_generic_plan");
        client.batch_execute("COMMIT").await.unwrap();
        assert_eq!(mode().await, "auto", "for the batch's transaction alone");
    }
}
