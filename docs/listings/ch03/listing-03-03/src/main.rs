//! Listing 3-3: an echo server written straight from the frame layout, the Rust twin of the
//! second article's PHP. It serves one client at a time and echoes unfragmented text
//! messages; everything else it refuses with a close frame, as the comments below admit.

#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

/// Larger messages get close 1009 from the header alone, before we allocate a byte.
const MAX_PAYLOAD: u64 = 1024 * 1024;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7777".into());
    let listener = TcpListener::bind(&addr)?;
    println!("Listening on ws://{}/", listener.local_addr()?);
    // LIMIT: one client at a time, and a client that sends nothing holds the loop forever.
    // Chapter 4 serves many clients from one thread, chapter 5 with a thread each.
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
    if !handshake(&mut stream)? {
        println!("{peer} refused: not a WebSocket handshake");
        return Ok(());
    }
    println!("{peer} connected");
    loop {
        let header = read_header(&mut stream)?;
        // The rules this listing checks, each with its close code (section 7.4.1).
        // LIMIT: no fragments and no ping or pong (RFC 6455 5.4 and 5.5 require both),
        // and the RSV bits (5.2) are not even read.
        let refusal = if !header.masked {
            Some((1002, "client frames must be masked (RFC 6455 5.1)"))
        } else if header.payload_len > MAX_PAYLOAD {
            Some((1009, "message too big for listing 3-3"))
        } else if !header.fin || !matches!(header.opcode, 0x1 | 0x8) {
            Some((1003, "listing 3-3 echoes only unfragmented text"))
        } else {
            None
        };
        if let Some((code, reason)) = refusal {
            let mut payload = u16::to_be_bytes(code).to_vec();
            payload.extend_from_slice(reason.as_bytes());
            write_frame(&mut stream, 0x8, &payload)?;
            println!("{peer} refused a frame: {reason}; sent close {code}");
            return hang_up(stream);
        }
        let payload = read_payload(&mut stream, header.payload_len)?;
        if header.opcode == 0x8 {
            // Answer with the client's code (section 5.5.1), then hang up: the server
            // closes TCP first (section 7.1.1). LIMIT: neither code nor reason is checked,
            // nor the 125-byte cap on control frames (5.5).
            let code = payload.get(..2).unwrap_or_default();
            write_frame(&mut stream, 0x8, code)?;
            println!("{peer} closed with payload {code:02x?}");
            return hang_up(stream);
        }
        // LIMIT: text must be UTF-8 (section 8.1), and we echo it unchecked.
        write_frame(&mut stream, 0x1, &payload)?;
        println!("{peer} echoed {} bytes", payload.len());
    }
}
// ANCHOR_END: serve

// ANCHOR: frames
struct FrameHeader {
    fin: bool,
    opcode: u8,
    masked: bool,
    payload_len: u64,
}

/// Reads the first two bytes of a frame and the extended length, as listing 3-1 does, but
/// from the socket: `read_exact` waits until all the bytes asked for have arrived.
fn read_header(stream: &mut TcpStream) -> std::io::Result<FrameHeader> {
    let mut two = [0u8; 2];
    stream.read_exact(&mut two)?;
    let payload_len = match two[1] & 0x7f {
        126 => read_big_endian(stream, 2)?,
        127 => read_big_endian(stream, 8)?,
        short => u64::from(short),
    };
    Ok(FrameHeader {
        fin: two[0] & 0x80 != 0,
        opcode: two[0] & 0x0f,
        masked: two[1] & 0x80 != 0,
        payload_len,
    })
}

/// A 16-bit or 64-bit length: `count` bytes, most significant first. (Its top bit should
/// be 0; a length that large is refused as too big anyway.)
fn read_big_endian(stream: &mut TcpStream, count: usize) -> std::io::Result<u64> {
    let mut bytes = [0u8; 8];
    stream.read_exact(&mut bytes[8 - count..])?;
    Ok(u64::from_be_bytes(bytes))
}

/// Reads the masking key and the payload, and unmasks it as listing 3-2 does.
fn read_payload(stream: &mut TcpStream, payload_len: u64) -> std::io::Result<Vec<u8>> {
    let mut masking_key = [0u8; 4];
    stream.read_exact(&mut masking_key)?;
    // `payload_len` is at most MAX_PAYLOAD here, so it fits any usize.
    let mut payload = vec![0u8; payload_len as usize];
    stream.read_exact(&mut payload)?;
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= masking_key[i % 4];
    }
    Ok(payload)
}

/// Writes one unfragmented frame, unmasked (servers never mask, section 5.1), with its
/// length in the shortest of the three forms (section 5.2).
fn write_frame(stream: &mut TcpStream, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
    let mut frame = vec![0x80 | opcode];
    match payload.len() {
        length @ 0..=125 => frame.push(length as u8),
        length @ 126..=0xffff => {
            frame.push(126);
            frame.extend_from_slice(&(length as u16).to_be_bytes());
        }
        length => {
            frame.push(127);
            frame.extend_from_slice(&(length as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    stream.write_all(&frame)
}
// ANCHOR_END: frames

/// Closing a socket with unread bytes in it sends a reset, which can destroy the close frame
/// we just sent: so stop sending, and read until the client hangs up too (a few reads at most).
fn hang_up(mut stream: TcpStream) -> std::io::Result<()> {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        if !matches!(stream.read(&mut sink), Ok(count) if count > 0) {
            break;
        }
    }
    Ok(())
}

// ANCHOR: handshake
/// Chapter 2's handshake, taken from `frame` this time, with every check of section 4.2.1.
/// Ok(false): refused, and the HTTP error sent.
fn handshake(stream: &mut TcpStream) -> std::io::Result<bool> {
    let mut reader = frame::HeadReader::new();
    let mut byte = [0u8; 1];
    let checked = loop {
        // One byte per read: a client may send its first frame right behind the head,
        // and `read_header` must find it in the socket, not in a buffer of ours.
        stream.read_exact(&mut byte)?;
        match reader.push(&byte) {
            Ok(None) => {}
            Ok(Some((head, _nothing_after_it))) => break frame::validate_upgrade(head),
            Err(error) => break Err(error),
        }
    };
    let answer = match &checked {
        Ok(request) => frame::accept_response(request, None),
        Err(error) => frame::reject_response(error),
    };
    stream.write_all(&answer)?;
    Ok(checked.is_ok())
}
// ANCHOR_END: handshake
