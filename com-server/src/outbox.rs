//! Each client's outbox: a bounded queue of encoded frames and the writer thread that
//! drains it to the socket. Broadcasting only ever appends to queues, so a client that
//! stops reading fills its own outbox and nobody else's; when it would hold more than
//! `--outbox-bytes`, the client is closed with 1008 instead of slowing the room down.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use frame::{CloseCode, Opcode, close_payload, encode_frame};

use crate::tcp::{CLOSE_WAIT, THREAD_STACK_SIZE, describe_write_error};

/// The writer hands the kernel up to this many bytes per `write` call: small frames are
/// batched (one system call for many chat lines), large ones go alone.
const BATCH_BYTES: usize = 64 * 1024;

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// The client is too far behind: the frame would take the outbox past its bound.
    Full,
    /// The outbox is closed (our close frame is queued, or the connection is gone):
    /// RFC 6455 section 5.5.1 forbids data after a close frame, so the frame is dropped.
    Closed,
}

/// Frames waiting for one client, shared by everyone who sends to it and its writer.
#[derive(Debug)]
pub struct Outbox {
    limit: usize,
    queue: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Queue {
    frames: VecDeque<Arc<[u8]>>,
    /// Bytes queued plus bytes the writer is writing: what this client costs us.
    queued_bytes: usize,
    in_flight: usize,
    /// No frame may be added: a close frame is queued or the connection is over.
    sealed: bool,
    /// The close we started (code and reason), for the log.
    initiated: Option<(CloseCode, String)>,
    reader_done: bool,
    writer_done: bool,
    writer_error: Option<String>,
}

/// Encodes a close frame the way `frame::Connection::close` would, for closes started
/// by another thread (eviction, shutdown) that cannot reach the reader's `Connection`.
fn close_frame(code: CloseCode, reason: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_frame(
        Opcode::Close,
        &close_payload(code, reason),
        None,
        &mut bytes,
    );
    bytes
}

impl Outbox {
    /// An empty outbox that holds at most `limit` bytes.
    pub fn new(limit: usize) -> Outbox {
        Outbox {
            limit,
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
        }
    }

    /// A panic elsewhere must not turn every later lock into a second panic: the queue's
    /// fields are each valid on their own, so we keep going with them.
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues one encoded frame (the same `Arc` may sit in many outboxes).
    pub fn push(&self, frame: Arc<[u8]>) -> Result<(), PushError> {
        let mut queue = self.lock();
        if queue.sealed {
            return Err(PushError::Closed);
        }
        // An empty outbox takes any frame, so that an --outbox-bytes below --max-message
        // cannot make a single large chat line evict everyone.
        if queue.queued_bytes > 0 && queue.queued_bytes + frame.len() > self.limit {
            return Err(PushError::Full);
        }
        queue.queued_bytes += frame.len();
        queue.frames.push_back(frame);
        self.changed.notify_all();
        Ok(())
    }

    /// Queues the last bytes this client will get (the reader's `Connection` output that
    /// holds a close frame: its reply to the client's close, or a close it started) and
    /// seals the outbox. `initiated` names the close when we started it.
    pub fn push_last(&self, bytes: Vec<u8>, initiated: Option<(CloseCode, String)>) {
        let mut queue = self.lock();
        if queue.sealed {
            return;
        }
        // Close frames are tiny and must go out even to a client at its limit.
        if !bytes.is_empty() {
            queue.queued_bytes += bytes.len();
            queue.frames.push_back(bytes.into());
        }
        queue.sealed = true;
        queue.initiated = initiated;
        self.changed.notify_all();
    }

    /// Starts the close handshake from outside the reader (server shutdown): the close
    /// frame goes after everything already queued.
    pub fn close(&self, code: CloseCode, reason: &str) {
        self.push_last(close_frame(code, reason), Some((code, reason.to_owned())));
    }

    /// The client fell `limit` bytes behind: drop what it has not been sent yet (it will
    /// never catch up) and queue close 1008 behind the frame being written, if any.
    /// Returns false if the outbox was already closed.
    pub fn evict(&self) -> bool {
        let mut queue = self.lock();
        if queue.sealed {
            return false;
        }
        let dropped: usize = queue.frames.drain(..).map(|frame| frame.len()).sum();
        queue.queued_bytes -= dropped;
        let reason = format!("too slow: more than {} bytes waiting", self.limit);
        let bytes = close_frame(CloseCode::PolicyViolation, &reason);
        queue.queued_bytes += bytes.len();
        queue.frames.push_back(bytes.into());
        queue.sealed = true;
        queue.initiated = Some((CloseCode::PolicyViolation, reason));
        self.changed.notify_all();
        true
    }

    /// True once a close is queued or the connection is over.
    pub fn is_sealed(&self) -> bool {
        self.lock().sealed
    }

    /// The close we started, if we did, for the log.
    pub fn initiated_close(&self) -> Option<(CloseCode, String)> {
        self.lock().initiated.clone()
    }

    /// Why the writer gave up, if it did.
    pub fn writer_error(&self) -> Option<String> {
        self.lock().writer_error.clone()
    }

    /// The reader is finished (the client closed, or TCP is gone): nothing more will be
    /// queued, and a writer waiting for the client's close reply may stop waiting.
    pub fn finish_reading(&self) {
        let mut queue = self.lock();
        queue.sealed = true;
        queue.reader_done = true;
        self.changed.notify_all();
    }

    /// Waits up to `timeout` for the writer to send everything and stop.
    pub fn wait_writer_finished(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |queue| queue.writer_done)
    }

    fn wait_until(&self, timeout: Duration, done: impl Fn(&Queue) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut queue = self.lock();
        while !done(&queue) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            queue = self
                .changed
                .wait_timeout(queue, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Moves queued frames into `batch` (at least one, up to `BATCH_BYTES`), waiting for
    /// one if the queue is empty. False when the outbox is sealed and empty: all sent.
    fn next_batch(&self, batch: &mut Vec<u8>) -> bool {
        batch.clear();
        let mut queue = self.lock();
        loop {
            while let Some(frame) = queue.frames.front() {
                if !batch.is_empty() && batch.len() + frame.len() > BATCH_BYTES {
                    break;
                }
                batch.extend_from_slice(frame);
                queue.frames.pop_front();
            }
            if !batch.is_empty() {
                queue.in_flight = batch.len();
                return true;
            }
            if queue.sealed {
                return false;
            }
            queue = self
                .changed
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The batch is in the kernel's hands: it no longer counts against the bound.
    fn batch_written(&self) {
        let mut queue = self.lock();
        queue.queued_bytes -= queue.in_flight;
        queue.in_flight = 0;
    }

    /// Takes every queued frame at once, as if written (tests of the room read outboxes
    /// without a socket).
    #[cfg(test)]
    pub fn take_queued(&self) -> Vec<u8> {
        let mut queue = self.lock();
        let bytes: Vec<u8> = queue
            .frames
            .drain(..)
            .flat_map(|frame| frame.to_vec())
            .collect();
        queue.queued_bytes -= bytes.len();
        bytes
    }

    fn writer_stopped(&self, error: Option<String>) {
        let mut queue = self.lock();
        if error.is_some() {
            queue.frames.clear();
            queue.queued_bytes = 0;
            queue.in_flight = 0;
            queue.sealed = true;
        }
        queue.writer_done = true;
        queue.writer_error = error;
        self.changed.notify_all();
    }
}

/// Starts the thread that writes `outbox` to `stream` (a `try_clone` of the reader's socket).
pub fn start_writer(stream: TcpStream, outbox: Arc<Outbox>) -> io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("writer".into())
        .stack_size(THREAD_STACK_SIZE)
        .spawn(move || write_until_sealed(stream, &outbox))
}

/// The writer's whole life: send batches until the outbox is sealed and empty. A failed
/// write (the client is gone, or read nothing for the write timeout) shuts the socket
/// down, which also wakes the reader blocked in `read`.
fn write_until_sealed(mut stream: TcpStream, outbox: &Outbox) {
    let mut batch = Vec::with_capacity(BATCH_BYTES);
    while outbox.next_batch(&mut batch) {
        if let Err(error) = stream.write_all(&batch) {
            outbox.writer_stopped(Some(describe_write_error(&error, &stream)));
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        outbox.batch_written();
    }
    // The last frame was a close. If we started it, the client has CLOSE_WAIT to answer
    // before we cut TCP (RFC 6455 section 7.1.1: the server closes first); if the reader
    // already has the client's close, this returns at once.
    if !outbox.wait_until(CLOSE_WAIT, |queue| queue.reader_done) {
        let _ = stream.shutdown(Shutdown::Both);
    }
    outbox.writer_stopped(None);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(length: usize) -> Arc<[u8]> {
        vec![b'x'; length].into()
    }

    #[test]
    fn pushes_beyond_the_limit_are_refused() {
        let outbox = Outbox::new(100);
        assert_eq!(outbox.push(frame_of(60)), Ok(()));
        assert_eq!(outbox.push(frame_of(40)), Ok(()));
        assert_eq!(outbox.push(frame_of(1)), Err(PushError::Full));
    }

    #[test]
    fn an_empty_outbox_takes_one_large_frame() {
        let outbox = Outbox::new(10);
        assert_eq!(outbox.push(frame_of(1000)), Ok(()));
        assert_eq!(outbox.push(frame_of(1)), Err(PushError::Full));
    }

    #[test]
    fn written_bytes_free_room() {
        let outbox = Outbox::new(100);
        outbox.push(frame_of(100)).unwrap();
        let mut batch = Vec::new();
        assert!(outbox.next_batch(&mut batch));
        // Being written still counts: the bound covers everything we hold.
        assert_eq!(outbox.push(frame_of(1)), Err(PushError::Full));
        outbox.batch_written();
        assert_eq!(outbox.push(frame_of(100)), Ok(()));
    }

    #[test]
    fn batches_keep_order_and_size() {
        let outbox = Outbox::new(1 << 20);
        for byte in 0..5u8 {
            outbox.push(vec![byte; 30 * 1024].into()).unwrap();
        }
        let mut batch = Vec::new();
        assert!(outbox.next_batch(&mut batch));
        assert_eq!(batch.len(), 60 * 1024);
        assert_eq!((batch[0], batch[batch.len() - 1]), (0, 1));
        outbox.batch_written();
        assert!(outbox.next_batch(&mut batch));
        assert_eq!((batch[0], batch[batch.len() - 1]), (2, 3));
    }

    #[test]
    fn nothing_follows_the_last_frame() {
        let outbox = Outbox::new(100);
        outbox.push(frame_of(10)).unwrap();
        outbox.push_last(vec![0x88, 0], None);
        assert_eq!(outbox.push(frame_of(1)), Err(PushError::Closed));
        let mut batch = Vec::new();
        assert!(outbox.next_batch(&mut batch));
        assert_eq!(batch.len(), 12);
        assert!(batch.ends_with(&[0x88, 0]));
        outbox.batch_written();
        assert!(!outbox.next_batch(&mut batch), "sealed and empty: done");
    }

    #[test]
    fn eviction_drops_the_backlog_but_not_the_frame_in_flight() {
        let outbox = Outbox::new(100);
        outbox.push(frame_of(50)).unwrap();
        let mut batch = Vec::new();
        assert!(outbox.next_batch(&mut batch));
        outbox.push(frame_of(50)).unwrap();
        assert!(outbox.evict());
        assert!(!outbox.evict(), "only once");
        outbox.batch_written();
        assert!(outbox.next_batch(&mut batch));
        assert_eq!(&batch[..2], &[0x88, batch.len() as u8 - 2]);
        assert_eq!(&batch[2..4], &1008u16.to_be_bytes());
        assert_eq!(
            outbox.initiated_close().map(|(code, _)| code),
            Some(CloseCode::PolicyViolation)
        );
    }

    #[test]
    fn a_later_close_does_not_replace_the_first() {
        let outbox = Outbox::new(100);
        outbox.close(CloseCode::GoingAway, "going away");
        assert!(!outbox.evict());
        outbox.push_last(vec![0x88, 0], Some((CloseCode::Normal, String::new())));
        assert_eq!(
            outbox.initiated_close(),
            Some((CloseCode::GoingAway, "going away".into()))
        );
    }
}
