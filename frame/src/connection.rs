//! The connection state machine: bytes in, events out; calls in, bytes out. It owns every
//! protocol decision after the handshake (masking rules, control frames, fragmentation,
//! UTF-8, limits, the close handshake) and no socket, so a blocking server and a polling
//! server drive the very same code.

use crate::close::{CloseCode, CloseFrame, close_payload, parse_close_payload};
use crate::codec::{FrameHeader, encode_fragment};
use crate::dissect::{Direction, Dissection, SHOWN_PAYLOAD_BYTES};
use crate::error::ProtocolError;
use crate::mask::{apply_mask, random_masking_key};
use crate::message::{Message, MessageAssembler};
use crate::opcode::Opcode;

/// Which end of the connection we are: it decides who masks (section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We accepted the connection: incoming frames must be masked, ours are not.
    Server,
    /// We opened the connection: we mask every frame, incoming frames must not be masked.
    Client,
}

/// Where the connection is in its life (section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We sent a close frame and wait for the peer's (section 7.1.2).
    Closing,
    /// The close handshake is done, or the connection failed: send what is queued, then
    /// close the TCP connection (the server closes first, section 7.1.1).
    Closed,
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
    dissection: Option<Dissection>,
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
    /// Received bytes not yet used; `input_start` marks how far they are used, so that
    /// several frames from one read cost no copying.
    input: Vec<u8>,
    input_start: usize,
    frame: Option<IncomingFrame>,
    max_frame: usize,
    message: MessageAssembler,
    control_payload: Vec<u8>,
    output: Vec<u8>,
    output_start: usize,
    /// `Some` when `--verbose` asked to see every frame.
    dissections: Option<Vec<Dissection>>,
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
            input: Vec::new(),
            input_start: 0,
            frame: None,
            max_frame: limits.max_frame,
            message: MessageAssembler::new(limits.max_message),
            control_payload: Vec::new(),
            output: Vec::new(),
            output_start: 0,
            dissections: None,
        }
    }

    /// Starts recording a [`Dissection`] of every frame in both directions.
    pub fn record_dissections(&mut self) {
        self.dissections.get_or_insert_with(Vec::new);
    }

    /// The dissections recorded since the last call.
    pub fn take_dissections(&mut self) -> Vec<Dissection> {
        self.dissections
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        self.state
    }

    /// Hands the connection bytes read from the socket. Bytes after a close are ignored.
    pub fn receive(&mut self, bytes: &[u8]) {
        if self.state == State::Closed {
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
    /// code is already queued and the state is `Closed`: log the error, send the output,
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
        while self.state != State::Closed {
            if self.frame.is_none() && !self.start_frame()? {
                return Ok(None);
            }
            let frame = self.frame.as_mut().expect("a frame is in progress");
            let remaining = frame.header.payload_len - frame.received;
            let available = (self.input.len() - self.input_start) as u64;
            let take = remaining.min(available) as usize;
            let piece = &mut self.input[self.input_start..self.input_start + take];
            // `--verbose` shows the first bytes as they were on the wire: keep just those.
            let shown_on_wire = frame
                .dissection
                .as_ref()
                .map(|_| piece[..piece.len().min(SHOWN_PAYLOAD_BYTES)].to_vec());
            if let Some(key) = frame.header.masking_key {
                apply_mask(piece, key, frame.received as usize);
            }
            if let (Some(dissection), Some(on_wire)) = (frame.dissection.as_mut(), shown_on_wire) {
                dissection.record_payload(&on_wire, piece);
            }
            if frame.header.opcode.is_control() {
                self.control_payload.extend_from_slice(piece);
            } else {
                self.message.push(piece)?;
            }
            self.input_start += take;
            frame.received += take as u64;
            if frame.received < frame.header.payload_len {
                return Ok(None);
            }
            let finished = self.frame.take().expect("a frame is in progress");
            if let (Some(dissection), Some(list)) = (finished.dissection, self.dissections.as_mut())
            {
                list.push(dissection);
            }
            let header = finished.header;
            if header.opcode.is_control() {
                let payload = std::mem::take(&mut self.control_payload);
                return self.control_event(header.opcode, payload).map(Some);
            }
            if let Some(message) = self.message.end_frame(header.fin)? {
                return Ok(Some(match message {
                    Message::Text(text) => Event::Text(text),
                    Message::Binary(bytes) => Event::Binary(bytes),
                }));
            }
        }
        Ok(None)
    }

    /// Parses and checks the next frame header. Returns false when more bytes are needed.
    fn start_frame(&mut self) -> Result<bool, ProtocolError> {
        let buffered = &self.input[self.input_start..];
        let Some((header, header_len)) = FrameHeader::parse(buffered)? else {
            return Ok(false);
        };
        let dissection = self
            .dissections
            .is_some()
            .then(|| Dissection::new(Direction::Received, header, &buffered[..header_len]));
        self.input_start += header_len;
        self.check_header(&header)?;
        if !header.opcode.is_control() {
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
        self.frame = Some(IncomingFrame {
            header,
            received: 0,
            dissection,
        });
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
    fn control_event(&mut self, opcode: Opcode, payload: Vec<u8>) -> Result<Event, ProtocolError> {
        match opcode {
            Opcode::Ping => {
                if self.state == State::Open {
                    self.queue_frame(Opcode::Pong, &payload);
                }
                Ok(Event::Ping(payload))
            }
            Opcode::Pong => Ok(Event::Pong(payload)),
            Opcode::Close => {
                let close = parse_close_payload(&payload)?;
                if self.state == State::Open {
                    // Echo the peer's code (section 5.5.1); an empty close gets an empty reply.
                    let reply = match &close {
                        Some(frame) => close_payload(frame.code, ""),
                        None => Vec::new(),
                    };
                    self.queue_frame(Opcode::Close, &reply);
                }
                self.state = State::Closed;
                Ok(Event::Close(close))
            }
            other => unreachable!("control_event called with {other}"),
        }
    }

    /// "Fail the WebSocket Connection" (section 7.1.7): send a close with the error's code
    /// unless we already sent one, and stop reading.
    fn fail(&mut self, error: &ProtocolError) {
        if self.state == State::Open {
            let reason = error.to_string();
            self.queue_frame(Opcode::Close, &close_payload(error.close_code(), &reason));
        }
        self.state = State::Closed;
        self.input = Vec::new();
        self.input_start = 0;
        self.frame = None;
    }

    /// Sends a text message. Ignored once the connection is closing: RFC 6455 section
    /// 5.5.1 forbids data frames after a close frame.
    pub fn send_text(&mut self, text: &str) {
        self.send_data(Opcode::Text, text.as_bytes());
    }

    /// Sends a binary message (ignored once closing, like [`Connection::send_text`]).
    pub fn send_binary(&mut self, bytes: &[u8]) {
        self.send_data(Opcode::Binary, bytes);
    }

    /// Sends a ping; the peer answers with a pong carrying the same payload (at most 125
    /// bytes, longer payloads are cut).
    pub fn send_ping(&mut self, payload: &[u8]) {
        if self.state == State::Open {
            self.queue_frame(Opcode::Ping, &payload[..payload.len().min(125)]);
        }
    }

    /// Starts the close handshake: queues a close frame and waits for the peer's.
    pub fn close(&mut self, code: CloseCode, reason: &str) {
        if self.state == State::Open {
            self.queue_frame(Opcode::Close, &close_payload(code, reason));
            self.state = State::Closing;
        }
    }

    fn send_data(&mut self, opcode: Opcode, payload: &[u8]) {
        if self.state == State::Open {
            self.queue_frame(opcode, payload);
        }
    }

    fn queue_frame(&mut self, opcode: Opcode, payload: &[u8]) {
        let masking_key = (self.role == Role::Client).then(random_masking_key);
        let frame_start = self.output.len();
        encode_fragment(opcode, true, payload, masking_key, &mut self.output);
        if let Some(list) = self.dissections.as_mut() {
            let header = FrameHeader::new(opcode, payload.len() as u64, masking_key);
            let header_len = header.encoded_len();
            let header_bytes = &self.output[frame_start..frame_start + header_len];
            let mut dissection = Dissection::new(Direction::Sent, header, header_bytes);
            dissection.record_payload(&self.output[frame_start + header_len..], payload);
            list.push(dissection);
        }
    }

    /// Bytes waiting to be written to the socket.
    pub fn pending_output(&self) -> &[u8] {
        &self.output[self.output_start..]
    }

    /// Reports that the first `written` bytes of [`Connection::pending_output`] were sent.
    pub fn consume_output(&mut self, written: usize) {
        self.output_start = (self.output_start + written).min(self.output.len());
        if self.output_start == self.output.len() {
            if self.output.capacity() > KEEP_BUFFER_CAPACITY {
                self.output = Vec::new();
            } else {
                self.output.clear();
            }
            self.output_start = 0;
        } else if self.output_start > KEEP_BUFFER_CAPACITY
            && self.output_start >= self.output.len() / 2
        {
            // A peer that reads slower than we queue never lets the output empty: without
            // this, the bytes already sent would stay at the front and the buffer would grow
            // by everything ever sent. Moving the unsent half down costs at most as much as
            // sending it did.
            self.output.drain(..self.output_start);
            self.output_start = 0;
        }
    }

    /// Takes all pending output at once, for servers that hand bytes to a writer thread.
    pub fn take_output(&mut self) -> Vec<u8> {
        let mut output = std::mem::take(&mut self.output);
        output.drain(..self.output_start);
        self.output_start = 0;
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
        assert_eq!(connection.state(), State::Closed);
        let reply = CloseFrame {
            code: CloseCode::from(4000),
            reason: String::new(),
        };
        assert_eq!(frames_sent_by(&mut connection), [Event::Close(Some(reply))]);
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
            assert_eq!(connection.state(), State::Closed);
            match frames_sent_by(&mut connection).as_slice() {
                [Event::Close(Some(frame))] => assert_eq!(frame.code, code),
                other => panic!("expected one close frame, got {other:?}"),
            }
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
        assert_eq!(connection.state(), State::Closing);
        connection.send_text("not sent");
        let sent = frames_sent_by(&mut connection);
        assert_eq!(sent.len(), 1);
        connection.receive(&client_frame(
            Opcode::Close,
            &close_payload(CloseCode::GoingAway, ""),
        ));
        assert!(matches!(connection.next_event(), Ok(Some(Event::Close(_)))));
        assert_eq!(connection.state(), State::Closed);
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
            // The peer takes a little less than we queue: the output never empties.
            let pending = connection.pending_output().len();
            connection.consume_output(pending.saturating_sub(100_000).max(message.len() - 10));
            assert!(
                connection.output.capacity() < 1024 * 1024,
                "the output buffer grew to {} bytes",
                connection.output.capacity()
            );
        }
        assert!(!connection.pending_output().is_empty());
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
