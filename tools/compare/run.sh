#!/bin/sh
# The echo-server's performance comparison in one command (see docs/performance.md):
# builds our server, the tungstenite reference and the load tool in release mode, then
# runs the compare tool, which measures both servers in the same run and prints ratios.
# Arguments go to compare (try --help), e.g. `tools/compare/run.sh --runs 5`.
set -eu
cd "$(dirname "$0")/../.."
cargo build --release -p echo-server -p reference-servers -p load -p compare
# 1000 idle connections need about 2000 descriptors (both ends live on this machine).
soft_limit="$(ulimit -n)"
if [ "$soft_limit" != unlimited ] && [ "$soft_limit" -lt 4096 ]; then
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
exec "${CARGO_TARGET_DIR:-target}/release/compare" "$@"
