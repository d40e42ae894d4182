//! Exercise 2.2, the starting point: a handshake server that should refuse a bad upgrade
//! request with the right status and a plain-text reason. The checks are yours (marked
//! YOUR CODE HERE); until then it answers 101 to anything that reaches it.

#![forbid(unsafe_code)]

use exercise_base_2::refusal::{Refusal, RequestHead};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7822";

/// The server itself is `exercise_base_2::refusal::run`
/// (docs/listings/exercises/base-2/src/refusal.rs); what this program adds is below.
fn main() -> std::io::Result<()> {
    exercise_base_2::refusal::run(DEFAULT_ADDR, check_upgrade)
}

// ANCHOR: reader
/// Checks the headers of section 4.2.1 that this exercise is about: the version and the key.
fn check_upgrade(head: &RequestHead) -> Result<(), Refusal> {
    // YOUR CODE HERE: RFC 6455 sections 4.2.1 and 4.2.2. Return
    // `Err(Refusal::new(426, "a reason"))` with the header ("Sec-WebSocket-Version", "13")
    // pushed onto `refusal.headers` when `Sec-WebSocket-Version` is not 13 (section 4.4), and
    // `Err(Refusal::new(400, "a reason"))` when `Sec-WebSocket-Key` is missing or is not the
    // base64 encoding of exactly 16 bytes. Until then every request is upgraded.
    let _ = head;
    Ok(())
}
// ANCHOR_END: reader
