#!/usr/bin/env bash
# Installs what building, running and testing Better Together needs on Debian 12, and nothing that
# is already there: a second run installs nothing. Run as root or as a user with sudo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

# Tauri/WebKitGTK build dependencies, then what the end-to-end UI tests and screenshots use (a
# private D-Bus session bus with the dunst notification daemon, whose history shows which OS
# notifications each app instance raised), and
# python3-venv for the pinned schemathesis that checks the API against its OpenAPI description, and
# PostgreSQL, whose binaries the server's second test run starts a private cluster with
# (scripts/pg.sh; the packaged cluster need not run).
APT_PACKAGES=(
  build-essential curl file pkg-config libssl-dev libxdo-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth webkit2gtk-driver fonts-dejavu-core keyutils imagemagick
  dbus-daemon dbus-bin dunst
  python3-venv
  postgresql
)
# tauri-driver bridges WebDriver clients to WebKitWebDriver; pinned so every machine tests alike.
TAURI_DRIVER_VERSION=2.1.0

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_apt_packages() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    echo "apt packages: all present"
    return
  fi
  step "installing apt packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

check_rust() {
  if ! command -v cargo >/dev/null || ! command -v rustup >/dev/null; then
    echo "error: Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
    exit 1
  fi
  local required actual
  required="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
  actual="$(rustc --version | awk '{print $2}')"
  if [[ "$(printf '%s\n%s\n' "$required" "$actual" | sort -V | head -n1)" != "$required" ]]; then
    echo "error: Rust $actual is older than the required $required; run 'rustup update'." >&2
    exit 1
  fi
  echo "rust: $actual"
}

install_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "wasm32 target: present"
  else
    step "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
install_wasm_bindgen() {
  local wanted have
  wanted="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [[ "$have" == "$wanted" ]]; then
    echo "wasm-bindgen-cli: $have"
  else
    step "installing wasm-bindgen-cli $wanted (was: ${have:-none})"
    # Not --locked: the CLI's own lockfile names a crate version the registry no longer serves.
    cargo install --force "wasm-bindgen-cli@$wanted"
  fi
}

install_tauri_driver() {
  if cargo install --list | grep -qx "tauri-driver v$TAURI_DRIVER_VERSION:"; then
    echo "tauri-driver: $TAURI_DRIVER_VERSION"
  else
    step "installing tauri-driver $TAURI_DRIVER_VERSION"
    cargo install --locked --force "tauri-driver@$TAURI_DRIVER_VERSION"
  fi
}

install_apt_packages
check_rust
install_wasm_target
install_wasm_bindgen
install_tauri_driver
