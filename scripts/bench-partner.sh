#!/usr/bin/env bash
# "Partner sees it", side by side (issue 13 §5): the partner bench (client/benches/partner.rs:
# real together-client stores against real together-server processes) for each N and backend,
# beside the reference automerge-repo JS sync server (../shared/anchors/js-sync) at the same N and
# pacing, with our/their ratio per line. Servers (and PostgreSQL's cluster) on CPU 0, load on CPU 1.
#
#   bash scripts/bench-partner.sh                     N = 10 100 500 1000, every backend
#   COUPLES="10 100" BACKENDS="sqlite" bash scripts/bench-partner.sh
#
# Knobs (env): COUPLES ["10 100 500 1000"]  BACKENDS ["sqlite postgres1 postgres2"]  ROUNDS [10]
#   THINK_MS [1000]  REFERENCE [../shared/anchors/js-sync; skipped when absent]  OUT [/tmp/bench-partner-<time>]
#   LOAD_TIMEOUT_S [900]: the reference's hard timeout per load run (its own default, 240 s, ends
#   its N = 1,000 run before it finishes)
#   BENCH_ARGS [""]: more arguments for each of our lines (`--full-sync`: the whole sync per save
#   and per message, the path before issue #13 §5)
# PostgreSQL lines run under scripts/pg.sh (a private throwaway cluster) unless
# TOGETHER_TEST_DATABASE_URL names one (then its postmaster is not pinned nor measured).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

COUPLES=${COUPLES:-"10 100 500 1000"}
BACKENDS=${BACKENDS:-"sqlite postgres1 postgres2"}
ROUNDS=${ROUNDS:-10}
THINK_MS=${THINK_MS:-1000}
REFERENCE=${REFERENCE:-../shared/anchors/js-sync}
OUT=${OUT:-/tmp/bench-partner-$(date -u +%Y%m%dT%H%M%SZ)}
export COUPLES BACKENDS ROUNDS THINK_MS REFERENCE OUT

if [[ "$BACKENDS" == *postgres* && -z "${TOGETHER_TEST_DATABASE_URL:-}" ]]; then
  exec bash scripts/pg.sh bash "$0" "$@"
fi
mkdir -p "$OUT"

cargo build --release -p together-server >&2
cargo bench -p together-client --bench partner --no-run >&2
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
SERVER_BIN="$TARGET/release/together-server"

PIN_SERVER=(); PIN_LOAD=(); SERVER_CPU=()
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
  PIN_SERVER=(taskset -c 0); PIN_LOAD=(taskset -c 1); SERVER_CPU=(--server-cpu 0)
fi

# PostgreSQL's postmaster and its processes on the server's CPU too (only our private cluster).
POSTMASTER=""
if [[ -n "${PG_TEST_DATA_DIR:-}" && -r "$PG_TEST_DATA_DIR/postmaster.pid" ]]; then
  POSTMASTER=$(head -1 "$PG_TEST_DATA_DIR/postmaster.pid")
  if [[ ${#PIN_SERVER[@]} -gt 0 ]]; then
    for pid in "$POSTMASTER" $(pgrep -P "$POSTMASTER" || true); do taskset -a -cp 0 "$pid" >/dev/null || true; done
  fi
fi

# The reference runs from a copy (its npm packages installed there, not in the shared directory).
JS=""
if [[ -d "$REFERENCE" ]] && command -v node >/dev/null; then
  JS="$HOME/.cache/bt-js-sync"
  mkdir -p "$JS"
  cp "$REFERENCE"/{server.mjs,load.mjs,run.sh,package.json,package-lock.json} "$JS/"
  if [[ ! -d "$JS/node_modules/@automerge/automerge-repo" ]]; then
    (cd "$JS" && npm install --no-audit --no-fund >&2)
  fi
fi

field() { # $1 = line, $2 = name: the number after the FIRST "name=" (the latency; later ones
  # on a line are the client's save and sync, or the reference's event-loop lag)
  grep -o "[ |]$2=[0-9.]*" <<<"$1" | head -1 | cut -d= -f2
}
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print(f'{float(a)/float(b):.2f}' if a and b and float(b)>0 else 'n/a')" "$1" "$2" 2>/dev/null || echo n/a; }

{
  echo "# $(date -u +%FT%TZ) $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "# rounds=$ROUNDS think_ms=$THINK_MS pin=[${PIN_SERVER[*]:-none}]/[${PIN_LOAD[*]:-none}] load: $(uptime | sed 's/.*load average/load average/')"
} | tee "$OUT/summary.txt"

for N in $COUPLES; do
  theirs=""
  if [[ -n "$JS" ]]; then
    theirs=$(cd "$JS" && COUPLES="$N" IDLE_CLIENTS="" ROUNDS="$ROUNDS" THINK_MS="$THINK_MS" \
      LOAD_TIMEOUT_S="${LOAD_TIMEOUT_S:-900}" \
      OUT="$OUT/js-N$N" ./run.sh quick 2>>"$OUT/js.err" | grep '^RESULT' | tail -1 || true)
    echo "${theirs:-RESULT theirs N=$N FAILED (see $OUT/js.err)}" | tee -a "$OUT/summary.txt"
  fi
  for backend in $BACKENDS; do
    # shellcheck disable=SC2206 # BENCH_ARGS is split on purpose
    args=(--server-bin "$SERVER_BIN" --couples "$N" --rounds "$ROUNDS" --think-ms "$THINK_MS" "${SERVER_CPU[@]}" ${BENCH_ARGS:-})
    if [[ $backend == postgres* ]]; then
      db="bench_$(date +%s%N)"
      "${PG_TEST_BIN:-/usr/bin}/psql" -q "$TOGETHER_TEST_DATABASE_URL" -c "CREATE DATABASE $db" >/dev/null
      url="${TOGETHER_TEST_DATABASE_URL%/*}/$db"
      args+=(--database-url "$url" --instances "${backend#postgres}")
      [[ -n "$POSTMASTER" ]] && args+=(--postgres-pid "$POSTMASTER")
    fi
    # A fixed mmap threshold: each device's sign-up runs Argon2id (a block of tens of MiB); with
    # glibc's sliding threshold those blocks come from the heap, which then never shrinks below
    # what the devices allocated after them (≈ 12 MiB resident per device, 2.3 with this).
    ours=$(GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 "${PIN_LOAD[@]}" cargo bench -q -p together-client --bench partner -- "${args[@]}" 2>>"$OUT/ours.err" | grep '^RESULT' || true)
    [[ -n "$ours" ]] || ours="RESULT ours backend=$backend N=$N FAILED (see $OUT/ours.err)"
    if [[ -n "$theirs" ]]; then
      ours="$ours | ours/theirs p50=$(ratio "$(field "$ours" p50)" "$(field "$theirs" p50)") p99=$(ratio "$(field "$ours" p99)" "$(field "$theirs" p99)")"
    fi
    echo "$ours" | tee -a "$OUT/summary.txt"
  done
done
echo "# results: $OUT" | tee -a "$OUT/summary.txt"
