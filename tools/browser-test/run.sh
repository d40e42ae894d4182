#!/usr/bin/env bash
# tools/browser-test/run.sh: the client page tested in real browsers, as CI runs it. It builds and
# starts the real echo-server and com-server on free ports, starts a headless Chromium and a
# headless Firefox (Debian's firefox-esr), and lets browser-test.mjs drive the page through
# both. Whatever happens, the trap below stops everything this script started. Prints
# `N passed, M failed` last; exits non-zero on failure.
set -euo pipefail

test_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$test_dir/../.." && pwd)"
# Cargo puts the binaries in $CARGO_TARGET_DIR when it is set (relative to where cargo
# runs, which is $repo below), else in target/.
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$repo/$target_dir" ;; esac
binaries="$target_dir/debug"
screenshots="$repo/target/browser"
work="$(mktemp -d)"
mkdir -p "$screenshots"

pids=()
browser_pids=()
cleanup() {
  local status=$?
  # Each browser runs in its own session (setsid), so its renderer and helper processes
  # share its process group: one signal to the group stops them all.
  for pid in "${browser_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}" "${browser_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in "${browser_pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "browser test: $*"
  echo "0 passed, 1 failed"
  exit 1
}

# Polls a log file for a line matching a pattern, for at most `tries` tenths of a second,
# and prints the first match. The process that writes the file must stay alive meanwhile.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3 tries=$4 line
  for _ in $(seq "$tries"); do
    line="$(grep -m1 -E "$pattern" "$file" 2>/dev/null || true)"
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---- What the test needs: a browser, the Node driver, the servers ----

# Debian's own builds: the driver below never downloads a browser.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian's ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
(cd "$test_dir" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$repo" && cargo build --quiet -p echo-server -p com-server)

# Each server binds port 0 (the OS picks a free port) and says which one it got.
start_server() {
  local name=$1 log="$screenshots/$1.log" pid line
  "$binaries/$name" --addr 127.0.0.1:0 --time-limit 600 "${@:2}" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  line="$(wait_for_line "$log" '^Listening on ws://' "$pid" 100)" ||
    { cat "$log"; fail "$name printed no 'Listening on ws://HOST:PORT/' line within 10 s"; }
  port="$(sed -E 's|^Listening on ws://.*:([0-9]+)/.*$|\1|' <<<"$line")"
  echo "$name: $line (log: $log)"
}
# --verbose: the echo-server's log then dissects every frame the browser sent, a real
# capture that docs/03-frames.md quotes.
start_server echo-server --verbose
echo_port=$port
start_server com-server
com_port=$port

# A headless Chromium with a fresh profile, quiet about the network: no QUIC, no
# background updates, sync or first-run pages, nothing that could reach beyond 127.0.0.1.
# Scrollbars are hidden as on a phone, where they overlay the page instead of narrowing it.
# --remote-debugging-port=0 picks a free port and prints the DevTools address to stderr.
# TMPDIR keeps its scratch files (singleton socket, shared memory) in our folder too.
mkdir -p "$work/tmp"
TMPDIR="$work/tmp" setsid /usr/bin/chromium \
  --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars \
  --user-data-dir="$work/profile" --remote-debugging-address=127.0.0.1 \
  --remote-debugging-port=0 about:blank >"$work/chromium.out" 2>"$work/chromium.err" &
browser_pids+=("$!")
devtools="$(wait_for_line "$work/chromium.err" '^DevTools listening on ws://' "$!" 300)" ||
  { cat "$work/chromium.err"; fail "chromium printed no DevTools address within 30 s"; }

# A headless Firefox, driven over WebDriver BiDi (--remote-debugging-port=0 picks a free port
# and prints it). Its remote agent applies its recommended preferences itself (no updates, no
# telemetry, no first-run pages); user.js adds the rest of "quiet about the network".
mkdir -p "$work/firefox-profile"
cat >"$work/firefox-profile/user.js" <<'PREFS'
user_pref("app.update.disabledForTesting", true);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.http.http3.enable", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
PREFS
TMPDIR="$work/tmp" MOZ_CRASHREPORTER_DISABLE=1 setsid /usr/bin/firefox-esr \
  --headless --no-remote --profile "$work/firefox-profile" --remote-debugging-port=0 \
  about:blank >"$work/firefox.out" 2>"$work/firefox.err" &
browser_pids+=("$!")
bidi="$(wait_for_line "$work/firefox.err" '^WebDriver BiDi listening on ws://' "$!" 300)" ||
  { cat "$work/firefox.err"; fail "firefox printed no WebDriver BiDi address within 30 s"; }

# The driver runs in the background and we `wait` for it: bash runs a trap only between
# commands, and `wait` is the one command that a signal interrupts.
CHROMIUM_ENDPOINT="${devtools#DevTools listening on }" \
FIREFOX_ENDPOINT="${bidi#WebDriver BiDi listening on }/session" \
ECHO_PORT="$echo_port" COM_PORT="$com_port" ECHO_LOG="$screenshots/echo-server.log" \
CLIENT_DIR="$repo/client" SCREENSHOT_DIR="$screenshots" \
  timeout --kill-after=10 600 node "$test_dir/browser-test.mjs" &
pids+=("$!")
status=0
wait "$!" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ge 124 ]; then
  fail "the driver was stopped (exit status $status)"
fi
exit "$status"
