#!/bin/sh
# The echo-server's performance comparison in one command (see docs/performance.md):
# builds our server, the tungstenite reference and the load tool in release mode, then
# runs the compare tool, which measures both servers in the same run and prints ratios.
# Arguments go to compare (try --help), e.g. `tools/compare/run.sh --runs 5`.
set -eu
cd "$(dirname "$0")/../.."
cargo build --release -p echo-server -p reference-servers -p load -p compare
# The chat suite (--suite chat) also measures com-server and, where Node is installed,
# node-chat on the `ws` package pinned in its package-lock.json.
case " $* " in
*" --suite chat"* | *" --suite=chat"*)
    cargo build --release -p com-server
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        (cd tools/reference-servers/node-chat && npm ci --no-audit --no-fund)
    fi
    ;;
esac
# 1000 idle connections need about 2000 descriptors (both ends live on this machine).
soft_limit="$(ulimit -n)"
if [ "$soft_limit" != unlimited ] && [ "$soft_limit" -lt 4096 ]; then
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
exec "${CARGO_TARGET_DIR:-target}/release/compare" "$@"
