#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, lints, unit and integration
# tests, and the end-to-end UI test of the real app in WebKit under a private X display.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

started=$SECONDS
timed() {
  local label="$1"; shift
  local t0=$SECONDS
  step "$label"
  "$@"
  echo "($label: $((SECONDS - t0)) s)"
}

timed "setup" bash scripts/setup.sh
timed "formatting" cargo fmt --all -- --check
# The app embeds the compiled UI, so the UI comes first.
timed "UI (wasm)" bash scripts/build-ui.sh
timed "build (app, CLI, server)" cargo build --workspace --exclude together-ui
# A fresh session keyring: the OS-keyring test (and nothing else) uses it, and no user's keyring
# is ever touched. Without a session keyring, kernel keyring writes can vanish (CI, ssh).
timed "tests" keyctl session - cargo test --workspace --exclude together-ui --exclude together-e2e
# The end-to-end tests one at a time: each drives real WebKit apps (a web process, its WebDriver
# and a display each), and two of them at once on a 2-core machine starve WebKit into "page crash
# or hang" and lost clicks.
timed "end-to-end (real WebKit, one test at a time)" keyctl session - cargo test -p together-e2e -- --test-threads=1
# The server's conformance suite (storage and HTTP/WebSocket API) again on PostgreSQL, in a private
# throwaway cluster (or TOGETHER_TEST_DATABASE_URL's server), with the tests of several instances
# on one database that only run there.
timed "server tests on PostgreSQL" bash scripts/pg.sh cargo test -p together-server
timed "API conformance (schemathesis)" bash scripts/api-conformance.sh
timed "lints (host)" cargo clippy --workspace --exclude together-ui --all-targets -- -D warnings
timed "lints (UI, wasm)" cargo clippy -p together-ui --target wasm32-unknown-unknown -- -D warnings

echo
echo "all checks passed in $((SECONDS - started)) s; screenshots in $REPO_ROOT/target/screenshots"
