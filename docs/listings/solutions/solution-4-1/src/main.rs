//! Exercise 4.1, worked solution: a one-thread echo server that polls nonblocking sockets,
//! with `frame::Connection` doing the protocol. Beside the WebSocket echo it serves a plain
//! HTTP page, `GET /stats`, that counts open connections and echoed messages.

#![forbid(unsafe_code)]

use exercise_base_4::{RequestHead, Stats, admit_everyone, text_response, upgrade_required};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7841";

/// The server itself is `exercise_base_4::run` (docs/listings/exercises/base-4/src/lib.rs);
/// the piece this program adds is `plain_http_answer`.
fn main() -> std::io::Result<()> {
    exercise_base_4::run(DEFAULT_ADDR, "", plain_http_answer, admit_everyone)
}

// ANCHOR: reader
/// The answer to a plain HTTP request (one that does not ask for a WebSocket).
fn plain_http_answer(head: &RequestHead, stats: &Stats) -> Vec<u8> {
    if head.method == "GET" && head.path() == "/stats" {
        // A page for people and scripts alike: one `name: value` line per count.
        let body = format!(
            "connections: {}\nmessages: {}\n",
            stats.connections, stats.messages
        );
        return text_response(200, "OK", &body);
    }
    upgrade_required()
}
// ANCHOR_END: reader
