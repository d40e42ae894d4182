//! The poll loop: one thread serves every client by asking each nonblocking socket for
//! whatever it has. Each pass accepts new connections, then gives every active client (and
//! the quiet ones whose turn has come, [`crate::roster`]) one read into one shared buffer,
//! one round of the `frame` state machine and one write of whatever is queued, and drops
//! the clients that are done.
//!
//! # Why it sleeps, and for how long
//!
//! std has no epoll, so nothing tells the loop which socket is ready: a pass that found
//! nothing still cost one `read` per client it asked, and looping without pause would burn
//! a whole core while nobody talks. So after a quiet pass it pauses ([`crate::idle`]): for
//! the first millisecond after any work it only yields (a ping-pong client's next message
//! arrives within microseconds and must not wait for a sleep), then it sleeps 50 us,
//! 100 us, 200 us ... up to 20 ms, and any work resets it. Once traffic flows the loop never
//! sleeps at all. What keeps an idle pass cheap with thousands of connections is the
//! roster: a client quiet for a while is asked only once per quiet interval, not on every
//! pass.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use cli::describe_io_error;
use cli::io_errors::{interrupted, would_block};
use cli::log::log;
use frame::HandshakeError;

use crate::client::Client;
use crate::idle::IdleBackoff;
use crate::roster::Roster;
use crate::settings::Settings;

/// The one read buffer every client shares: a client's bytes are copied out of it into
/// its `frame::Connection` (which keeps only what it cannot use yet), so an idle client
/// owns no buffer at all. 64 KiB moves a big message in few system calls.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// How often the loop asks the listener for new connections. `accept` on a listener with
/// nobody waiting is a surprisingly expensive "no" (7 us on the 2-core test machine, nine
/// times an empty `read`): asked on every pass, it would add that to the latency of every
/// echo. A new client waits at most this much longer for its first byte.
const ACCEPT_INTERVAL: Duration = Duration::from_millis(1);

/// After an accept that found someone, the listener is asked on every pass for this long:
/// clients often come in crowds (a page's reconnect, a benchmark opening thousands), and
/// one a millisecond would make a crowd of 10,000 wait ten seconds.
const ACCEPT_CROWD_WINDOW: Duration = Duration::from_millis(10);

/// The most connections accepted in one pass, so that a flood of new connections cannot
/// keep the loop from serving the clients it already has.
const ACCEPTS_PER_PASS: usize = 256;

/// Where the run is against `--time-limit`.
enum TimeLimit {
    NotYet,
    /// Reached in this pass: the clients were just told to go away.
    JustReached,
    /// Everyone is gone, or had their time: stop.
    Over,
}

/// The server: a listening socket and every client it holds.
pub struct Server {
    /// `None` once the time limit passed: no new clients.
    listener: Option<TcpListener>,
    clients: Roster<Client>,
    read_buffer: Vec<u8>,
    settings: Settings,
    /// The last accept error, logged once rather than on every pass.
    accept_error: Option<String>,
    /// When the loop last asked the listener (see [`ACCEPT_INTERVAL`]), and when it last
    /// found someone there ([`ACCEPT_CROWD_WINDOW`]).
    last_accept: Option<Instant>,
    last_arrival: Option<Instant>,
}

impl Server {
    /// A server for a listener that is already bound.
    pub fn new(listener: TcpListener, settings: Settings) -> std::io::Result<Server> {
        listener.set_nonblocking(true)?;
        Ok(Server {
            listener: Some(listener),
            clients: Roster::new(settings.quiet_interval, Instant::now()),
            read_buffer: vec![0; READ_BUFFER_BYTES],
            settings,
            accept_error: None,
            last_accept: None,
            last_arrival: None,
        })
    }

    /// Serves until the time limit (forever without one).
    pub fn run(&mut self) {
        let started = Instant::now();
        let stop_at = self.settings.server.time_limit.map(|limit| started + limit);
        // After the time limit: time for the close handshakes and lingering closes.
        let give_up_at = stop_at.map(|stop| stop + frame::CLOSE_TIMEOUT + frame::LINGER_TIMEOUT);
        let mut idle = IdleBackoff::new(started);
        // ANCHOR: loop
        loop {
            let now = Instant::now();
            let mut worked = false;
            match self.check_time_limit(now, stop_at, give_up_at) {
                TimeLimit::NotYet => {}
                TimeLimit::JustReached => worked = true,
                TimeLimit::Over => return,
            }
            worked |= self.accept_new_clients(now);
            worked |= self.serve_clients(now);
            idle.after_pass(worked, self.clients.sleep_cap(now));
        }
        // ANCHOR_END: loop
    }

    /// `--time-limit`: when it is reached, every client gets close 1001 and no one new is
    /// let in; once they are all gone (or had their time to close), the loop ends.
    fn check_time_limit(
        &mut self,
        now: Instant,
        stop_at: Option<Instant>,
        give_up_at: Option<Instant>,
    ) -> TimeLimit {
        if self.listener.is_some() && stop_at.is_some_and(|stop| now >= stop) {
            self.go_away();
            return TimeLimit::JustReached;
        }
        if self.listener.is_none()
            && (self.clients.is_empty() || give_up_at.is_some_and(|end| now >= end))
        {
            log(format_args!("Time limit reached: stopped"));
            return TimeLimit::Over;
        }
        TimeLimit::NotYet
    }

    /// Accepts every pending connection (up to [`ACCEPTS_PER_PASS`]), at most once per
    /// [`ACCEPT_INTERVAL`] unless a crowd is arriving. Returns true if there was any.
    fn accept_new_clients(&mut self, now: Instant) -> bool {
        let Some(listener) = &self.listener else {
            return false;
        };
        let crowd = self
            .last_arrival
            .is_some_and(|last| now.duration_since(last) < ACCEPT_CROWD_WINDOW);
        if !crowd
            && self
                .last_accept
                .is_some_and(|last| now.duration_since(last) < ACCEPT_INTERVAL)
        {
            return false;
        }
        self.last_accept = Some(now);
        let mut accepted = false;
        for _ in 0..ACCEPTS_PER_PASS {
            match listener.accept() {
                Ok((stream, peer)) => {
                    self.accept_error = None;
                    self.last_arrival = Some(now);
                    accepted = true;
                    admit(&mut self.clients, &self.settings, stream, peer, now);
                }
                Err(error) if would_block(&error) => break,
                Err(error) if interrupted(&error) => continue,
                Err(error) => {
                    // Out of file descriptors, most likely: the connection waits in the
                    // backlog and we try again next pass.
                    let text = describe_io_error(&error);
                    if self.accept_error.as_ref() != Some(&text) {
                        log(format_args!("Cannot accept a connection: {text}"));
                        self.accept_error = Some(text);
                    }
                    break;
                }
            }
        }
        accepted
    }

    /// Gives every client whose turn it is one turn, and drops those that are done.
    /// Returns true if any client did anything.
    fn serve_clients(&mut self, now: Instant) -> bool {
        let buffer = &mut self.read_buffer;
        let settings = &self.settings;
        self.clients
            .serve_pass(now, |client| client.serve(buffer, settings, now))
    }

    /// The time limit passed: stop accepting and close every WebSocket with 1001.
    fn go_away(&mut self) {
        self.listener = None;
        log(format_args!(
            "Time limit reached: closing {} connection(s) with {}",
            self.clients.len(),
            frame::CloseCode::GoingAway
        ));
        self.clients.wake_all(Instant::now(), Client::go_away);
    }
}

/// Takes a new connection in, or refuses it with 503 when the server is full.
fn admit(
    clients: &mut Roster<Client>,
    settings: &Settings,
    stream: TcpStream,
    peer: SocketAddr,
    now: Instant,
) {
    // Accepted sockets do not inherit nonblocking mode on every platform.
    if let Err(error) = stream.set_nonblocking(true) {
        log(format_args!(
            "{peer} dropped: {}",
            describe_io_error(&error)
        ));
        return;
    }
    // We write each pass's output in one call already; Nagle's algorithm would only
    // hold back an echo until the previous one is acknowledged.
    let _ = stream.set_nodelay(true);
    let deadline = now + settings.server.handshake_timeout;
    let client = if clients.len() >= settings.server.max_connections {
        Client::refused(stream, peer, &HandshakeError::ServerBusy, deadline)
    } else {
        Client::new(stream, peer, deadline)
    };
    clients.add(client, now);
}
