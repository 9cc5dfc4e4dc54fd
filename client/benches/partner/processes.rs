//! The processes the partner bench starts and watches: `together-server` instances (pinned to a
//! CPU when asked) and what `/proc` says of their CPU and memory, PostgreSQL's included.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::Plan;

/// One `together-server serve` process, pinned to `cpu` when given.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub(crate) fn start(plan: &Plan) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Sign-ups of thousands of devices from one address: lift the per-address limit.
        let config = dir.path().join("server.toml");
        std::fs::write(
            &config,
            "[login_limits]\nper_address = 1000000\nper_account = 1000000\n",
        )
        .unwrap();
        let mut command = match &plan.server_cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.args(["-c", cpu]).arg(&plan.server_bin);
                c
            }
            None => Command::new(&plan.server_bin),
        };
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            // Each test server's admin listener on a free port (the default, 8788, is one).
            .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
            // The bench's own malloc setting (scripts/bench-partner.sh) is not the server's.
            .env_remove("GLIBC_TUNABLES")
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path().join("data"));
        if let Some(url) = &plan.database_url {
            command.arg("--database-url").arg(url);
        }
        let child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start the server (--server-bin)");
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the server did not start");
    }
}

/// CPU time (user + system) of process `pid`, in milliseconds (100 ticks a second on Linux).
pub(crate) fn cpu_ms(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks * 10.0
}

/// The process `pid` itself (when it is a server's `taskset` wrapper, `exec` keeps the pid).
pub(crate) fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// CPU of the PostgreSQL postmaster and every process it started (backends, writer, WAL writer).
pub(crate) fn postgres_cpu_ms(postmaster: u32) -> f64 {
    let mut total = cpu_ms(postmaster);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            let ppid = after
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u32>().ok());
            if ppid == Some(postmaster) {
                total += cpu_ms(pid);
            }
        }
    }
    total
}
