//! The server's configuration, built once at start and passed down.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::secrets::SecretText;

/// Default address: loopback only, so a fresh install is not reachable from the network until the
/// operator says so.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// Default address of the admin listener (`/metrics`, the operator console): loopback only, and
/// never the public port.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:8788";

/// Default number of scheduled backups kept: three and a half days of backups every six hours.
pub const DEFAULT_BACKUP_KEEP: usize = 14;

/// Shortest interval between scheduled backups.
pub const MIN_BACKUP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Default data directory, relative to where the server is started.
pub const DEFAULT_DATA_DIR: &str = "./server-data";

/// Default storage quota per account: 1 GiB of ciphertext, years of a couple's notes and check-ins
/// with room for photos' thumbnails, while one account cannot fill the operator's disk.
pub const DEFAULT_MAX_ACCOUNT_BYTES: u64 = 1024 * 1024 * 1024;

/// The shape of log lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event; coloured only on a terminal.
    #[default]
    Pretty,
    /// One JSON object per line, for journald, Loki, Elasticsearch and the like.
    Json,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Address of the admin listener (`/metrics`, the operator console); never the public one.
    pub admin_listen: SocketAddr,
    /// Directory of the server's own files (its SQLite database). On PostgreSQL it holds
    /// nothing the server needs (a signing-key file from an earlier version is imported once).
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://…` or `postgresql://…`) instead of the embedded SQLite
    /// file; several instances may share it. It may carry a password: `Debug` never shows it.
    pub database_url: Option<SecretText>,
    /// Failed-login limits.
    pub login_limits: crate::limiter::Limits,
    /// Reverse proxies whose `X-Forwarded-For` is believed. Behind a proxy every request comes
    /// from the proxy's address; without this, one failing client would lock everyone out.
    pub trusted_proxies: Vec<IpAddr>,
    /// Stripe, discount, entitlement and AI settings.
    pub billing: crate::billing::BillingConfig,
    /// Most ciphertext bytes one account's devices may have stored (entries, including in the
    /// couple's documents, and snapshots); an upload that would go over is refused with 507.
    pub max_account_bytes: u64,
    /// How `serve` writes its log lines (the `--log-format` flag wins).
    pub log_format: LogFormat,
    /// Who may create an account.
    pub registration: crate::registration::Registration,
    /// How often `serve` backs its SQLite database up into `backup_dir` (none by default).
    pub backup_every: Option<std::time::Duration>,
    /// How many scheduled backups are kept (the oldest beyond are removed).
    pub backup_keep: usize,
    /// Where scheduled backups go [default: `backups/` in the data directory].
    pub backup_dir: Option<PathBuf>,
    /// The least number of contributors a feature's day of usage figures needs before anyone is
    /// shown it (`usage_k_threshold`, at least 2).
    pub usage_k_threshold: crate::storage::rules::usage::KThreshold,
    /// Where the server reads the time (the system's; tests move a manual one).
    pub clock: std::sync::Arc<dyn crate::clock::Clock>,
}

/// What the command line and `TOGETHER_*` environment variables set; each wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--listen` / `TOGETHER_LISTEN`.
    pub listen: Option<SocketAddr>,
    /// `--admin-listen` / `TOGETHER_ADMIN_LISTEN`.
    pub admin_listen: Option<SocketAddr>,
    /// `--data-dir` / `TOGETHER_SERVER_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--database-url` / `TOGETHER_DATABASE_URL`.
    pub database_url: Option<SecretText>,
    /// `--trusted-proxy` / `TOGETHER_TRUSTED_PROXIES` (comma-separated).
    pub trusted_proxies: Option<Vec<IpAddr>>,
    /// `TOGETHER_STRIPE_SECRET_KEY`.
    pub stripe_secret_key: Option<SecretText>,
    /// `TOGETHER_STRIPE_WEBHOOK_SECRET` (comma-separated during a rotation).
    pub stripe_webhook_secrets: Option<Vec<SecretText>>,
    /// `TOGETHER_STRIPE_API_BASE`.
    pub stripe_api_base: Option<String>,
    /// `TOGETHER_AI_BASE_URL`, `TOGETHER_AI_MODEL`, `TOGETHER_AI_API_KEY`.
    pub ai: Option<crate::billing::ai::AiConfig>,
    /// `TOGETHER_AI_API_KEY`: the AI endpoint's key, also for an endpoint named in the file.
    pub ai_api_key: Option<SecretText>,
    /// `--max-account-bytes` / `TOGETHER_MAX_ACCOUNT_BYTES`.
    pub max_account_bytes: Option<u64>,
    /// `--registration` / `TOGETHER_REGISTRATION`.
    pub registration: Option<crate::registration::Registration>,
    /// `--backup-every` / `TOGETHER_BACKUP_EVERY` (such as `6h`).
    pub backup_every: Option<String>,
    /// `--backup-keep` / `TOGETHER_BACKUP_KEEP`.
    pub backup_keep: Option<usize>,
    /// `--backup-dir` / `TOGETHER_BACKUP_DIR`.
    pub backup_dir: Option<PathBuf>,
    /// `--usage-k-threshold` / `TOGETHER_USAGE_K_THRESHOLD`.
    pub usage_k_threshold: Option<u32>,
}

impl Config {
    /// Path of the server's SQLite database inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("server.sqlite3")
    }

    /// Where scheduled backups go.
    pub fn backup_dir(&self) -> PathBuf {
        self.backup_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("backups"))
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 8788)),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            login_limits: crate::limiter::Limits::default(),
            trusted_proxies: Vec::new(),
            billing: crate::billing::BillingConfig::default(),
            clock: std::sync::Arc::new(crate::clock::SystemClock),
            max_account_bytes: DEFAULT_MAX_ACCOUNT_BYTES,
            log_format: LogFormat::Pretty,
            registration: crate::registration::Registration::Open,
            backup_every: None,
            backup_keep: DEFAULT_BACKUP_KEEP,
            backup_dir: None,
            usage_k_threshold: crate::storage::rules::usage::KThreshold::default(),
        }
    }
}

/// The optional configuration file (TOML). Every key is optional; unknown keys are refused so a
/// typo does not silently fall back to a default.
///
/// ```toml
/// listen = "0.0.0.0:8787"
/// data_dir = "/var/lib/together"
/// # PostgreSQL instead of the SQLite file in data_dir (several instances may share it).
/// database_url = "postgres://together:secret@db.internal/together"
///
/// trusted_proxies = ["127.0.0.1"]
///
/// # Storage quota per account, in ciphertext bytes (entries and snapshots its devices
/// # uploaded); an upload that would go over is refused with 507. Default 1 GiB.
/// max_account_bytes = 1073741824
///
/// # Sign-in throttling (see `limiter`): failures per window from addresses an account does
/// # not know before they are refused on it, failures per address across accounts, the window.
/// [login_limits]
/// per_account = 10
/// per_address = 50
/// window_seconds = 900
///
/// # Opt-in usage figures: a feature's day is shown only with at least this many contributors.
/// usage_k_threshold = 5
/// ```
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Address of the admin listener.
    pub admin_listen: Option<SocketAddr>,
    /// Directory of the server's files.
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL database URL.
    pub database_url: Option<SecretText>,
    /// Failed-login limits.
    pub login_limits: Option<FileLimits>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<IpAddr>>,
    /// `[billing]`: non-secret billing settings (secrets come from the environment).
    pub billing: Option<FileBilling>,
    /// Storage quota per account, in ciphertext bytes.
    pub max_account_bytes: Option<u64>,
    /// `pretty` or `json`.
    pub log_format: Option<LogFormat>,
    /// `open`, `invite-only` or `closed`.
    pub registration: Option<crate::registration::Registration>,
    /// How often to back up, such as `"6h"`.
    pub backup_every: Option<String>,
    /// How many scheduled backups to keep.
    pub backup_keep: Option<usize>,
    /// Where scheduled backups go.
    pub backup_dir: Option<PathBuf>,
    /// The k-threshold of usage figures (at least 2).
    pub usage_k_threshold: Option<u32>,
}

/// `[billing]` of the configuration file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBilling {
    /// Stripe's API base URL.
    pub stripe_api_base: Option<String>,
    /// Where Checkout returns after paying.
    pub success_url: Option<String>,
    /// Where Checkout returns when abandoned.
    pub cancel_url: Option<String>,
    /// Days of access kept while a payment is past due.
    pub grace_days: Option<i64>,
    /// Credits one AI request costs.
    pub ai_cost_credits: Option<i64>,
    /// The AI endpoint's base URL.
    pub ai_base_url: Option<String>,
    /// The AI model.
    pub ai_model: Option<String>,
}

/// `[login_limits]` of the configuration file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLimits {
    /// Failures per account in the window, from addresses it does not know, before those
    /// addresses are refused on it.
    pub per_account: Option<usize>,
    /// Failures per client address in the window, across accounts, before it is refused.
    pub per_address: Option<usize>,
    /// The window, in seconds.
    pub window_seconds: Option<u64>,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The database URL is not a PostgreSQL one.
    #[error("database_url must start with postgres:// or postgresql://")]
    DatabaseUrl,
    /// The admin listener would share the public port.
    #[error(
        "admin_listen ({admin}) must not be the public port ({public}): metrics and the console stay off the public API"
    )]
    AdminOnPublicPort {
        /// The admin address.
        admin: SocketAddr,
        /// The public address.
        public: SocketAddr,
    },
    /// A backup setting is not valid.
    #[error("{0}")]
    Backup(String),
    /// The usage k-threshold is below 2.
    #[error(transparent)]
    KThreshold(#[from] crate::storage::rules::usage::KThresholdTooSmall),
    /// A zero storage quota would refuse every upload.
    #[error("max_account_bytes must be greater than zero")]
    Quota,
    /// The file is not valid.
    #[error("the configuration file {path} is not valid: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its place in the file.
        message: String,
    },
}

impl Config {
    /// Builds the configuration: defaults, then the file (if any), then what the command line or
    /// `TOGETHER_*` environment variables set.
    pub fn load(file: Option<&std::path::Path>, overrides: Overrides) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let parsed: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
                path: path.to_path_buf(),
                message: e.to_string().trim().to_owned(),
            })?;
            if let Some(listen) = parsed.listen {
                config.listen = listen;
            }
            if let Some(admin) = parsed.admin_listen {
                config.admin_listen = admin;
            }
            if let Some(data_dir) = parsed.data_dir {
                config.data_dir = data_dir;
            }
            if let Some(url) = parsed.database_url {
                config.database_url = Some(url);
            }
            if let Some(proxies) = parsed.trusted_proxies {
                config.trusted_proxies = proxies;
            }
            if let Some(bytes) = parsed.max_account_bytes {
                config.max_account_bytes = bytes;
            }
            if let Some(format) = parsed.log_format {
                config.log_format = format;
            }
            if let Some(registration) = parsed.registration {
                config.registration = registration;
            }
            if let Some(every) = parsed.backup_every {
                config.backup_every = Some(parse_every(&every)?);
            }
            if let Some(keep) = parsed.backup_keep {
                config.backup_keep = keep;
            }
            if let Some(dir) = parsed.backup_dir {
                config.backup_dir = Some(dir);
            }
            if let Some(k) = parsed.usage_k_threshold {
                config.usage_k_threshold = crate::storage::rules::usage::KThreshold::new(k)?;
            }
            if let Some(billing) = parsed.billing {
                let b = &mut config.billing;
                if let Some(base) = billing.stripe_api_base {
                    b.stripe_api_base = base;
                }
                if let Some(url) = billing.success_url {
                    b.success_url = url;
                }
                if let Some(url) = billing.cancel_url {
                    b.cancel_url = url;
                }
                b.grace_days = billing.grace_days.unwrap_or(b.grace_days);
                b.ai_cost_credits = billing.ai_cost_credits.unwrap_or(b.ai_cost_credits);
                if let (Some(base_url), Some(model)) = (billing.ai_base_url, billing.ai_model) {
                    b.ai = Some(crate::billing::ai::AiConfig {
                        base_url,
                        model,
                        api_key: SecretText::new(""),
                    });
                }
                if !(0..=60).contains(&b.grace_days) || !(1..=1000).contains(&b.ai_cost_credits) {
                    return Err(ConfigError::Invalid {
                        path: path.to_path_buf(),
                        message: "billing.grace_days must be 0–60 and ai_cost_credits 1–1000"
                            .into(),
                    });
                }
            }
            if let Some(limits) = parsed.login_limits {
                let l = &mut config.login_limits;
                l.per_account = limits.per_account.unwrap_or(l.per_account);
                l.per_address = limits.per_address.unwrap_or(l.per_address);
                if let Some(seconds) = limits.window_seconds {
                    l.window = std::time::Duration::from_secs(seconds);
                }
                if l.per_account == 0 || l.per_address == 0 || l.window.is_zero() {
                    return Err(ConfigError::Invalid {
                        path: path.to_path_buf(),
                        message: "login_limits values must be greater than zero".into(),
                    });
                }
            }
        }
        if let Some(listen) = overrides.listen {
            config.listen = listen;
        }
        if let Some(admin) = overrides.admin_listen {
            config.admin_listen = admin;
        }
        if shares_a_socket(config.admin_listen, config.listen) {
            return Err(ConfigError::AdminOnPublicPort {
                admin: config.admin_listen,
                public: config.listen,
            });
        }
        if let Some(data_dir) = overrides.data_dir {
            config.data_dir = data_dir;
        }
        if let Some(url) = overrides
            .database_url
            .filter(|url| !url.expose().trim().is_empty())
        {
            config.database_url = Some(SecretText::new(url.expose().trim()));
        }
        if config
            .database_url
            .as_ref()
            .is_some_and(|url| !crate::storage::postgres::is_postgres_url(url.expose()))
        {
            return Err(ConfigError::DatabaseUrl);
        }
        if let Some(proxies) = overrides.trusted_proxies {
            config.trusted_proxies = proxies;
        }
        if let Some(bytes) = overrides.max_account_bytes {
            config.max_account_bytes = bytes;
        }
        if config.max_account_bytes == 0 {
            return Err(ConfigError::Quota);
        }
        if let Some(registration) = overrides.registration {
            config.registration = registration;
        }
        if let Some(every) = overrides.backup_every {
            config.backup_every = Some(parse_every(&every)?);
        }
        if let Some(keep) = overrides.backup_keep {
            config.backup_keep = keep;
        }
        if let Some(dir) = overrides.backup_dir {
            config.backup_dir = Some(dir);
        }
        if let Some(k) = overrides.usage_k_threshold {
            config.usage_k_threshold = crate::storage::rules::usage::KThreshold::new(k)?;
        }
        if config.backup_keep == 0 {
            return Err(ConfigError::Backup("backup_keep must be at least 1".into()));
        }
        if config.backup_every.is_some() && config.database_url.is_some() {
            return Err(ConfigError::Backup(format!(
                "backup_every schedules backups of the SQLite database; {}",
                crate::backup::POSTGRES_ROUTE
            )));
        }
        let b = &mut config.billing;
        if let Some(key) = overrides
            .stripe_secret_key
            .filter(|k| !k.expose().trim().is_empty())
        {
            b.stripe_secret_key = Some(SecretText::new(key.expose().trim()));
        }
        if let Some(secrets) = overrides.stripe_webhook_secrets {
            b.webhook_secrets = secrets
                .into_iter()
                .map(|s| SecretText::new(s.expose().trim()))
                .filter(|s| !s.expose().is_empty())
                .collect();
        }
        if let Some(base) = overrides.stripe_api_base.filter(|b| !b.trim().is_empty()) {
            b.stripe_api_base = base.trim().to_owned();
        }
        if let Some(ai) = overrides.ai {
            b.ai = Some(ai);
        }
        if let (Some(ai), Some(key)) = (b.ai.as_mut(), overrides.ai_api_key) {
            ai.api_key = key;
        }
        Ok(config)
    }
}

/// Parses an interval between backups such as `6h`, `90m` or `1d`; at least a minute.
fn parse_every(text: &str) -> Result<std::time::Duration, ConfigError> {
    let invalid = || {
        ConfigError::Backup(format!(
            "backup_every {text:?} is not an interval such as \"6h\", \"30m\" or \"1d\" (at least 1m)"
        ))
    };
    let span: jiff::Span = text.trim().parse().map_err(|_| invalid())?;
    let duration = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .ok_or_else(invalid)?;
    if duration < MIN_BACKUP_EVERY {
        return Err(invalid());
    }
    Ok(duration)
}

/// Whether two listen addresses would collide: the same port, on the same address or with either
/// on every address (`0.0.0.0`, `::`). Port 0 (any free port) never collides.
fn shares_a_socket(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() != 0
        && a.port() == b.port()
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_names_every_key_and_loads_to_the_defaults() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/together-server.example.toml");
        let config = Config::load(Some(std::path::Path::new(example)), Overrides::default())
            .expect("the shipped example loads");
        let defaults = Config::default();
        assert_eq!(config.listen, defaults.listen);
        assert_eq!(config.admin_listen, defaults.admin_listen);
        assert_eq!(config.log_format, defaults.log_format);
        assert_eq!(config.registration, defaults.registration);
        assert_eq!(config.backup_every, defaults.backup_every);
        assert_eq!(config.backup_keep, DEFAULT_BACKUP_KEEP);
        assert_eq!(defaults.admin_listen.to_string(), DEFAULT_ADMIN_LISTEN);
        assert_eq!(config.data_dir, defaults.data_dir);
        assert_eq!(config.max_account_bytes, defaults.max_account_bytes);
        assert_eq!(config.usage_k_threshold, defaults.usage_k_threshold);
        assert_eq!(
            config.login_limits.per_account,
            defaults.login_limits.per_account
        );
        assert_eq!(
            config.login_limits.per_address,
            defaults.login_limits.per_address
        );
        assert_eq!(config.login_limits.window, defaults.login_limits.window);
        assert_eq!(config.billing.grace_days, defaults.billing.grace_days);
        assert_eq!(config.billing.success_url, defaults.billing.success_url);
        assert!(config.billing.ai.is_none() && config.database_url.is_none());
        // Every key the file format knows appears in the example (commented out or set).
        let text = std::fs::read_to_string(example).unwrap();
        for key in [
            "listen",
            "admin_listen",
            "data_dir",
            "database_url",
            "trusted_proxies",
            "max_account_bytes",
            "log_format",
            "registration",
            "backup_every",
            "backup_keep",
            "backup_dir",
            "usage_k_threshold",
            "[login_limits]",
            "per_account",
            "per_address",
            "window_seconds",
            "[billing]",
            "stripe_api_base",
            "success_url",
            "cancel_url",
            "grace_days",
            "ai_cost_credits",
            "ai_base_url",
            "ai_model",
        ] {
            assert!(text.contains(key), "the example documents {key}");
        }
    }

    #[test]
    fn the_usage_k_threshold_comes_from_the_file_or_flags_and_is_at_least_two() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        assert_eq!(Config::default().usage_k_threshold.get(), 5);
        std::fs::write(&path, "usage_k_threshold = 7\n").unwrap();
        let config = Config::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(config.usage_k_threshold.get(), 7);
        let flag = Config::load(
            Some(&path),
            Overrides {
                usage_k_threshold: Some(3),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(flag.usage_k_threshold.get(), 3);
        std::fs::write(&path, "usage_k_threshold = 1\n").unwrap();
        assert!(matches!(
            Config::load(Some(&path), Overrides::default()),
            Err(ConfigError::KThreshold(_))
        ));
        let refused = Config::load(
            None,
            Overrides {
                usage_k_threshold: Some(0),
                ..Overrides::default()
            },
        );
        assert!(matches!(refused, Err(ConfigError::KThreshold(_))));
    }

    #[test]
    fn an_ai_endpoint_in_the_file_takes_its_key_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "[billing]\nai_base_url = \"http://127.0.0.1:9\"\nai_model = \"m\"\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&path),
            Overrides {
                ai_api_key: Some(SecretText::new("sk-from-env")),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(config.billing.ai.unwrap().api_key.expose(), "sk-from-env");
    }

    #[test]
    fn the_file_fills_in_and_the_command_line_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/t\"\ntrusted_proxies = [\"10.0.0.1\"]\n[login_limits]\nper_account = 3\n",
        )
        .unwrap();
        let config = Config::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.data_dir, PathBuf::from("/srv/t"));
        assert_eq!(config.login_limits.per_account, 3);
        assert_eq!(config.trusted_proxies, vec![IpAddr::from([10, 0, 0, 1])]);
        assert_eq!(
            config.max_account_bytes, DEFAULT_MAX_ACCOUNT_BYTES,
            "the quota's default"
        );
        assert_eq!(
            config.login_limits.per_address, 50,
            "unset keys keep their default"
        );
        let flag: SocketAddr = "127.0.0.1:7000".parse().unwrap();
        assert_eq!(
            Config::load(
                Some(&path),
                Overrides {
                    listen: Some(flag),
                    ..Overrides::default()
                }
            )
            .unwrap()
            .listen,
            flag
        );
    }

    #[test]
    fn the_quota_comes_from_the_file_and_the_environment_or_flag_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "max_account_bytes = 5000\n").unwrap();
        let from_file = Config::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(from_file.max_account_bytes, 5000);
        let overridden = Config::load(
            Some(&path),
            Overrides {
                max_account_bytes: Some(7000),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(overridden.max_account_bytes, 7000);
        std::fs::write(&path, "max_account_bytes = 0\n").unwrap();
        assert!(matches!(
            Config::load(Some(&path), Overrides::default()),
            Err(ConfigError::Quota)
        ));
        std::fs::write(&path, "max_account_bytes = -1\n").unwrap();
        assert!(Config::load(Some(&path), Overrides::default()).is_err());
    }

    #[test]
    fn the_database_url_comes_from_the_file_or_the_flag_and_is_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "database_url = \"postgres://together:hunter2@db.internal/together\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(
            config.database_url.as_ref().map(SecretText::expose),
            Some("postgres://together:hunter2@db.internal/together")
        );
        assert!(
            !format!("{config:?}").contains("hunter2"),
            "Debug shows the password"
        );
        let flag = Config::load(
            Some(&path),
            Overrides {
                database_url: Some("postgresql://other@127.0.0.1/t".into()),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(
            flag.database_url.as_ref().map(SecretText::expose),
            Some("postgresql://other@127.0.0.1/t")
        );
        std::fs::write(&path, "database_url = \"mysql://x@y/z\"\n").unwrap();
        assert!(matches!(
            Config::load(Some(&path), Overrides::default()),
            Err(ConfigError::DatabaseUrl)
        ));
        assert!(
            Config::load(None, Overrides::default())
                .unwrap()
                .database_url
                .is_none()
        );
    }

    #[test]
    fn the_admin_listener_comes_from_file_or_flag_and_never_takes_the_public_port() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "admin_listen = \"127.0.0.1:9100\"\n").unwrap();
        assert_eq!(
            Config::load(Some(&path), Overrides::default())
                .unwrap()
                .admin_listen
                .port(),
            9100
        );
        let flag: SocketAddr = "127.0.0.1:9200".parse().unwrap();
        let overridden = Config::load(
            Some(&path),
            Overrides {
                admin_listen: Some(flag),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(overridden.admin_listen, flag);
        for (admin, public) in [
            ("127.0.0.1:8787", "127.0.0.1:8787"),
            ("0.0.0.0:8787", "127.0.0.1:8787"),
            ("127.0.0.1:9000", "0.0.0.0:9000"),
        ] {
            let refused = Config::load(
                None,
                Overrides {
                    admin_listen: Some(admin.parse().unwrap()),
                    listen: Some(public.parse().unwrap()),
                    ..Overrides::default()
                },
            );
            assert!(
                matches!(refused, Err(ConfigError::AdminOnPublicPort { .. })),
                "{admin} beside {public}"
            );
        }
        let apart = Config::load(
            None,
            Overrides {
                admin_listen: Some("127.0.0.1:8787".parse().unwrap()),
                listen: Some("10.0.0.5:8787".parse().unwrap()),
                ..Overrides::default()
            },
        );
        assert!(apart.is_ok(), "another address on the same port is apart");
    }

    #[test]
    fn backups_are_scheduled_from_the_file_or_flags_and_refused_on_postgres() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "backup_every = \"6h\"\nbackup_keep = 3\n").unwrap();
        let config = Config::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(
            config.backup_every,
            Some(std::time::Duration::from_secs(6 * 3600))
        );
        assert_eq!(config.backup_keep, 3);
        assert_eq!(config.backup_dir(), config.data_dir.join("backups"));
        let flags = Config::load(
            Some(&path),
            Overrides {
                backup_every: Some("1d".into()),
                backup_keep: Some(7),
                backup_dir: Some("/srv/backups".into()),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(
            flags.backup_every,
            Some(std::time::Duration::from_secs(86_400))
        );
        assert_eq!(flags.backup_dir(), PathBuf::from("/srv/backups"));
        for bad in ["10s", "often", "-6h", ""] {
            let refused = Config::load(
                None,
                Overrides {
                    backup_every: Some(bad.into()),
                    ..Overrides::default()
                },
            );
            assert!(matches!(refused, Err(ConfigError::Backup(_))), "{bad:?}");
        }
        let postgres = Config::load(
            Some(&path),
            Overrides {
                database_url: Some("postgres://t@127.0.0.1/t".into()),
                ..Overrides::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(postgres.contains("pg_dump"), "{postgres}");
    }

    #[test]
    fn registration_comes_from_the_file_and_the_flag_wins() {
        use crate::registration::Registration;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "registration = \"invite-only\"\n").unwrap();
        let config = Config::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(config.registration, Registration::InviteOnly);
        let flag = Config::load(
            Some(&path),
            Overrides {
                registration: Some(Registration::Closed),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(flag.registration, Registration::Closed);
        assert_eq!(Config::default().registration, Registration::Open);
        std::fs::write(&path, "registration = \"invite_only\"\n").unwrap();
        assert!(Config::load(Some(&path), Overrides::default()).is_err());
    }

    #[test]
    fn the_log_format_comes_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "log_format = \"json\"\n").unwrap();
        let config = Config::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        std::fs::write(&path, "log_format = \"xml\"\n").unwrap();
        assert!(Config::load(Some(&path), Overrides::default()).is_err());
    }

    #[test]
    fn a_typo_or_a_bad_value_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        let error = Config::load(Some(&path), Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("lisen"), "{error}");
        std::fs::write(&path, "listen = \"not an address\"\n").unwrap();
        assert!(Config::load(Some(&path), Overrides::default()).is_err());
        assert!(matches!(
            Config::load(Some(&dir.path().join("missing.toml")), Overrides::default()),
            Err(ConfigError::Read { .. })
        ));
    }
}
