//! Exercise 3.2, the starting point: the blocking echo server of exercise 3.1, which does not
//! yet keep the masking rule. Refusing an unmasked client frame with close code 1002 is yours
//! (marked YOUR CODE HERE).

#![forbid(unsafe_code)]

use std::io;
use std::net::TcpStream;

// The starting point does not call `send_close` yet; your code will.
#[allow(unused_imports)]
use exercise_base_3::{CloseCode, FrameHeader, send_close};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7832";

/// The server itself is `exercise_base_3::run` (docs/listings/exercises/base-3/src/lib.rs);
/// the piece this program adds is `unmask`.
fn main() -> io::Result<()> {
    exercise_base_3::run(DEFAULT_ADDR, exercise_base_3::echo_binary, unmask)
}

// ANCHOR: reader
/// Undoes the mask of one client frame. Returns false when the connection is over.
fn unmask(stream: &mut TcpStream, header: &FrameHeader, payload: &mut [u8]) -> io::Result<bool> {
    // Section 5.3: the server undoes the mask of a masked frame.
    if let Some(masking_key) = header.masking_key {
        frame::apply_mask(payload, masking_key, 0);
    }
    // YOUR CODE HERE: RFC 6455 section 5.1. A frame from a client without a masking key
    // (`header.masking_key` is `None`) must fail the connection: send a close frame with
    // `CloseCode::ProtocolError` (1002) and a reason with `send_close`, then return
    // `Ok(false)`. Until then an unmasked frame is answered as if it were masked.
    let _ = stream;
    Ok(true)
}
// ANCHOR_END: reader
