//! Listing 2-1: the server's proof of the handshake, `Sec-WebSocket-Accept`, computed from
//! the client's `Sec-WebSocket-Key` the way RFC 6455 sections 1.3 and 4.2.2 say:
//! base64(SHA-1(key + GUID)). Give it a key as the first argument and it prints the answer.

// ANCHOR: all
#![forbid(unsafe_code)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

// ANCHOR: accept_key
/// The GUID every WebSocket server appends to the client's key (section 1.3).
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`.
pub fn accept_key(key: &str) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(WEBSOCKET_GUID.as_bytes());
    BASE64.encode(sha1.digest().bytes())
}
// ANCHOR_END: accept_key

fn main() {
    // The RFC's example key when none is given, so `cargo run` alone shows something.
    let key = std::env::args()
        .nth(1)
        .unwrap_or("dGhlIHNhbXBsZSBub25jZQ==".into());
    // The key is used as the 24 characters it is, not decoded: that is the rule.
    println!("Sec-WebSocket-Key:    {key}");
    println!("Sec-WebSocket-Accept: {}", accept_key(&key));
}

#[cfg(test)]
mod tests {
    use super::accept_key;

    #[test]
    fn the_rfc_example_key_gives_the_rfc_answer() {
        // RFC 6455 section 1.3, word for word.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn the_answer_is_28_characters_of_base64() {
        // 20 bytes of SHA-1 are six groups of three plus two: 6 * 4 + 3 + one `=`.
        let answer = accept_key("x3JJHMbDL1EzLkh9GBhXDw==");
        assert_eq!(answer.len(), 28);
        assert!(answer.ends_with('=') && !answer.ends_with("=="));
    }
}
// ANCHOR_END: all
