//! One client, from handshake to goodbye, on its own thread. This thread only ever reads:
//! a blocking read stops a thread from sending, so everything the client receives goes
//! through its outbox and writer thread, and the reader never waits for a slow socket.

use std::io::Read;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cli::describe_io_error;
use cli::io_errors::{interrupted, timed_out};
use cli::log::{closed, log};
use frame::{CLOSE_TIMEOUT, CloseCode, CloseFrame, Connection, Event, Limits, ProtocolError, Role};

use crate::chat::MemberId;
use crate::commands::{self, Caller, Command, Context};
use crate::handshake::{self, Refusal};
use crate::keepalive::{Action, Keepalive};
use crate::outbox::{self, Outbox};
use crate::shared::Shared;
use crate::tcp::close_gracefully;

/// The read buffer a member starts with: a chat line fits, and a member who only listens
/// keeps no more than this (a room of 500 is 500 of them).
const FIRST_READ_BUFFER_BYTES: usize = 2 * 1024;

/// How far the read buffer grows for a member whose reads keep filling it (big or many
/// messages). Larger messages simply take several reads.
const READ_BUFFER_BYTES: usize = 16 * 1024;

/// The reason in our close frame when a client sends binary data (close code 1003).
const BINARY_REFUSED: &str = "binary messages are not supported: this chat speaks text";

/// How a connection ended, as the reader saw it.
#[derive(Debug)]
enum Ending {
    /// The client sent a close frame (its reply to ours, or its own goodbye).
    ClosedByClient(Option<CloseFrame>),
    /// The client broke the protocol; the close frame with the right code went out.
    Failed(ProtocolError),
    /// TCP ended without a close frame: what a browser reports as 1006.
    Dropped(String),
}

/// Serves one accepted TCP connection until it is closed.
pub fn serve(mut stream: TcpStream, peer: SocketAddr, shared: &Shared) {
    let settings = &shared.settings;
    let accepted = match handshake::accept(
        &mut stream,
        settings.server.handshake_timeout,
        &settings.server.allowed_origins,
    ) {
        Ok(accepted) => accepted,
        Err(refusal) => return handshake::send_refusal(stream, peer, refusal),
    };
    // Chat lines are small and a person is waiting for each: Nagle's algorithm would
    // hold them back to fill packets.
    let _ = stream.set_nodelay(true);
    // A client that reads nothing for two ping intervals is as gone as one that says
    // nothing for two ping intervals: the writer gives up on it.
    let _ = stream.set_write_timeout(Some(settings.ping_interval.saturating_mul(2)));
    let connection = Connection::new(
        Role::Server,
        Limits::with_max_message(settings.server.max_message),
    );
    // The 101 goes out first, before any frame.
    let outbox = Arc::new(Outbox::new(
        connection,
        settings.outbox_bytes,
        accepted.response,
    ));
    let writer = match stream
        .try_clone()
        .and_then(|clone| outbox::start_writer(clone, outbox.clone()))
    {
        Ok(writer) => writer,
        Err(error) => {
            let response = frame::http::text_response(
                503,
                &[("Retry-After", "5")],
                "the server cannot start a thread for this connection; try again later",
            );
            let log_line = format!(
                "refused 503: cannot start a writer thread: {}",
                describe_io_error(&error)
            );
            let refusal = Refusal {
                response: Some(response),
                log_line,
            };
            return handshake::send_refusal(stream, peer, refusal);
        }
    };
    let wish = accepted.request.head.query_param("name");
    let Some((id, name)) = shared.room.join(peer, wish.as_deref(), outbox.clone()) else {
        // The server is stopping: the upgrade went through, so say goodbye in WebSocket.
        outbox.close(CloseCode::GoingAway, "going away");
        close_connection(stream, &outbox, writer);
        log(format_args!(
            "{peer} closed {}: the server is stopping",
            CloseCode::GoingAway
        ));
        return;
    };
    log(format_args!("{peer} connected as {name}"));
    let mut session = Session {
        stream,
        peer,
        id,
        name,
        outbox,
        keepalive: Keepalive::new(settings.ping_interval, Instant::now()),
        closing_since: None,
        failure: None,
        shared,
    };
    // A client may send its first frames right behind its request head.
    let ending = match session.handle(&accepted.leftover) {
        Some(ending) => ending,
        None => session.read_until_closed(),
    };
    session.finish(ending, writer);
}

/// The reader's state for one joined client.
struct Session<'a> {
    stream: TcpStream,
    peer: SocketAddr,
    id: MemberId,
    /// The current name (a rename changes it), for the log.
    name: String,
    /// The client's connection, shared with its writer and the room.
    outbox: Arc<Outbox>,
    keepalive: Keepalive,
    /// When a close frame of ours was queued (by us or by the room), to bound the wait.
    closing_since: Option<Instant>,
    /// The rule the client broke, if it broke one: our close frame carries its code, and
    /// we still wait for the client's close (`frame::Connection` reads nothing else).
    failure: Option<ProtocolError>,
    shared: &'a Shared,
}

impl Session<'_> {
    fn read_until_closed(&mut self) -> Ending {
        let mut buffer = vec![0u8; FIRST_READ_BUFFER_BYTES];
        loop {
            let wait = self.time_to_wait();
            if let Err(error) = self.stream.set_read_timeout(Some(wait)) {
                return Ending::Dropped(describe_io_error(&error));
            }
            match self.stream.read(&mut buffer) {
                Ok(0) => {
                    return Ending::Dropped("the connection ended without a close frame".into());
                }
                Ok(count) => {
                    self.keepalive.heard(Instant::now());
                    if let Some(ending) = self.handle(&buffer[..count]) {
                        return ending;
                    }
                    // A full buffer means more was waiting: read more at a time.
                    if count == buffer.len() && buffer.len() < READ_BUFFER_BYTES {
                        buffer.resize(buffer.len() * 2, 0);
                    }
                }
                Err(error) if timed_out(&error) => {
                    if let Some(ending) = self.on_quiet() {
                        return ending;
                    }
                }
                Err(error) if interrupted(&error) => {}
                Err(error) => return Ending::Dropped(describe_io_error(&error)),
            }
        }
    }

    /// Open: until the next keepalive check. Closing: until the client's time to answer
    /// our close frame is up.
    fn time_to_wait(&mut self) -> Duration {
        let now = Instant::now();
        if self.closing_since.is_none() && !self.outbox.state().is_open() {
            // The room closed us (eviction, shutdown) while we were blocked in read.
            self.closing_since = Some(now);
        }
        match self.closing_since {
            Some(since) => (since + CLOSE_TIMEOUT)
                .saturating_duration_since(now)
                .max(Duration::from_millis(1)),
            None => self.keepalive.time_to_next_check(now),
        }
    }

    /// Hands the connection what was read and handles every complete event. `Some` when
    /// the connection is over.
    fn handle(&mut self, bytes: &[u8]) -> Option<Ending> {
        self.outbox.receive(bytes);
        let error = loop {
            match self.outbox.next_event() {
                Ok(Some(Event::Text(text))) => self.on_text(&text),
                Ok(Some(Event::Binary(_))) => {
                    // The articles' own example of 1003: "a data type it cannot accept".
                    self.start_close(CloseCode::UnsupportedData, BINARY_REFUSED);
                }
                // The pong is already queued by `Connection`; a pong of theirs only counts
                // as traffic, which `keepalive.heard` already noted.
                Ok(Some(Event::Ping(_) | Event::Pong(_))) => {}
                Ok(Some(Event::Close(frame))) => return Some(Ending::ClosedByClient(frame)),
                Ok(None) => break None,
                Err(error) => break Some(error),
            }
        };
        if self.outbox.is_over_limit() {
            // Its own pongs no longer fit: it reads nothing, as a broadcast would find.
            self.shared.room.evict(self.id, &self.outbox);
        }
        let error = error?;
        if self.outbox.state().is_finished() {
            return Some(Ending::Failed(error));
        }
        self.failure = Some(error);
        self.closing_since.get_or_insert_with(Instant::now);
        self.shared.room.leave(self.id);
        None
    }

    fn on_text(&mut self, text: &str) {
        // Once a close frame of ours is on its way, the client's last words go nowhere
        // (and a `break` from an evicted client stops nothing).
        if !self.outbox.state().is_open() {
            return;
        }
        let shared = self.shared;
        match Command::parse(text) {
            None => shared.room.say(self.id, text),
            Some(command) => {
                let mut caller = Caller {
                    id: self.id,
                    peer: self.peer,
                    name: &mut self.name,
                };
                let context = Context {
                    room: &shared.room,
                    settings: &shared.settings,
                    stopper: &shared.stopper,
                };
                commands::run(command, &mut caller, context);
            }
        }
    }

    /// A read timed out: keepalive work, or the end of our wait for a close reply.
    fn on_quiet(&mut self) -> Option<Ending> {
        if let Some(since) = self.closing_since {
            if since.elapsed() >= CLOSE_TIMEOUT {
                return Some(Ending::Dropped(format!(
                    "no close frame came back within {} s",
                    CLOSE_TIMEOUT.as_secs()
                )));
            }
            return None;
        }
        match self.keepalive.check(Instant::now()) {
            Action::Wait => {}
            Action::Ping => self.outbox.ping(b"keepalive"),
            Action::GiveUp => {
                let reason = format!(
                    "no traffic for {} s",
                    self.keepalive.give_up_after().as_secs()
                );
                self.start_close(CloseCode::GoingAway, &reason);
            }
        }
        None
    }

    /// Sends a close frame of ours and leaves the room at once: the others learn now,
    /// not when the client gets round to answering.
    fn start_close(&mut self, code: CloseCode, reason: &str) {
        self.outbox.close(code, reason);
        self.closing_since.get_or_insert_with(Instant::now);
        self.shared.room.leave(self.id);
    }

    fn finish(mut self, ending: Ending, writer: JoinHandle<()>) {
        self.shared.room.leave(self.id);
        // However the wait for the client's close ended, the broken rule is the story.
        let ending = match self.failure.take() {
            Some(error) => Ending::Failed(error),
            None => ending,
        };
        let outcome = describe(
            ending,
            self.outbox.close_we_started(),
            self.outbox.writer_error(),
        );
        // Logged when the session ends, like the notice the others get, and before the
        // TCP teardown (which may take a second of draining): the log tells events in the
        // order they happened. The suite's close line first, then the chat's view.
        log(format_args!(
            "{} {outcome}; {} left the chat",
            self.peer, self.name
        ));
        close_connection(self.stream, &self.outbox, writer);
    }
}

/// The TCP end of a connection: let the writer send what is queued (bounded), then
/// close the socket without losing the last bytes.
fn close_connection(stream: TcpStream, outbox: &Outbox, writer: JoinHandle<()>) {
    outbox.finish_reading();
    if !outbox.wait_writer_finished(CLOSE_TIMEOUT) {
        // The client reads nothing: shutting the socket down makes the writer's blocked
        // write fail at once, so the join below cannot hang.
        let _ = stream.shutdown(Shutdown::Both);
    }
    let _ = writer.join();
    close_gracefully(stream);
}

/// The leave line's outcome, in the shapes every server of the suite logs.
fn describe(ending: Ending, initiated: Option<CloseFrame>, writer_error: Option<String>) -> String {
    match (ending, initiated) {
        (Ending::Failed(error), _) => format!("failed {}: {error}", error.close_code()),
        (_, Some(ours)) => format!("closed {}: {}", ours.code, ours.reason),
        (Ending::ClosedByClient(frame), None) => closed(frame.as_ref()),
        (Ending::Dropped(why), None) => format!("dropped: {}", writer_error.unwrap_or(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leave_lines() {
        let normal = CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        };
        assert_eq!(
            describe(Ending::ClosedByClient(Some(normal)), None, None),
            "closed 1000 (Normal Closure): \"bye\""
        );
        assert_eq!(
            describe(Ending::ClosedByClient(None), None, None),
            "closed 1005 (No Status Received)"
        );
        assert_eq!(
            describe(
                Ending::Dropped("no close frame came back within 2 s".into()),
                Some(CloseFrame {
                    code: CloseCode::UnsupportedData,
                    reason: BINARY_REFUSED.into()
                }),
                None
            ),
            format!("closed 1003 (Unsupported Data): {BINARY_REFUSED}")
        );
        assert_eq!(
            describe(
                Ending::Failed(ProtocolError::MessageTooBig {
                    size: 70_000,
                    limit: 65_536
                }),
                None,
                None
            ),
            "failed 1009 (Message Too Big): message of 70000 bytes exceeds the limit of 65536"
        );
        assert_eq!(
            describe(
                Ending::Dropped("the connection ended without a close frame".into()),
                None,
                Some("Broken pipe".into())
            ),
            "dropped: Broken pipe"
        );
    }
}
