//! Exercise 2.1, the starting point: a server that reads one handshake per connection and
//! answers it, with nothing from `frame`. Computing the accept key and writing the 101 are
//! yours (marked YOUR CODE HERE); until then it sends frames that no client will accept.

#![forbid(unsafe_code)]

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7821";

/// A request head longer than this many lines is not a handshake we want to read.
const MAX_HEAD_LINES: usize = 100;

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        // One client's broken connection must not stop the server for the next one.
        if let Err(error) = stream.and_then(answer) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}

/// Reads one handshake, answers it, greets the client and closes.
fn answer(mut stream: TcpStream) -> io::Result<()> {
    let peer = stream.peer_addr()?;
    let key = read_key(&stream)?;
    let response = switching_protocols(&accept_key(&key));
    stream.write_all(response.as_bytes())?;
    // Section 5.2: a server's frames are unmasked. 0x81 is FIN + opcode 0x1 (text), then the
    // length 5 and "hello"; 0x88 is FIN + close, with the two bytes of code 1000.
    stream.write_all(&[0x81, 5, b'h', b'e', b'l', b'l', b'o', 0x88, 2, 0x03, 0xE8])?;
    println!("{peer} answered the key {key:?}");
    Ok(())
}

/// The value of `Sec-WebSocket-Key`, or an empty string if the request has none.
fn read_key(stream: &TcpStream) -> io::Result<String> {
    let mut key = String::new();
    for line in BufReader::new(stream).lines().take(MAX_HEAD_LINES) {
        let line = line?;
        if line.is_empty() {
            break;
        }
        // Header names are case-insensitive (RFC 9110 section 5.1); the value is trimmed.
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("Sec-WebSocket-Key") {
                key = value.trim().to_owned();
            }
        }
    }
    Ok(key)
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
