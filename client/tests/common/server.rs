//! A real `together-server` on loopback and the steps tests take with it: signing up, pairing,
//! syncing.

use jiff::civil::date;
use together_client::secret_store::FileStore;
use together_client::sync::{Session, SyncReport};
use together_core::document::CheckinInput;
use together_core::domain::Score;
use tokio::net::TcpListener;

use super::couple::Replica;

/// A server on `127.0.0.1:0`; it stops when dropped.
pub struct Server {
    pub url: String,
    pub dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    /// The same server reached through another address (a proxy in front of it).
    pub fn through(self, url: String) -> Self {
        Self { url, ..self }
    }

    /// Its database, for looking at what it stores.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("server/server.sqlite3")).unwrap()
    }
}

/// Starts a server with the default configuration.
pub async fn server() -> Server {
    server_with(|config| config).await
}

/// Starts a server with a configuration `adjust` changes.
pub async fn server_with(
    adjust: impl FnOnce(together_server::Config) -> together_server::Config,
) -> Server {
    start(adjust, None).await
}

/// Starts a server with the default configuration and its admin listener, whose `/metrics` counts
/// every request by route and status (the server's request log, in numbers); returns the server
/// and the URL of `/metrics`.
pub async fn server_with_metrics() -> (Server, String) {
    let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics = format!("http://{}/metrics", admin.local_addr().unwrap());
    (start(|config| config, Some(admin)).await, metrics)
}

async fn start(
    adjust: impl FnOnce(together_server::Config) -> together_server::Config,
    admin: Option<TcpListener>,
) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = adjust(together_server::Config {
        listen: address,
        data_dir: dir.path().join("server"),
        ..together_server::Config::default()
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stopped = async {
        let _ = stopped.await;
    };
    match admin {
        None => tokio::spawn(together_server::launch(config, listener, stopped)),
        Some(admin) => tokio::spawn(together_server::launch_with_admin(
            config, listener, admin, stopped,
        )),
    };
    Server {
        url: format!("http://{address}"),
        dir,
        _stop: stop,
    }
}

/// The replica's secret store (a file: tests never touch a real keyring).
pub fn secrets(replica: &Replica) -> FileStore {
    FileStore::new(replica.dir.path().join("secrets.json"))
}

/// A check-in on 2026-11-25 with the same score everywhere.
pub fn checkin(score: i64, note: &str) -> CheckinInput {
    CheckinInput {
        date: date(2026, 11, 25),
        connection: Score::new("c", score).unwrap(),
        mood: Score::new("m", score).unwrap(),
        satisfaction: Score::new("s", score).unwrap(),
        note: Some(note.into()),
    }
}

/// One sync of a signed-in replica, which must succeed.
pub async fn sync(replica: &mut Replica) -> SyncReport {
    let secrets = secrets(replica);
    Session::resume(&mut replica.store, &secrets)
        .unwrap()
        .sync()
        .await
        .unwrap()
}

/// A new device: signs up as `email` with `name`.
pub async fn signed_up(server: &Server, email: &str, name: &str) -> Replica {
    let mut replica = Replica::new();
    let secrets = secrets(&replica);
    Session::signup(
        &mut replica.store,
        &secrets,
        &server.url,
        email,
        name,
        &format!("{}-password", name.to_lowercase()),
    )
    .await
    .unwrap();
    replica
}

/// Bob signs up on a new device and joins with the pairing code.
pub async fn partner_joins(server: &Server, code: &str) -> Replica {
    let mut bob = signed_up(server, "bob@example.com", "Bob").await;
    join(&mut bob, code).await;
    bob
}

/// A signed-in replica joins with a pairing code.
pub async fn join(replica: &mut Replica, code: &str) {
    let secrets = secrets(replica);
    Session::resume(&mut replica.store, &secrets)
        .unwrap()
        .join(code)
        .await
        .unwrap();
}

/// A pairing code for the replica's current relationship.
pub async fn invite(replica: &mut Replica) -> String {
    let secrets = secrets(replica);
    Session::resume(&mut replica.store, &secrets)
        .unwrap()
        .invite()
        .await
        .unwrap()
        .code
}

/// Alice signs up with her solo data, invites; Bob signs up and joins with the code.
pub async fn paired_through(server: &Server) -> (Replica, Replica) {
    let mut alice = Replica::new();
    alice.profile("Alice", "Pacific/Auckland");
    alice.create_relationship();
    let code = {
        let secrets = secrets(&alice);
        let mut session = Session::signup(
            &mut alice.store,
            &secrets,
            &server.url,
            "alice@example.com",
            "Alice",
            "alice-password",
        )
        .await
        .unwrap();
        session.invite().await.unwrap().code
    };
    let bob = partner_joins(server, &code).await;
    sync(&mut alice).await;
    (alice, bob)
}
