#!/usr/bin/env bash
# API conformance: schemathesis (PyPI, pinned, in its own venv) against a real together-server whose
# billing talks to a local fake Stripe and AI endpoint, signed in as a test couple. Fails on any
# 5xx the description does not document and on any answer that breaks the description's schema.
#
#   bash scripts/api-conformance.sh            # short run (CI): a few examples per operation
#   EXAMPLES=200 bash scripts/api-conformance.sh   # a longer run
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES="${EXAMPLES:-25}"
VENV="${SCHEMATHESIS_VENV:-$HOME/.cache/better-together/schemathesis-venv}"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  step "installing schemathesis $SCHEMATHESIS_VERSION in $VENV"
  # Debian's python3 (python3-venv, installed by setup.sh) when there is one.
  python=/usr/bin/python3
  [[ -x "$python" ]] || python=python3
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet -p together-server --example api_conformance
work="$(mktemp -d)"
trap 'exec 3>&- 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
mkfifo "$work/stdin"
"$CARGO_TARGET_DIR/debug/examples/api_conformance" <"$work/stdin" >"$work/ready" 2>"$work/server.log" &
# Holding the fifo open keeps the server running; closing it (on exit) stops it.
exec 3>"$work/stdin"
for _ in $(seq 1 300); do
  [[ -s "$work/ready" ]] && break
  sleep 0.1
done
[[ -s "$work/ready" ]] || { cat "$work/server.log" >&2; echo "the test server did not start" >&2; exit 1; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/ready" "$1"; }
openapi="$(field openapi)"
token="$(field token)"

step "schemathesis $SCHEMATHESIS_VERSION against $openapi ($EXAMPLES examples per operation)"
# Left out: signing out, signing the device out and deleting the account (they would end the test
# session; their own tests cover them).
"$VENV/bin/schemathesis" run "$openapi" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --exclude-checks positive_data_acceptance,use_after_free,ensure_resource_availability,object_level_authorization \
  --phases examples,coverage,fuzzing \
  --max-examples "$EXAMPLES" \
  --workers 1 \
  --exclude-path /v1/account \
  --exclude-path /v1/sessions/current \
  --exclude-path '/v1/devices/{device_id}' \
  --seed 20261129 \
  --no-color
