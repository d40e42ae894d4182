//! Exercise 2.1, the starting point: a server that reads one handshake per connection and
//! answers it, with nothing from `frame`. Computing the accept key and writing the 101 are
//! yours (marked YOUR CODE HERE); until then it sends frames that no client will accept.

#![forbid(unsafe_code)]

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7821";

/// The server itself is `exercise_base_2::accept::run`
/// (docs/listings/exercises/base-2/src/accept.rs); what this program adds is below.
fn main() -> std::io::Result<()> {
    exercise_base_2::accept::run(DEFAULT_ADDR, accept_key, switching_protocols)
}

// ANCHOR: reader
/// The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`.
fn accept_key(key: &str) -> String {
    // YOUR CODE HERE: RFC 6455 section 4.2.2, step 5.4. Append the GUID of section 1.3,
    // "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", to `key` as sent, hash it with SHA-1
    // (`sha1_smol::Sha1`), and return the 20 bytes of the hash in base64
    // (`base64::engine::general_purpose::STANDARD`,
    // whose `encode` needs `use base64::Engine as _;`). Until then: an empty key.
    let _ = key;
    String::new()
}

/// The server's whole answer to a good handshake.
fn switching_protocols(accept_key: &str) -> String {
    // YOUR CODE HERE: RFC 6455 section 4.2.2, step 5. The status line `HTTP/1.1 101
    // Switching Protocols`, the headers `Upgrade: websocket`, `Connection: Upgrade` and
    // `Sec-WebSocket-Accept: <accept_key>`, each line ending in "\r\n", then one empty
    // line. Until then: no answer at all.
    let _ = accept_key;
    String::new()
}
// ANCHOR_END: reader
