//! Exercise 3.2, the starting point: the blocking echo server of exercise 3.1, which does not
//! yet keep the masking rule. Refusing an unmasked client frame with close code 1002 is yours
//! (marked YOUR CODE HERE).

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use frame::{CloseCode, FrameHeader, HeadReader, Opcode, close_payload, encode_frame};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7832";

/// The largest frame this listing reads; a bigger one gets close 1009 (section 7.4.1)
/// before a byte of it is buffered.
const MAX_FRAME: u64 = 1024 * 1024;

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        // One client's broken connection must not stop the server for the next one.
        if let Err(error) = stream.and_then(serve) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}

/// One client: the handshake, then frames until either side closes.
fn serve(mut stream: TcpStream) -> io::Result<()> {
    let peer = stream.peer_addr()?;
    let Some(mut received) = handshake(&mut stream)? else {
        return Ok(());
    };
    println!("{peer} upgraded");
    while let Some((header, payload)) = read_frame(&mut stream, &mut received)? {
        if !answer_frame(&mut stream, header, payload)? {
            break;
        }
    }
    println!("{peer} closed");
    Ok(())
}

/// Reads the request head and answers it. Returns the bytes the client sent after its head
/// (its first frames), or `None` if the request was refused.
fn handshake(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut reader = HeadReader::new();
    let mut buffer = [0u8; 4096];
    let pushed = loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Ok(None);
        }
        if let Some(pushed) = reader.push(&buffer[..read]).transpose() {
            break pushed;
        }
    };
    match pushed.and_then(|(head, after_head)| Ok((frame::negotiate(head, &[])?, after_head))) {
        Ok(((_, response), after_head)) => {
            stream.write_all(&response)?;
            Ok(Some(after_head))
        }
        Err(error) => {
            stream.write_all(&frame::reject_response(&error))?;
            Ok(None)
        }
    }
}

/// The next whole frame: its header and its payload as sent (still masked). `None` when the
/// client closed the TCP connection. `received` keeps bytes that belong to later frames.
fn read_frame(
    stream: &mut TcpStream,
    received: &mut Vec<u8>,
) -> io::Result<Option<(FrameHeader, Vec<u8>)>> {
    let mut buffer = [0u8; 4096];
    loop {
        let parsed = FrameHeader::parse(received)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error.to_string()))?;
        if let Some((header, header_len)) = parsed {
            if header.payload_len > MAX_FRAME {
                send_close(stream, CloseCode::MessageTooBig, "frame too big")?;
                return Ok(None);
            }
            // The length fits in usize: it is at most MAX_FRAME.
            let frame_len = header_len + header.payload_len as usize;
            if received.len() >= frame_len {
                let payload = received[header_len..frame_len].to_vec();
                received.drain(..frame_len);
                return Ok(Some((header, payload)));
            }
        }
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Ok(None);
        }
        received.extend_from_slice(&buffer[..read]);
    }
}

/// Answers one frame. Returns false when the connection is over.
fn answer_frame(
    stream: &mut TcpStream,
    header: FrameHeader,
    mut payload: Vec<u8>,
) -> io::Result<bool> {
    // ANCHOR: reader
    // Section 5.3: the server undoes the mask of a masked frame.
    if let Some(masking_key) = header.masking_key {
        frame::apply_mask(&mut payload, masking_key, 0);
    }
    // YOUR CODE HERE: RFC 6455 section 5.1. A frame from a client without a masking key
    // (`header.masking_key` is `None`) must fail the connection: send a close frame with
    // `CloseCode::ProtocolError` (1002) and a reason with `send_close`, then return
    // `Ok(false)`. Until then an unmasked frame is answered as if it were masked.
    // ANCHOR_END: reader
    if !header.fin || header.opcode == Opcode::Continuation {
        // A deliberate limitation: this listing does not assemble fragments (section 5.4).
        send_close(
            stream,
            CloseCode::UnsupportedData,
            "fragments are not supported",
        )?;
        return Ok(false);
    }
    match header.opcode {
        Opcode::Text => {
            // Section 8.1: a text message must be UTF-8; if not, fail with 1007.
            if std::str::from_utf8(&payload).is_err() {
                send_close(stream, CloseCode::InvalidPayload, "text is not UTF-8")?;
                return Ok(false);
            }
            send(stream, Opcode::Text, &payload)?;
        }
        Opcode::Binary => send(stream, Opcode::Binary, &payload)?,
        Opcode::Ping => send(stream, Opcode::Pong, &payload)?,
        Opcode::Pong => {}
        Opcode::Close => {
            // Section 5.5.1: answer a close with a close, echoing the peer's status code.
            send(stream, Opcode::Close, payload.get(..2).unwrap_or_default())?;
            return Ok(false);
        }
        _ => {
            send_close(stream, CloseCode::ProtocolError, "unknown opcode")?;
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes one final, unmasked frame (section 5.1: servers never mask).
fn send(stream: &mut TcpStream, opcode: Opcode, payload: &[u8]) -> io::Result<()> {
    let mut out = Vec::new();
    encode_frame(opcode, payload, None, &mut out);
    stream.write_all(&out)
}

/// Starts the closing handshake with `code` and a reason (section 5.5.1).
fn send_close(stream: &mut TcpStream, code: CloseCode, reason: &str) -> io::Result<()> {
    send(stream, Opcode::Close, &close_payload(code, reason))
}
