//! Exercise 2.2, worked solution: a handshake server that refuses a bad upgrade request
//! with the status RFC 6455 asks for and a plain-text reason a person can read. It reads
//! the head with `frame::HeadReader` and computes the key with `frame::accept_key`.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use frame::{HeadReader, RequestHead};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7822";

/// Why a request is not upgraded: the HTTP status, any headers the refusal must carry, and
/// a sentence for the person debugging their client.
struct Refusal {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    reason: String,
}

impl Refusal {
    fn new(status: u16, reason: &str) -> Refusal {
        Refusal {
            status,
            headers: Vec::new(),
            reason: reason.to_owned(),
        }
    }
}

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

/// Reads one request head and answers it: 101 and a greeting, or a refusal.
fn answer(mut stream: TcpStream) -> io::Result<()> {
    let peer = stream.peer_addr()?;
    let head = match read_head(&mut stream)? {
        Ok(head) => head,
        Err(refusal) => return refuse(&mut stream, &refusal),
    };
    if let Err(refusal) = check_upgrade(&head) {
        println!("{peer} refused {}: {}", refusal.status, refusal.reason);
        return refuse(&mut stream, &refusal);
    }
    let key = head.header("Sec-WebSocket-Key").unwrap_or_default();
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        frame::accept_key(key)
    );
    stream.write_all(response.as_bytes())?;
    // Section 5.2: unmasked server frames: text "hello", then close 1000.
    stream.write_all(&[0x81, 5, b'h', b'e', b'l', b'l', b'o', 0x88, 2, 0x03, 0xE8])?;
    println!("{peer} upgraded");
    Ok(())
}

/// The request head, or the refusal for bytes that are not one (`HeadReader` caps it).
fn read_head(stream: &mut TcpStream) -> io::Result<Result<RequestHead, Refusal>> {
    let mut reader = HeadReader::new();
    let mut buffer = [0u8; 1024];
    loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        match reader.push(&buffer[..read]) {
            Ok(Some((head, _))) => return Ok(Ok(head)),
            Ok(None) => {}
            Err(error) => return Ok(Err(Refusal::new(error.status(), &error.to_string()))),
        }
    }
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

/// Writes a refusal as a plain-text HTTP response and ends the connection.
fn refuse(stream: &mut TcpStream, refusal: &Refusal) -> io::Result<()> {
    let status_text = match refusal.status {
        400 => "Bad Request",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let body = format!("{}\n", refusal.reason);
    let mut response = format!(
        "HTTP/1.1 {} {status_text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        refusal.status,
        body.len()
    );
    for (name, value) in &refusal.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    stream.write_all(response.as_bytes())
}
