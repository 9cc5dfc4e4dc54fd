//! The server's configuration, built once at start and passed down.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Default address: loopback only, so a fresh install is not reachable from the network until the
/// operator says so.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// Default data directory, relative to where the server is started.
pub const DEFAULT_DATA_DIR: &str = "./server-data";

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory of the server's own files (its SQLite database).
    pub data_dir: PathBuf,
    /// Failed-login limits.
    pub login_limits: crate::limiter::Limits,
}

impl Config {
    /// Path of the server's SQLite database inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("server.sqlite3")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            login_limits: crate::limiter::Limits::default(),
        }
    }
}
