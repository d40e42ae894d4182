//! Exercise 4.1, the starting point: a one-thread echo server that polls nonblocking sockets,
//! with `frame::Connection` doing the protocol. It counts open connections and echoed
//! messages; serving them as a plain HTTP page, `GET /stats`, is yours (YOUR CODE HERE).

#![forbid(unsafe_code)]

// The starting point does not call `text_response` yet; your code will.
#[allow(unused_imports)]
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
    // YOUR CODE HERE: answer `GET /stats` (`head.method`, `head.path()`) with
    // `text_response(200, "OK", &body)`, where the body is the two lines
    // "connections: N\n" and "messages: M\n" from `stats`. A plain request is not an
    // upgrade (RFC 6455 section 4.2.1 lists what one has), so it gets a plain HTTP answer.
    // Until then every plain request gets 426.
    let _ = (head, stats);
    upgrade_required()
}
// ANCHOR_END: reader
