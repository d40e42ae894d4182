//! The server as a whole: a thread that accepts connections and starts a session thread
//! for each (within `--max-connections`), and the main thread, which waits for a reason
//! to stop (`--time-limit` or `break`) and then closes every client with 1001.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use cli::describe_io_error;
use cli::log::log;
use frame::{CloseCode, HandshakeError};

use crate::chat::Room;
use crate::handshake;
use crate::session;
use crate::settings::Settings;
use crate::shared::{Shared, StopReason, Stopper};
use crate::tcp::THREAD_STACK_SIZE;

/// Clients turned away with a 503 on a short-lived thread each, which waits for their
/// request. A flood beyond this is answered from the accept thread without waiting.
const MAX_REFUSALS_IN_FLIGHT: usize = 16;

/// How long a refused client has to send its request before we answer 503 anyway.
const REFUSAL_READ_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the shutdown waits for every connection to finish its close handshake:
/// the client's time to answer, then the lingering close (`frame::closing`).
const SHUTDOWN_WAIT: Duration =
    Duration::from_secs(frame::CLOSE_TIMEOUT.as_secs() + frame::LINGER_TIMEOUT.as_secs());

/// A counted resource (connections, refusals in progress): take a `Slot`, and dropping
/// it gives the slot back, however the thread that held it ends.
#[derive(Debug)]
struct Slots {
    limit: usize,
    taken: Mutex<usize>,
    returned: Condvar,
}

struct Slot(Arc<Slots>);

impl Slots {
    fn new(limit: usize) -> Arc<Slots> {
        Arc::new(Slots {
            limit,
            taken: Mutex::new(0),
            returned: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        self.taken.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn try_take(self: &Arc<Slots>) -> Option<Slot> {
        let mut taken = self.lock();
        if *taken >= self.limit {
            return None;
        }
        *taken += 1;
        Some(Slot(self.clone()))
    }

    /// Waits up to `timeout` for every slot to come back; returns how many are still out.
    fn wait_until_all_returned(&self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut taken = self.lock();
        while *taken > 0 {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            taken = self
                .returned
                .wait_timeout(taken, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *taken
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.lock() -= 1;
        self.0.returned.notify_all();
    }
}

/// Runs the server on `listener` until `--time-limit` or `break`, then closes every
/// client with 1001 and returns. The accept thread stays blocked in `accept` (std has
/// no way to interrupt it); it ends with the process, and a client it still accepts
/// meanwhile is closed with 1001 by the stopped room.
pub fn run(listener: TcpListener, settings: Settings) -> std::io::Result<()> {
    let time_limit = settings.server.time_limit;
    let connections = Slots::new(settings.server.max_connections);
    let shared = Arc::new(Shared {
        settings,
        room: Room::new(),
        stopper: Stopper::default(),
    });
    {
        let shared = shared.clone();
        let connections = connections.clone();
        thread::Builder::new()
            .name("acceptor".into())
            .spawn(move || accept_forever(listener, &shared, &connections))?;
    }
    let reason = shared.stopper.wait(time_limit);
    let close_reason = match &reason {
        StopReason::TimeLimit(_) => "going away".to_owned(),
        StopReason::Break { name } => format!("stopped by {name}"),
    };
    let online = shared.room.names().len();
    let why = match &reason {
        StopReason::TimeLimit(limit) => format!("Time limit of {} s reached", limit.as_secs()),
        StopReason::Break { name } => format!("Stopped by {name} (break)"),
    };
    log(format_args!(
        "{why}: closing {online} connection(s) with {}",
        CloseCode::GoingAway
    ));
    shared.room.stop(CloseCode::GoingAway, &close_reason);
    match connections.wait_until_all_returned(SHUTDOWN_WAIT) {
        0 => log("Stopped: every connection is closed."),
        left => log(format_args!(
            "Stopped: {left} connection(s) did not finish closing within {} s",
            SHUTDOWN_WAIT.as_secs()
        )),
    }
    Ok(())
}

fn accept_forever(listener: TcpListener, shared: &Arc<Shared>, connections: &Arc<Slots>) {
    let refusals = Slots::new(MAX_REFUSALS_IN_FLIGHT);
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => admit(stream, shared, connections, &refusals),
            Err(error) => {
                log(format_args!("accept failed: {}", describe_io_error(&error)));
                // Usually "too many open files": give closing connections a moment
                // instead of spinning on the same error.
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Starts a session for a new connection, or turns it away with 503.
fn admit(stream: TcpStream, shared: &Arc<Shared>, connections: &Arc<Slots>, refusals: &Arc<Slots>) {
    let Ok(peer) = stream.peer_addr() else {
        return; // Gone already (reset between accept and here).
    };
    let spawned = if let Some(slot) = connections.try_take() {
        let shared = shared.clone();
        spawn("session", move || {
            let _slot = slot;
            session::serve(stream, peer, &shared);
        })
    } else if let Some(slot) = refusals.try_take() {
        spawn("refusal", move || {
            let _slot = slot;
            refuse_busy(stream, peer);
        })
    } else {
        refuse_busy_at_once(stream, peer);
        return;
    };
    if let Err(error) = spawned {
        log(format_args!(
            "{peer} dropped: cannot start a thread: {}",
            describe_io_error(&error)
        ));
    }
}

/// `thread::spawn` panics when the OS refuses a thread; `Builder::spawn` lets us log it.
fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    thread::Builder::new()
        .name(name.into())
        .stack_size(THREAD_STACK_SIZE)
        .spawn(work)
        .map(drop)
}

/// A flood past the refusal threads still gets its 503, from the accept thread itself and
/// without waiting: the request is normally in our receive buffer already, so one
/// nonblocking read takes it (closing with unread input would send a reset that can
/// destroy the answer), and a short response fits any socket's send buffer.
fn refuse_busy_at_once(mut stream: TcpStream, peer: SocketAddr) {
    let mut request = [0u8; 8 * 1024];
    if stream.set_nonblocking(true).is_ok() {
        let _ = stream.read(&mut request);
    }
    let refusal = handshake::refusal(&HandshakeError::ServerBusy);
    if let Some(response) = &refusal.response {
        let _ = stream.write_all(response);
    }
    let _ = stream.shutdown(Shutdown::Write);
    log(format_args!("{peer} {}", refusal.log_line));
}

/// HTTP 503 with Retry-After (RFC 6455 section 4.2.2 allows any HTTP error before the
/// upgrade). We read the request first: closing a socket with unread input makes the
/// kernel send a reset, which could destroy the 503 before the client reads it.
fn refuse_busy(mut stream: TcpStream, peer: SocketAddr) {
    let _ = handshake::read_request_head(&mut stream, REFUSAL_READ_TIMEOUT);
    handshake::send_refusal(
        stream,
        peer,
        handshake::refusal(&HandshakeError::ServerBusy),
    );
}
