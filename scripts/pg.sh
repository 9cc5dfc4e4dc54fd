#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for the tests: its own data directory (a temporary
# directory owned by `postgres`), its own free port on 127.0.0.1, trust authentication, stopped
# and removed at the end whatever happens. Never a server that happens to be running.
#
#   bash scripts/pg.sh CMD ARGS...   runs CMD with TOGETHER_TEST_DATABASE_URL set to the cluster
#                                    (and PG_TEST_DATA_DIR, PG_TEST_BIN for tests that restart it)
#   bash scripts/pg.sh               starts it, prints the URL, and waits until interrupted
#
# When TOGETHER_TEST_DATABASE_URL is already set, that server is used and nothing is started.
set -euo pipefail

if [[ -n "${TOGETHER_TEST_DATABASE_URL:-}" ]]; then
  echo "PostgreSQL for tests: $TOGETHER_TEST_DATABASE_URL (given)" >&2
  if (($# > 0)); then exec "$@"; fi
  exit 0
fi

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
if [[ ! -x "$PG_BIN/initdb" ]]; then
  echo "error: PostgreSQL is not installed (no initdb under /usr/lib/postgresql); run scripts/setup.sh" >&2
  exit 1
fi

as_postgres() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@";
  elif [[ "$(id -un)" == postgres ]]; then "$@";
  else sudo -u postgres -- "$@"; fi
}

cluster="$(mktemp -d /tmp/together-pg.XXXXXX)"
chmod 755 "$cluster"
chown postgres: "$cluster" 2>/dev/null || sudo chown postgres: "$cluster"

stop_cluster() {
  as_postgres "$PG_BIN/pg_ctl" -D "$cluster/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$cluster" 2>/dev/null || sudo rm -rf "$cluster" || true
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

as_postgres "$PG_BIN/initdb" -D "$cluster/data" -A trust -U postgres --no-sync >/dev/null

# A free port: ask the kernel for one, then hand it to PostgreSQL (retry on the rare race).
for _ in 1 2 3 4 5; do
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # fsync stays on: the tests check what an acknowledged append survives.
  if as_postgres "$PG_BIN/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w -t 30 \
      -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null; then
    started=1
    break
  fi
done
if [[ -z "${started:-}" ]]; then
  echo "error: the private PostgreSQL cluster did not start; its log:" >&2
  cat "$cluster/log" >&2 || true
  exit 1
fi

export TOGETHER_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
# For tests that restart the cluster under load (sync-server/tests/instances.rs).
export PG_TEST_DATA_DIR="$cluster/data"
export PG_TEST_BIN="$PG_BIN"
echo "PostgreSQL for tests: $TOGETHER_TEST_DATABASE_URL (private cluster in $cluster)" >&2

if (($# > 0)); then
  "$@"
else
  echo "$TOGETHER_TEST_DATABASE_URL"
  echo "(Ctrl-C stops and removes it)" >&2
  while true; do sleep 3600; done
fi
