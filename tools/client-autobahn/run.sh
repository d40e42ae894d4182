#!/usr/bin/env bash
# Autobahn|Testsuite against frame's client role: sections 1-10, like the echo-server's run
# (tools/autobahn/run.sh), but the other way round: `wstest -m fuzzingserver` plays the
# server and frame/examples/autobahn_client.rs connects to it once per case. Fails unless
# every case's behavior and behaviorClose are OK or INFORMATIONAL (no NON-STRICT, no FAILED);
# writes the client's section of docs/conformance.md.
#
# Usage: tools/client-autobahn/run.sh       (installs wstest with pip if it is missing)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/client-autobahn"
mkdir -p "$out"

# Autobahn|Testsuite is Python 2.7 only; the same install as the server-side run.
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

echo "==> building the client driver"
(cd "$root" && cargo build --release -p frame --example autobahn_client)
driver="${CARGO_TARGET_DIR:-$root/target}/release/examples/autobahn_client"

# A free port: 9001 unless something holds it, then the next ones.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port="${PORT:-9001}"
for _ in $(seq 50); do
  port_free "$port" && break
  port=$((port + 1))
done
port_free "$port" || { echo "Error: no free port from 9001 on" >&2; exit 1; }
url="ws://127.0.0.1:$port"

# The committed spec with this run's URL and report directory.
python3 - "$here/fuzzingserver.json" "$out/fuzzingserver.json" "$url" "$out/reports" <<'PY'
import json, sys
source, target, url, reports = sys.argv[1:]
spec = json.load(open(source))
spec["url"] = url
spec["outdir"] = reports
json.dump(spec, open(target, "w"), indent=2)
PY

echo "==> starting wstest -m fuzzingserver on $url"
rm -rf "$out/reports"
(cd "$out" && exec "$wstest" -m fuzzingserver -s "$out/fuzzingserver.json") >"$out/wstest.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  port_free "$port" || break
  kill -0 "$server_pid" 2>/dev/null || { tail -20 "$out/wstest.log" >&2; exit 1; }
  sleep 0.1
done
port_free "$port" && { echo "Error: the fuzzing server did not start listening" >&2; exit 1; }

echo "==> running the driver (a few minutes)"
"$driver" "$url"

echo "==> checking the results"
versions="$("$wstest" -a 2>/dev/null | paste -sd, - | sed 's/,/, /g'), rustc $(rustc --version | cut -d' ' -f2), frame at $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
python3 "$here/check.py" "$out/reports/index.json" "$root/docs/conformance.md" "$versions"
