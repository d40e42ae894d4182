//! Each client's outbox: its `frame::Connection`, shared by the client's reader thread, its
//! writer thread and the room, behind one lock. Everything the client is sent goes through
//! the connection (chat lines are encoded once for the whole room, section 5.5.1's "nothing
//! after a close frame" and who closed are the connection's), and the writer drains it to
//! the socket. A client that stops reading fills its own outbox and nobody else's; when it
//! would hold more than `--outbox-bytes`, it is closed with 1008 instead of slowing the
//! room down.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use frame::{CLOSE_TIMEOUT, CloseCode, CloseFrame, Connection, EncodedMessage, Event, State};
use frame::{ProtocolError, State as ConnectionState};

use crate::tcp::{THREAD_STACK_SIZE, describe_write_error};

/// The writer hands the kernel up to this many bytes per `write` call: small frames are
/// batched (one system call for many chat lines), large ones go alone.
const BATCH_BYTES: usize = 64 * 1024;

/// What the writer was doing when a message was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a writer asleep sends nothing until `wake_writer`"]
pub enum Queued {
    /// Writing or about to look again: it finds the message by itself.
    WriterBusy,
    /// Waiting for bytes: `Outbox::wake_writer` must wake it.
    WriterAsleep,
}

/// Why a message was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// The client is too far behind: the message would take the outbox past its bound.
    Full,
    /// A close frame of ours is queued, or the connection is over: RFC 6455 section 5.5.1
    /// forbids data after a close frame, so the message is dropped.
    Closed,
}

/// One client's connection and everything its threads share about it.
#[derive(Debug)]
pub struct Outbox {
    limit: usize,
    link: Mutex<Link>,
    changed: Condvar,
}

/// What the lock guards: the connection and how its writer is doing.
#[derive(Debug)]
struct Link {
    connection: Connection,
    /// The 101 response, written before any frame.
    handshake_response: Vec<u8>,
    /// Bytes the writer took and is writing: they still count against the bound.
    in_flight: usize,
    reader_done: bool,
    /// The writer is blocked waiting for bytes and nobody has owed it a wake yet. Only
    /// then does a queued message need to wake it: while it writes, it finds the message
    /// on its next look. A room of 100 saves most of its 100 wake-up calls per line.
    writer_waiting: bool,
    writer_done: bool,
    writer_error: Option<String>,
}

impl Link {
    fn queued_bytes(&self) -> usize {
        self.handshake_response.len() + self.connection.buffered_amount() + self.in_flight
    }
}

impl Outbox {
    /// An outbox for an upgraded `connection` that holds at most `limit` bytes; the
    /// `handshake_response` (the 101) goes out first.
    pub fn new(connection: Connection, limit: usize, handshake_response: Vec<u8>) -> Outbox {
        Outbox {
            limit,
            link: Mutex::new(Link {
                connection,
                handshake_response,
                in_flight: 0,
                reader_done: false,
                writer_waiting: false,
                writer_done: false,
                writer_error: None,
            }),
            changed: Condvar::new(),
        }
    }

    /// A panic elsewhere must not turn every later lock into a second panic: the fields
    /// are each valid on their own, so we keep going with them.
    fn lock(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a message and wakes the writer if it sleeps (the room's tests, one outbox).
    #[cfg(test)]
    pub fn send(&self, message: &EncodedMessage) -> Result<(), PushError> {
        if self.queue(message)? == Queued::WriterAsleep {
            self.wake_writer();
        }
        Ok(())
    }

    /// Queues a message without waking the writer: the room queues a line for everyone
    /// under its lock and wakes the sleeping writers after letting go of it, so that a
    /// hundred wake-up calls (system calls) do not keep the other members' readers waiting.
    pub fn queue(&self, message: &EncodedMessage) -> Result<Queued, PushError> {
        self.queue_locked(self.lock(), message)
    }

    /// `queue`, unless the member's reader or writer holds the connection at this moment:
    /// then `None`, and the room comes back to this member after the others instead of
    /// sleeping here with the room's lock held.
    pub fn try_queue(&self, message: &EncodedMessage) -> Option<Result<Queued, PushError>> {
        let link = match self.link.try_lock() {
            Ok(link) => link,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(self.queue_locked(link, message))
    }

    fn queue_locked(
        &self,
        mut link: MutexGuard<'_, Link>,
        message: &EncodedMessage,
    ) -> Result<Queued, PushError> {
        if !link.connection.state().is_open() || link.reader_done {
            return Err(PushError::Closed);
        }
        // An empty outbox takes any message, so that an --outbox-bytes below --max-message
        // cannot make a single large chat line evict everyone.
        let queued = link.queued_bytes();
        if queued > 0 && queued + message.len() > self.limit {
            return Err(PushError::Full);
        }
        link.connection.send_encoded(message);
        // The writer sleeps until woken; once one wake is owed, later lines need none.
        if std::mem::take(&mut link.writer_waiting) {
            Ok(Queued::WriterAsleep)
        } else {
            Ok(Queued::WriterBusy)
        }
    }

    /// Wakes the writer for what `queue` left it. A wake it does not need costs one look.
    pub fn wake_writer(&self) {
        self.changed.notify_all();
    }

    /// Hands the connection what the reader read.
    pub fn receive(&self, bytes: &[u8]) {
        self.lock().connection.receive(bytes);
    }

    /// The next complete event, decoded under the lock one at a time: the reader handles
    /// each before the next is decoded, so that answers to a client's last commands are
    /// queued before the reply to the close frame that follows them.
    pub fn next_event(&self) -> Result<Option<Event>, ProtocolError> {
        let mut link = self.lock();
        let queued_before = link.connection.buffered_amount();
        let event = link.connection.next_event();
        // Wake the writer only when the connection queued something (a pong, the close
        // frame after an error, the reply to a close): most events queue nothing.
        if link.connection.buffered_amount() != queued_before {
            self.changed.notify_all();
        }
        event
    }

    /// True when the client's own replies (pongs) took its outbox past its bound.
    pub fn is_over_limit(&self) -> bool {
        let link = self.lock();
        link.connection.state().is_open() && link.queued_bytes() > self.limit
    }

    /// Sends a ping (keepalive).
    pub fn ping(&self, payload: &[u8]) {
        self.lock().connection.send_ping(payload);
        self.changed.notify_all();
    }

    /// Starts the close handshake, from any thread (the reader, the room, the shutdown):
    /// the close frame goes after everything already queued. The first close counts.
    pub fn close(&self, code: CloseCode, reason: &str) {
        self.lock().connection.close(code, reason);
        self.changed.notify_all();
    }

    /// The client fell `limit` bytes behind: drop what it has not been sent yet (it will
    /// never catch up) and close with 1008 behind the frame being written. Returns false
    /// if a close was already under way.
    pub fn evict(&self) -> bool {
        let mut link = self.lock();
        if !link.connection.state().is_open() {
            return false;
        }
        let reason = format!("too slow: more than {} bytes waiting", self.limit);
        link.connection
            .close_discarding_output(CloseCode::PolicyViolation, &reason);
        self.changed.notify_all();
        true
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> ConnectionState {
        self.lock().connection.state()
    }

    /// The close we started, if we did (not our reply to the client's), for the log.
    pub fn close_we_started(&self) -> Option<CloseFrame> {
        let link = self.lock();
        match link.connection.state() {
            State::ClosedByUs | State::CloseAcknowledged => link.connection.close_sent().cloned(),
            State::Open | State::ClosedByPeer | State::Failed => None,
        }
    }

    /// Why the writer gave up, if it did.
    pub fn writer_error(&self) -> Option<String> {
        self.lock().writer_error.clone()
    }

    /// The reader is finished (the client closed, or TCP is gone): nothing more will be
    /// queued, and a writer waiting for the client's close reply may stop waiting.
    pub fn finish_reading(&self) {
        self.lock().reader_done = true;
        self.changed.notify_all();
    }

    /// Waits up to `timeout` for the writer to send everything and stop.
    pub fn wait_writer_finished(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |link| link.writer_done)
    }

    fn wait_until(&self, timeout: Duration, done: impl Fn(&Link) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut link = self.lock();
        while !done(&link) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            link = self
                .changed
                .wait_timeout(link, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Moves queued bytes into `batch` (whole frames, up to `BATCH_BYTES`), waiting for
    /// some if none are queued. False when nothing more will come: all sent.
    fn next_batch(&self, batch: &mut Vec<u8>) -> bool {
        batch.clear();
        let mut link = self.lock();
        loop {
            batch.append(&mut link.handshake_response);
            link.connection.move_output_into(batch, BATCH_BYTES);
            if !batch.is_empty() {
                link.in_flight = batch.len();
                return true;
            }
            if !link.connection.state().is_open() || link.reader_done {
                return false;
            }
            link.writer_waiting = true;
            link = self
                .changed
                .wait(link)
                .unwrap_or_else(PoisonError::into_inner);
            link.writer_waiting = false;
        }
    }

    /// The batch is in the kernel's hands: it no longer counts against the bound.
    fn batch_written(&self) {
        self.lock().in_flight = 0;
    }

    /// Takes every queued byte at once, as if written (tests of the room read outboxes
    /// without a socket).
    #[cfg(test)]
    pub fn take_queued(&self) -> Vec<u8> {
        let mut link = self.lock();
        let mut bytes = std::mem::take(&mut link.handshake_response);
        bytes.extend(link.connection.take_output());
        bytes
    }

    fn writer_stopped(&self, error: Option<String>) {
        let mut link = self.lock();
        if error.is_some() {
            // The socket is gone: what is still queued can never be sent.
            link.connection.take_output();
            link.in_flight = 0;
            link.reader_done = true;
        }
        link.writer_done = true;
        link.writer_error = error;
        self.changed.notify_all();
    }
}

/// Starts the thread that writes `outbox` to `stream` (a `try_clone` of the reader's socket).
pub fn start_writer(stream: TcpStream, outbox: Arc<Outbox>) -> io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("writer".into())
        .stack_size(THREAD_STACK_SIZE)
        .spawn(move || write_until_done(stream, &outbox))
}

/// The writer's whole life: send batches until nothing more will come. A failed write
/// (the client is gone, or read nothing for the write timeout) shuts the socket down,
/// which also wakes the reader blocked in `read`.
fn write_until_done(mut stream: TcpStream, outbox: &Outbox) {
    // Grown by the first batches, not reserved: a member who is rarely sent anything
    // keeps only what its largest batch needed.
    let mut batch = Vec::new();
    while outbox.next_batch(&mut batch) {
        if let Err(error) = stream.write_all(&batch) {
            outbox.writer_stopped(Some(describe_write_error(&error, &stream)));
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        outbox.batch_written();
    }
    // The last frame was a close. If we started it, the client has CLOSE_TIMEOUT to answer
    // before we cut TCP (RFC 6455 section 7.1.1: the server closes first); if the reader
    // already has the client's close, this returns at once.
    if !outbox.wait_until(CLOSE_TIMEOUT, |link| link.reader_done) {
        let _ = stream.shutdown(Shutdown::Both);
    }
    outbox.writer_stopped(None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use frame::{Limits, Role};

    fn outbox(limit: usize) -> Outbox {
        Outbox::new(
            Connection::new(Role::Server, Limits::default()),
            limit,
            Vec::new(),
        )
    }

    /// A message whose frame takes `length` bytes (a 2-byte header and its payload).
    fn message_of(length: usize) -> EncodedMessage {
        EncodedMessage::binary(&vec![b'x'; length - 2])
    }

    #[test]
    fn pushes_beyond_the_limit_are_refused() {
        let outbox = outbox(100);
        assert_eq!(outbox.send(&message_of(60)), Ok(()));
        assert_eq!(outbox.send(&message_of(40)), Ok(()));
        assert_eq!(outbox.send(&message_of(2)), Err(PushError::Full));
    }

    #[test]
    fn an_empty_outbox_takes_one_large_message() {
        let outbox = outbox(10);
        assert_eq!(outbox.send(&message_of(100)), Ok(()));
        assert_eq!(outbox.send(&message_of(2)), Err(PushError::Full));
    }

    #[test]
    fn written_bytes_free_room() {
        let outbox = outbox(100);
        outbox.send(&message_of(100)).unwrap();
        let mut batch = Vec::new();
        assert!(outbox.next_batch(&mut batch));
        // Being written still counts: the bound covers everything we hold.
        assert_eq!(outbox.send(&message_of(2)), Err(PushError::Full));
        outbox.batch_written();
        assert_eq!(outbox.send(&message_of(100)), Ok(()));
    }

    #[test]
    fn the_handshake_response_goes_first_and_batches_keep_order_and_size() {
        let outbox = Outbox::new(
            Connection::new(Role::Server, Limits::default()),
            1 << 20,
            b"HTTP/1.1 101 ...\r\n\r\n".to_vec(),
        );
        for byte in 0..5u8 {
            outbox
                .send(&EncodedMessage::binary(&[byte; 30 * 1024]))
                .unwrap();
        }
        let mut batch = Vec::new();
        let mut sizes = Vec::new();
        let mut all = Vec::new();
        while outbox.lock().connection.buffered_amount() > 0 {
            assert!(outbox.next_batch(&mut batch));
            sizes.push(batch.len());
            all.extend_from_slice(&batch);
            outbox.batch_written();
        }
        assert!(all.starts_with(b"HTTP/1.1 101"));
        assert!(sizes.iter().all(|&size| size <= BATCH_BYTES), "{sizes:?}");
        assert_eq!(sizes.len(), 3, "two frames a batch: {sizes:?}");
        let mut client = Connection::new(Role::Client, Limits::default());
        client.receive(&all[b"HTTP/1.1 101 ...\r\n\r\n".len()..]);
        for byte in 0..5u8 {
            assert_eq!(
                client.next_event(),
                Ok(Some(Event::Binary(vec![byte; 30 * 1024])))
            );
        }
    }

    #[test]
    fn a_sleeping_writer_is_owed_one_wake_and_a_busy_outbox_is_passed_by() {
        let outbox = outbox(1000);
        assert_eq!(outbox.queue(&message_of(10)), Ok(Queued::WriterBusy));
        outbox.lock().writer_waiting = true;
        assert_eq!(outbox.queue(&message_of(10)), Ok(Queued::WriterAsleep));
        assert_eq!(outbox.queue(&message_of(10)), Ok(Queued::WriterBusy));
        {
            let _reader = outbox.lock();
            assert_eq!(outbox.try_queue(&message_of(10)), None);
        }
        assert_eq!(
            outbox.try_queue(&message_of(10)),
            Some(Ok(Queued::WriterBusy))
        );
        assert_eq!(outbox.take_queued().len(), 4 * 10);
    }

    #[test]
    fn a_writer_woken_after_the_lock_finds_its_bytes() {
        let outbox = Arc::new(outbox(1000));
        let writer = {
            let outbox = outbox.clone();
            thread::spawn(move || {
                let mut batch = Vec::new();
                assert!(outbox.next_batch(&mut batch));
                batch
            })
        };
        // Until the writer sleeps, a queued message needs no wake: it would find it.
        while !outbox.lock().writer_waiting {
            thread::yield_now();
        }
        assert_eq!(outbox.queue(&message_of(10)), Ok(Queued::WriterAsleep));
        outbox.wake_writer();
        assert_eq!(writer.join().unwrap().len(), 10);
    }

    #[test]
    fn nothing_follows_a_close() {
        let outbox = outbox(100);
        outbox.send(&message_of(10)).unwrap();
        outbox.close(CloseCode::Normal, "");
        assert_eq!(outbox.send(&message_of(2)), Err(PushError::Closed));
        let mut batch = Vec::new();
        assert!(outbox.next_batch(&mut batch));
        assert_eq!(batch.len(), 10 + 4);
        assert!(batch.ends_with(&[0x88, 2, 0x03, 0xE8]));
        outbox.batch_written();
        assert!(!outbox.next_batch(&mut batch), "closed and empty: done");
    }

    #[test]
    fn eviction_drops_the_backlog_but_not_the_batch_in_flight() {
        let outbox = outbox(100);
        outbox.send(&message_of(50)).unwrap();
        let mut batch = Vec::new();
        assert!(outbox.next_batch(&mut batch));
        outbox.send(&message_of(50)).unwrap();
        assert!(outbox.evict());
        assert!(!outbox.evict(), "only once");
        outbox.batch_written();
        assert!(outbox.next_batch(&mut batch));
        assert_eq!(&batch[..2], &[0x88, batch.len() as u8 - 2]);
        assert_eq!(&batch[2..4], &1008u16.to_be_bytes());
        assert_eq!(
            outbox.close_we_started().map(|close| close.code),
            Some(CloseCode::PolicyViolation)
        );
    }

    #[test]
    fn a_later_close_does_not_replace_the_first() {
        let outbox = outbox(100);
        outbox.close(CloseCode::GoingAway, "going away");
        assert!(!outbox.evict());
        outbox.close(CloseCode::Normal, "");
        let close = outbox.close_we_started().expect("we closed");
        assert_eq!(
            (close.code, close.reason.as_str()),
            (CloseCode::GoingAway, "going away")
        );
    }
}
