//! The slow-reader demo for listings 5-2 and 5-3: one client connects and never reads,
//! Alice talks, Bob listens, and we watch whether Bob keeps hearing Alice. It is bounded:
//! at most `MESSAGES` messages of 64 KiB, and every read gives up after 2 seconds.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use frame::handshake::{client_request, verify_accept};
use frame::{CloseCode, Connection, Event, Limits, Role};

const MESSAGES: usize = 500;
const MESSAGE_BYTES: usize = 64 * 1024;
const PATIENCE: Duration = Duration::from_secs(2);

/// A minimal client on `frame::Connection` (the client's side: every frame masked).
struct Client {
    stream: TcpStream,
    connection: Connection,
}

impl Client {
    fn connect(addr: &str) -> io::Result<Client> {
        let mut stream = TcpStream::connect(addr)?;
        // Section 4.1 wants a random nonce; the clock's nanoseconds will do for a demo.
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let (request, key) = client_request(addr, "/", nanos.as_nanos().to_le_bytes());
        stream.write_all(&request)?;
        stream.set_read_timeout(Some(PATIENCE))?;
        // Byte by byte, so that no frame after the head is read into the wrong buffer.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if stream.read(&mut byte)? == 0 {
                return Err(io::Error::other("the server closed during the handshake"));
            }
            head.push(byte[0]);
        }
        verify_accept(&String::from_utf8_lossy(&head), &key).map_err(io::Error::other)?;
        let connection = Connection::new(Role::Client, Limits::default());
        Ok(Client { stream, connection })
    }

    fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.connection.send_text(text);
        self.stream.write_all(&self.connection.take_output())
    }

    /// The next event, or `None` when nothing came for `PATIENCE`.
    fn next_event(&mut self) -> io::Result<Option<Event>> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            if let Some(event) = self.connection.next_event().map_err(io::Error::other)? {
                return Ok(Some(event));
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(io::Error::other("the server closed the connection")),
                Ok(count) => self.connection.receive(&chunk[..count]),
                Err(error) if timed_out(&error) => return Ok(None),
                Err(error) => return Err(error),
            }
        }
    }

    /// The close handshake: our close, then whatever comes until the server's answer.
    fn close(mut self) -> io::Result<()> {
        self.connection.close(CloseCode::Normal, "demo over");
        self.stream.write_all(&self.connection.take_output())?;
        while let Some(event) = self.next_event()? {
            if let Event::Close(_) = event {
                break;
            }
        }
        Ok(())
    }

    /// Whether message `number` arrives within `PATIENCE`.
    fn hears(&mut self, number: usize) -> io::Result<bool> {
        match self.next_event()? {
            Some(Event::Text(text)) => Ok(text.starts_with(&format!("{number:05} "))),
            _ => Ok(false),
        }
    }
}

fn timed_out(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1);
    let addr = addr.as_deref().unwrap_or("127.0.0.1:7052");
    let mut slow = Client::connect(addr)?;
    println!("slow reader: connected, and reads nothing from now on");
    let mut alice = Client::connect(addr)?;
    let mut bob = Client::connect(addr)?;
    println!(
        "Alice and Bob: connected; Alice sends {MESSAGES} messages of {} KiB",
        MESSAGE_BYTES / 1024
    );
    let mut stalled_at = None;
    for number in 1..=MESSAGES {
        let mut text = format!("{number:05} ");
        text.extend(std::iter::repeat_n('x', MESSAGE_BYTES - text.len()));
        alice.send_text(&text)?;
        if !(bob.hears(number)? && alice.hears(number)?) {
            stalled_at = Some(number);
            break;
        }
    }
    match stalled_at {
        Some(number) => {
            println!("Bob heard messages 1 to {}, then nothing:", number - 1);
            println!(
                "message {number} did not reach Bob within {} s",
                PATIENCE.as_secs()
            );
        }
        None => println!("Bob heard all {MESSAGES} messages, and so did Alice"),
    }
    // Now the slow reader reads at last: what had the server left for it?
    let (mut heard, mut ended) = (0, "nothing more within 2 s".to_owned());
    loop {
        match slow.next_event() {
            Ok(Some(Event::Text(_))) => heard += 1,
            Ok(Some(Event::Close(Some(close)))) => {
                ended = format!("close {}: {}", close.code, close.reason);
                break;
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => {
                ended = error.to_string();
                break;
            }
        }
    }
    println!("slow reader, reading at last: {heard} messages, then {ended}");
    if let Some(number) = stalled_at {
        let unstuck = bob.hears(number)?;
        println!("once the slow reader has read, Bob hears message {number}: {unstuck}");
    }
    for client in [alice, bob] {
        client.close()?;
    }
    // The slow reader may already be closed by the server (listing 5-3): ignore that.
    let _ = slow.close();
    Ok(())
}
