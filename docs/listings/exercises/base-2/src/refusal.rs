//! Exercise 2.2's server, all but the reader's part: it reads one request head per
//! connection with `frame::HeadReader`, asks the reader's `check_upgrade` about it, and
//! answers 101 and a greeting, or the refusal as a plain-text HTTP response.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use frame::HeadReader;
pub use frame::RequestHead;

/// The reader's function of exercise 2.2: `check_upgrade(head)` is `Ok` for a request to
/// upgrade, or the refusal it gets.
pub type CheckUpgrade = fn(&RequestHead) -> Result<(), Refusal>;

/// Why a request is not upgraded: the HTTP status, any headers the refusal must carry, and
/// a sentence for the person debugging their client.
pub struct Refusal {
    /// The HTTP status: 400, 426, 431.
    pub status: u16,
    /// Headers the refusal carries, such as `Sec-WebSocket-Version: 13` with a 426.
    pub headers: Vec<(&'static str, &'static str)>,
    /// The plain-text body, one sentence.
    pub reason: String,
}

impl Refusal {
    /// A refusal with `status`, no extra headers, and `reason` as its body.
    pub fn new(status: u16, reason: &str) -> Refusal {
        Refusal {
            status,
            headers: Vec::new(),
            reason: reason.to_owned(),
        }
    }
}

/// Serves handshakes on the address given as the first argument, or on `default_addr`, one
/// client at a time, refusing what `check_upgrade` refuses. Returns only if the listener fails.
pub fn run(default_addr: &str, check_upgrade: CheckUpgrade) -> io::Result<()> {
    crate::serve_one_at_a_time(default_addr, |stream| answer(stream, check_upgrade))
}

// ANCHOR: answer
/// Reads one request head and answers it: 101 and a greeting, or a refusal.
fn answer(mut stream: TcpStream, check_upgrade: CheckUpgrade) -> io::Result<()> {
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
// ANCHOR_END: answer

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
