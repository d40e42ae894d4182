//! Exercise 3.1, the starting point: a blocking echo server built from `frame`'s pieces (the
//! header parser, the unmasking, the encoder), one client at a time. It echoes text; echoing
//! binary messages is yours (marked YOUR CODE HERE).

#![forbid(unsafe_code)]

use std::io;
use std::net::TcpStream;

// The starting point does not call `send` or `Opcode` yet; your code will.
#[allow(unused_imports)]
use exercise_base_3::{Opcode, send};

/// Where the server listens when no address is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7831";

/// The server itself is `exercise_base_3::run` (docs/listings/exercises/base-3/src/lib.rs);
/// the piece this program adds is `answer_binary`.
fn main() -> io::Result<()> {
    exercise_base_3::run(
        DEFAULT_ADDR,
        answer_binary,
        exercise_base_3::unmask_if_masked,
    )
}

// ANCHOR: reader
/// Answers one binary message.
fn answer_binary(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    // YOUR CODE HERE: RFC 6455 section 5.6. Send the payload back as a binary frame
    // (`Opcode::Binary`, 0x2), untouched; `send(stream, opcode, payload)` writes one frame.
    // Until then binary messages are read and dropped.
    let _ = (stream, payload);
    Ok(())
}
// ANCHOR_END: reader
