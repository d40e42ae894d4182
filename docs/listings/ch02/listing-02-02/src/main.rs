//! Listing 2-2: a server that does the handshake and nothing more. It reads one request
//! head, answers `101 Switching Protocols` with the accept key of listing 2-1, and then
//! prints in hex whatever the client sends, so you see a client's first frames raw.

#![forbid(unsafe_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Listing 2-1, unchanged.
const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

fn accept_key(key: &str) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(WEBSOCKET_GUID.as_bytes());
    BASE64.encode(sha1.digest().bytes())
}

// ANCHOR: limits
/// Browsers send well under 1 KiB of head; past 8 KiB we answer 431 instead of
/// buffering whatever a client cares to send.
const MAX_HEAD_BYTES: usize = 8 * 1024;

/// We cannot tell where a frame ends yet (chapter 3), so we stop listening after this
/// much silence. It also bounds a client that never finishes its request.
const SILENCE: Duration = Duration::from_secs(3);
// ANCHOR_END: limits

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7777".into());
    let listener = TcpListener::bind(&addr)?;
    println!("Listening on ws://{}/", listener.local_addr()?);
    // One client at a time: the next waits in the kernel's queue meanwhile (chapter 1).
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let peer = stream.peer_addr().map_or(String::new(), |a| a.to_string());
        if let Err(error) = serve(stream, &peer) {
            println!("{peer} dropped: {error}");
        }
    }
    Ok(())
}

// ANCHOR: serve
fn serve(mut stream: TcpStream, peer: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(SILENCE))?;
    let Some((head, after_head)) = read_head(&mut stream)? else {
        stream.write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n")?;
        println!("{peer} refused 431: no end of the head within {MAX_HEAD_BYTES} bytes");
        return Ok(());
    };
    println!("{peer} sent this request head:");
    for line in head.lines() {
        println!("    {line}");
    }
    // A real server checks much more first (method, version, Upgrade, Connection,
    // Sec-WebSocket-Version: section 4.2.1, `frame::validate_upgrade`). We take the key.
    let Some(key) = header(&head, "Sec-WebSocket-Key") else {
        stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")?;
        println!("{peer} refused 400: no Sec-WebSocket-Key");
        return Ok(());
    };
    let accept = accept_key(key);
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    stream.write_all(response.as_bytes())?;
    println!("{peer} answered 101 with Sec-WebSocket-Accept: {accept}");
    // A client may send its first frame right behind its request, in the same read.
    if !after_head.is_empty() {
        print_hex(peer, &after_head);
    }
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => {
                println!("{peer} closed the connection");
                return Ok(());
            }
            Ok(count) => print_hex(peer, &buffer[..count]),
            // A read timeout is `WouldBlock` on Unix and `TimedOut` on Windows.
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                println!("{peer} silent for {} s: hanging up", SILENCE.as_secs());
                return Ok(());
            }
            Err(error) => return Err(error),
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: read_head
/// Reads up to the blank line that ends a request head. `None`: no end within
/// `MAX_HEAD_BYTES`. The bytes after the blank line belong to the next protocol.
fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        // Searching from the start on every read costs at most 8 KiB a time; the
        // `HeadReader` of `frame` remembers how far it looked instead.
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).into_owned();
            return Ok(Some((head, received[end + 4..].to_vec())));
        }
        if received.len() > MAX_HEAD_BYTES {
            return Ok(None);
        }
        match stream.read(&mut buffer)? {
            0 => return Err(ErrorKind::UnexpectedEof.into()),
            count => received.extend_from_slice(&buffer[..count]),
        }
    }
}
// ANCHOR_END: read_head

/// The value of the first header called `name`; header names ignore case (RFC 9110 5.1).
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .find(|(header_name, _)| header_name.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

fn print_hex(peer: &str, bytes: &[u8]) {
    println!("{peer} sent {} bytes:", bytes.len());
    for row in bytes.chunks(16) {
        let hex: Vec<String> = row.iter().map(|byte| format!("{byte:02x}")).collect();
        println!("    {}", hex.join(" "));
    }
}
