//! Where the suites find the repository and the binaries the build produced.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

/// The repository root (the parent of this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The cargo profile directory this test binary was built into (`<target>/debug`), which is where
/// `cargo build` put the app and the other binaries, whatever `CARGO_TARGET_DIR` was.
pub fn profile_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot locate the running test binary")?;
    // <target>/debug/deps/<test-binary>
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .context("the test binary is not inside a cargo target directory")
}

/// A binary built by this workspace, failing with instructions when it has not been built.
pub fn built_binary(name: &str, build_hint: &str) -> Result<PathBuf> {
    let path = profile_dir()?.join(name);
    if !path.is_file() {
        bail!(
            "{} was not built; run `bash scripts/test.sh`, or `{build_hint}` first",
            path.display()
        );
    }
    Ok(path)
}

/// Directory for screenshots a person should look at: `<repo>/target/screenshots`.
pub fn screenshot_dir() -> Result<PathBuf> {
    let dir = repo_root().join("target").join("screenshots");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// An executable on `PATH` or in cargo's bin directory (where `cargo install` puts tools).
pub fn tool(name: &str) -> Result<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin"));
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(cargo_bin)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .with_context(|| format!("{name} is not installed; run `bash scripts/setup.sh`"))
}
