//! What a connection has queued for its socket: its own frames, and messages encoded once
//! for many connections (a chat line for a whole room). The queue hands out whole frames in
//! order and knows how much is waiting, which is what backpressure and a slow-reader policy
//! need; it never cuts a frame, so dropping the unsent rest is always safe.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::codec::{FrameHeader, encode_frame};
use crate::opcode::Opcode;

/// A data message encoded once, as the unmasked frame a server sends, for any number of
/// connections: [`crate::Connection::send_encoded`] queues the same bytes without copying
/// or encoding them again. (A client must mask every frame with a fresh key, section 5.3,
/// so a client connection encodes it anew.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedMessage {
    frame: Arc<[u8]>,
    header_len: usize,
    opcode: Opcode,
}

impl EncodedMessage {
    /// A text message.
    pub fn text(text: &str) -> EncodedMessage {
        EncodedMessage::new(Opcode::Text, text.as_bytes())
    }

    /// A binary message.
    pub fn binary(bytes: &[u8]) -> EncodedMessage {
        EncodedMessage::new(Opcode::Binary, bytes)
    }

    fn new(opcode: Opcode, payload: &[u8]) -> EncodedMessage {
        let header_len = FrameHeader::new(opcode, payload.len() as u64, None).encoded_len();
        let mut frame = Vec::with_capacity(header_len + payload.len());
        encode_frame(opcode, payload, None, &mut frame);
        EncodedMessage {
            frame: frame.into(),
            header_len,
            opcode,
        }
    }

    /// The whole frame as a server sends it.
    pub fn frame(&self) -> &[u8] {
        &self.frame
    }

    /// The frame, shared rather than copied.
    pub(crate) fn shared_frame(&self) -> Arc<[u8]> {
        self.frame.clone()
    }

    /// The message itself, without the frame header.
    pub fn payload(&self) -> &[u8] {
        &self.frame[self.header_len..]
    }

    /// Text or Binary.
    pub fn opcode(&self) -> Opcode {
        self.opcode
    }

    /// How many bytes the frame takes on the wire.
    pub fn len(&self) -> usize {
        self.frame.len()
    }

    /// Never true: even an empty message has a two-byte header.
    pub fn is_empty(&self) -> bool {
        self.frame.is_empty()
    }
}

/// One piece of the queue; each holds whole frames only.
#[derive(Debug)]
enum Chunk {
    Own(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Own(bytes) => bytes,
            Chunk::Shared(bytes) => bytes,
        }
    }
}

/// The bytes waiting for the socket, in order.
#[derive(Debug, Default)]
pub(crate) struct Output {
    chunks: VecDeque<Chunk>,
    /// How much of the first chunk is already written.
    written: usize,
    /// Bytes waiting, over all chunks.
    waiting: usize,
    /// An emptied small buffer kept for the next frame: an echo server queues one frame per
    /// message, and this spares it an allocation each time.
    spare: Vec<u8>,
}

/// Emptied buffers up to this size are kept for reuse; larger ones go back to the
/// allocator, so an idle connection costs little even after it sent 16 MiB.
const KEEP_BUFFER_CAPACITY: usize = 4096;

impl Output {
    /// The frame bytes are appended by `encode`, which writes whole frames. Own frames go
    /// into one buffer until a shared frame comes between: a connection that never sends
    /// shared frames has one contiguous [`Output::pending`], as simple servers expect.
    pub(crate) fn push_own(&mut self, encode: impl FnOnce(&mut Vec<u8>)) {
        if !matches!(self.chunks.back(), Some(Chunk::Own(_))) {
            self.chunks
                .push_back(Chunk::Own(std::mem::take(&mut self.spare)));
        }
        let Some(Chunk::Own(bytes)) = self.chunks.back_mut() else {
            unreachable!("the last chunk was just made an own chunk");
        };
        let start = bytes.len();
        encode(bytes);
        self.waiting += bytes.len() - start;
    }

    pub(crate) fn push_shared(&mut self, frame: Arc<[u8]>) {
        self.waiting += frame.len();
        self.chunks.push_back(Chunk::Shared(frame));
    }

    /// The next bytes to write: the rest of the first chunk (empty when nothing waits).
    pub(crate) fn pending(&self) -> &[u8] {
        self.chunks
            .front()
            .map_or(&[][..], |chunk| &chunk.bytes()[self.written..])
    }

    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// `count` bytes of [`Output::pending`] were written.
    pub(crate) fn consume(&mut self, count: usize) {
        let count = count.min(self.pending().len());
        self.written += count;
        self.waiting -= count;
        match self.chunks.front_mut() {
            Some(chunk) if self.written == chunk.bytes().len() => {
                if let Some(Chunk::Own(mut bytes)) = self.chunks.pop_front() {
                    if bytes.capacity() <= KEEP_BUFFER_CAPACITY {
                        bytes.clear();
                        self.spare = bytes;
                    }
                }
                self.written = 0;
            }
            Some(Chunk::Own(bytes))
                if self.written > KEEP_BUFFER_CAPACITY && self.written >= bytes.len() / 2 =>
            {
                // A peer that reads slower than we queue never lets this buffer empty:
                // without this, the bytes already sent would stay at its front and it would
                // grow by everything ever sent. Moving the unsent half down costs at most
                // as much as sending it did.
                bytes.drain(..self.written);
                self.written = 0;
            }
            _ => {}
        }
    }

    /// Moves whole chunks into `batch`: at least one, then more while the batch stays
    /// within `limit` bytes. For a writer thread that sends outside the connection's lock.
    pub(crate) fn move_into(&mut self, batch: &mut Vec<u8>, limit: usize) {
        while let Some(chunk) = self.chunks.front() {
            let rest = &chunk.bytes()[self.written..];
            if !batch.is_empty() && batch.len() + rest.len() > limit {
                break;
            }
            batch.extend_from_slice(rest);
            let count = rest.len();
            self.consume(count);
        }
    }

    /// Drops every frame not yet started; a frame half written is finished, never cut.
    pub(crate) fn discard_unstarted(&mut self) {
        let keep = usize::from(self.written > 0);
        while self.chunks.len() > keep {
            if let Some(chunk) = self.chunks.pop_back() {
                self.waiting -= chunk.bytes().len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(output: &mut Output, bytes: &[u8]) {
        output.push_own(|out| out.extend_from_slice(bytes));
    }

    #[test]
    fn chunks_come_out_in_order() {
        let mut output = Output::default();
        own(&mut output, b"ab");
        output.push_shared(Arc::from(&b"cd"[..]));
        own(&mut output, b"ef");
        let mut all = Vec::new();
        while !output.pending().is_empty() {
            let piece = output.pending()[..1].to_vec();
            all.extend(piece);
            output.consume(1);
        }
        assert_eq!(all, b"abcdef");
        assert_eq!(output.waiting(), 0);
    }

    #[test]
    fn own_frames_stay_contiguous() {
        let mut output = Output::default();
        own(&mut output, b"abcd");
        output.consume(2);
        own(&mut output, &[b'e'; 100_000]);
        assert_eq!(output.pending().len(), 100_002, "one write takes it all");
        assert_eq!(output.waiting(), 100_002);
    }

    #[test]
    fn a_slow_peer_does_not_make_the_buffer_grow() {
        let mut output = Output::default();
        for _ in 0..1000 {
            own(&mut output, &[7; 10_000]);
            output.consume(9_990);
        }
        assert_eq!(output.waiting(), 10_000);
        let Some(Chunk::Own(bytes)) = output.chunks.front() else {
            panic!("one own chunk");
        };
        assert!(bytes.capacity() < 1 << 20, "capacity {}", bytes.capacity());
    }

    #[test]
    fn discarding_keeps_a_half_written_frame() {
        let mut output = Output::default();
        own(&mut output, b"abcd");
        output.push_shared(Arc::from(&b"xyz"[..]));
        output.consume(1);
        output.discard_unstarted();
        assert_eq!(output.pending(), b"bcd");
        assert_eq!(output.waiting(), 3);
        output.consume(3);
        assert_eq!(output.waiting(), 0);
        output.push_shared(Arc::from(&b"xyz"[..]));
        output.discard_unstarted();
        assert_eq!(output.waiting(), 0);
    }

    #[test]
    fn batches_take_whole_chunks_within_the_limit() {
        let mut output = Output::default();
        output.push_shared(Arc::from(&[1u8; 10][..]));
        output.push_shared(Arc::from(&[2u8; 10][..]));
        output.push_shared(Arc::from(&[3u8; 10][..]));
        let mut batch = Vec::new();
        output.move_into(&mut batch, 25);
        assert_eq!(batch.len(), 20);
        batch.clear();
        output.move_into(&mut batch, 5);
        assert_eq!(batch, [3u8; 10], "at least one chunk, whatever the limit");
    }

    #[test]
    fn an_encoded_message_is_a_server_frame() {
        let message = EncodedMessage::text("Hello");
        assert_eq!(message.frame(), [0x81, 0x05, b'H', b'e', b'l', b'l', b'o']);
        assert_eq!(message.payload(), b"Hello");
    }
}
