//! What a nonblocking socket answers, in three words: bytes, nothing (`WouldBlock`: try
//! again on a later pass), or an error. These helpers read or write only what the socket
//! can take right now, so the loop never waits on one client while others are ready.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use cli::io_errors::{interrupted, would_block};

/// What one nonblocking read gave.
#[derive(Debug)]
pub enum Received {
    /// This many bytes are at the front of the buffer.
    Bytes(usize),
    /// Nothing has arrived since the last read.
    Nothing,
    /// The peer closed its side of the TCP connection (read returned 0).
    Closed,
    /// The connection is broken (reset, timed out, ...).
    Failed(io::Error),
}

/// Reads once into `buffer`: at most one buffer's worth per call, so every client gets
/// its turn in each pass of the loop.
// ANCHOR: read_available
pub fn read_available(stream: &mut TcpStream, buffer: &mut [u8]) -> Received {
    loop {
        match stream.read(buffer) {
            Ok(0) => return Received::Closed,
            Ok(count) => return Received::Bytes(count),
            Err(error) if would_block(&error) => return Received::Nothing,
            Err(error) if interrupted(&error) => continue,
            Err(error) => return Received::Failed(error),
        }
    }
}
// ANCHOR_END: read_available

/// Writes as much of `bytes` as the socket accepts now and returns how much that was
/// (0 when its send buffer is full: the client is not reading fast enough).
pub fn write_available(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        match stream.write(&bytes[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(count) => written += count,
            Err(error) if would_block(&error) => break,
            Err(error) if interrupted(&error) => continue,
            Err(error) => return Err(error),
        }
    }
    Ok(written)
}
