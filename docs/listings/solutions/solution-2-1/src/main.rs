//! Exercise 2.1, worked solution: a server that answers the opening handshake itself, with
//! nothing from `frame`. It hashes the client's key with the GUID, writes the 101, then sends
//! one text frame and a close frame so a real client sees the connection work.

#![forbid(unsafe_code)]

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7821";

/// The server itself is `exercise_base_2::accept::run`
/// (docs/listings/exercises/base-2/src/accept.rs); what this program adds is below.
fn main() -> std::io::Result<()> {
    exercise_base_2::accept::run(DEFAULT_ADDR, accept_key, switching_protocols)
}

// ANCHOR: reader
/// The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key` (section 4.2.2,
/// step 5.4): the key as sent, with the GUID of section 1.3 appended, hashed with SHA-1,
/// and the 20 bytes of the hash encoded in base64.
fn accept_key(key: &str) -> String {
    use base64::Engine as _;
    const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha1.digest().bytes())
}

/// The server's whole answer to a good handshake (section 4.2.2, step 5): the status line,
/// the three headers the client checks (section 4.1), and the blank line that ends the head.
fn switching_protocols(accept_key: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept_key}\r\n\
         \r\n"
    )
}
// ANCHOR_END: reader
