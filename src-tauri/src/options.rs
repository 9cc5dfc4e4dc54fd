//! Launch options of the app, from the command line and the environment.
//!
//! The app is started by people (no arguments), by `scripts/run.sh` (a sync server URL) and by the
//! end-to-end tests (a data directory per instance and the origin of their fake Stripe, passed as
//! arguments because WebDriver can set a binary's arguments but not its environment). Unknown arguments are ignored: platforms add their own.

use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable naming the data directory, shared with the `together` CLI.
pub const DATA_DIR_ENV: &str = "TOGETHER_DATA_DIR";
/// Environment variable naming the sync server's base URL.
pub const SERVER_URL_ENV: &str = "TOGETHER_SERVER_URL";
/// Environment variable naming extra origins payment pages may come from, comma-separated.
pub const CHECKOUT_ORIGINS_ENV: &str = "TOGETHER_CHECKOUT_ORIGINS";

/// What the app was asked to use at launch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// Where the local store lives; `None` means the platform's app data directory.
    pub data_dir: Option<PathBuf>,
    /// The sync server to use, if one was named.
    pub server_url: Option<String>,
    /// Where device secrets go: `keyring` (default) or `file` (headless machines, tests).
    pub secret_store: Option<String>,
    /// Origins besides Stripe's that payment pages may be opened from (a local fake Stripe in
    /// tests), normalised: `--checkout-origin URL` (repeatable), else `TOGETHER_CHECKOUT_ORIGINS`.
    pub checkout_origins: Vec<String>,
    /// A launch option that was given but unusable, to show to the person instead of guessing.
    pub problem: Option<String>,
}

impl LaunchOptions {
    /// Reads `--data-dir DIR` / `--data-dir=DIR` and `--server URL` / `--server=URL` from `args`, then
    /// falls back to the environment (read through `env`, so tests need not touch the process's).
    pub fn from_env_and_args(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Self {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            let slot = match flag.as_str() {
                "--data-dir" => Slot::DataDir,
                "--server" => Slot::Server,
                "--secret-store" => Slot::SecretStore,
                "--checkout-origin" => Slot::CheckoutOrigin,
                _ => continue,
            };
            match inline.or_else(|| args.next()) {
                Some(value) if !value.trim().is_empty() => options.set(slot, value),
                _ => options.problem = Some(format!("{flag} needs a value")),
            }
        }
        if options.data_dir.is_none() {
            options.data_dir = env(DATA_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
        }
        if options.secret_store.is_none() {
            options.secret_store = env(together_client::secret_store::STORE_ENV)
                .and_then(|v| v.into_string().ok())
                .filter(|v| v == "keyring" || v == "file");
        }
        if options.checkout_origins.is_empty()
            && let Some(list) = env(CHECKOUT_ORIGINS_ENV).and_then(|v| v.into_string().ok())
        {
            for origin in list.split(',').filter(|o| !o.trim().is_empty()) {
                options.set(Slot::CheckoutOrigin, origin.to_owned());
            }
        }
        if options.server_url.is_none() {
            options.server_url = env(SERVER_URL_ENV)
                .and_then(|v| v.into_string().ok())
                .filter(|v| !v.trim().is_empty());
        }
        options
    }

    fn set(&mut self, slot: Slot, value: String) {
        match slot {
            Slot::DataDir => self.data_dir = Some(PathBuf::from(value)),
            Slot::Server => self.server_url = Some(value),
            Slot::CheckoutOrigin => {
                match together_client::premium::payment_pages::parse_origin(&value) {
                    Ok(origin) => self.checkout_origins.push(origin),
                    Err(error) => self.problem = Some(format!("--checkout-origin: {error}")),
                }
            }
            Slot::SecretStore => match value.as_str() {
                "keyring" | "file" => self.secret_store = Some(value),
                other => {
                    self.problem = Some(format!(
                        "--secret-store must be keyring or file (got {other:?})"
                    ));
                }
            },
        }
    }
}

#[derive(Clone, Copy)]
enum Slot {
    DataDir,
    Server,
    SecretStore,
    CheckoutOrigin,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> LaunchOptions {
        let env: Vec<(String, OsString)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        LaunchOptions::from_env_and_args(args.iter().map(|s| (*s).to_owned()), |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn reads_flags_in_both_forms() {
        let options = parse(
            &["--data-dir", "/tmp/a", "--server=http://127.0.0.1:8787"],
            &[],
        );
        assert_eq!(options.data_dir, Some(PathBuf::from("/tmp/a")));
        assert_eq!(options.server_url.as_deref(), Some("http://127.0.0.1:8787"));
        assert_eq!(options.problem, None);
    }

    #[test]
    fn flags_win_over_environment_and_environment_fills_gaps() {
        let options = parse(
            &["--data-dir=/flag"],
            &[(DATA_DIR_ENV, "/env"), (SERVER_URL_ENV, "http://env")],
        );
        assert_eq!(options.data_dir, Some(PathBuf::from("/flag")));
        assert_eq!(options.server_url.as_deref(), Some("http://env"));
    }

    #[test]
    fn ignores_unknown_arguments_and_reports_a_missing_value() {
        let options = parse(&["--automation", "-psn_0_1", "--data-dir"], &[]);
        assert_eq!(options.data_dir, None);
        assert_eq!(options.problem.as_deref(), Some("--data-dir needs a value"));
        let options = parse(&["--secret-store", "vault"], &[]);
        assert!(options.problem.unwrap().contains("keyring or file"));
        let options = parse(&["--secret-store=file"], &[]);
        assert_eq!(options.secret_store.as_deref(), Some("file"));
    }

    #[test]
    fn checkout_origins_come_from_repeated_flags_else_the_environment() {
        let options = parse(
            &[
                "--checkout-origin",
                "http://127.0.0.1:4242/",
                "--checkout-origin=https://pay.example.com/x",
            ],
            &[(CHECKOUT_ORIGINS_ENV, "https://env.example.com")],
        );
        assert_eq!(
            options.checkout_origins,
            ["http://127.0.0.1:4242", "https://pay.example.com"]
        );
        assert_eq!(options.problem, None);
        let options = parse(
            &[],
            &[(
                CHECKOUT_ORIGINS_ENV,
                "https://a.example.com, http://[::1]:9",
            )],
        );
        assert_eq!(
            options.checkout_origins,
            ["https://a.example.com", "http://[::1]:9"]
        );
        let options = parse(&["--checkout-origin", "pay.example.com"], &[]);
        assert!(options.problem.unwrap().contains("--checkout-origin"));
        assert!(parse(&[], &[]).checkout_origins.is_empty());
    }
}
