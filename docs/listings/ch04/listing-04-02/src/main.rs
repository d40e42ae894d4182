//! Listing 4-2: the echo server as one thread polling many nonblocking sockets. Each pass
//! accepts every waiting client, then gives each client whatever its socket allows right
//! now, and sleeps a moment when a whole pass found nothing to do.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use frame::{
    Connection, Event, HeadReader, Limits, Role, accept_response, reject_response, validate_upgrade,
};

fn would_block(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::WouldBlock
}

// ANCHOR: main
fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1);
    let addr = addr.as_deref().unwrap_or("127.0.0.1:7005");
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    println!("Listening on ws://{}/", listener.local_addr()?);
    let mut clients: Vec<Client> = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let mut worked = false;
        loop {
            match listener.accept() {
                Ok((stream, peer)) => {
                    // An accepted socket does not inherit the listener's mode (on Linux).
                    stream.set_nonblocking(true)?;
                    println!("{peer} connected");
                    clients.push(Client::new(stream, peer));
                    worked = true;
                }
                Err(error) if would_block(&error) => break,
                Err(error) => return Err(error),
            }
        }
        clients.retain_mut(|client| match client.serve(&mut buffer) {
            Ok(progress) => {
                worked |= progress;
                // Keep a closed client until its last bytes (our close frame) are written.
                client.ended.is_none() || !client.connection.pending_output().is_empty()
            }
            Err(error) => {
                println!("{} failed: {error}", client.peer);
                false
            }
        });
        // Nothing tells us which socket has data: a pass that found none would start again
        // at once and keep a core busy. 1 ms is short enough for a person, long enough for
        // the CPU. (The real server's `IdleBackoff` sleeps longer the longer it is idle.)
        if !worked {
            thread::sleep(Duration::from_millis(1));
        }
    }
}
// ANCHOR_END: main

struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    /// `Some` until the request head is complete.
    request: Option<HeadReader>,
    connection: Connection,
    ended: Option<String>,
}

impl Client {
    fn new(stream: TcpStream, peer: SocketAddr) -> Client {
        let (request, ended) = (Some(HeadReader::new()), None);
        let connection = Connection::new(Role::Server, Limits::default());
        Client {
            stream,
            peer,
            request,
            connection,
            ended,
        }
    }

    // ANCHOR: serve
    /// One pass for one client: read until the socket has nothing more, answer, write as
    /// much as the socket takes. Returns whether anything happened.
    fn serve(&mut self, buffer: &mut [u8]) -> io::Result<bool> {
        let mut worked = false;
        while self.ended.is_none() {
            match self.stream.read(buffer) {
                Ok(0) => self.end("dropped: TCP closed without a close frame"),
                Ok(count) => self.receive(&buffer[..count])?,
                Err(error) if would_block(&error) => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
            worked = true;
        }
        // Limitation kept for the listing: a client that sends but never reads makes this
        // output grow without bound. The real server stops reading it (`--max-output`).
        while !self.connection.pending_output().is_empty() {
            match self.stream.write(self.connection.pending_output()) {
                Ok(count) => self.connection.consume_output(count),
                // The socket's buffer is full: the rest waits for the next pass.
                Err(error) if would_block(&error) => return Ok(worked),
                Err(error) => return Err(error),
            }
            worked = true;
        }
        if self.connection.state().is_finished() && self.ended.is_none() {
            self.end("closed");
        }
        Ok(worked)
    }
    // ANCHOR_END: serve

    /// Collects the request head; once it is complete, answers it. Returns the bytes that
    /// followed the head, or `None` while there is nothing for the Connection yet.
    fn handshake(&mut self, bytes: &[u8]) -> io::Result<Option<Vec<u8>>> {
        let Some(request) = self.request.as_mut() else {
            return Ok(Some(bytes.to_vec()));
        };
        let refusal = match request.push(bytes) {
            Ok(None) => return Ok(None),
            Ok(Some((head, leftover))) => match validate_upgrade(head) {
                Ok(upgrade) => {
                    // A fresh socket's send buffer is empty: these ~130 bytes fit.
                    self.stream.write_all(&accept_response(&upgrade, None))?;
                    self.request = None;
                    self.connection.send_text("Hello from listing 4-2");
                    return Ok(Some(leftover));
                }
                Err(error) => error,
            },
            Err(error) => error,
        };
        self.stream.write_all(&reject_response(&refusal))?;
        self.end(&format!("refused: {refusal}"));
        Ok(None)
    }

    fn receive(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(bytes) = self.handshake(bytes)? else {
            return Ok(());
        };
        self.connection.receive(&bytes);
        loop {
            match self.connection.next_event() {
                Ok(Some(Event::Text(text))) => self.connection.send_text(&text),
                Ok(Some(Event::Binary(bytes))) => self.connection.send_binary(&bytes),
                Ok(Some(Event::Ping(_) | Event::Pong(_))) => {}
                Ok(Some(Event::Close(Some(close)))) => self.end(&format!("closed {}", close.code)),
                Ok(Some(Event::Close(None))) => self.end("closed without a code"),
                Ok(None) => return Ok(()),
                Err(error) => self.end(&format!("failed {}: {error}", error.close_code())),
            }
        }
    }

    fn end(&mut self, how: &str) {
        println!("{} {how}", self.peer);
        self.ended = Some(how.to_owned());
    }
}
