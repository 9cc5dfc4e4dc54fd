//! Which sync servers a device talks to. Without TLS the password-derived authentication secret
//! and the device token cross the network in clear, so plain `http://` is accepted only for this
//! machine (`127.0.0.0/8`, `::1`, `localhost`), or for another machine when the person opted in
//! explicitly (a server on their own network): `--allow-http` on the command line or
//! `TOGETHER_ALLOW_HTTP=1` in the environment (which the app honours too). Every use of a server
//! address is checked: signing up, signing in, and each later use of the stored address.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use url::{Host, Url};

use super::SyncError;

/// Environment variable opting in to plain `http://` servers on the local network.
pub const ALLOW_HTTP_ENV: &str = "TOGETHER_ALLOW_HTTP";

/// The process-wide opt-in given on the command line (`--allow-http`).
static ALLOW_HTTP: AtomicBool = AtomicBool::new(false);

/// Opts this process in to plain `http://` servers on the local network (the CLI's
/// `--allow-http`); `TOGETHER_ALLOW_HTTP=1` does the same from the environment.
pub fn allow_http(allow: bool) {
    ALLOW_HTTP.store(allow, Ordering::Relaxed);
}

/// Whether this process was opted in to plain `http://` servers off this machine.
pub(super) fn http_opted_in() -> bool {
    ALLOW_HTTP.load(Ordering::Relaxed)
        || std::env::var(ALLOW_HTTP_ENV)
            .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
}

/// Checks a server's base URL: `https://` anywhere; `http://` to this machine, or anywhere when
/// `http_allowed`. The refusal says how to opt in.
pub fn check_server_url(base: &str, http_allowed: bool) -> Result<(), SyncError> {
    let not_a_server = || {
        SyncError::Config(format!(
            "{base:?} is not a sync server address (such as https://sync.example.com)"
        ))
    };
    let url = Url::parse(base).map_err(|_| not_a_server())?;
    if url.host().is_none() {
        return Err(not_a_server());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if http_allowed || is_loopback(&url) => Ok(()),
        "http" => Err(SyncError::Config(format!(
            "{base} is plain http:// to another machine: your sign-in secret and device token \
             would cross the network unencrypted. Use the server's https:// address, or, for a \
             server on your own network, opt in with --allow-http (or TOGETHER_ALLOW_HTTP=1)"
        ))),
        _ => Err(not_a_server()),
    }
}

/// Whether the URL names this machine: `localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost")
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_this_machine_unless_opted_in() {
        for ok in [
            "https://sync.example.com",
            "https://192.0.2.1:8787",
            "http://127.0.0.1:8787",
            "http://127.8.9.10",
            "http://localhost:8787",
            "http://LOCALHOST.",
            "http://[::1]:8787",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(check_server_url(ok, false).is_ok(), "{ok}");
        }
        for lan in [
            "http://192.0.2.1:8787",
            "http://10.0.0.2",
            "http://[fe80::1]",
            "http://localhost.example.com",
            "http://127.0.0.1.example.com",
            "http://sync.example.com",
        ] {
            let refused = check_server_url(lan, false).unwrap_err().to_string();
            assert!(refused.contains("--allow-http"), "{lan}: {refused}");
            assert!(
                refused.contains("TOGETHER_ALLOW_HTTP=1"),
                "{lan}: {refused}"
            );
            assert!(check_server_url(lan, true).is_ok(), "{lan} with the opt-in");
        }
        for junk in [
            "ftp://example.com",
            "sync.example.com",
            "http://",
            "file:///etc/passwd",
            "",
        ] {
            assert!(check_server_url(junk, true).is_err(), "{junk}");
        }
    }
}
