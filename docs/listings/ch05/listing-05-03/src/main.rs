//! Listing 5-3: the chat of listing 5-2 with its flaw fixed. Every member gets an outbox,
//! a `sync_channel` of `OUTBOX_FRAMES` frames, and a writer thread that alone writes to
//! its socket; the room only pushes, never waits, and drops a member whose outbox is full.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use frame::{
    CloseCode, Connection, Event, HeadReader, Limits, Opcode, Role, UpgradeRequest,
    accept_response, close_payload, encode_frame, reject_response, validate_upgrade,
};

/// How many frames may wait for one member. The real server counts bytes (1 MiB).
const OUTBOX_FRAMES: usize = 16;
/// A writer whose client takes nothing for this long gives up on it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

// ANCHOR: room
type Frame = Arc<[u8]>;

struct Member {
    id: u64,
    peer: SocketAddr,
    outbox: SyncSender<Frame>,
    /// Set when the room drops the member; its writer then sends close 1008.
    evicted: Arc<AtomicBool>,
}

type Room = Arc<Mutex<Vec<Member>>>;

fn lock(room: &Room) -> MutexGuard<'_, Vec<Member>> {
    room.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Puts `text` into every member's outbox. `try_send` never waits: a member whose
/// outbox is full has fallen `OUTBOX_FRAMES` frames behind, and is dropped.
fn broadcast(room: &Room, text: &str) {
    // Encoded once; every outbox gets a pointer to the same bytes.
    let frame = encode(Opcode::Text, text.as_bytes());
    lock(room).retain(|member| match member.outbox.try_send(Arc::clone(&frame)) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            println!("{} is too slow: closing with 1008", member.peer);
            member.evicted.store(true, Ordering::SeqCst);
            false
        }
        Err(TrySendError::Disconnected(_)) => false,
    });
}
// ANCHOR_END: room

fn encode(opcode: Opcode, payload: &[u8]) -> Frame {
    let mut bytes = Vec::new();
    encode_frame(opcode, payload, None, &mut bytes);
    bytes.into()
}

// ANCHOR: writer
/// The only code that writes to a member's socket. It ends when every sender of its
/// outbox is gone (the member left) or the socket fails.
fn write_outbox(mut stream: TcpStream, outbox: Receiver<Frame>, evicted: Arc<AtomicBool>) {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    for frame in outbox {
        if evicted.load(Ordering::SeqCst) || stream.write_all(&frame).is_err() {
            break;
        }
    }
    if evicted.load(Ordering::SeqCst) {
        // What is still queued is dropped: the client was never going to read it.
        let reason = format!("too slow: more than {OUTBOX_FRAMES} frames waiting");
        let close = close_payload(CloseCode::PolicyViolation, &reason);
        let _ = stream.write_all(&encode(Opcode::Close, &close));
    }
    // Also wakes this member's reader, if it still waits in `read`.
    let _ = stream.shutdown(Shutdown::Both);
}
// ANCHOR_END: writer

fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1);
    let addr = addr.as_deref().unwrap_or("127.0.0.1:7053");
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
    // Written before the member joins the room and has a writer: no line can overtake it.
    stream.write_all(&accept_response(&upgrade, None))?;
    let (outbox, queued) = sync_channel::<Frame>(OUTBOX_FRAMES);
    let evicted = Arc::new(AtomicBool::new(false));
    let (writer_stream, flag) = (stream.try_clone()?, Arc::clone(&evicted));
    thread::spawn(move || write_outbox(writer_stream, queued, flag));
    let member = Member {
        id,
        peer,
        outbox: outbox.clone(),
        evicted,
    };
    lock(room).push(member);
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
        // Our own frames (pongs, the close reply) queue in the same outbox. `send` may
        // wait if it is full, but only this client's reader waits, nobody else.
        let output = connection.take_output();
        if !output.is_empty() && outbox.send(output.into()).is_err() {
            return Ok("dropped: its writer has stopped".into());
        }
        if let Some(how) = ended {
            return Ok(how);
        }
        match stream.read(&mut chunk)? {
            // The client closed, or our writer did, after close 1008.
            0 => return Ok("dropped: its socket is closed".into()),
            count => connection.receive(&chunk[..count]),
        }
    }
}
// ANCHOR_END: serve

/// Reads the request head, refusing a bad one (as in listing 5-2).
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
