//! Exercise 3.1, worked solution: a blocking echo server built from `frame`'s pieces (the
//! header parser, the unmasking, the encoder), one client at a time. It sends back text and
//! binary messages alike, each with the opcode it came with.

#![forbid(unsafe_code)]

use std::io;
use std::net::TcpStream;

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
    // Section 5.6: binary data is whatever the application says it is, so an echo sends
    // it back untouched, with the opcode it came with (0x2), never as text.
    send(stream, Opcode::Binary, payload)
}
// ANCHOR_END: reader
