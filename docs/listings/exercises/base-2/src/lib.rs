//! The servers of chapter 2's exercises, all but the reader's parts: [`accept`] is exercise
//! 2.1's, [`refusal`] exercise 2.2's. Each exercise's `main.rs` calls `run` with its own
//! functions, the pieces that are yours.

#![forbid(unsafe_code)]

pub mod accept;
pub mod refusal;

use std::io;
use std::net::{TcpListener, TcpStream};

/// Listens on the address given as the first argument, or on `default_addr`, and hands each
/// client to `answer`, one at a time: blocking I/O, so the next client waits its turn.
fn serve_one_at_a_time(
    default_addr: &str,
    answer: impl Fn(TcpStream) -> io::Result<()>,
) -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| default_addr.to_owned());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        // One client's broken connection must not stop the server for the next one.
        if let Err(error) = stream.and_then(&answer) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}
