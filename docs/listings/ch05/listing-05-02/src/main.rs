//! Listing 5-2: a chat in the simplest shape, a thread per client and the room as an
//! `Arc<Mutex<Vec<Member>>>`. Every text message goes to every member, written to each
//! socket in turn while holding the lock: the flaw that `slow-reader-demo` shows.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

use frame::{
    Connection, Event, HeadReader, Limits, Opcode, Role, UpgradeRequest, accept_response,
    encode_frame, reject_response, validate_upgrade,
};

// ANCHOR: room
struct Member {
    id: u64,
    /// A second handle to the member's socket (`try_clone`), for the others to write to.
    stream: TcpStream,
}

type Room = Arc<Mutex<Vec<Member>>>;

fn lock(room: &Room) -> MutexGuard<'_, Vec<Member>> {
    // A thread that panicked under the lock left the list whole: carry on with it.
    room.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sends `text` to every member, its sender included.
fn broadcast(room: &Room, text: &str) {
    let mut frame = Vec::new();
    encode_frame(Opcode::Text, text.as_bytes(), None, &mut frame);
    let mut members = lock(room);
    // THE FLAW, kept on purpose: `write_all` waits while a member's socket buffers are
    // full, and it waits holding the lock. One client that stops reading stops the room.
    members.retain_mut(|member| member.stream.write_all(&frame).is_ok());
}
// ANCHOR_END: room

fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1);
    let addr = addr.as_deref().unwrap_or("127.0.0.1:7052");
    let listener = TcpListener::bind(addr)?;
    println!("Listening on ws://{}/", listener.local_addr()?);
    let room: Room = Arc::new(Mutex::new(Vec::new()));
    for (id, stream) in (1..).zip(listener.incoming()) {
        let stream = stream?;
        let peer = stream.peer_addr()?;
        let room = Arc::clone(&room);
        thread::spawn(move || {
            match serve(stream, peer, id, &room) {
                Ok(how) => println!("{peer} {how}"),
                Err(error) => println!("{peer} failed: {error}"),
            }
            lock(&room).retain(|member| member.id != id);
        });
    }
    Ok(())
}

// ANCHOR: serve
fn serve(mut stream: TcpStream, peer: SocketAddr, id: u64, room: &Room) -> io::Result<String> {
    let (upgrade, leftover) = read_upgrade(&mut stream)?;
    {
        // Join, and answer 101, under the lock: no line can reach this socket before
        // its 101, and a client that has its 101 receives every later line.
        let mut members = lock(room);
        members.push(Member {
            id,
            stream: stream.try_clone()?,
        });
        stream.write_all(&accept_response(&upgrade, None))?;
    }
    println!("{peer} joined");
    let mut connection = Connection::new(Role::Server, Limits::default());
    connection.receive(&leftover);
    let mut chunk = [0u8; 4096];
    loop {
        let ended = loop {
            match connection.next_event() {
                Ok(Some(Event::Text(text))) => broadcast(room, &text),
                Ok(Some(Event::Close(Some(close)))) => break Some(format!("left: {}", close.code)),
                Ok(Some(Event::Close(None))) => break Some("left without a code".into()),
                Ok(Some(_)) => {}
                Ok(None) if connection.state().is_finished() => break Some("closed".into()),
                Ok(None) => break None,
                Err(error) => break Some(format!("failed {}: {error}", error.close_code())),
            }
        };
        // Our own frames (pongs, the close reply) go out under the lock too, so that
        // they never land in the middle of someone's broadcast frame.
        {
            let _members = lock(room);
            stream.write_all(&connection.take_output())?;
        }
        if let Some(how) = ended {
            let _ = stream.shutdown(Shutdown::Write);
            return Ok(how);
        }
        let count = stream.read(&mut chunk)?;
        if count == 0 {
            return Ok("dropped: TCP closed without a close frame".into());
        }
        connection.receive(&chunk[..count]);
    }
}
// ANCHOR_END: serve

/// Reads the request head (as in listing 4-1), refusing a bad one; the 101 is the
/// caller's to send.
fn read_upgrade(stream: &mut TcpStream) -> io::Result<(UpgradeRequest, Vec<u8>)> {
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
                Ok(upgrade) => return Ok((upgrade, leftover)),
                Err(error) => error,
            },
            Err(error) => error,
        };
        stream.write_all(&reject_response(&refusal))?;
        return Err(io::Error::other(format!("refused: {refusal}")));
    }
}
