//! A real `together-server` process on loopback, stopped on drop.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A running server process, killed when dropped (so a failing assertion leaves nothing behind).
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl ServerProcess {
    /// Starts `binary` on `127.0.0.1:port` with its data in `data`, and waits until it listens.
    pub fn start(binary: &Path, port: u16, data: &Path) -> Result<Self> {
        Self::start_with_env(binary, port, data, &[])
    }

    /// Like [`ServerProcess::start`], with extra environment variables (billing secrets).
    pub fn start_with_env(
        binary: &Path,
        port: u16,
        data: &Path,
        env: &[(&str, &str)],
    ) -> Result<Self> {
        let child = Command::new(binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            // Each test server's admin listener on a free port (the default, 8788, is one).
            .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
            .arg("--data-dir")
            .arg(data)
            .envs(env.iter().copied())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        // The port accepts before the database is migrated: wait for a healthy answer.
        while !healthy(port) {
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited at start ({status})");
            }
            if Instant::now() > deadline {
                bail!("the server did not listen on port {port} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The server's process id (to kill it from another thread mid-request).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end (after a kill from elsewhere).
    pub fn wait(mut self) {
        let _ = self.child.wait();
    }

    /// Kills the server at once (`kill -9`), as a crash or a lost network would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `GET /healthz` on the port answers 200 (the database is open and migrated).
fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}
