#!/usr/bin/env bash
# The app's own figures (issue #14 §7), release build: size on disk, cold start to interactive
# under a private Xvfb display, and idle memory of the whole process tree (WebKit's processes
# included) as proportional set size (PSS: shared pages split between the processes sharing them,
# so the sum is what the tree really costs — summing RSS counts shared libraries once per process).
#
#   bash scripts/bench-app.sh            RUNS=5 starts by default
#
# Prints one line per start and a summary. Targets to measure against (not gates): .deb ≤ 10 MB,
# start ≤ 0.5 s under Xvfb, idle ≤ 120 MB. No .deb is built here (the Tauri CLI is not installed
# by the project's scripts): the stripped binary and its xz-compressed size stand in for it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

RUNS=${RUNS:-5}
IDLE_SECONDS=${IDLE_SECONDS:-5}

bash scripts/build-ui.sh --release >&2
cargo build --release -p together-app >&2
# Leave the debug UI in place for the test suite (the debug app embeds ui/dist too).
trap 'bash scripts/build-ui.sh >/dev/null 2>&1 || true' EXIT

app="$CARGO_TARGET_DIR/release/together-app"
work=$(mktemp -d)
strip -o "$work/together-app.stripped" "$app"
xz -9 -k -c "$work/together-app.stripped" > "$work/together-app.xz"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "binary: $(mib "$(stat -c %s "$app")") as built, $(mib "$(stat -c %s "$work/together-app.stripped")") stripped, $(mib "$(stat -c %s "$work/together-app.xz")") xz -9 (a .deb's payload is xz-compressed)"

# Every process in the tree under $1 (the app, WebKit's web and network processes).
tree() {
  local pid=$1
  echo "$pid"
  for child in $(pgrep -P "$pid" || true); do tree "$child"; done
}

# The tree's PSS in KiB, and each process's share by name.
pss() {
  local total=0
  for pid in $(tree "$1"); do
    [[ -r /proc/$pid/smaps_rollup ]] || continue
    local kib name
    kib=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
    name=$(tr -d '\0' < "/proc/$pid/comm")
    total=$((total + kib))
    printf '    %-24s %6d KiB\n' "$name" "$kib" >&2
  done
  echo "$total"
}

starts=()
for run in $(seq 1 "$RUNS"); do
  data="$work/data-$run"
  log="$work/run-$run.log"
  mkdir -p "$data"
  t0=$(date +%s%N)
  RUST_LOG=info xvfb-run -a -s "-screen 0 1280x900x24 -nolisten tcp" \
    "$app" --data-dir "$data" --secret-store file > "$log" 2>&1 &
  runner=$!
  startup=""
  for _ in $(seq 1 300); do
    if grep -q "first screen asked for its data" "$log"; then
      startup=$(( ($(date +%s%N) - t0) / 1000000 ))
      break
    fi
    sleep 0.05
  done
  app_pid=$(pgrep -f -n "^$app --data-dir $data" || true)
  if [[ -z "$startup" || -z "$app_pid" ]]; then
    echo "run $run: the app did not reach its first screen; log:" >&2
    cat "$log" >&2
    kill "$runner" 2>/dev/null || true
    exit 1
  fi
  reported=$(grep -o 'startup_ms=[0-9]*' "$log" | head -1 | cut -d= -f2)
  sleep "$IDLE_SECONDS"
  echo "run $run: first screen after ${startup} ms (wall, from spawning Xvfb and the app), ${reported} ms (the app's own clock); idle PSS by process:" >&2
  kib=$(pss "$app_pid")
  echo "run $run: start ${startup} ms (${reported} ms in-process), idle PSS $((kib / 1024)) MiB"
  starts+=("$reported")
  kill "$app_pid" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
done
sorted=$(printf '%s\n' "${starts[@]}" | sort -n)
echo "in-process start to first screen, median of $RUNS: $(echo "$sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms"
rm -rf "$work"
