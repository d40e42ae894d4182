//! Exercise 2.1's server, all but the reader's part: it reads one handshake per connection,
//! finds the `Sec-WebSocket-Key` line by hand (nothing from `frame`), and writes what the
//! reader's two functions make of it, then a greeting and a close.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

/// The reader's two functions of exercise 2.1: `accept_key(key)` is the
/// `Sec-WebSocket-Accept` value for a client's key, `switching_protocols(accept_key)` the
/// whole 101 answer.
pub type Answer = fn(&str) -> String;

/// A request head longer than this many lines is not a handshake we want to read.
const MAX_HEAD_LINES: usize = 100;

/// Serves handshakes on the address given as the first argument, or on `default_addr`, one
/// client at a time. Returns only if the listener fails.
pub fn run(default_addr: &str, accept_key: Answer, switching_protocols: Answer) -> io::Result<()> {
    crate::serve_one_at_a_time(default_addr, |stream| {
        answer(stream, accept_key, switching_protocols)
    })
}

// ANCHOR: answer
/// Reads one handshake, answers it, greets the client and closes.
fn answer(
    mut stream: TcpStream,
    accept_key: Answer,
    switching_protocols: Answer,
) -> io::Result<()> {
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
// ANCHOR_END: answer

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
