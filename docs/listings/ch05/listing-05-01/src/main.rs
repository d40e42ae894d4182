//! Listing 5-1: listing 4-1 with one change, a thread for every client. Each thread may
//! wait in `read` as long as its client is quiet, because nobody else waits with it; but
//! while it waits, nothing can be sent to that client: that is the next listing's problem.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

use frame::{
    Connection, Event, HeadReader, Limits, Role, accept_response, reject_response, validate_upgrade,
};

fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1);
    let addr = addr.as_deref().unwrap_or("127.0.0.1:7051");
    let listener = TcpListener::bind(addr)?;
    println!("Listening on ws://{}/", listener.local_addr()?);
    // ANCHOR: accept
    for stream in listener.incoming() {
        let mut stream = stream?;
        let peer = stream.peer_addr()?;
        println!("{peer} connected");
        // The only change from listing 4-1: `serve` runs on a thread of its own, and the
        // loop goes straight back to `accept`. Each thread costs a stack (2 MiB reserved
        // by default) and a kernel task; the real server asks for 256 KiB.
        thread::spawn(move || match serve(&mut stream) {
            Ok(how) => println!("{peer} {how}"),
            Err(error) => println!("{peer} failed: {error}"),
        });
    }
    // ANCHOR_END: accept
    Ok(())
}

// ANCHOR: handshake
/// Reads the HTTP request in pieces until its blank line, then answers 101 or a refusal
/// (RFC 6455 section 4.2). Returns the bytes that came after the request head: a client
/// may send its first frame right behind it.
fn handshake(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut request = HeadReader::new();
    let mut chunk = [0u8; 4096];
    loop {
        let count = stream.read(&mut chunk)?;
        if count == 0 {
            return Err(io::Error::other("closed before finishing its request"));
        }
        let refusal = match request.push(&chunk[..count]) {
            Ok(None) => continue,
            Ok(Some((head, leftover))) => match validate_upgrade(head) {
                Ok(upgrade) => {
                    stream.write_all(&accept_response(&upgrade, None))?;
                    return Ok(leftover);
                }
                Err(error) => error,
            },
            Err(error) => error,
        };
        stream.write_all(&reject_response(&refusal))?;
        return Err(io::Error::other(format!("refused: {refusal}")));
    }
}
// ANCHOR_END: handshake

// ANCHOR: serve
/// Echoes every message until the close handshake is done. Returns how it ended.
fn serve(stream: &mut TcpStream) -> io::Result<String> {
    let leftover = handshake(stream)?;
    let mut connection = Connection::new(Role::Server, Limits::default());
    connection.send_text("Hello from listing 5-1");
    connection.receive(&leftover);
    let mut chunk = [0u8; 4096];
    loop {
        let ended = echo_events(&mut connection);
        // The Connection never touches the socket: we write what it queued.
        stream.write_all(&connection.take_output())?;
        if let Some(how) = ended {
            // The server closes TCP first (section 7.1.1). The real server also lingers,
            // reading what the client still sends, so no reset destroys the close frame.
            let _ = stream.shutdown(Shutdown::Write);
            return Ok(how);
        }
        // Here this client's thread waits, and only it. But a thread in `read` cannot also
        // write: if another client had something for this one, it would have to wait.
        let count = stream.read(&mut chunk)?;
        if count == 0 {
            return Ok("dropped: TCP closed without a close frame (a client sees 1006)".into());
        }
        connection.receive(&chunk[..count]);
    }
}

/// Answers every complete event so far. Returns `Some(how it ended)` once the
/// connection is closed, by the client's close frame or by a protocol error.
fn echo_events(connection: &mut Connection) -> Option<String> {
    loop {
        match connection.next_event() {
            Ok(Some(Event::Text(text))) => connection.send_text(&text),
            Ok(Some(Event::Binary(bytes))) => connection.send_binary(&bytes),
            // The Connection has already queued the pong (section 5.5.2).
            Ok(Some(Event::Ping(_) | Event::Pong(_))) => {}
            Ok(Some(Event::Close(close))) => {
                return Some(match close {
                    Some(close) => format!("closed {}", close.code),
                    None => "closed without a code".to_owned(),
                });
            }
            Ok(None) if connection.state().is_finished() => return Some("closed".into()),
            Ok(None) => return None,
            // The close frame with the error's code is already queued.
            Err(error) => return Some(format!("failed {}: {error}", error.close_code())),
        }
    }
}
// ANCHOR_END: serve
