//! The chat of chapter 5's exercises, all but the reader's part: one thread per client,
//! `frame::Connection` doing the protocol, every line said to everyone. Each exercise's
//! `main.rs` calls [`run`] with its own `command` function, the one piece that is yours.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use frame::{Connection, Event, HeadReader, Limits, Role};

/// What a line does before it is said to everyone: `command(members, name, line)` carries
/// out `line` from `name` if it is a command, and returns true if it was one.
pub type Command = fn(members: &[Member], name: &str, line: &str) -> bool;

/// One client's half that other threads write to: its protocol state and its socket.
struct Link {
    connection: Connection,
    stream: TcpStream,
}

/// Someone in the room, under the name it gave in its URL (`/?name=alice`).
pub struct Member {
    id: u64,
    /// The name the others know this member by.
    pub name: String,
    link: Arc<Mutex<Link>>,
}

/// Everyone connected, in the order they came. Locking order: the room, then a link, never
/// the other way round, so two threads cannot wait on each other.
type Room = Arc<Mutex<Vec<Member>>>;

/// Serves the chat on the address given as the first argument, or on `default_addr`, with
/// `command` deciding what a line does. Returns only if the listener fails.
pub fn run(default_addr: &str, command: Command) -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| default_addr.to_owned());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    let room: Room = Arc::default();
    let next_id = Arc::new(AtomicU64::new(1));
    for stream in listener.incoming() {
        let stream = stream?;
        let (room, next_id) = (Arc::clone(&room), Arc::clone(&next_id));
        std::thread::spawn(move || {
            let id = next_id.fetch_add(1, Ordering::Relaxed);
            if let Err(error) = serve(stream, &room, id, command) {
                eprintln!("client {id} failed: {error}");
            }
            lock(&room).retain(|member| member.id != id);
        });
    }
    Ok(())
}

/// A poisoned lock means another client's thread panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One client: the handshake, then messages until it leaves.
fn serve(mut stream: TcpStream, room: &Room, id: u64, command: Command) -> io::Result<()> {
    let Some((name, after_head)) = handshake(&mut stream, room, id)? else {
        return Ok(());
    };
    let link = {
        let members = lock(room);
        let names: Vec<&str> = members.iter().map(|member| member.name.as_str()).collect();
        println!("{name} joined; here now: {}", names.join(", "));
        members
            .iter()
            .find(|member| member.id == id)
            .map(|member| Arc::clone(&member.link))
            .expect("handshake added this member")
    };
    let mut received = after_head;
    let mut buffer = [0u8; 4096];
    loop {
        let texts = {
            let mut link = lock(&link);
            link.connection.receive(&received);
            let texts = take_texts(&mut link.connection);
            flush(&mut link)?;
            if link.connection.state().is_finished() {
                break;
            }
            texts
        };
        for text in texts {
            say(room, &name, &text, command);
        }
        // Read without holding the link: others must be able to write to us meanwhile.
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        received = buffer[..read].to_vec();
    }
    println!("{name} left");
    Ok(())
}

/// Reads the request head, answers it, and adds the client to the room under its name.
/// Returns the name and the bytes after the head, or `None` if the request was refused.
fn handshake(
    stream: &mut TcpStream,
    room: &Room,
    id: u64,
) -> io::Result<Option<(String, Vec<u8>)>> {
    let mut reader = HeadReader::new();
    let mut buffer = [0u8; 4096];
    let pushed = loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Ok(None);
        }
        if let Some(pushed) = reader.push(&buffer[..read]).transpose() {
            break pushed;
        }
    };
    let (head, after_head) = match pushed {
        Ok(pushed) => pushed,
        Err(error) => {
            return stream
                .write_all(&frame::reject_response(&error))
                .map(|_| None);
        }
    };
    // A deliberate limitation: names are not checked for uniqueness, so two clients who
    // both call themselves alice both get what is sent to alice.
    let name = head
        .query_param("name")
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| format!("guest-{id}"));
    let response = match frame::negotiate(head, &[]) {
        Ok((_, response)) => response,
        Err(error) => {
            return stream
                .write_all(&frame::reject_response(&error))
                .map(|_| None);
        }
    };
    // The 101 is written while the room is locked, so no one can send this client a frame
    // before it, and the client is in the room the moment it sees the 101.
    let mut members = lock(room);
    stream.write_all(&response)?;
    let link = Link {
        connection: Connection::new(Role::Server, Limits::with_max_message(64 * 1024)),
        stream: stream.try_clone()?,
    };
    members.push(Member {
        id,
        name: name.clone(),
        link: Arc::new(Mutex::new(link)),
    });
    Ok(Some((name, after_head)))
}

/// The text messages among the events received so far; `Connection` answers the rest.
fn take_texts(connection: &mut Connection) -> Vec<String> {
    let mut texts = Vec::new();
    // On a protocol error the close frame is queued and the state is Closed.
    while let Ok(Some(event)) = connection.next_event() {
        if let Event::Text(text) = event {
            texts.push(text);
        }
    }
    texts
}

/// Writes what the link's connection has queued. A deliberate limitation: the write blocks,
/// so one client that stops reading slows everyone who talks to it (chapter 5 says why).
fn flush(link: &mut Link) -> io::Result<()> {
    let output = link.connection.take_output();
    link.stream.write_all(&output)
}

/// Sends one text message to a member. A member whose socket failed is leaving anyway.
pub fn send(member: &Member, text: &str) {
    let mut link = lock(&member.link);
    link.connection.send_text(text);
    let _ = flush(&mut link);
}

// ANCHOR: say
/// What a line from `name` does: a command, or a message to everyone.
fn say(room: &Room, name: &str, line: &str, command: Command) {
    let members = lock(room);
    if command(&members, name, line) {
        return;
    }
    for member in members.iter() {
        send(member, &format!("{name}: {line}"));
    }
}
// ANCHOR_END: say
