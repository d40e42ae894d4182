#!/usr/bin/env bash
# Autobahn|Testsuite against the echo-server: sections 1-10 (framing, pings, reserved bits
# and opcodes, fragmentation, UTF-8, close handling, big messages, limits). Sections 12-13
# test permessage-deflate, which we do not offer. Fails unless every case is OK (or
# INFORMATIONAL) in both behavior and behaviorClose; writes docs/conformance.md.
#
# Usage: tools/autobahn/run.sh              (installs wstest with pip if it is missing)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/autobahn"
mkdir -p "$out"

# Autobahn|Testsuite is Python 2.7 only. These machines have it through pyenv; elsewhere set
# PYTHON2, or run the crossbario/autobahn-testsuite Docker image with the same spec.
if [[ -z "${PYTHON2:-}" ]]; then
  if command -v pyenv >/dev/null && [[ -x "$(pyenv root)/versions/2.7.18/bin/python" ]]; then
    PYTHON2="$(pyenv root)/versions/2.7.18/bin/python"
  else
    PYTHON2="$(command -v python2 || true)"
  fi
fi
wstest="${WSTEST:-$(command -v wstest || echo "$HOME/.local/bin/wstest")}"
if [[ ! -x "$wstest" ]]; then
  [[ -n "$PYTHON2" ]] || { echo "Error: Python 2.7 is needed for Autobahn|Testsuite (set PYTHON2)" >&2; exit 1; }
  echo "==> installing Autobahn|Testsuite with $PYTHON2"
  "$PYTHON2" -m pip install --user autobahntestsuite
  wstest="$HOME/.local/bin/wstest"
fi

echo "==> building the release echo-server"
(cd "$root" && cargo build --release -p echo-server)
binary="${CARGO_TARGET_DIR:-$root/target}/release/echo-server"

echo "==> starting it on a free port"
# --time-limit: a backstop in case this script is killed before its trap runs.
"$binary" --addr 127.0.0.1:0 --no-greeting --time-limit 1800 >"$out/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 100); do
  url="$(sed -n 's|^Listening on \(ws://[^ ]*\)/$|\1|p' "$out/server.log")"
  [[ -n "$url" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "Error: the server did not print its Listening line" >&2; exit 1; }
echo "    $url"

# The committed spec with this run's URL and report directory.
python3 - "$here/fuzzingclient.json" "$out/fuzzingclient.json" "$url" "$out/reports" <<'PY'
import json, sys
source, target, url, reports = sys.argv[1:]
spec = json.load(open(source))
spec["servers"][0]["url"] = url
spec["outdir"] = reports
json.dump(spec, open(target, "w"), indent=2)
PY

echo "==> running wstest -m fuzzingclient (a few minutes)"
rm -rf "$out/reports"
(cd "$out" && "$wstest" -m fuzzingclient -s "$out/fuzzingclient.json") >"$out/wstest.log" 2>&1 \
  || { tail -20 "$out/wstest.log" >&2; exit 1; }

echo "==> checking the results"
versions="$("$wstest" -a 2>/dev/null | paste -sd, - | sed 's/,/, /g'), rustc $(rustc --version | cut -d' ' -f2), echo-server at $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
python3 "$here/check.py" "$out/reports/index.json" "$root/docs/conformance.md" "$versions"
