//! Exercise 3.2, worked solution: the blocking echo server of exercise 3.1, which now keeps
//! the masking rule: a client frame without a masking key fails the connection with close
//! code 1002, as section 5.1 asks.

#![forbid(unsafe_code)]

use std::io;
use std::net::TcpStream;

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
    // Section 5.1: a client masks every frame it sends, and a server that receives an
    // unmasked one must fail the connection, with 1002 (protocol error, section 7.4.1).
    let Some(masking_key) = header.masking_key else {
        send_close(
            stream,
            CloseCode::ProtocolError,
            "client frames must be masked",
        )?;
        return Ok(false);
    };
    frame::apply_mask(payload, masking_key, 0);
    Ok(true)
}
// ANCHOR_END: reader
