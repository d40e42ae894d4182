//! Exercise 2.2, worked solution: a handshake server that refuses a bad upgrade request
//! with the status RFC 6455 asks for and a plain-text reason a person can read. It reads
//! the head with `frame::HeadReader` and computes the key with `frame::accept_key`.

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
    // Section 4.2.2: a version we do not speak gets 426 and the versions we do speak, so
    // the client can retry with one of them (section 4.4).
    if head.header("Sec-WebSocket-Version") != Some("13") {
        let mut refusal = Refusal::new(426, "this server speaks Sec-WebSocket-Version 13 only");
        refusal.headers.push(("Sec-WebSocket-Version", "13"));
        return Err(refusal);
    }
    // Section 4.2.1, item 5: the key is required, and it is a base64-encoded 16-byte nonce.
    let Some(key) = head.header("Sec-WebSocket-Key") else {
        return Err(Refusal::new(400, "the Sec-WebSocket-Key header is missing"));
    };
    if key_bytes(key) != Some(16) {
        return Err(Refusal::new(
            400,
            "Sec-WebSocket-Key must be the base64 encoding of 16 bytes",
        ));
    }
    Ok(())
}

/// How many bytes a base64 text decodes to, or `None` if it is not base64 (RFC 4648
/// section 4: groups of four characters from the alphabet, `=` padding only at the end).
fn key_bytes(text: &str) -> Option<usize> {
    let alphabet = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let data = text.trim_end_matches('=');
    let padding = text.len() - data.len();
    if text.len() % 4 != 0 || padding > 2 || !data.bytes().all(alphabet) {
        return None;
    }
    Some(text.len() / 4 * 3 - padding)
}
// ANCHOR_END: reader
