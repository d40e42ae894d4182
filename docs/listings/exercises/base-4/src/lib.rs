//! The one-thread polling echo server of chapter 4's exercises, all but the reader's parts:
//! nonblocking sockets, `frame::Connection` doing the protocol, and the counts in [`Stats`].
//! Each exercise's `main.rs` calls [`run`] with two functions, one of them yours.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

pub use frame::RequestHead;
use frame::{Connection, Event, HeadReader, Limits, Role};

/// The answer to a plain HTTP request (one that does not ask for a WebSocket):
/// `plain_http_answer(head, stats)` is the whole response (exercise 4.1).
pub type PlainHttpAnswer = fn(head: &RequestHead, stats: &Stats) -> Vec<u8>;

/// Whether one more WebSocket client may come in: `refusal(stats)` is `None` to let it in,
/// or the whole HTTP response that refuses it (exercise 4.2).
pub type Refusal = fn(stats: &Stats) -> Option<Vec<u8>>;

/// The exercise's two functions, carried together through the loop.
struct Exercise {
    plain_http_answer: PlainHttpAnswer,
    refusal: Refusal,
}

/// How long the loop sleeps when no socket had anything to do: short enough that a person
/// never notices, long enough that an idle server costs no CPU.
const IDLE_SLEEP: Duration = Duration::from_millis(2);

/// What the server has counted since it started.
#[derive(Debug, Default)]
pub struct Stats {
    /// WebSocket connections open now (after their 101, before they leave).
    pub connections: usize,
    /// Messages echoed since the server started.
    pub messages: u64,
}

/// Where one client's TCP connection is in its life.
enum Phase {
    /// Reading the request head.
    Head(HeadReader),
    /// A WebSocket connection, after its 101 (boxed: it is ten times the other phases).
    Open(Box<Connection>),
    /// Answered over plain HTTP (a page or a refusal): close once the answer is sent.
    Answered,
}

struct Client {
    stream: TcpStream,
    phase: Phase,
    /// HTTP bytes to send before any frame: the 101, a page, a refusal.
    http_output: Vec<u8>,
    done: bool,
}

/// Serves echo on the address given as the first argument, or on `default_addr`, polling
/// every socket from this one thread; the first line says `note` after the address (such
/// as " (at most 2 clients)"). Returns only if the listener fails.
pub fn run(
    default_addr: &str,
    note: &str,
    plain_http_answer: PlainHttpAnswer,
    refusal: Refusal,
) -> io::Result<()> {
    let exercise = Exercise {
        plain_http_answer,
        refusal,
    };
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| default_addr.to_owned());
    let listener = TcpListener::bind(&addr)?;
    listener.set_nonblocking(true)?;
    println!("listening on {}{note}", listener.local_addr()?);
    let mut clients: Vec<Client> = Vec::new();
    let mut stats = Stats::default();
    loop {
        let mut busy = accept_clients(&listener, &mut clients)?;
        for client in &mut clients {
            busy |= poll_client(client, &mut stats, &exercise);
        }
        clients.retain(|client| {
            if client.done && matches!(client.phase, Phase::Open(_)) {
                stats.connections -= 1;
            }
            !client.done
        });
        if !busy {
            std::thread::sleep(IDLE_SLEEP);
        }
    }
}

/// Accepts every waiting connection. Returns true if there was one.
fn accept_clients(listener: &TcpListener, clients: &mut Vec<Client>) -> io::Result<bool> {
    let mut accepted = false;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(true)?;
                clients.push(Client {
                    stream,
                    phase: Phase::Head(HeadReader::new()),
                    http_output: Vec::new(),
                    done: false,
                });
                accepted = true;
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(accepted),
            Err(error) => return Err(error),
        }
    }
}

/// Reads what the client sent, acts on it, writes what is queued. Returns true if anything
/// happened. A socket error ends this client only.
fn poll_client(client: &mut Client, stats: &mut Stats, exercise: &Exercise) -> bool {
    let mut buffer = [0u8; 4096];
    let mut busy = false;
    match client.stream.read(&mut buffer) {
        Ok(0) => client.done = true,
        Ok(read) => {
            busy = true;
            receive(client, &buffer[..read], stats, exercise);
        }
        Err(error) if would_block(&error) => {}
        Err(_) => client.done = true,
    }
    busy | send(client)
}

/// Writes what is queued, HTTP bytes first. Returns true if anything was written.
fn send(client: &mut Client) -> bool {
    let output = match &client.phase {
        _ if !client.http_output.is_empty() => &client.http_output[..],
        Phase::Open(connection) => connection.pending_output(),
        Phase::Head(_) | Phase::Answered => &[][..],
    };
    if output.is_empty() {
        // Section 7.1.1: once the close handshake is done (or the answer is sent), the
        // server closes the TCP connection first.
        client.done |= match &client.phase {
            Phase::Open(connection) => connection.state().is_finished(),
            Phase::Answered => true,
            Phase::Head(_) => false,
        };
        return false;
    }
    match client.stream.write(output) {
        Ok(written) => {
            if !client.http_output.is_empty() {
                client.http_output.drain(..written);
            } else if let Phase::Open(connection) = &mut client.phase {
                connection.consume_output(written);
            }
            true
        }
        Err(error) if would_block(&error) => false,
        Err(_) => {
            client.done = true;
            false
        }
    }
}

fn would_block(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::WouldBlock
}

/// Feeds bytes to the client's phase: the request head, or frames.
fn receive(client: &mut Client, bytes: &[u8], stats: &mut Stats, exercise: &Exercise) {
    match &mut client.phase {
        Phase::Head(reader) => match reader.push(bytes) {
            Ok(None) => {}
            Ok(Some((head, after_head))) => start(client, head, &after_head, stats, exercise),
            Err(error) => answer(client, frame::reject_response(&error)),
        },
        Phase::Open(connection) => {
            connection.receive(bytes);
            echo(connection, stats);
        }
        // The answer is on its way and the connection will close: ignore the rest.
        Phase::Answered => {}
    }
}

/// Sends a plain HTTP answer, after which the connection closes.
fn answer(client: &mut Client, response: Vec<u8>) {
    client.http_output = response;
    client.phase = Phase::Answered;
}

// ANCHOR: start
/// What a complete request head leads to: a WebSocket, a page, or a refusal.
fn start(
    client: &mut Client,
    head: RequestHead,
    after_head: &[u8],
    stats: &mut Stats,
    exercise: &Exercise,
) {
    if !frame::wants_upgrade(&head) {
        return answer(client, (exercise.plain_http_answer)(&head, stats));
    }
    if let Some(refusal) = (exercise.refusal)(stats) {
        return answer(client, refusal);
    }
    match frame::negotiate(head, &[]) {
        Ok((_, response)) => {
            let mut connection = Connection::new(Role::Server, Limits::default());
            connection.receive(after_head);
            echo(&mut connection, stats);
            client.http_output = response;
            client.phase = Phase::Open(Box::new(connection));
            stats.connections += 1;
        }
        Err(error) => answer(client, frame::reject_response(&error)),
    }
}
// ANCHOR_END: start

/// Echoes every complete message; pings, pongs and closes are answered by `Connection`.
fn echo(connection: &mut Connection, stats: &mut Stats) {
    // On a protocol error the close frame is queued and the state is Closed: `send` then
    // writes it and ends the connection, so the error needs nothing more here.
    while let Ok(Some(event)) = connection.next_event() {
        match event {
            Event::Text(text) => connection.send_text(&text),
            Event::Binary(bytes) => connection.send_binary(&bytes),
            Event::Ping(_) | Event::Pong(_) | Event::Close(_) => continue,
        }
        stats.messages += 1;
    }
}

/// The answer to a plain HTTP request that exercise 4.2 starts from: 426, logged so a person
/// who opened the port in a browser sees why nothing happened.
pub fn answer_upgrade_required(head: &RequestHead, _stats: &Stats) -> Vec<u8> {
    println!("plain {} {} answered 426", head.method, head.target);
    upgrade_required()
}

/// The admission that exercise 4.1 starts from: everyone who asks to upgrade is let in.
pub fn admit_everyone(_stats: &Stats) -> Option<Vec<u8>> {
    None
}

/// 426 for any other plain request: this port speaks WebSocket (RFC 9110 section 15.5.22).
pub fn upgrade_required() -> Vec<u8> {
    let mut response = text_response(
        426,
        "Upgrade Required",
        "this is a WebSocket echo server: connect with a WebSocket client\n",
    );
    // The header goes into the head, just before the blank line that ends it.
    let end_of_head = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("text_response writes a blank line");
    response.splice(end_of_head + 2..end_of_head + 2, *b"Upgrade: websocket\r\n");
    response
}

/// A complete plain-text HTTP response; `Connection: close` because we close after it.
pub fn text_response(status: u16, status_text: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {status_text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
