//! A private X display (Xvfb) for the app under test, so the suites run on headless machines and never
//! draw on a developer's own screen.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::paths;

/// A running Xvfb server, stopped on drop.
#[derive(Debug)]
pub struct VirtualDisplay {
    process: Child,
    /// The `DISPLAY` value to give to programs, such as `:93`.
    pub display: String,
}

impl VirtualDisplay {
    /// Starts Xvfb on the first free display number from 90, with a 1280×900 screen.
    pub fn start() -> Result<Self> {
        let xvfb = paths::tool("Xvfb")?;
        for number in 90..140 {
            if display_in_use(number) {
                continue;
            }
            let display = format!(":{number}");
            let process = Command::new(&xvfb)
                .args([&display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("cannot start {}", xvfb.display()))?;
            let mut server = Self { process, display };
            if server.wait_ready(number)? {
                return Ok(server);
            }
        }
        bail!("no free X display number between :90 and :139")
    }

    /// Waits for the server's socket; `false` when it exited (the number was taken meanwhile).
    fn wait_ready(&mut self, number: u32) -> Result<bool> {
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.process.try_wait()?.is_some() {
                return Ok(false);
            }
            if Path::new(&socket).exists() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("Xvfb on :{number} did not start within 15 s")
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its lock file and socket; SIGKILL only if it does not stop.
        crate::app::terminate(&mut self.process, false);
    }
}

/// Whether display `:number` belongs to a running X server (a lock file whose process is alive).
fn display_in_use(number: u32) -> bool {
    let Ok(lock) = std::fs::read_to_string(format!("/tmp/.X{number}-lock")) else {
        return false;
    };
    lock.trim()
        .parse::<u32>()
        .map(|pid| Path::new(&format!("/proc/{pid}")).exists())
        .unwrap_or(true)
}
