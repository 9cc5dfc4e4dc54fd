#!/usr/bin/env bash
# The app's own figures (issue #14 §7), release build: size on disk, cold start to interactive
# under a private Xvfb display, and idle memory of the whole process tree (WebKit's processes
# included) as proportional set size (PSS: shared pages split between the processes sharing them,
# so the sum is what the tree really costs — summing RSS counts shared libraries once per process).
#
#   bash scripts/bench-app.sh            RUNS=5 starts by default, IDLE_SECONDS=5 before measuring
#
# Start to interactive: from spawning xvfb-run until the UI asks the app for its first data (the
# app logs "first screen asked for its data", with its own in-process clock). On a shared, noisy
# machine the wall figure alone says little, so every run also starts a reference in the same
# conditions: WebKitGTK's own MiniBrowser under xvfb-run, on a trivial page whose script calls a
# loopback listener once loaded. The app/reference ratio is the figure to compare across runs.
#
# Targets to measure against (not gates): .deb ≤ 10 MB, start ≤ 0.5 s under Xvfb, idle ≤ 120 MB.
# No .deb is built here (the Tauri CLI is not installed by the project's scripts): the stripped
# binary and its xz-compressed size stand in for it. Extra environment (WEBKIT_* settings) passes
# through to the app, to measure a setting before and after.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

RUNS=${RUNS:-5}
IDLE_SECONDS=${IDLE_SECONDS:-5}
MINIBROWSER=${MINIBROWSER:-/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser}

bash scripts/build-ui.sh --release >&2
cargo build --release -p together-app >&2
# Leave the debug UI in place for the test suite (the debug app embeds ui/dist too).
trap 'bash scripts/build-ui.sh >/dev/null 2>&1 || true' EXIT

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
app="$CARGO_TARGET_DIR/release/together-app"
work=$(mktemp -d)
strip -o "$work/together-app.stripped" "$app"
xz -9 -k -c "$work/together-app.stripped" > "$work/together-app.xz"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "binary: $(mib "$(stat -c %s "$app")") as built, $(mib "$(stat -c %s "$work/together-app.stripped")") stripped, $(mib "$(stat -c %s "$work/together-app.xz")") xz -9 (a .deb's payload is xz-compressed)"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Every process in the tree under $1 (the app, WebKit's web and network processes).
process_tree() {
  local pid=$1
  echo "$pid"
  for child in $(pgrep -P "$pid" || true); do process_tree "$child"; done
}

# The tree's PSS in KiB on stdout; each process's share by name on stderr.
pss() {
  local total=0
  for pid in $(process_tree "$1"); do
    [[ -r /proc/$pid/smaps_rollup ]] || continue
    local kib name
    kib=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
    name=$(tr -d '\0' < "/proc/$pid/comm")
    total=$((total + kib))
    printf '    %-24s %7d KiB\n' "$name" "$kib" >&2
  done
  echo "$total"
}

# Where a process's memory goes: its largest mappings by PSS (anonymous memory grouped by kind).
mappings() {
  local pid=$1
  awk '
    /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anonymous]"; next }
    /^Pss:/ { pss[name] += $2 }
    END { for (n in pss) if (pss[n] > 0) printf "%d %s\n", pss[n], n }
  ' "/proc/$pid/smaps" | sort -rn | head -8 | awk '{ printf "      %7d KiB  %s\n", $1, $2 }' || true
}

# The reference: MiniBrowser under xvfb-run on a page that calls back once its script runs.
# Prints the milliseconds from spawning to the call.
reference() {
  local out="$work/reference.out"
  : > "$out"
  python3 -u -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); s.settimeout(30)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); print("called", flush=True)
c.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"); c.close()
' > "$out" &
  local listener=$!
  local port=""
  for _ in $(seq 1 100); do
    port=$(head -n1 "$out")
    [[ -n "$port" ]] && break
    sleep 0.02
  done
  local page="data:text/html,<p>hello</p><script>fetch('http://127.0.0.1:$port/')</script>"
  local t0
  t0=$(now_ms)
  xvfb-run -a -s "-screen 0 1280x900x24 -nolisten tcp" "$MINIBROWSER" "$page" >/dev/null 2>&1 &
  local runner=$!
  local elapsed=""
  for _ in $(seq 1 600); do
    if grep -q called "$out"; then
      elapsed=$(( $(now_ms) - t0 ))
      break
    fi
    sleep 0.02
  done
  pkill -P "$runner" 2>/dev/null || true
  for pid in $(pgrep -f "^$MINIBROWSER data:text/html" || true); do kill "$pid" 2>/dev/null || true; done
  wait "$runner" 2>/dev/null || true
  kill "$listener" 2>/dev/null || true
  wait "$listener" 2>/dev/null || true
  echo "${elapsed:-0}"
}

walls=() reported=() references=() idles=()
for run in $(seq 1 "$RUNS"); do
  ref_ms=$(reference)
  data="$work/data-$run"
  log="$work/run-$run.log"
  mkdir -p "$data"
  : > "$log"
  t0=$(now_ms)
  NO_COLOR=1 RUST_LOG=info xvfb-run -a -s "-screen 0 1280x900x24 -nolisten tcp" \
    "$app" --data-dir "$data" --secret-store file > "$log" 2>&1 &
  runner=$!
  wall=""
  for _ in $(seq 1 1500); do
    if grep -q "first screen asked for its data" "$log"; then
      wall=$(( $(now_ms) - t0 ))
      break
    fi
    sleep 0.02
  done
  app_pid=$(pgrep -f -n "^$app --data-dir $data" || true)
  if [[ -z "$wall" || -z "$app_pid" ]]; then
    echo "run $run: the app did not reach its first screen; log:" >&2
    cat "$log" >&2
    kill "$runner" 2>/dev/null || true
    exit 1
  fi
  in_process=$(grep -o 'startup_ms=[0-9]*' "$log" | head -1 | cut -d= -f2 || true)
  sleep "$IDLE_SECONDS"
  echo "run $run: idle PSS by process:" >&2
  kib=$(pss "$app_pid")
  if [[ $run -eq $RUNS ]]; then
    echo "largest mappings by PSS, last run:" >&2
    for pid in $(process_tree "$app_pid"); do
      [[ -r /proc/$pid/smaps ]] || continue
      echo "    $(tr -d '\0' < "/proc/$pid/comm") ($pid):" >&2
      mappings "$pid" >&2
    done
  fi
  echo "run $run: start ${wall} ms wall (${in_process} ms in-process), reference ${ref_ms} ms, idle PSS $((kib / 1024)) MiB"
  walls+=("$wall") reported+=("$in_process") references+=("$ref_ms") idles+=("$kib")
  kill "$app_pid" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
done
wall_median=$(printf '%s\n' "${walls[@]}" | median)
ref_median=$(printf '%s\n' "${references[@]}" | median)
echo "medians of $RUNS: start ${wall_median} ms wall, $(printf '%s\n' "${reported[@]}" | median) ms in-process; reference ${ref_median} ms; ratio app/reference $(awk -v a="$wall_median" -v r="$ref_median" 'BEGIN { printf "%.2f", (r > 0 ? a / r : 0) }'); idle PSS $(( $(printf '%s\n' "${idles[@]}" | median) / 1024 )) MiB"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$work"
