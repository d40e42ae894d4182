//! One client of the poll loop and the phases of its life: handshaking (reading the HTTP
//! request), replying (a page or a refusal) or open (frames flow, then the close
//! handshake), and last lingering (our side shut, the client's late bytes read and
//! dropped). Each phase does only what its socket allows right now and never waits.

use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Instant;

use cli::describe_io_error;
use cli::log::{closed, log, quoted, refused};
use frame::{
    CLOSE_TIMEOUT, CloseCode, CloseReply, Connection, Event, HandshakeError, HeadReader, Limits,
    Linger, LingerStep, RequestHead, RequestVerdict, Role, judge_request, reject_response,
};

use crate::frame_view::{self, FrameView};
use crate::http_pages;
use crate::nonblocking::{Received, read_available, write_available};
use crate::roster::Rest;
use crate::settings::Settings;

/// What one turn of the loop did with a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Nothing happened: the socket had nothing and took nothing.
    Idle,
    /// Bytes moved.
    Busy,
    /// The connection is finished: drop it (which closes the socket).
    Done,
}

/// A connected socket and where it is in its life.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    phase: Phase,
}

#[derive(Debug)]
enum Phase {
    Handshaking(Handshake),
    Replying(Reply),
    /// Boxed: a `frame::Connection` is a few hundred bytes, the other phases a few dozen,
    /// and the list of clients moves its entries around as clients leave.
    Open(Box<Upgraded>),
    /// Our side is shut down; reading and discarding until the client's FIN or a bound
    /// (`frame::closing`, RFC 6455 section 7.1.1).
    Lingering(Linger),
}

/// What a phase asks the client to do next.
enum Step {
    Idle,
    Busy,
    Next(Phase),
    Done,
}

impl Client {
    /// A new connection whose request must be complete by `deadline`.
    pub fn new(stream: TcpStream, peer: SocketAddr, deadline: Instant) -> Client {
        Client {
            stream,
            peer,
            phase: Phase::Handshaking(Handshake {
                request: HeadReader::new(),
                deadline,
            }),
        }
    }

    /// A new connection that is refused before its request is read (the server is full):
    /// it gets the HTTP refusal, then the usual lingering close.
    pub fn refused(
        stream: TcpStream,
        peer: SocketAddr,
        error: &HandshakeError,
        deadline: Instant,
    ) -> Client {
        Client {
            stream,
            peer,
            phase: refuse(peer, error, deadline),
        }
    }

    /// Does whatever the socket allows right now, without waiting.
    pub fn serve(&mut self, buffer: &mut [u8], settings: &Settings, now: Instant) -> Activity {
        let stream = &mut self.stream;
        let peer = self.peer;
        let step = match &mut self.phase {
            Phase::Handshaking(handshake) => handshake.serve(stream, peer, buffer, settings, now),
            Phase::Replying(answer) => answer.serve(stream, peer, now),
            Phase::Open(session) => session.serve(stream, peer, buffer, settings, now),
            Phase::Lingering(linger) => keep_lingering(stream, buffer, linger, now),
        };
        match step {
            Step::Idle => Activity::Idle,
            Step::Busy => Activity::Busy,
            Step::Next(phase) => {
                self.phase = phase;
                Activity::Busy
            }
            Step::Done => Activity::Done,
        }
    }

    /// The server is shutting down: an open WebSocket gets close 1001 "going away" and the
    /// usual close handshake. Returns false when the client should be dropped at once
    /// (it has not even sent its request).
    pub fn go_away(&mut self) -> bool {
        match &mut self.phase {
            Phase::Handshaking(_) => {
                log(format_args!(
                    "{} dropped: the server is shutting down",
                    self.peer
                ));
                false
            }
            Phase::Open(session) => {
                session.connection.close(CloseCode::GoingAway, "going away");
                true
            }
            Phase::Replying(_) | Phase::Lingering(_) => true,
        }
    }
}

impl Rest for Client {
    /// Whether the client may join the quiet list ([`crate::roster`]): only an open
    /// WebSocket with nothing left to send. Every other phase has a deadline or bytes to
    /// write, and is short.
    fn can_rest(&self) -> bool {
        match &self.phase {
            Phase::Open(upgraded) => {
                upgraded.connection.state().is_open() && upgraded.pending_output() == 0
            }
            Phase::Handshaking(_) | Phase::Replying(_) | Phase::Lingering(_) => false,
        }
    }
}

/// Sends our FIN after the last byte we wrote, then lingers (see [`frame::closing`]).
fn close_write(stream: &TcpStream, now: Instant) -> Step {
    match stream.shutdown(Shutdown::Write) {
        Ok(()) => Step::Next(Phase::Lingering(Linger::start(now))),
        Err(_) => Step::Done,
    }
}

/// Reads and discards what the client still sends, as far as the lingering policy allows.
fn keep_lingering(
    stream: &mut TcpStream,
    buffer: &mut [u8],
    linger: &mut Linger,
    now: Instant,
) -> Step {
    if linger.next(now) == LingerStep::Close {
        return Step::Done;
    }
    match read_available(stream, buffer) {
        Received::Bytes(count) => match linger.read(count, now) {
            LingerStep::Read(_) => Step::Busy,
            LingerStep::Close => Step::Done,
        },
        Received::Nothing => Step::Idle,
        Received::Closed | Received::Failed(_) => Step::Done,
    }
}

/// A connection that ends without a goodbye: one log line saying why.
fn dropped(peer: SocketAddr, why: &str) -> Step {
    log(format_args!("{peer} dropped: {why}"));
    Step::Done
}

/// An HTTP refusal: logged, then sent.
fn refuse(peer: SocketAddr, error: &HandshakeError, deadline: Instant) -> Phase {
    log(format_args!("{peer} {}", refused(error)));
    Phase::Replying(Reply {
        response: reject_response(error),
        written: 0,
        deadline,
    })
}

/// The request head, read in pieces. It lives only until the upgrade.
#[derive(Debug)]
struct Handshake {
    request: HeadReader,
    deadline: Instant,
}

impl Handshake {
    fn serve(
        &mut self,
        stream: &mut TcpStream,
        peer: SocketAddr,
        buffer: &mut [u8],
        settings: &Settings,
        now: Instant,
    ) -> Step {
        if now >= self.deadline {
            return dropped(
                peer,
                &format!(
                    "no complete request within {} s (--handshake-timeout; a slowloris client would hold the connection forever)",
                    settings.server.handshake_timeout.as_secs()
                ),
            );
        }
        let count = match read_available(stream, buffer) {
            Received::Bytes(count) => count,
            Received::Nothing => return Step::Idle,
            Received::Closed => {
                return dropped(
                    peer,
                    "closed the connection before its request was complete",
                );
            }
            Received::Failed(error) => {
                return dropped(peer, &describe_io_error(&error));
            }
        };
        match self.request.push(&buffer[..count]) {
            Ok(None) => Step::Busy,
            Ok(Some((head, after_head))) => Self::respond(head, &after_head, peer, settings, now),
            Err(error) => Step::Next(refuse(
                peer,
                &error,
                now + settings.server.handshake_timeout,
            )),
        }
    }

    /// A complete request: upgrade it, answer it as a plain HTTP request, or refuse it.
    fn respond(
        head: RequestHead,
        after_head: &[u8],
        peer: SocketAddr,
        settings: &Settings,
        now: Instant,
    ) -> Step {
        let answer_deadline = now + settings.server.handshake_timeout;
        let (handshake_response, mut connection, view) =
            match judge_request(head, &settings.server.allowed_origins) {
                RequestVerdict::PlainHttp(head) => {
                    let page = http_pages::page(&head, &settings.instance);
                    log(format_args!(
                        "{peer} answered {}: {} {}",
                        page.status,
                        head.method,
                        quoted(&head.target)
                    ));
                    return Step::Next(Phase::Replying(Reply {
                        response: page.response,
                        written: 0,
                        deadline: answer_deadline,
                    }));
                }
                RequestVerdict::Refuse(error) => {
                    return Step::Next(refuse(peer, &error, answer_deadline));
                }
                RequestVerdict::Upgrade { request, response } => {
                    let view = request.head.path() == frame_view::PATH;
                    let limits = Limits::with_max_message(settings.server.max_message);
                    (response, Connection::new(Role::Server, limits), view)
                }
            };
        if settings.verbose || view {
            connection.record_dissections();
        }
        log(format_args!("{peer} connected"));
        if let Some(greeting) = &settings.greeting {
            connection.send_text(greeting);
        }
        let mut frame_view = None;
        if view {
            // The page answers the client's close with a description of it.
            connection.set_close_reply(CloseReply::Manual);
            frame_view = Some(FrameView::default());
        }
        // A client may send its first frames right behind the request, without waiting
        // for our 101: they are already in the buffer.
        connection.receive(after_head);
        let mut upgraded = Upgraded {
            connection,
            handshake_response,
            close_deadline: None,
            frame_view,
        };
        // The greeting is shown by --verbose, not described to the page.
        upgraded.collect_dissections(peer, settings.verbose, false);
        Step::Next(Phase::Open(Box::new(upgraded)))
    }
}

/// An HTTP response being written; TCP closes after it.
#[derive(Debug)]
struct Reply {
    response: Vec<u8>,
    written: usize,
    deadline: Instant,
}

impl Reply {
    fn serve(&mut self, stream: &mut TcpStream, peer: SocketAddr, now: Instant) -> Step {
        let count = match write_available(stream, &self.response[self.written..]) {
            Ok(count) => count,
            Err(error) => {
                return dropped(peer, &describe_io_error(&error));
            }
        };
        self.written += count;
        if self.written == self.response.len() {
            return close_write(stream, now);
        }
        if now >= self.deadline {
            return dropped(peer, "it did not read our HTTP answer in time");
        }
        if count > 0 { Step::Busy } else { Step::Idle }
    }
}

/// An upgraded connection: the `frame` state machine does the protocol, this feeds it
/// bytes and writes what it queues.
#[derive(Debug)]
struct Upgraded {
    connection: Connection,
    /// The 101 response until it is written: it goes out before any frame.
    handshake_response: Vec<u8>,
    /// Once closing: the client must take our output or send its close by then.
    close_deadline: Option<Instant>,
    /// `Some` on the frame view's path (`/dissect`).
    frame_view: Option<FrameView>,
}

impl Upgraded {
    fn serve(
        &mut self,
        stream: &mut TcpStream,
        peer: SocketAddr,
        buffer: &mut [u8],
        settings: &Settings,
        now: Instant,
    ) -> Step {
        let mut worked = false;
        // Backpressure: while too much waits for this client, do not read from it. Its
        // bytes wait in the kernel's buffers, and once those are full its own writes
        // block: the client slows down instead of our memory growing. Other clients
        // are not affected.
        if !self.connection.state().is_finished() && self.pending_output() <= settings.max_output {
            match read_available(stream, buffer) {
                Received::Bytes(count) => {
                    self.connection.receive(&buffer[..count]);
                    worked = true;
                }
                Received::Nothing => {}
                Received::Closed => {
                    return dropped(
                        peer,
                        "TCP closed without a close frame (a browser reports 1006)",
                    );
                }
                Received::Failed(error) => {
                    return dropped(peer, &describe_io_error(&error));
                }
            }
        }
        worked |= self.echo(peer, settings.verbose);
        self.collect_dissections(peer, settings.verbose, true);
        let wrote = match self.write(stream) {
            Ok(wrote) => wrote,
            Err(error) => {
                return dropped(peer, &describe_io_error(&error));
            }
        };
        if self.connection.state().is_open() {
            return if worked || wrote {
                Step::Busy
            } else {
                Step::Idle
            };
        }
        // Closing (we sent a close) or finished (both did, or the connection failed).
        if self.connection.state().is_finished() && self.pending_output() == 0 {
            return close_write(stream, now);
        }
        if wrote || self.close_deadline.is_none() {
            self.close_deadline = Some(now + CLOSE_TIMEOUT);
        }
        if self.close_deadline.is_some_and(|deadline| now >= deadline) {
            let why = if self.pending_output() > 0 {
                "it stopped reading before our close frame got through"
            } else {
                "no close frame came back"
            };
            return dropped(peer, &format!("{why} within {} s", CLOSE_TIMEOUT.as_secs()));
        }
        if worked || wrote {
            Step::Busy
        } else {
            Step::Idle
        }
    }

    /// Echoes every complete message the connection decoded. Returns true if the client
    /// did anything.
    fn echo(&mut self, peer: SocketAddr, verbose: bool) -> bool {
        let mut happened = false;
        loop {
            let event = match self.connection.next_event() {
                Ok(Some(event)) => event,
                Ok(None) => return happened,
                Err(error) => {
                    // The close frame with the error's code is already queued.
                    log(format_args!(
                        "{peer} failed {}: {error}",
                        error.close_code()
                    ));
                    return true;
                }
            };
            happened = true;
            let viewed = self.frame_view.is_some();
            match event {
                Event::Text(text) if viewed && text == frame_view::PING_REQUEST => {
                    self.connection.send_ping(frame_view::PING_PAYLOAD);
                    self.describe_frames(peer, verbose);
                }
                Event::Text(text) => {
                    self.connection.send_text(&text);
                    self.describe_frames(peer, verbose);
                }
                Event::Binary(bytes) => {
                    self.connection.send_binary(&bytes);
                    self.describe_frames(peer, verbose);
                }
                // A pong is described on the frame view's path: it is the browser's own
                // answer to the ping the page asked for.
                Event::Pong(_) => self.describe_frames(peer, verbose),
                // The pong is already queued (section 5.5.2).
                Event::Ping(_) => {}
                Event::Close(close) => {
                    log(format_args!("{peer} {}", closed(close.as_ref())));
                    self.collect_dissections(peer, verbose, true);
                    if let Some(view) = self.frame_view.as_mut() {
                        let description = view.describe_close();
                        self.connection.reply_to_close(&description);
                    }
                    return true;
                }
            }
        }
    }

    /// Takes the frames recorded since the last call: one log line each for `--verbose`,
    /// and, when `for_view`, kept for the next description of the frame view.
    fn collect_dissections(&mut self, peer: SocketAddr, verbose: bool, for_view: bool) {
        for dissection in self.connection.take_dissections() {
            if verbose {
                log(format_args!("{peer} {dissection}"));
            }
            if let (true, Some(view)) = (for_view, self.frame_view.as_mut()) {
                view.add(dissection);
            }
        }
    }

    /// On the frame view's path: sends the description of the frames since the last one.
    fn describe_frames(&mut self, peer: SocketAddr, verbose: bool) {
        if self.frame_view.is_none() {
            return;
        }
        self.collect_dissections(peer, verbose, true);
        if let Some(view) = self.frame_view.as_mut() {
            let description = view.describe();
            self.connection.send_text(&description);
        }
        // The description's own frame is not described.
        self.collect_dissections(peer, verbose, false);
    }

    /// How many bytes wait to be sent.
    fn pending_output(&self) -> usize {
        self.handshake_response.len() + self.connection.buffered_amount()
    }

    /// Writes the 101, then the frames the connection queued, as far as the socket takes
    /// them. Returns true if any byte went.
    fn write(&mut self, stream: &mut TcpStream) -> std::io::Result<bool> {
        let mut wrote = false;
        if !self.handshake_response.is_empty() {
            let count = write_available(stream, &self.handshake_response)?;
            self.handshake_response.drain(..count);
            wrote = count > 0;
            if !self.handshake_response.is_empty() {
                return Ok(wrote);
            }
            self.handshake_response = Vec::new();
        }
        loop {
            let pending = self.connection.pending_output();
            if pending.is_empty() {
                return Ok(wrote);
            }
            let (count, length) = (write_available(stream, pending)?, pending.len());
            self.connection.consume_output(count);
            wrote |= count > 0;
            if count < length {
                // The socket is full: the rest waits for a later pass.
                return Ok(wrote);
            }
        }
    }
}
