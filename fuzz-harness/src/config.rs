//! The server's TOML configuration file.

use std::io::Write;

use together_server::config::{Config, FileConfig, Overrides};

/// Target `server_config`: the file as TOML, then through `Config::load` as the server reads it
/// at start (which also checks the values' ranges).
pub fn server_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if toml::from_str::<FileConfig>(text).is_err() {
        return;
    }
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).is_ok() {
        let _ = Config::load(Some(file.path()), Overrides::default());
    }
}
