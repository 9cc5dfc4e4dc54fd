//! OS notifications as a person's desktop shows them: one private D-Bus session bus per app
//! instance, with the dunst notification daemon on it drawing on the test's X display. What dunst
//! was asked to show is read back from its history (`dunstctl history`), so a suite can assert
//! which device showed which notification, and how many times.
//!
//! One bus per instance (rather than one shared) is what makes "on the partner's device, not on
//! the sender's" checkable: each desk only ever sees its own app's notifications.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::app::terminate;
use crate::display::VirtualDisplay;
use crate::paths;

/// dunst's settings for tests: every notification stays until closed (none expires unseen), none
/// is held back or merged with an identical one (so a double shows as two), and the history keeps
/// them all.
const DUNSTRC: &str = "[global]
    notification_limit = 0
    stack_duplicates = false
    history_length = 1000
    sticky_history = yes
    idle_threshold = 0
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
";

/// One notification dunst showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The sending application's name, as it gave it.
    pub app: String,
    /// The title.
    pub summary: String,
    /// The body.
    pub body: String,
}

/// A private session bus with dunst on it, stopped on drop.
#[derive(Debug)]
pub struct NotificationDesk {
    bus: Child,
    dunst: Child,
    address: String,
    _config: tempfile::TempDir,
}

impl NotificationDesk {
    /// Starts a session bus and dunst on `display`, and waits until dunst answers on the bus.
    pub fn start(display: &VirtualDisplay) -> Result<Self> {
        let config = tempfile::tempdir()?;
        let dunstrc = config.path().join("dunstrc");
        std::fs::write(&dunstrc, DUNSTRC)?;
        let socket = config.path().join("bus");
        let daemon = paths::tool("dbus-daemon")?;
        let mut bus = Command::new(&daemon)
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", daemon.display()))?;
        let mut address = String::new();
        let read = bus
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut address));
        let address = address.trim().to_owned();
        if !matches!(read, Some(Ok(n)) if n > 0) || address.is_empty() {
            terminate(&mut bus, false);
            bail!("dbus-daemon printed no address");
        }
        let dunst_binary = paths::tool("dunst")?;
        let dunst = match Command::new(&dunst_binary)
            .arg("-config")
            .arg(&dunstrc)
            .env("DISPLAY", &display.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(dunst) => dunst,
            Err(error) => {
                terminate(&mut bus, false);
                return Err(error)
                    .with_context(|| format!("cannot start {}", dunst_binary.display()));
            }
        };
        let mut desk = Self {
            bus,
            dunst,
            address,
            _config: config,
        };
        desk.wait_ready()?;
        Ok(desk)
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.dunst.try_wait()? {
                bail!("dunst exited at start ({status})");
            }
            if self.dunstctl(&["is-paused"]).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("dunst did not answer on its bus within 15 s")
    }

    /// The environment an app needs to notify on this desk (to give `tauri-driver`, whose
    /// WebKitWebDriver starts the app with its own environment).
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("DBUS_SESSION_BUS_ADDRESS".to_owned(), self.address.clone())]
    }

    /// Every notification shown on this desk since it started, oldest first. Those still on
    /// screen are closed first (dunst's history holds the closed ones).
    pub fn shown(&self) -> Result<Vec<Shown>> {
        self.dunstctl(&["close-all"])?;
        let history = self.dunstctl(&["history"])?;
        parse_history(&history)
    }

    /// Waits until a notification whose title contains `summary` was shown, and returns them all.
    pub async fn wait_shown(&self, summary: &str, timeout: Duration) -> Result<Vec<Shown>> {
        let deadline = Instant::now() + timeout;
        loop {
            let shown = self.shown()?;
            if shown.iter().any(|s| s.summary.contains(summary)) {
                return Ok(shown);
            }
            if Instant::now() > deadline {
                bail!("no notification titled {summary:?} within {timeout:?}; shown: {shown:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn dunstctl(&self, args: &[&str]) -> Result<String> {
        let output = Command::new(paths::tool("dunstctl")?)
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .output()
            .context("cannot run dunstctl")?;
        if !output.status.success() {
            bail!(
                "dunstctl {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for NotificationDesk {
    fn drop(&mut self) {
        terminate(&mut self.dunst, false);
        terminate(&mut self.bus, false);
    }
}

/// Reads `dunstctl history`: `{"type": "aa{sv}", "data": [[{"summary": {"data": ..}, ..}, ..]]}`,
/// newest first.
fn parse_history(json: &str) -> Result<Vec<Shown>> {
    let value: serde_json::Value =
        serde_json::from_str(json).context("dunstctl history is not JSON")?;
    let entries = value["data"][0]
        .as_array()
        .context("dunstctl history has no list of notifications")?;
    let field = |entry: &serde_json::Value, name: &str| {
        entry[name]["data"].as_str().unwrap_or_default().to_owned()
    };
    let mut shown: Vec<Shown> = entries
        .iter()
        .map(|entry| Shown {
            app: field(entry, "appname"),
            summary: field(entry, "summary"),
            body: field(entry, "body"),
        })
        .collect();
    shown.reverse();
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_read_oldest_first() {
        let json = r#"{ "type": "aa{sv}", "data": [[
            { "summary": { "type": "s", "data": "Second" }, "body": { "type": "s", "data": "b" },
              "appname": { "type": "s", "data": "together-app" } },
            { "summary": { "type": "s", "data": "First" }, "body": { "type": "s", "data": "a" },
              "appname": { "type": "s", "data": "together-app" } } ]] }"#;
        let shown = parse_history(json).unwrap_or_default();
        let titles: Vec<&str> = shown.iter().map(|s| s.summary.as_str()).collect();
        assert_eq!(titles, ["First", "Second"]);
        assert_eq!(shown[0].body, "a");
        assert!(parse_history(r#"{ "data": [[]] }"#).is_ok_and(|s| s.is_empty()));
        assert!(parse_history("not json").is_err());
    }
}
