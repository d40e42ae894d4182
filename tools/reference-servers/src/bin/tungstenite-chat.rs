//! The yardstick for com-server's chat under load: the same chat lines (greeting, join
//! notice, `name: text` to everyone, leave notice) on tungstenite 0.30, written the textbook
//! way: a thread per client that reads, a writer thread per client fed by a channel, and the
//! room an `Arc<Mutex<...>>` of the members' senders. Each member's queue is bounded in bytes
//! like com-server's outbox, so a member who stops reading is closed with 1008 here too.

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use cli::Flag;
use tungstenite::handshake::server::{Request, Response};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocket};
use tungstenite::{Error, Message, Utf8Bytes};

const FLAGS: &[Flag] = &[
    Flag::value("addr", "HOST:PORT", "127.0.0.1:7791", "where to listen"),
    Flag::value(
        "time-limit",
        "SECS",
        "0",
        "exit after this many seconds (0: run until killed)",
    ),
    Flag::value(
        "outbox-bytes",
        "BYTES",
        "1048576",
        "how far a client may fall behind before it is closed with 1008 (as com-server)",
    ),
];

/// How long the writer waits for the client's reply to our close frame before it cuts TCP
/// (com-server waits `frame::CLOSE_TIMEOUT`, the same two seconds).
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The writer flushes after this many bytes of queued lines even if more are waiting, so one
/// busy member's batch stays as big as com-server's (64 KiB a `write`).
const BATCH_BYTES: usize = 64 * 1024;

/// A name longer than this is cut, as com-server cuts it (in characters).
const MAX_NAME_CHARS: usize = 32;

fn main() {
    let args = cli::parse_or_exit(
        "tungstenite-chat",
        "a tungstenite thread-per-client chat, the chat benchmark's reference",
        FLAGS,
    );
    let addr: SocketAddr = args.value_or_exit("addr");
    let time_limit: u64 = args.value_or_exit("time-limit");
    let outbox_bytes: usize = args.value_or_exit("outbox-bytes");
    let listener = TcpListener::bind(addr).unwrap_or_else(|error| {
        eprintln!(
            "Error: cannot bind {addr}: {}",
            cli::describe_io_error(&error)
        );
        std::process::exit(1);
    });
    let bound = listener
        .local_addr()
        .expect("a bound listener knows its address");
    say("Server: tungstenite 0.30 chat, a reader and a writer thread per client");
    say(&format!(
        "Outbox per client: {outbox_bytes} bytes (a client further behind: close 1008)"
    ));
    if time_limit > 0 {
        say(&format!("Time limit: {time_limit} s"));
        // A benchmark driver that dies must not leave servers behind.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(time_limit));
            std::process::exit(0);
        });
    } else {
        say("Time limit: none");
    }
    say(&format!("Listening on ws://{bound}/"));
    let room = Arc::new(Room {
        members: Mutex::new(Members::default()),
        outbox_bytes,
    });
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let room = room.clone();
                std::thread::spawn(move || serve(stream, &room));
            }
            Err(error) => say(&format!(
                "cannot accept: {}",
                cli::describe_io_error(&error)
            )),
        }
    }
}

/// What a member's writer thread is asked to send.
enum Outgoing {
    /// A chat line or notice, and the bytes its frame takes (counted against the bound).
    Line(Utf8Bytes, usize),
    /// Bytes tungstenite's reading side wants to write: the 101, pongs, the close reply.
    Reply(Vec<u8>),
    /// The member fell too far behind: close with 1008 and this reason.
    Evict(String),
    /// The reader is done: nothing more will come.
    Finish,
}

/// What the room and a member's writer share about its queue.
#[derive(Default)]
struct Backlog {
    /// Frame bytes queued and not yet written to the socket.
    queued: AtomicUsize,
    /// Set by the room when it evicts: the writer skips the lines still queued.
    evicted: AtomicBool,
}

struct Member {
    id: u64,
    name: String,
    sender: Sender<Outgoing>,
    backlog: Arc<Backlog>,
}

#[derive(Default)]
struct Members {
    list: Vec<Member>,
    last_id: u64,
    anonymous_count: u64,
}

/// Everyone online, behind one lock, so every member sees the room's lines in one order.
struct Room {
    members: Mutex<Members>,
    outbox_bytes: usize,
}

/// Who gets a line.
#[derive(Clone, Copy)]
enum Recipients {
    Everyone,
    EveryoneBut(u64),
    Only(u64),
}

impl Recipients {
    fn include(self, id: u64) -> bool {
        match self {
            Recipients::Everyone => true,
            Recipients::EveryoneBut(excluded) => id != excluded,
            Recipients::Only(only) => id == only,
        }
    }
}

impl Room {
    fn lock(&self) -> MutexGuard<'_, Members> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a member, greets it, tells the others; returns its id and name.
    fn join(
        &self,
        wish: Option<&str>,
        sender: Sender<Outgoing>,
        backlog: Arc<Backlog>,
    ) -> (u64, String) {
        let mut members = self.lock();
        let name = members.free_name(wish);
        members.last_id += 1;
        let id = members.last_id;
        members.list.push(Member {
            id,
            name: name.clone(),
            sender,
            backlog,
        });
        self.deliver(
            &mut members,
            &format!("Server: Hello! Welcome to Chat, {name}"),
            Recipients::Only(id),
        );
        // The newcomer is not told about itself; everyone else is.
        self.deliver(
            &mut members,
            &format!("Server: New User({name}) in Chat!"),
            Recipients::EveryoneBut(id),
        );
        (id, name)
    }

    /// `<name>: <text>` to everyone, the sender included (as com-server does).
    fn say(&self, id: u64, text: &str) {
        let mut members = self.lock();
        let Some(member) = members.list.iter().find(|member| member.id == id) else {
            return;
        };
        // Line breaks become `↵`, as com-server shows them, so no text forges a notice.
        let line = format!("{}: {}", member.name, one_line(text));
        self.deliver(&mut members, &line, Recipients::Everyone);
    }

    /// Removes a member and tells the others. False if it was gone already.
    fn leave(&self, id: u64) -> bool {
        let mut members = self.lock();
        let Some(index) = members.list.iter().position(|member| member.id == id) else {
            return false;
        };
        let member = members.list.remove(index);
        self.deliver(
            &mut members,
            &format!("Server: {} left the chat", member.name),
            Recipients::Everyone,
        );
        true
    }

    /// Queues `line` for the recipients. A member whose queue would pass the bound is
    /// evicted, and its leave notice is itself a line for everyone (hence the work list).
    fn deliver(&self, members: &mut Members, line: &str, recipients: Recipients) {
        let mut pending = vec![(Utf8Bytes::from(line.to_owned()), recipients)];
        while let Some((line, recipients)) = pending.pop() {
            let frame_len = frame_len(line.len());
            let mut full = Vec::new();
            for member in &members.list {
                if !recipients.include(member.id) {
                    continue;
                }
                let queued = member.backlog.queued.load(Ordering::Acquire);
                // An empty queue takes any line, as com-server's outbox does.
                if queued > 0 && queued + frame_len > self.outbox_bytes {
                    full.push(member.id);
                    continue;
                }
                member.backlog.queued.fetch_add(frame_len, Ordering::AcqRel);
                // A send fails only when the writer is gone; the reader will leave.
                let _ = member.sender.send(Outgoing::Line(line.clone(), frame_len));
            }
            for id in full {
                if let Some(index) = members.list.iter().position(|member| member.id == id) {
                    let member = members.list.remove(index);
                    say(&format!(
                        "{} is too slow (outbox full): closing with 1008",
                        member.name
                    ));
                    member.backlog.evicted.store(true, Ordering::Release);
                    let reason = format!("too slow: more than {} bytes waiting", self.outbox_bytes);
                    let _ = member.sender.send(Outgoing::Evict(reason));
                    pending.push((
                        Utf8Bytes::from(format!("Server: {} left the chat", member.name)),
                        Recipients::Everyone,
                    ));
                }
            }
        }
    }
}

impl Members {
    /// The wish with control characters and `:` removed, cut, made unique; `Anonymous<N>`
    /// when empty. (com-server also removes format characters; the load never sends any.)
    fn free_name(&mut self, wish: Option<&str>) -> String {
        let visible: String = wish
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control() && *c != ':')
            .collect();
        let wanted: String = visible.trim().chars().take(MAX_NAME_CHARS).collect();
        let wanted = wanted.trim_end().to_owned();
        let taken = |members: &Members, name: &str| {
            name.eq_ignore_ascii_case("Server")
                || members.list.iter().any(|member| member.name == name)
        };
        if wanted.is_empty() {
            loop {
                self.anonymous_count += 1;
                let candidate = format!("Anonymous{}", self.anonymous_count);
                if !taken(self, &candidate) {
                    return candidate;
                }
            }
        }
        if !taken(self, &wanted) {
            return wanted;
        }
        (2u64..)
            .map(|number| {
                let suffix = number.to_string();
                let base: String = wanted.chars().take(MAX_NAME_CHARS - suffix.len()).collect();
                base + &suffix
            })
            .find(|candidate| !taken(self, candidate))
            .expect("some suffix is free")
    }
}

/// The bytes a server frame of `payload_len` bytes takes (RFC 6455 section 5.2).
fn frame_len(payload_len: usize) -> usize {
    payload_len
        + match payload_len {
            0..=125 => 2,
            126..=65535 => 4,
            _ => 10,
        }
}

fn one_line(text: &str) -> String {
    if !text.contains([
        '\r', '\n', '\u{85}', '\u{2028}', '\u{2029}', '\u{B}', '\u{C}',
    ]) {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace(
        [
            '\r', '\n', '\u{85}', '\u{2028}', '\u{2029}', '\u{B}', '\u{C}',
        ],
        "↵",
    )
}

/// The reading side's stream: reads from the socket, but whatever tungstenite writes (the
/// 101, pongs, the close reply) goes to the writer thread, so only one thread writes.
struct ReadHalf {
    stream: TcpStream,
    replies: Sender<Outgoing>,
}

impl Read for ReadHalf {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buffer)
    }
}

impl Write for ReadHalf {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.replies
            .send(Outgoing::Reply(bytes.to_vec()))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the writer stopped"))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One client: handshake, join, read until closed, leave.
// The handshake callback's `Result<Response, ErrorResponse>` is tungstenite's signature.
#[allow(clippy::result_large_err)]
fn serve(stream: TcpStream, room: &Room) {
    let peer = match stream.peer_addr() {
        Ok(peer) => peer.to_string(),
        Err(_) => "unknown peer".to_owned(),
    };
    // As com-server: chat lines are small and someone waits for each.
    let _ = stream.set_nodelay(true);
    // As com-server (twice its ping interval): a client that reads nothing for a minute
    // makes the writer give up instead of blocking forever.
    let _ = stream.set_write_timeout(Some(Duration::from_secs(60)));
    let (sender, receiver) = mpsc::channel();
    let backlog = Arc::new(Backlog::default());
    let writer = match stream.try_clone() {
        Ok(clone) => {
            let backlog = backlog.clone();
            std::thread::spawn(move || write_until_done(clone, &receiver, &backlog))
        }
        Err(error) => {
            say(&format!(
                "{peer} refused: cannot clone the socket: {}",
                cli::describe_io_error(&error)
            ));
            return;
        }
    };
    let half = ReadHalf {
        stream,
        replies: sender.clone(),
    };
    let mut wish = None;
    let accepted = tungstenite::accept_hdr(half, |request: &Request, response: Response| {
        wish = request.uri().query().and_then(|query| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("name="))
                .map(str::to_owned)
        });
        Ok(response)
    });
    let mut socket = match accepted {
        Ok(socket) => socket,
        Err(error) => {
            say(&format!("{peer} refused: {error}"));
            let _ = sender.send(Outgoing::Finish);
            let _ = writer.join();
            return;
        }
    };
    let (id, name) = room.join(wish.as_deref(), sender.clone(), backlog);
    say(&format!("{peer} connected as {name}"));
    let outcome = read_until_closed(&mut socket, room, id);
    room.leave(id);
    let _ = sender.send(Outgoing::Finish);
    let _ = writer.join();
    say(&format!("{peer} {outcome}; {name} left the chat"));
}

fn read_until_closed(socket: &mut WebSocket<ReadHalf>, room: &Room, id: u64) -> String {
    let mut close_code = None;
    loop {
        match socket.read() {
            Ok(Message::Text(text)) => room.say(id, &text),
            Ok(Message::Close(frame)) => {
                // Leave before tungstenite's reply is queued (on the next read): no line
                // may follow a close frame (RFC 6455 section 5.5.1).
                room.leave(id);
                close_code = Some(frame.map_or(1005, |frame| u16::from(frame.code)));
            }
            // Binary, pings (tungstenite queues the pong), pongs: nothing for the room.
            Ok(_) => {}
            Err(Error::ConnectionClosed | Error::AlreadyClosed) => {
                return format!("closed {}", close_code.unwrap_or(1005));
            }
            Err(error) => return format!("dropped: {error}"),
        }
    }
}

/// The writer's whole life: send what the channel brings, batched, until the reader is
/// done; after a close of ours, wait `CLOSE_WAIT` for the reader, then cut TCP.
fn write_until_done(stream: TcpStream, receiver: &Receiver<Outgoing>, backlog: &Backlog) {
    let mut socket = WebSocket::from_raw_socket(stream, Role::Server, None);
    let mut close_sent = false;
    loop {
        let first = if close_sent {
            match receiver.recv_timeout(CLOSE_WAIT) {
                Ok(outgoing) => outgoing,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = socket.get_mut().shutdown(Shutdown::Both);
                    return;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match receiver.recv() {
                Ok(outgoing) => outgoing,
                Err(_) => return,
            }
        };
        let mut next = Some(first);
        let mut batch_bytes = 0;
        let mut finished = false;
        let outcome: Result<(), Error> = (|| {
            while let Some(outgoing) = next.take() {
                match outgoing {
                    Outgoing::Line(line, frame_len) => {
                        if !close_sent && !backlog.evicted.load(Ordering::Acquire) {
                            socket.write(Message::Text(line))?;
                        }
                        batch_bytes += frame_len;
                    }
                    Outgoing::Reply(bytes) => {
                        if !close_sent {
                            socket.flush()?;
                            socket.get_mut().write_all(&bytes)?;
                        }
                    }
                    Outgoing::Evict(reason) => {
                        if !close_sent {
                            close_sent = true;
                            socket.write(Message::Close(Some(CloseFrame {
                                code: CloseCode::Policy,
                                reason: Utf8Bytes::from(reason),
                            })))?;
                        }
                    }
                    Outgoing::Finish => finished = true,
                }
                if finished || batch_bytes >= BATCH_BYTES {
                    break;
                }
                next = receiver.try_recv().ok();
            }
            socket.flush()
        })();
        backlog.queued.fetch_sub(batch_bytes, Ordering::AcqRel);
        match outcome {
            // The close frame went out: tungstenite says so with ConnectionClosed.
            Ok(()) | Err(Error::ConnectionClosed) => {}
            Err(_) => {
                // The client is gone: wake the reader and stop.
                let _ = socket.get_mut().shutdown(Shutdown::Both);
                return;
            }
        }
        if finished {
            return;
        }
    }
}

/// One log line, flushed at once: the benchmark driver reads the pipe.
fn say(line: &str) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
