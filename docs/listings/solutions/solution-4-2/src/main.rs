//! Exercise 4.2, worked solution: the one-thread polling echo server, with a cap on how many
//! WebSocket clients it serves at once. One more gets an HTTP 503 with Retry-After and a
//! reason, and a place frees up as soon as a client leaves.

#![forbid(unsafe_code)]

use exercise_base_4::{Stats, answer_upgrade_required};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7842";

/// The server itself is `exercise_base_4::run` (docs/listings/exercises/base-4/src/lib.rs);
/// the piece this program adds is `refusal`.
fn main() -> std::io::Result<()> {
    let note = format!(" (at most {MAX_CONNECTIONS} clients)");
    exercise_base_4::run(DEFAULT_ADDR, &note, answer_upgrade_required, refusal)
}

// ANCHOR: reader
/// How many WebSocket clients the server serves at once; the next one is refused.
const MAX_CONNECTIONS: usize = 2;

/// The answer to a client that asks to upgrade while `stats.connections` clients are open:
/// `None` lets it in, `Some(response)` is sent instead of the 101 and ends the connection.
fn refusal(stats: &Stats) -> Option<Vec<u8>> {
    if stats.connections < MAX_CONNECTIONS {
        return None;
    }
    // Section 4.2.2 lets a server refuse a handshake with any HTTP error status. 503
    // says "not now, try again" (RFC 9110 section 15.6.4), and Retry-After says when.
    let body = "the server is full: try again in a few seconds\n";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    Some(response.into_bytes())
}
// ANCHOR_END: reader
