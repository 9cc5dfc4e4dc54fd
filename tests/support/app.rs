//! The real app under WebDriver: `tauri-driver` (which drives WebKitWebDriver) and sessions on it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::display::VirtualDisplay;
use crate::paths;

/// How long a screen may take to show something before a test gives up.
pub const UI_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `tauri-driver`, stopped on drop.
#[derive(Debug)]
pub struct TauriDriver {
    process: Child,
    port: u16,
}

impl TauriDriver {
    /// Starts `tauri-driver` on free loopback ports, drawing on `display`.
    pub fn start(display: &VirtualDisplay) -> Result<Self> {
        Self::start_with_env(display, &[])
    }

    /// [`TauriDriver::start`] with extra environment for the apps it launches (they inherit it
    /// through WebKitWebDriver), such as a [`crate::NotificationDesk`]'s session bus.
    pub fn start_with_env(display: &VirtualDisplay, env: &[(String, String)]) -> Result<Self> {
        let binary = paths::tool("tauri-driver")?;
        let port = free_port()?;
        let native_port = free_port()?;
        let log_dir = paths::repo_root().join("target").join("e2e-logs");
        std::fs::create_dir_all(&log_dir)?;
        let log = std::fs::File::create(log_dir.join(format!("tauri-driver-{port}.log")))?;
        let mut command = Command::new(&binary);
        // Its own process group, so stopping it also stops the WebKitWebDriver it starts.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let process = command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", &display.display)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut driver = Self { process, port };
        // tauri-driver answers on its port before the WebKitWebDriver it starts listens on the
        // native one, and a session request in between is refused: wait for both.
        driver.wait_listening(port, "tauri-driver")?;
        driver.wait_listening(native_port, "WebKitWebDriver")?;
        Ok(driver)
    }

    fn wait_listening(&mut self, port: u16, what: &str) -> Result<()> {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.process.try_wait()? {
                bail!("tauri-driver exited at start ({status})");
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("{what} did not listen on port {port} within 30 s")
    }

    /// Launches `application` with `args` in a new WebDriver session.
    pub async fn launch(&self, application: &Path, args: &[&str]) -> Result<AppSession> {
        let capabilities = json!({
            "browserName": "wry",
            "tauri:options": { "application": application, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            bail!("capabilities must be a JSON object");
        };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let url = format!("http://127.0.0.1:{}", self.port);
        // On a busy machine the native driver may still be settling: retry a refused session.
        let mut attempt = 0_u64;
        let client = loop {
            attempt += 1;
            match builder.connect(&url).await {
                Ok(client) => break client,
                Err(error) if attempt < 5 => {
                    eprintln!("WebDriver session attempt {attempt} failed: {error}; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
                }
                Err(error) => {
                    return Err(error).context("cannot open a WebDriver session on the app");
                }
            }
        };
        Ok(AppSession { client })
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        terminate(&mut self.process, true);
    }
}

/// Stops a child politely (SIGTERM, to it or to its whole process group), then forcibly if it
/// has not exited within two seconds, and reaps it.
pub fn terminate(process: &mut Child, whole_group: bool) {
    let target = if whole_group {
        format!("-{}", process.id())
    } else {
        process.id().to_string()
    };
    let _ = Command::new("kill").args(["-TERM", "--", &target]).status();
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = process.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = Command::new("kill").args(["-KILL", "--", &target]).status();
    let _ = process.wait();
}

/// One running instance of the app, driven over WebDriver.
#[derive(Debug)]
pub struct AppSession {
    client: Client,
}

impl AppSession {
    /// Waits until the element matching `css` shows non-empty text, and returns that text. Fails
    /// early with the screen's own message if an element matching `error_css` appears instead.
    pub async fn wait_for_text(&self, css: &str, error_css: &str) -> Result<String> {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                let text = element.text().await?;
                if !text.trim().is_empty() {
                    return Ok(text);
                }
            }
            if let Ok(error) = self.client.find(Locator::Css(error_css)).await {
                bail!("the app showed an error: {}", error.text().await?);
            }
            if Instant::now() > deadline {
                let source = self.client.source().await.unwrap_or_default();
                bail!("no text in {css} after {UI_TIMEOUT:?}; page was:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element matching `css` exists and its text satisfies `wanted`; returns the
    /// text. Fails with the last text seen (and the page) after `timeout`.
    pub async fn wait_until(
        &self,
        css: &str,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if wanted(&text) {
                    return Ok(text);
                }
                last = Some(text);
            }
            if Instant::now() > deadline {
                let source = self.client.source().await.unwrap_or_default();
                bail!(
                    "{css} never showed the expected text within {timeout:?} (last: {last:?}); page was:\n{source}"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str) -> Result<()> {
        self.wait_until(css, UI_TIMEOUT, |_| true).await.map(|_| ())
    }

    /// Clicks the element matching `css` (waiting for it to exist, then for it to stop moving). A
    /// list that refreshed between finding and clicking (the partner's change arrived) is looked
    /// up again.
    pub async fn click(&self, css: &str) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for(css).await?;
            self.settle(css).await;
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.click().await.map_err(anyhow::Error::from),
                Err(error) => Err(error.into()),
            };
            match clicked {
                Ok(()) => return Ok(()),
                Err(error) if attempt < 4 && is_stale(&error) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => return Err(error.context(format!("cannot click {css}"))),
            }
        }
    }

    /// Waits until the element matching `css` has stayed in place for two animation frames (at
    /// most about half a second, frames or not). The driver clicks at the point where it found
    /// the element: a dialog that scrolls itself into view on its next frame (`reveal`) moved the
    /// button away from under a click sent at once, and the click was lost ("#unpair-confirm" in
    /// `app_couple`).
    async fn settle(&self, css: &str) {
        const SCRIPT: &str = "const [css, done] = arguments; \
            const end = performance.now() + 500; let last = null, still = 0; \
            const tick = () => { \
              const e = document.querySelector(css); \
              const r = e ? e.getBoundingClientRect() : null; \
              const at = r ? `${r.x},${r.y},${r.width},${r.height},${window.scrollY}` : ''; \
              still = at === last ? still + 1 : 0; last = at; \
              if (still >= 2 || performance.now() > end) done(still >= 2); \
              else requestAnimationFrame(tick); }; \
            requestAnimationFrame(tick); setTimeout(() => done(false), 600);";
        // Best effort: a page that never settles is clicked anyway, and the test's own checks
        // say what went wrong.
        let _ = self.client.execute_async(SCRIPT, vec![json!(css)]).await;
    }

    /// Opens the screen `slug` as a person would: its section first when its tab is not shown
    /// (another section is open), then its tab when the section has several screens.
    pub async fn go(&self, slug: &str) -> Result<()> {
        let tab = format!("#nav-{slug}");
        self.wait_for(&tab).await?;
        if !self.displayed(&tab).await? {
            let group = self
                .attribute(&tab, "data-group")
                .await?
                .with_context(|| format!("{tab} names no section"))?;
            self.click(&format!("#group-{group}")).await?;
        }
        if self.displayed(&tab).await? {
            self.click(&tab).await?;
        }
        self.wait_for(&format!("#screen-{slug}")).await
    }

    /// Types `keys` into whatever has the focus (a shortcut, Escape: `"\u{e00c}"`).
    pub async fn press(&self, keys: &str) -> Result<()> {
        let focused = self.client.active_element().await?;
        focused.send_keys(keys).await.context("cannot type")?;
        Ok(())
    }

    /// Whether the element matching `css` exists and is shown.
    pub async fn displayed(&self, css: &str) -> Result<bool> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Ok(element.is_displayed().await?),
            Err(_) => Ok(false),
        }
    }

    /// Replaces the value of the input matching `css` with `text`, typed as keys. The input is
    /// found again and the typing started over (at most three times) when WebKit's driver refuses
    /// it: a form that just opened may still be rendering it anew (seen as an empty
    /// "webdriver returned error" on an edit form right after its button was clicked).
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        self.wait_for(css).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let element = self.client.find(Locator::Css(css)).await?;
            let typed = async {
                element.clear().await?;
                element.send_keys(text).await
            }
            .await;
            match typed {
                Ok(()) => return Ok(()),
                Err(error) if attempt >= 3 => {
                    return Err(error).with_context(|| format!("cannot type into {css}"));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Sets a slider (or any input) the way a person dragging it would: value, then `input`.
    pub async fn set_value(&self, css: &str, value: &str) -> Result<()> {
        self.wait_for(css).await?;
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(css), json!(value)],
            )
            .await
            .with_context(|| format!("cannot set {css}"))?;
        Ok(())
    }

    /// Sets an input's value the way a pop-up that fires no event would: the field shows it,
    /// and no `input` or `change` event tells the page.
    pub async fn set_value_silently(&self, css: &str, value: &str) -> Result<()> {
        self.wait_for(css).await?;
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(css), json!(value)],
            )
            .await
            .with_context(|| format!("cannot set {css}"))?;
        Ok(())
    }

    /// Runs `script` in the page with `args`, and returns its value.
    pub async fn script(
        &self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// The left edge of the element matching `css`, in CSS pixels.
    pub async fn left(&self, css: &str) -> Result<f64> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css}"))?;
        Ok(element.rectangle().await?.0)
    }

    /// Scrolls the element matching `css` into view (for a screenshot of what lies below the
    /// fold).
    pub async fn scroll_to(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?;
        self.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' });",
                vec![json!(css)],
            )
            .await
            .with_context(|| format!("cannot scroll to {css}"))?;
        Ok(())
    }

    /// Whether an element matching `css` exists now.
    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// The text of the element matching `css`, which must exist now.
    pub async fn text(&self, css: &str) -> Result<String> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css}"))?;
        Ok(element.text().await?)
    }

    /// The value of attribute `name` on the element matching `css`, which must exist now.
    pub async fn attribute(&self, css: &str, name: &str) -> Result<Option<String>> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css}"))?;
        Ok(element.attr(name).await?)
    }

    /// The current value of the input matching `css` (what the person sees in it), which must
    /// exist now.
    pub async fn value(&self, css: &str) -> Result<String> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css}"))?;
        Ok(element.prop("value").await?.unwrap_or_default())
    }

    /// Saves a PNG screenshot of the window as `<repo>/target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<std::path::PathBuf> {
        let png = self.client.screenshot().await?;
        let path = paths::screenshot_dir()?.join(format!("{name}.png"));
        std::fs::write(&path, png).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// Resizes the window, e.g. to a phone's 390×844.
    pub async fn resize(&self, width: u32, height: u32) -> Result<()> {
        Ok(self.client.set_window_size(width, height).await?)
    }

    /// Ends the session, which closes the app.
    pub async fn close(self) -> Result<()> {
        Ok(self.client.close().await?)
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Whether a WebDriver error means the element was replaced by a re-render.
fn is_stale(error: &anyhow::Error) -> bool {
    let text = format!("{error:#}");
    text.contains("stale") || text.contains("was not found") || text.contains("no such element")
}
