//! Exercise 2.1, worked solution: a server that answers the opening handshake itself, with
//! nothing from `frame`. It hashes the client's key with the GUID, writes the 101, then sends
//! one text frame and a close frame so a real client sees the connection work.

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
