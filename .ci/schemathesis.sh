#!/usr/bin/env bash
# Runs Schemathesis 4.x against a served instance (`serve --dev` on a temporary SQLite database),
# with the administrator token it prints and every check. Exceptions, each with its reason, are in
# .ci/schemathesis.toml. Phases: examples, coverage, fuzzing and stateful. The stateful engine does
# not read the per-operation check switches of that file, so the findings of its heuristics that are
# not defects are accepted in .ci/schemathesis-baseline.json instead, each with its reason.
# Usage: .ci/schemathesis.sh [seconds] [extra st arguments, e.g. --baseline-update]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-300}"
shift || true
venv="${ENROLLD_ST_VENV:-/tmp/enrolld-schemathesis}"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
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
  --phases "${ENROLLD_ST_PHASES:-examples,coverage,fuzzing,stateful}" \
  --baseline .ci/schemathesis-baseline.json \
  --max-time "$budget" \
  --workers 2 \
  --suppress-health-check all \
  --seed 20261121 "$@"
