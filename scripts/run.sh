#!/usr/bin/env bash
# Installs what is missing, builds, starts together-server on its embedded SQLite and opens the app
# pointed at it. Closing the app (or Ctrl-C) stops the server too.
#
# Environment: TOGETHER_LISTEN (server address, default 127.0.0.1:8787), TOGETHER_SERVER_DATA_DIR
# (default ./server-data), TOGETHER_DATA_DIR (the app's data, default the platform's app data dir).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/setup.sh
bash scripts/build-ui.sh
step "building the server and the app"
# The same package selection as scripts/test.sh, so both reuse one build (features unify alike).
cargo build --workspace --exclude together-ui

listen="${TOGETHER_LISTEN:-127.0.0.1:8787}"
server_url="http://$listen"
server_pid=""
xvfb_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT INT TERM

if curl -fsS "$server_url/healthz" >/dev/null 2>&1; then
  echo "a together-server already answers at $server_url; using it"
else
  step "starting together-server on $listen"
  "$CARGO_TARGET_DIR/debug/together-server" serve --listen "$listen" \
    --data-dir "${TOGETHER_SERVER_DATA_DIR:-$REPO_ROOT/server-data}" &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "$server_url/healthz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "error: together-server did not start" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS "$server_url/healthz"; echo
fi

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  # No screen (ssh, a container): draw on a virtual one and leave a screenshot to look at.
  export DISPLAY=:77
  step "no display found: starting Xvfb on $DISPLAY"
  Xvfb "$DISPLAY" -screen 0 1280x900x24 -nolisten tcp &
  xvfb_pid=$!
  sleep 1
  mkdir -p "$REPO_ROOT/target/screenshots"
  ( sleep 6 && import -window root "$REPO_ROOT/target/screenshots/run.png" 2>/dev/null \
      && echo "screenshot of the running app: target/screenshots/run.png" ) &
fi

step "opening Better Together (close the window to stop)"
"$CARGO_TARGET_DIR/debug/together-app" --server "$server_url"
