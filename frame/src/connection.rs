//! The connection state machine: bytes in, events out; calls in, bytes out. It owns every
//! protocol decision after the handshake (masking rules, control frames, fragmentation,
//! UTF-8, limits, the close handshake) and no socket, so a blocking server and a polling
//! server drive the very same code.

use crate::close::CloseCode;
use crate::close_frame::{CloseFrame, close_payload, parse_close_payload};
use crate::codec::{FrameHeader, encode_fragment};
use crate::dissect::{Dissection, Recorder};
use crate::error::ProtocolError;
use crate::mask::{apply_mask, random_masking_key};
use crate::message::{Message, MessageAssembler};
use crate::opcode::{ControlOpcode, Opcode, OpcodeKind};
use crate::output::{EncodedMessage, Output};

/// Which end of the connection we are: it decides who masks (section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We accepted the connection: incoming frames must be masked, ours are not.
    Server,
    /// We opened the connection: we mask every frame, incoming frames must not be masked.
    Client,
}

/// Where the connection is in its life (section 7), and who closed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We sent a close frame first and wait for the peer's (section 7.1.2); nothing but
    /// that close frame may follow ours (section 5.5.1).
    ClosedByUs,
    /// The peer's close frame came first and our reply is queued: the close handshake is
    /// done.
    ClosedByPeer,
    /// We closed first and the peer answered: the close handshake is done.
    CloseAcknowledged,
    /// We failed the connection (section 7.1.7): our close frame with the error's code is
    /// queued (unless we had sent one already) and we read nothing more.
    Failed,
}

impl State {
    /// True while data messages may still be sent.
    pub fn is_open(self) -> bool {
        self == State::Open
    }

    /// True once nothing more will be read: send what is queued, then close TCP (the
    /// server closes first, section 7.1.1).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            State::ClosedByPeer | State::CloseAcknowledged | State::Failed
        )
    }
}

/// Size limits, checked from the frame header, before anything is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest message, in bytes, over all its fragments; larger gets close 1009.
    pub max_message: usize,
    /// The largest single frame, in bytes; larger gets close 1009. A server that relays
    /// frames as they come (rather than whole messages) would set this below `max_message`.
    pub max_frame: usize,
}

impl Limits {
    /// Messages up to `max_message` bytes, in frames of any size up to that.
    pub fn with_max_message(max_message: usize) -> Limits {
        Limits {
            max_message,
            max_frame: max_message,
        }
    }
}

impl Default for Limits {
    /// 16 MiB, the echo server's default.
    fn default() -> Limits {
        Limits::with_max_message(16 * 1024 * 1024)
    }
}

/// How the connection answers the peer's close frame (section 5.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReply {
    /// At once, with the peer's code and reason: the reason is the peer's own text, so
    /// echoing it lets a learner see their words come back.
    Echo,
    /// Not until the server calls [`Connection::reply_to_close`] with a reason of its own.
    Manual,
}

/// The close reply a [`CloseReply::Manual`] connection still owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwedReply {
    /// The peer's close had a code: ours carries the same one.
    WithCode(CloseCode),
    /// The peer's close was empty: so is ours.
    Empty,
}

/// What the peer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A complete text message.
    Text(String),
    /// A complete binary message.
    Binary(Vec<u8>),
    /// A ping; the pong is already queued.
    Ping(Vec<u8>),
    /// A pong (the answer to our ping, or a heartbeat).
    Pong(Vec<u8>),
    /// The peer closed, with its code and reason if it gave one. The reply is queued.
    Close(Option<CloseFrame>),
}

/// The frame whose payload is arriving.
#[derive(Debug)]
struct IncomingFrame {
    header: FrameHeader,
    received: u64,
    /// Its payload is passed over unread (after a failure, see `fail`).
    skipped: bool,
}

/// One WebSocket connection, without the socket.
///
/// Feed it what you read with [`Connection::receive`], take events with
/// [`Connection::next_event`], write [`Connection::pending_output`] to the socket and
/// report how much went with [`Connection::consume_output`].
#[derive(Debug)]
pub struct Connection {
    role: Role,
    state: State,
    /// The close frame we sent, if we sent one (first, or as the reply to the peer's).
    close_sent: Option<CloseFrame>,
    /// Received bytes not yet used; `input_start` marks how far they are used, so that
    /// several frames from one read cost no copying.
    input: Vec<u8>,
    input_start: usize,
    frame: Option<IncomingFrame>,
    max_frame: usize,
    message: MessageAssembler,
    /// Set when we failed the connection but its framing is intact: every frame is skipped
    /// unread except the peer's close frame, which we wait for (section 7.1.1).
    awaiting_close_after_failure: bool,
    close_reply: CloseReply,
    /// Set while a [`CloseReply::Manual`] reply to the peer's close is owed.
    owed_close_reply: Option<OwedReply>,
    control_payload: Vec<u8>,
    output: Output,
    /// `Some` when `--verbose` asked to see every frame. Boxed: a recorder is larger than
    /// the rest of an idle connection, and most connections have none.
    recorder: Option<Box<Recorder>>,
}

/// Buffers larger than this are given back to the allocator once empty, so an idle
/// connection costs a few hundred bytes even after it echoed 16 MiB.
const KEEP_BUFFER_CAPACITY: usize = 4096;

impl Connection {
    /// A connection that has just finished its handshake.
    pub fn new(role: Role, limits: Limits) -> Connection {
        Connection {
            role,
            state: State::Open,
            close_sent: None,
            input: Vec::new(),
            input_start: 0,
            frame: None,
            max_frame: limits.max_frame,
            message: MessageAssembler::new(limits.max_message),
            awaiting_close_after_failure: false,
            close_reply: CloseReply::Echo,
            owed_close_reply: None,
            control_payload: Vec::new(),
            output: Output::default(),
            recorder: None,
        }
    }

    /// Starts recording a [`Dissection`] of every frame in both directions.
    pub fn record_dissections(&mut self) {
        self.recorder.get_or_insert_with(Box::default);
    }

    /// The dissections recorded since the last call.
    pub fn take_dissections(&mut self) -> Vec<Dissection> {
        self.recorder
            .as_mut()
            .map(|recorder| recorder.take())
            .unwrap_or_default()
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        self.state
    }

    /// The close frame we sent: the close we started, the reply we gave to the peer's, or
    /// the code we failed the connection with. `None` before any, and when we replied to an
    /// empty close with an empty one.
    pub fn close_sent(&self) -> Option<&CloseFrame> {
        self.close_sent.as_ref()
    }

    /// Hands the connection bytes read from the socket. Bytes after the end are ignored.
    pub fn receive(&mut self, bytes: &[u8]) {
        if self.state.is_finished() {
            return;
        }
        if self.input_start == self.input.len() {
            self.input.clear();
            self.input_start = 0;
        } else if self.input_start > 0 {
            self.input.drain(..self.input_start);
            self.input_start = 0;
        }
        self.input.extend_from_slice(bytes);
    }

    /// The next thing the peer did, or `Ok(None)` when the bytes received so far hold no
    /// complete event (read more). On a protocol error the close frame with the right
    /// code is already queued and the state is `Failed`: log the error, send the output,
    /// close the socket.
    pub fn next_event(&mut self) -> Result<Option<Event>, ProtocolError> {
        match self.decode_event() {
            Ok(event) => {
                self.release_input_if_empty();
                Ok(event)
            }
            Err(error) => {
                self.fail(&error);
                Err(error)
            }
        }
    }

    fn decode_event(&mut self) -> Result<Option<Event>, ProtocolError> {
        while !self.state.is_finished() {
            if self.frame.is_none() && !self.start_frame()? {
                return Ok(None);
            }
            let frame = self.frame.as_mut().expect("a frame is in progress");
            let remaining = frame.header.payload_len - frame.received;
            let available = (self.input.len() - self.input_start) as u64;
            let take = remaining.min(available) as usize;
            let piece = &mut self.input[self.input_start..self.input_start + take];
            if let Some(recorder) = self.recorder.as_mut() {
                recorder.received_payload(piece);
            }
            let skipped = frame.skipped;
            if let Some(key) = frame.header.masking_key {
                apply_mask(piece, key, frame.received as usize);
            }
            if skipped {
                // After a failure only the peer's close matters: the rest is not read.
            } else if frame.header.opcode.is_control() {
                self.control_payload.extend_from_slice(piece);
            } else {
                self.message.push(piece)?;
            }
            self.input_start += take;
            frame.received += take as u64;
            if frame.received < frame.header.payload_len {
                return Ok(None);
            }
            let header = self.frame.take().expect("a frame is in progress").header;
            if let Some(recorder) = self.recorder.as_mut() {
                recorder.received_end();
            }
            if skipped {
                continue;
            }
            if let Some(event) = self.finish_frame(header)? {
                return Ok(Some(event));
            }
        }
        Ok(None)
    }

    /// A frame's payload is all in: a control frame is an event at once, a data frame may
    /// complete a message.
    fn finish_frame(&mut self, header: FrameHeader) -> Result<Option<Event>, ProtocolError> {
        if let OpcodeKind::Control(control) = header.opcode.kind() {
            let payload = std::mem::take(&mut self.control_payload);
            return self.control_event(control, payload).map(Some);
        }
        Ok(self
            .message
            .end_frame(header.fin)?
            .map(|message| match message {
                Message::Text(text) => Event::Text(text),
                Message::Binary(bytes) => Event::Binary(bytes),
            }))
    }

    /// Parses and checks the next frame header. Returns false when more bytes are needed.
    fn start_frame(&mut self) -> Result<bool, ProtocolError> {
        let buffered = &self.input[self.input_start..];
        let Some((header, header_len)) = FrameHeader::parse(buffered)? else {
            return Ok(false);
        };
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.received_header(header, &buffered[..header_len]);
        }
        self.input_start += header_len;
        // In place before the checks: if one fails, the connection knows where this frame
        // ends and can skip it while it waits for the peer's close.
        self.frame = Some(IncomingFrame {
            header,
            received: 0,
            skipped: self.awaiting_close_after_failure && header.opcode != Opcode::Close,
        });
        self.check_header(&header)?;
        if !header.opcode.is_control() && !self.awaiting_close_after_failure {
            // The message limit first: for a message in one frame it is the one a
            // student set, and so the one the close reason should name.
            self.message.start_frame(&header)?;
            if header.payload_len > self.max_frame as u64 {
                return Err(ProtocolError::FrameTooBig {
                    size: header.payload_len,
                    limit: self.max_frame,
                });
            }
        }
        Ok(true)
    }

    /// The rules of section 5 that a header alone can break.
    fn check_header(&self, header: &FrameHeader) -> Result<(), ProtocolError> {
        match (self.role, header.masking_key.is_some()) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedClientFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedServerFrame),
            _ => {}
        }
        if header.rsv.iter().any(|&bit| bit) {
            return Err(ProtocolError::ReservedBitsSet);
        }
        if let Opcode::Reserved(value) = header.opcode {
            return Err(ProtocolError::ReservedOpcode(value));
        }
        if header.opcode.is_control() {
            if header.payload_len > 125 {
                return Err(ProtocolError::ControlFrameTooLong(header.payload_len));
            }
            if !header.fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
        }
        Ok(())
    }

    /// Control frames are answered on the spot (section 5.5).
    fn control_event(
        &mut self,
        control: ControlOpcode,
        payload: Vec<u8>,
    ) -> Result<Event, ProtocolError> {
        match control {
            ControlOpcode::Ping => {
                if self.state.is_open() {
                    self.queue_frame(Opcode::Pong, &payload);
                }
                Ok(Event::Ping(payload))
            }
            ControlOpcode::Pong => Ok(Event::Pong(payload)),
            ControlOpcode::Close => {
                let close = parse_close_payload(&payload)?;
                if self.state.is_open() {
                    self.state = State::ClosedByPeer;
                    match self.close_reply {
                        // Echo the peer's code and reason (section 5.5.1); an empty close
                        // gets an empty reply.
                        CloseReply::Echo => self.queue_close(close.clone()),
                        CloseReply::Manual => {
                            self.owed_close_reply = Some(match &close {
                                Some(frame) => OwedReply::WithCode(frame.code),
                                None => OwedReply::Empty,
                            });
                        }
                    }
                } else {
                    self.state = State::CloseAcknowledged;
                }
                Ok(Event::Close(close))
            }
        }
    }

    /// "Fail the WebSocket Connection" (section 7.1.7): send a close with the error's code
    /// unless we already sent one, and stop reading.
    ///
    /// Where the peer framed its bytes correctly (it broke a rule inside a frame: a size, a
    /// bit, bad UTF-8), it can still read our close and answer it, so we wait for its close
    /// as after any close we start, skipping everything else: the server still closes TCP
    /// first (section 7.1.1), and a browser reports a clean close with our code instead of
    /// 1006. Where the framing itself is broken, or the peer's close frame was the problem,
    /// there is nothing more to read.
    fn fail(&mut self, error: &ProtocolError) {
        let was_open = self.state.is_open();
        if was_open {
            self.queue_close(Some(CloseFrame {
                code: error.close_code(),
                reason: error.to_string(),
            }));
        }
        // A broken close frame is still the peer's close: it will send no other.
        let broken_close = self
            .frame
            .as_ref()
            .is_some_and(|frame| frame.header.opcode == Opcode::Close);
        if was_open && error.leaves_framing_intact() && !broken_close {
            self.state = State::ClosedByUs;
            self.awaiting_close_after_failure = true;
            if let Some(frame) = self.frame.as_mut() {
                frame.skipped = true;
            }
            self.message.reset();
            self.control_payload.clear();
            return;
        }
        self.state = State::Failed;
        self.input = Vec::new();
        self.input_start = 0;
        self.frame = None;
    }

    /// Chooses how the peer's close frame is answered (the default is [`CloseReply::Echo`]).
    pub fn set_close_reply(&mut self, close_reply: CloseReply) {
        self.close_reply = close_reply;
    }

    /// Answers the peer's close frame with its code and `reason`, when the connection was
    /// set to [`CloseReply::Manual`] and a reply is owed; does nothing otherwise.
    pub fn reply_to_close(&mut self, reason: &str) {
        match self.owed_close_reply.take() {
            Some(OwedReply::WithCode(code)) => self.queue_close(Some(CloseFrame {
                code,
                reason: reason.to_owned(),
            })),
            // An empty close gets an empty reply: a reason needs a code (section 5.5.1).
            Some(OwedReply::Empty) => self.queue_close(None),
            None => {}
        }
    }

    /// Sends a text message. Ignored once a close frame of ours is queued: RFC 6455
    /// section 5.5.1 forbids data frames after it.
    pub fn send_text(&mut self, text: &str) {
        self.send_data(Opcode::Text, text.as_bytes());
    }

    /// Sends a binary message (ignored once closing, like [`Connection::send_text`]).
    pub fn send_binary(&mut self, bytes: &[u8]) {
        self.send_data(Opcode::Binary, bytes);
    }

    /// Sends a message encoded once for many connections (ignored once closing, like
    /// [`Connection::send_text`]). A server queues the shared bytes as they are; a client
    /// must mask, so it encodes the payload anew.
    pub fn send_encoded(&mut self, message: &EncodedMessage) {
        if !self.state.is_open() {
            return;
        }
        if self.role == Role::Client {
            return self.queue_frame(message.opcode(), message.payload());
        }
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.sent(message.frame());
        }
        self.output.push_shared(message.shared_frame());
    }

    /// Sends a ping; the peer answers with a pong carrying the same payload (at most 125
    /// bytes, longer payloads are cut).
    pub fn send_ping(&mut self, payload: &[u8]) {
        if self.state.is_open() {
            self.queue_frame(Opcode::Ping, &payload[..payload.len().min(125)]);
        }
    }

    /// Starts the close handshake: queues a close frame and waits for the peer's. Does
    /// nothing once a close frame of ours is queued: the first close is the one that counts.
    pub fn close(&mut self, code: CloseCode, reason: &str) {
        if self.state.is_open() {
            self.queue_close(Some(CloseFrame {
                code,
                reason: reason.to_owned(),
            }));
            self.state = State::ClosedByUs;
        }
    }

    /// Gives up on a peer that reads too slowly: drops every frame not yet started (it
    /// would never catch up), then closes with `code` like [`Connection::close`]. A frame
    /// already half written is finished first, so the close frame arrives whole.
    pub fn close_discarding_output(&mut self, code: CloseCode, reason: &str) {
        if self.state.is_open() {
            self.output.discard_unstarted();
            self.close(code, reason);
        }
    }

    fn queue_close(&mut self, frame: Option<CloseFrame>) {
        let payload = frame
            .as_ref()
            .map(|frame| close_payload(frame.code, &frame.reason))
            .unwrap_or_default();
        self.queue_frame(Opcode::Close, &payload);
        self.close_sent = frame;
    }

    fn send_data(&mut self, opcode: Opcode, payload: &[u8]) {
        if self.state.is_open() {
            self.queue_frame(opcode, payload);
        }
    }

    fn queue_frame(&mut self, opcode: Opcode, payload: &[u8]) {
        let masking_key = (self.role == Role::Client).then(random_masking_key);
        let recorder = &mut self.recorder;
        self.output.push_own(|out| {
            let start = out.len();
            encode_fragment(opcode, true, payload, masking_key, out);
            if let Some(recorder) = recorder {
                recorder.sent(&out[start..]);
            }
        });
    }

    /// Bytes waiting to be written to the socket: all of them, unless messages from
    /// [`Connection::send_encoded`] are queued, which come one piece at a time (write it,
    /// call [`Connection::consume_output`], and ask again until it is empty).
    pub fn pending_output(&self) -> &[u8] {
        self.output.pending()
    }

    /// How many bytes wait to be sent, in all: what a slow reader costs us (a browser
    /// calls the same figure `bufferedAmount`).
    pub fn buffered_amount(&self) -> usize {
        self.output.waiting()
    }

    /// Reports that the first `written` bytes of [`Connection::pending_output`] were sent.
    pub fn consume_output(&mut self, written: usize) {
        self.output.consume(written);
    }

    /// Moves waiting frames into `batch`, whole: at least one, then more while `batch`
    /// stays within `limit` bytes. For a writer thread that writes outside a lock.
    pub fn move_output_into(&mut self, batch: &mut Vec<u8>, limit: usize) {
        self.output.move_into(batch, limit);
    }

    /// Takes all pending output at once.
    pub fn take_output(&mut self) -> Vec<u8> {
        let mut output = Vec::new();
        self.output.move_into(&mut output, usize::MAX);
        output
    }

    fn release_input_if_empty(&mut self) {
        if self.input_start == self.input.len() && self.input.capacity() > KEEP_BUFFER_CAPACITY {
            self.input = Vec::new();
            self.input_start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encode_frame;
    use crate::dissect::Direction;

    fn client_frame(opcode: Opcode, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_frame(opcode, payload, Some([1, 2, 3, 4]), &mut out);
        out
    }

    fn server() -> Connection {
        Connection::new(Role::Server, Limits::default())
    }

    /// Decodes the server's output with a client-side connection.
    fn frames_sent_by(server: &mut Connection) -> Vec<Event> {
        let mut client = Connection::new(Role::Client, Limits::default());
        client.receive(&server.take_output());
        let mut events = Vec::new();
        while let Ok(Some(event)) = client.next_event() {
            events.push(event);
        }
        events
    }

    #[test]
    fn a_text_frame_becomes_an_event() {
        let mut connection = server();
        connection.receive(&client_frame(Opcode::Text, b"Hello"));
        assert_eq!(
            connection.next_event(),
            Ok(Some(Event::Text("Hello".into())))
        );
        assert_eq!(connection.next_event(), Ok(None));
    }

    #[test]
    fn bytes_can_arrive_one_at_a_time() {
        let mut connection = server();
        let frame = client_frame(Opcode::Binary, &[7; 300]);
        for (index, byte) in frame.iter().enumerate() {
            connection.receive(&[*byte]);
            let event = connection.next_event().unwrap();
            if index + 1 < frame.len() {
                assert_eq!(event, None);
            } else {
                assert_eq!(event, Some(Event::Binary(vec![7; 300])));
            }
        }
    }

    #[test]
    fn pings_are_answered_with_pongs() {
        let mut connection = server();
        connection.receive(&client_frame(Opcode::Ping, b"are you there"));
        assert_eq!(
            connection.next_event(),
            Ok(Some(Event::Ping(b"are you there".to_vec())))
        );
        assert_eq!(
            frames_sent_by(&mut connection),
            [Event::Pong(b"are you there".to_vec())]
        );
    }

    #[test]
    fn a_close_is_echoed_and_closes() {
        let mut connection = server();
        connection.receive(&client_frame(
            Opcode::Close,
            &close_payload(CloseCode::from(4000), "bye"),
        ));
        let frame = CloseFrame {
            code: CloseCode::from(4000),
            reason: "bye".into(),
        };
        assert_eq!(connection.next_event(), Ok(Some(Event::Close(Some(frame)))));
        assert_eq!(connection.state(), State::ClosedByPeer);
        let reply = CloseFrame {
            code: CloseCode::from(4000),
            reason: "bye".into(),
        };
        assert_eq!(
            frames_sent_by(&mut connection),
            [Event::Close(Some(reply))],
            "the code and the reason come back"
        );
    }

    #[test]
    fn protocol_errors_queue_the_right_close_code() {
        let mut unmasked = Vec::new();
        encode_frame(Opcode::Text, b"hi", None, &mut unmasked);
        let mut bad_utf8 = client_frame(Opcode::Text, b"\xff");
        let cases: Vec<(Vec<u8>, CloseCode)> = vec![
            (unmasked, CloseCode::ProtocolError),
            (
                client_frame(Opcode::Reserved(3), b""),
                CloseCode::ProtocolError,
            ),
            (
                client_frame(Opcode::Ping, &[0; 126]),
                CloseCode::ProtocolError,
            ),
            (
                client_frame(Opcode::Continuation, b"x"),
                CloseCode::ProtocolError,
            ),
            (std::mem::take(&mut bad_utf8), CloseCode::InvalidPayload),
            (client_frame(Opcode::Close, &[3]), CloseCode::ProtocolError),
            (
                client_frame(Opcode::Close, &1005u16.to_be_bytes()),
                CloseCode::ProtocolError,
            ),
        ];
        for (bytes, code) in cases {
            let mut connection = server();
            connection.receive(&bytes);
            let error = connection.next_event().unwrap_err();
            assert_eq!(error.close_code(), code, "{error}");
            // A broken close frame ends it; any other broken rule waits for the peer's close.
            let expected = if error.leaves_framing_intact() {
                State::ClosedByUs
            } else {
                State::Failed
            };
            assert_eq!(connection.state(), expected, "{error}");
            assert_eq!(connection.close_sent().map(|frame| frame.code), Some(code));
            match frames_sent_by(&mut connection).as_slice() {
                [Event::Close(Some(frame))] => assert_eq!(frame.code, code),
                other => panic!("expected one close frame, got {other:?}"),
            }
        }
    }

    #[test]
    fn after_a_failure_only_the_peers_close_is_read() {
        let mut connection = Connection::new(Role::Server, Limits::with_max_message(10));
        // A message over the limit, then (unread) more data and a ping, then the close.
        let mut bytes = client_frame(Opcode::Binary, &[0; 20]);
        bytes.extend(client_frame(Opcode::Text, b"\xff not even UTF-8"));
        bytes.extend(client_frame(Opcode::Ping, b"p"));
        bytes.extend(client_frame(
            Opcode::Close,
            &close_payload(CloseCode::MessageTooBig, ""),
        ));
        connection.receive(&bytes[..6]);
        assert!(matches!(
            connection.next_event(),
            Err(ProtocolError::MessageTooBig { .. })
        ));
        assert_eq!(connection.state(), State::ClosedByUs);
        connection.receive(&bytes[6..]);
        assert!(matches!(connection.next_event(), Ok(Some(Event::Close(_)))));
        assert_eq!(connection.state(), State::CloseAcknowledged);
        match frames_sent_by(&mut connection).as_slice() {
            [Event::Close(Some(frame))] => assert_eq!(frame.code, CloseCode::MessageTooBig),
            other => panic!("expected our one close frame, no pong, got {other:?}"),
        }
    }

    #[test]
    fn a_close_frame_too_long_is_still_the_peers_close() {
        let mut connection = server();
        connection.receive(&client_frame(Opcode::Close, &[b'x'; 126]));
        assert_eq!(
            connection.next_event(),
            Err(ProtocolError::ControlFrameTooLong(126))
        );
        assert_eq!(
            connection.state(),
            State::Failed,
            "nothing more to wait for"
        );
    }

    #[test]
    fn a_broken_length_ends_reading_at_once() {
        let mut connection = server();
        let mut header = vec![0x82, 0xFF];
        header.extend_from_slice(&u64::MAX.to_be_bytes());
        header.extend_from_slice(&[1, 2, 3, 4]);
        connection.receive(&header);
        assert_eq!(connection.next_event(), Err(ProtocolError::LengthTopBitSet));
        assert_eq!(connection.state(), State::Failed);
    }

    #[test]
    fn a_manual_close_reply_waits_for_the_server() {
        let mut connection = server();
        connection.set_close_reply(CloseReply::Manual);
        connection.receive(&client_frame(
            Opcode::Close,
            &close_payload(CloseCode::Normal, "bye"),
        ));
        assert!(matches!(connection.next_event(), Ok(Some(Event::Close(_)))));
        assert!(connection.pending_output().is_empty());
        connection.reply_to_close("described");
        connection.reply_to_close("only once");
        match frames_sent_by(&mut connection).as_slice() {
            [Event::Close(Some(frame))] => {
                assert_eq!(
                    (frame.code, frame.reason.as_str()),
                    (CloseCode::Normal, "described")
                )
            }
            other => panic!("expected one close frame, got {other:?}"),
        }
    }

    #[test]
    fn rsv_bits_are_refused() {
        let mut frame = client_frame(Opcode::Text, b"x");
        frame[0] |= 0x40;
        let mut connection = server();
        connection.receive(&frame);
        assert_eq!(connection.next_event(), Err(ProtocolError::ReservedBitsSet));
    }

    #[test]
    fn a_huge_length_is_refused_without_allocating() {
        let mut connection = server();
        let mut header = Vec::new();
        FrameHeader::new(Opcode::Binary, 1 << 40, Some([0; 4])).encode(&mut header);
        connection.receive(&header);
        let error = connection.next_event().unwrap_err();
        assert_eq!(error.close_code(), CloseCode::MessageTooBig);
    }

    #[test]
    fn a_frame_over_max_frame_is_refused_even_within_max_message() {
        let limits = Limits {
            max_message: 1000,
            max_frame: 10,
        };
        let mut connection = Connection::new(Role::Server, limits);
        connection.receive(&client_frame(Opcode::Binary, &[0; 11]));
        let error = connection.next_event().unwrap_err();
        assert_eq!(
            error,
            ProtocolError::FrameTooBig {
                size: 11,
                limit: 10
            }
        );
        assert_eq!(error.close_code(), CloseCode::MessageTooBig);
    }

    #[test]
    fn control_frames_may_interleave_fragments() {
        let mut connection = server();
        let mut bytes = Vec::new();
        encode_fragment(Opcode::Text, false, b"Hello, ", Some([9; 4]), &mut bytes);
        bytes.extend(client_frame(Opcode::Ping, b"p"));
        encode_fragment(
            Opcode::Continuation,
            true,
            b"World",
            Some([9; 4]),
            &mut bytes,
        );
        connection.receive(&bytes);
        assert_eq!(
            connection.next_event(),
            Ok(Some(Event::Ping(b"p".to_vec())))
        );
        assert_eq!(
            connection.next_event(),
            Ok(Some(Event::Text("Hello, World".into())))
        );
    }

    #[test]
    fn invalid_utf8_fails_before_the_frame_is_complete() {
        let mut connection = server();
        let frame = client_frame(Opcode::Text, b"abc\xf4\x90\x80\x80 and much more text");
        connection.receive(&frame[..6 + 5]); // header + "abc" + f4 90
        assert_eq!(connection.next_event(), Err(ProtocolError::InvalidUtf8));
    }

    #[test]
    fn closing_waits_for_the_peers_close() {
        let mut connection = server();
        connection.close(CloseCode::GoingAway, "shutting down");
        assert_eq!(connection.state(), State::ClosedByUs);
        assert_eq!(
            connection.close_sent().map(|frame| frame.code),
            Some(CloseCode::GoingAway)
        );
        connection.send_text("not sent");
        let sent = frames_sent_by(&mut connection);
        assert_eq!(sent.len(), 1);
        connection.receive(&client_frame(
            Opcode::Close,
            &close_payload(CloseCode::GoingAway, ""),
        ));
        assert!(matches!(connection.next_event(), Ok(Some(Event::Close(_)))));
        assert_eq!(connection.state(), State::CloseAcknowledged);
        assert!(
            connection.pending_output().is_empty(),
            "no second close frame"
        );
    }

    #[test]
    fn dissections_cover_both_directions() {
        let mut connection = server();
        connection.record_dissections();
        connection.receive(&client_frame(Opcode::Text, b"Hello"));
        let Ok(Some(Event::Text(text))) = connection.next_event() else {
            panic!("expected text");
        };
        connection.send_text(&text);
        let dissections = connection.take_dissections();
        assert_eq!(dissections.len(), 2);
        assert_eq!(dissections[0].direction, Direction::Received);
        assert_eq!(dissections[1].direction, Direction::Sent);
        assert_eq!(dissections[1].payload, b"Hello");
    }

    #[test]
    fn output_stays_bounded_when_the_peer_never_catches_up() {
        let mut connection = server();
        let message = vec![5u8; 64 * 1024];
        for _ in 0..1000 {
            connection.send_binary(&message);
            // The peer takes a little less than we queue: the output never empties, and
            // what it holds must be what waits, not everything ever sent.
            let mut to_take = message.len() - 10;
            while to_take > 0 {
                let piece = connection.pending_output().len().min(to_take);
                connection.consume_output(piece);
                to_take -= piece;
            }
            assert!(
                connection.buffered_amount() < 1024 * 1024,
                "the output grew to {} bytes",
                connection.buffered_amount()
            );
        }
        assert!(!connection.pending_output().is_empty());
    }

    #[test]
    fn an_encoded_message_goes_to_many_connections() {
        let message = EncodedMessage::text("to everyone");
        for _ in 0..3 {
            let mut connection = server();
            connection.send_encoded(&message);
            assert_eq!(
                frames_sent_by(&mut connection),
                [Event::Text("to everyone".into())]
            );
        }
        let mut client = Connection::new(Role::Client, Limits::default());
        client.send_encoded(&message);
        let mut peer = server();
        peer.receive(&client.take_output());
        assert_eq!(
            peer.next_event(),
            Ok(Some(Event::Text("to everyone".into()))),
            "a client masks the shared message anew"
        );
    }

    #[test]
    fn a_slow_peer_is_closed_behind_the_frame_being_written() {
        let mut connection = server();
        connection.send_binary(&[1; 100]);
        connection.send_encoded(&EncodedMessage::binary(&[2; 100]));
        connection.consume_output(10);
        connection.close_discarding_output(CloseCode::PolicyViolation, "too slow");
        connection.close_discarding_output(CloseCode::GoingAway, "a second close");
        let rest = connection.take_output();
        let mut bytes = vec![0; 10];
        bytes.extend(rest);
        let mut client = Connection::new(Role::Client, Limits::default());
        let mut head = Vec::new();
        encode_frame(Opcode::Binary, &[1; 100], None, &mut head);
        bytes[..10].copy_from_slice(&head[..10]);
        client.receive(&bytes);
        assert_eq!(client.next_event(), Ok(Some(Event::Binary(vec![1; 100]))));
        match client.next_event() {
            Ok(Some(Event::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::PolicyViolation)
            }
            other => panic!("expected the close frame, got {other:?}"),
        }
        assert_eq!(connection.state(), State::ClosedByUs);
    }

    #[test]
    fn an_idle_connection_stays_small() {
        // Servers keep one per client: 10,000 idle clients should cost a few MiB, not more.
        let size = std::mem::size_of::<Connection>();
        assert!(size <= 320, "a Connection takes {size} bytes");
    }

    #[test]
    fn output_can_be_consumed_in_pieces() {
        let mut connection = server();
        connection.send_text("abcdef");
        let all = connection.pending_output().to_vec();
        connection.consume_output(3);
        assert_eq!(connection.pending_output(), &all[3..]);
        connection.consume_output(100);
        assert!(connection.pending_output().is_empty());
    }
}
