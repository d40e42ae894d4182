//! Exercise 4.2, the starting point: the one-thread polling echo server, which should cap how
//! many WebSocket clients it serves at once. Refusing the one too many with HTTP 503 is yours
//! (marked YOUR CODE HERE); until then it lets everyone in.

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
    // YOUR CODE HERE: when `stats.connections` has reached `MAX_CONNECTIONS`, refuse the
    // handshake instead of upgrading: RFC 6455 section 4.2.2 lets a server answer with any
    // HTTP error, and "full, come back later" is 503 Service Unavailable with a
    // `Retry-After` header and a plain-text reason (return the whole response's bytes).
    // Until then every client is let in.
    let _ = stats;
    None
}
// ANCHOR_END: reader
