//! The blocking echo server of chapter 3's exercises, all but the reader's parts: the
//! handshake, `read_frame`, and the answer to each opcode, one client at a time. Each
//! exercise's `main.rs` calls [`run`] with two functions, one of which is yours.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

pub use frame::{CloseCode, FrameHeader, Opcode};
use frame::{HeadReader, close_payload, encode_frame};

/// Answers one binary message: `answer_binary(stream, payload)` (exercise 3.1).
pub type AnswerBinary = fn(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()>;

/// Undoes the mask of one client frame in place: `unmask(stream, header, payload)`. Returns
/// false when the connection is over (exercise 3.2).
pub type Unmask =
    fn(stream: &mut TcpStream, header: &FrameHeader, payload: &mut [u8]) -> io::Result<bool>;

/// The largest frame this listing reads; a bigger one gets close 1009 (section 7.4.1)
/// before a byte of it is buffered.
const MAX_FRAME: u64 = 1024 * 1024;

/// Serves echo on the address given as the first argument, or on `default_addr`, one client
/// at a time. Returns only if the listener fails.
pub fn run(default_addr: &str, answer_binary: AnswerBinary, unmask: Unmask) -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| default_addr.to_owned());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        // One client's broken connection must not stop the server for the next one.
        if let Err(error) = stream.and_then(|stream| serve(stream, answer_binary, unmask)) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}

/// One client: the handshake, then frames until either side closes.
fn serve(mut stream: TcpStream, answer_binary: AnswerBinary, unmask: Unmask) -> io::Result<()> {
    let peer = stream.peer_addr()?;
    let Some(mut received) = handshake(&mut stream)? else {
        return Ok(());
    };
    println!("{peer} upgraded");
    while let Some((header, payload)) = read_frame(&mut stream, &mut received)? {
        if !answer_frame(&mut stream, header, payload, answer_binary, unmask)? {
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

// ANCHOR: answer_frame
/// Answers one frame. Returns false when the connection is over.
fn answer_frame(
    stream: &mut TcpStream,
    header: FrameHeader,
    mut payload: Vec<u8>,
    answer_binary: AnswerBinary,
    unmask: Unmask,
) -> io::Result<bool> {
    // Section 5.3: the client's mask comes off before anything else is read. What an
    // unmasked frame gets is `unmask`'s to decide (exercise 3.2).
    if !unmask(stream, &header, &mut payload)? {
        return Ok(false);
    }
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
        Opcode::Binary => answer_binary(stream, &payload)?,
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
// ANCHOR_END: answer_frame

/// The answer to a binary message that exercise 3.2 starts from (exercise 3.1's answer):
/// section 5.6 says binary data is the application's, so an echo sends it back untouched.
pub fn echo_binary(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    send(stream, Opcode::Binary, payload)
}

/// The unmasking that exercise 3.1 starts from: a masked frame is unmasked (section 5.3),
/// and an unmasked one is let through. A deliberate limitation: section 5.1 says a server
/// must fail the connection on an unmasked client frame; exercise 3.2 is about that.
pub fn unmask_if_masked(
    _stream: &mut TcpStream,
    header: &FrameHeader,
    payload: &mut [u8],
) -> io::Result<bool> {
    if let Some(masking_key) = header.masking_key {
        frame::apply_mask(payload, masking_key, 0);
    }
    Ok(true)
}

/// Writes one final, unmasked frame (section 5.1: servers never mask).
pub fn send(stream: &mut TcpStream, opcode: Opcode, payload: &[u8]) -> io::Result<()> {
    let mut out = Vec::new();
    encode_frame(opcode, payload, None, &mut out);
    stream.write_all(&out)
}

/// Starts the closing handshake with `code` and a reason (section 5.5.1).
pub fn send_close(stream: &mut TcpStream, code: CloseCode, reason: &str) -> io::Result<()> {
    send(stream, Opcode::Close, &close_payload(code, reason))
}
