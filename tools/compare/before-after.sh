#!/bin/bash
# Before and after in one run: the echo-server's crowd at 1,000 and 10,000 connections (1%
# talking) and com-server's room (100 and 500 members closed-loop, 100 at 5 lines/s), each
# scenario against an older build (BEFORE_DIR holds its echo-server and com-server) and
# against this tree's release build, alternating, ROUNDS times. Prints one RESULT per run.
#
#   git worktree add --detach ../before 1e64b11
#   (cd ../before && CARGO_TARGET_DIR=../before-target cargo build --release -p echo-server -p com-server)
#   tools/compare/before-after.sh ../before-target/release 2
set -u
if [ $# -lt 1 ] || [ ! -x "$1/echo-server" ] || [ ! -x "$1/com-server" ]; then
    echo "usage: $0 BEFORE_DIR [ROUNDS]  (BEFORE_DIR: an older build's echo-server and com-server)" >&2
    exit 2
fi
BEFORE=$1
ROUNDS=${2:-2}
cd "$(dirname "$0")/../.."
AFTER=${CARGO_TARGET_DIR:-target}/release
cargo build --release -p echo-server -p com-server -p load >&2 || exit 1
LOAD=$AFTER/load
PORT=7811

# run LABEL BINARY SERVER-ARGS... -- LOAD-ARGS...: a fresh server, one load run, stopped.
run() {
    local label=$1 binary=$2
    shift 2
    local server_args=()
    while [ "$1" != "--" ]; do server_args+=("$1"); shift; done
    shift
    "$binary" --addr 127.0.0.1:$PORT "${server_args[@]}" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 100); do
        (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
        sleep 0.05
    done
    local out
    out=$(timeout 900 "$LOAD" --addr 127.0.0.1:$PORT --pid $pid "$@" 2>&1)
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    echo "$label $(echo "$out" | grep '^RESULT' || echo "FAILED: $(echo "$out" | tail -3 | tr '\n' ' ')")"
}

for round in $(seq "$ROUNDS"); do
    for n in 1000 10000; do
        for side in before after; do
            if [ $side = before ]; then binary=$BEFORE/echo-server; else binary=$AFTER/echo-server; fi
            run "round=$round echo crowd N=$n 1% $side" "$binary" \
                --no-greeting --max-connections 10100 --time-limit 1800 -- \
                --mode crowd --connections $n --active-percent 1 --seconds 5 --idle-seconds 5 \
                --size 32 --timeout 900
        done
    done
    for scenario in "100 32 102 8 0" "500 32 8 2 0" "100 32 50 8 5"; do
        set -- $scenario
        for side in before after; do
            if [ $side = before ]; then binary=$BEFORE/com-server; else binary=$AFTER/com-server; fi
            run "round=$round chat M=$1 S=$2 lines=$3 W=$4 rate=$5 $side" "$binary" \
                --max-connections 1024 --time-limit 1800 -- \
                --mode chat --connections $1 --size $2 --messages $3 --in-flight $4 --rate $5 \
                --timeout 1500
        done
    done
done
