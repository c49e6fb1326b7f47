#!/usr/bin/env bash
# Runs Schemathesis 4.x against a served instance (`serve --dev` on a temporary SQLite database),
# with the administrator token it prints and every check. Exceptions, each with its reason, are in
# .ci/schemathesis.toml. Phases: examples, coverage and fuzzing. The stateful phase is left out for
# now: it reports two heuristic findings (a read after a dry-run DELETE, and the user's "current
# session" read right after creating the user) that its engine does not let the per-operation
# config exclude; run it by hand with ENROLLD_ST_PHASES=examples,coverage,fuzzing,stateful.
# Usage: .ci/schemathesis.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-300}"
venv="${ENROLLD_ST_VENV:-/tmp/enrolld-schemathesis}"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis>=4,<5"
fi
"$venv/bin/st" --version
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cargo build --quiet -p enrolld
target/debug/enrolld serve --dev --listen "127.0.0.1:$port" --database "sqlite://$work/enrolld.db" \
  > "$work/stdout" 2> "$work/stderr" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  [ "$(wc -l < "$work/stdout")" -ge 5 ] && break
  sleep 0.2
done
token="$(sed -n 5p "$work/stdout")"
"$venv/bin/st" --config-file .ci/schemathesis.toml run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --phases "${ENROLLD_ST_PHASES:-examples,coverage,fuzzing}" \
  --max-time "$budget" \
  --workers 2 \
  --suppress-health-check all \
  --seed 20261121
