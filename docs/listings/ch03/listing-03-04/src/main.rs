//! Listing 3-4: the server of listing 3-3 with its frame code replaced by
//! `frame::Connection`, which knows every rule the listing left out: fragments, ping and
//! pong, binary messages, the UTF-8 check, size limits and the close codes.

#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

use frame::{Connection, Event, Limits, Role};

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7777".into());
    let listener = TcpListener::bind(&addr)?;
    println!("Listening on ws://{}/", listener.local_addr()?);
    // Still one client at a time: chapter 4 lifts that limit, not the library.
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
    // Sans-IO: the connection turns the bytes we read into events, and our calls into
    // bytes for us to write. It never touches the socket itself.
    let mut connection = Connection::new(Role::Server, Limits::default());
    let mut buffer = vec![0u8; 64 * 1024];
    while !connection.state().is_finished() {
        let count = stream.read(&mut buffer)?;
        if count == 0 {
            println!("{peer} dropped: TCP closed without a close frame");
            return Ok(());
        }
        connection.receive(&buffer[..count]);
        loop {
            match connection.next_event() {
                Ok(Some(Event::Text(text))) => {
                    println!("{peer} echoed {} bytes", text.len());
                    connection.send_text(&text);
                }
                Ok(Some(Event::Binary(bytes))) => {
                    println!("{peer} echoed {} bytes of binary", bytes.len());
                    connection.send_binary(&bytes);
                }
                // The pong is already queued: a ping needs nothing from us.
                Ok(Some(Event::Ping(_) | Event::Pong(_))) => {}
                Ok(Some(Event::Close(Some(close)))) => println!("{peer} closed {}", close.code),
                Ok(Some(Event::Close(None))) => println!("{peer} closed without a code"),
                Ok(None) => break,
                // The close frame with the right code is already queued.
                Err(error) => {
                    println!("{peer} failed {}: {error}", error.close_code());
                    break;
                }
            }
        }
        stream.write_all(connection.pending_output())?;
        connection.consume_output(connection.pending_output().len());
    }
    hang_up(stream)
}
// ANCHOR_END: serve

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
