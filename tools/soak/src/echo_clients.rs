//! The echo side of the soak: each client is a thread that connects, checks the
//! `Request served by <id>` greeting, sends text and binary messages from 0 B to 1 MiB
//! (one at a time, or a few at once), and compares every echo with what it sent, byte
//! for byte and in order. Sessions end cleanly or abruptly, and the client reconnects.

use std::collections::VecDeque;
use std::time::Instant;

use frame::Opcode;
use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;

use crate::dice::Dice;
use crate::problems::{Counter, Problems};
use crate::session::{self, Departure, Sessions, Socket, nap};

/// The largest message: 1 MiB, as the issue asks.
pub const MAX_ECHO: usize = 1024 * 1024;

/// In a burst, several messages are written before any echo is read. Kept small, so
/// that a burst always fits in the socket buffers and the server's output cap: a
/// client that writes megabytes without reading would block the server's backpressure
/// against itself.
const BURST_MESSAGE_MAX: usize = 16 * 1024;

/// Where the echo clients connect, and what the first message must say.
pub struct EchoTarget {
    /// `ws://HOST:PORT/`.
    pub url: String,
    /// `Request served by <id>`, from the server's start-up line.
    pub greeting: String,
}

/// What the echo clients counted.
#[derive(Default)]
pub struct EchoTally {
    /// Echoes that matched what was sent.
    pub messages: Counter,
    /// Their payload bytes.
    pub bytes: Counter,
    /// Echoes that never came (the connection failed or closed first).
    pub lost: Counter,
    /// Echoes that came back different.
    pub corrupted: Counter,
    /// An echo that came twice.
    pub duplicated: Counter,
    /// An echo that overtook an earlier one.
    pub out_of_order: Counter,
}

/// Everything one echo client thread needs.
pub struct EchoClient<'a> {
    /// The client's number, for reports.
    pub number: usize,
    /// The client's own dice.
    pub dice: Dice,
    /// Where to connect.
    pub target: &'a EchoTarget,
    /// When the soak ends: the client closes cleanly and stops.
    pub stop_at: Instant,
    /// What the echo clients counted.
    pub tally: &'a EchoTally,
    /// How sessions started and ended.
    pub sessions: &'a Sessions,
    /// Where failures go.
    pub problems: &'a Problems,
}

impl EchoClient<'_> {
    /// Runs sessions, one after another, until the soak ends.
    pub fn run(mut self) {
        while Instant::now() < self.stop_at {
            self.one_session();
            nap(&mut self.dice, 0, 300, self.stop_at);
        }
    }

    fn report(&self, what: String) {
        self.problems
            .report(format!("echo client {}: {what}", self.number));
    }

    fn one_session(&mut self) {
        let mut socket = match session::connect(&self.target.url) {
            Ok(socket) => socket,
            Err(error) => return self.report(format!("cannot connect: {error}")),
        };
        self.sessions.opened.bump();
        match read_message(&mut socket) {
            Ok(Message::Text(text)) if text.as_str() == self.target.greeting => {}
            Ok(other) => {
                self.tally.corrupted.bump();
                return self.report(format!(
                    "the first message was {}, not {:?}",
                    describe(&other),
                    self.target.greeting
                ));
            }
            Err(error) => {
                self.tally.lost.bump();
                return self.report(format!("no greeting: {error}"));
            }
        }
        let end = (Instant::now() + self.dice.millis(1_000, 20_000)).min(self.stop_at);
        while Instant::now() < end {
            let messages = if self.dice.chance(10) {
                let count = self.dice.size(2, 8);
                (0..count)
                    .map(|_| {
                        let size = self.dice.size(0, BURST_MESSAGE_MAX);
                        self.message(size)
                    })
                    .collect()
            } else {
                let size = echo_size(&mut self.dice);
                vec![self.message(size)]
            };
            if !self.exchange(&mut socket, messages) {
                return; // Reported; the connection is abandoned.
            }
            nap(&mut self.dice, 100, 900, end);
        }
        let departure = if Instant::now() >= self.stop_at {
            Departure::Clean
        } else {
            Departure::choose(&mut self.dice)
        };
        match departure {
            Departure::Clean => self.close_cleanly(&mut socket),
            Departure::Vanish => {
                self.sessions.abrupt.bump();
                if self.dice.chance(50) {
                    // Vanish with a large echo on its way back: the server's writes fail.
                    let size = self.dice.size(64 * 1024, MAX_ECHO);
                    let _ = socket.send(self.message(size));
                }
            }
            Departure::VanishMidFrame => {
                self.sessions.abrupt.bump();
                self.sessions.mid_frame.bump();
                let opcode = self.dice.pick(&[Opcode::Text, Opcode::Binary]);
                session::vanish_mid_frame(socket, &mut self.dice, opcode, MAX_ECHO);
            }
        }
    }

    /// A text or binary message of `size` bytes.
    fn message(&mut self, size: usize) -> Message {
        if self.dice.chance(50) {
            Message::text(self.dice.text(size))
        } else {
            Message::binary(self.dice.bytes(size))
        }
    }

    /// Sends `messages`, then reads one echo for each and checks it. False (after a
    /// report) if anything was wrong.
    fn exchange(&self, socket: &mut Socket, messages: Vec<Message>) -> bool {
        for message in &messages {
            // Messages share their payload with the copy kept for checking: cheap clones.
            if let Err(error) = socket.send(message.clone()) {
                self.tally.lost.add(messages.len() as u64);
                self.report(format!("cannot send {}: {error}", describe(message)));
                return false;
            }
        }
        let mut pending = VecDeque::from(messages);
        let mut last_verified: Option<Message> = None;
        while let Some(expected) = pending.front() {
            let echoed = match read_message(socket) {
                Ok(Message::Close(frame)) => {
                    self.tally.lost.add(pending.len() as u64);
                    self.report(format!(
                        "the server closed ({frame:?}) with {} echo(es) to come",
                        pending.len()
                    ));
                    return false;
                }
                Ok(message) => message,
                Err(error) => {
                    self.tally.lost.add(pending.len() as u64);
                    self.report(format!(
                        "waiting for the echo of {}: {error}",
                        describe(expected)
                    ));
                    return false;
                }
            };
            if echoed == *expected {
                self.tally.messages.bump();
                self.tally.bytes.add(echoed.len() as u64);
                last_verified = pending.pop_front();
                continue;
            }
            let what = if pending.iter().skip(1).any(|later| *later == echoed) {
                self.tally.out_of_order.bump();
                "a later message's echo"
            } else if last_verified.as_ref() == Some(&echoed) {
                self.tally.duplicated.bump();
                "the previous echo again"
            } else {
                self.tally.corrupted.bump();
                "a corrupted echo"
            };
            self.report(format!(
                "expected the echo of {}, got {what}: {}",
                describe(expected),
                difference(expected, &echoed)
            ));
            return false;
        }
        true
    }

    /// Close 1000; the echo server must echo the code back (RFC 6455 section 5.5.1).
    fn close_cleanly(&self, socket: &mut Socket) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "soak: goodbye".into(),
        };
        if let Err(error) = socket.close(Some(frame)) {
            return self.report(format!("cannot send close 1000: {error}"));
        }
        match read_message(socket) {
            Ok(Message::Close(Some(reply))) if reply.code == CloseCode::Normal => {
                self.sessions.clean.bump();
            }
            Ok(other) => self.report(format!(
                "answered close 1000 with {}, not close 1000",
                describe(&other)
            )),
            Err(error) => self.report(format!("no answer to close 1000: {error}")),
        }
    }
}

/// The next text, binary or close message (tungstenite answers pings by itself).
fn read_message(socket: &mut Socket) -> Result<Message, tungstenite::Error> {
    loop {
        match socket.read()? {
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            message => return Ok(message),
        }
    }
}

/// Mostly small messages, some large, and now and then exactly a size at one of the
/// RFC's length-form edges (125/126: 7-bit to 16-bit; 65535/65536: 16-bit to 64-bit).
fn echo_size(dice: &mut Dice) -> usize {
    const EDGES: [usize; 9] = [0, 1, 125, 126, 127, 65_535, 65_536, 65_537, MAX_ECHO];
    match dice.between(0, 999) {
        0..=39 => dice.pick(&EDGES),
        40..=439 => dice.size(0, 125),
        440..=739 => dice.size(126, 4 * 1024),
        740..=919 => dice.size(4 * 1024, 64 * 1024 + 64),
        920..=984 => dice.size(64 * 1024, 256 * 1024),
        _ => dice.size(256 * 1024, MAX_ECHO),
    }
}

/// `text of 1234 bytes`, `binary of 0 bytes`, `close 1000`.
fn describe(message: &Message) -> String {
    match message {
        Message::Text(text) => format!("text of {} bytes", text.len()),
        Message::Binary(bytes) => format!("binary of {} bytes", bytes.len()),
        Message::Close(Some(frame)) => format!("close {}", u16::from(frame.code)),
        Message::Close(None) => "close without a code".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Where two messages first differ, for the report.
fn difference(expected: &Message, got: &Message) -> String {
    let (expected_bytes, got_bytes) = (expected.clone().into_data(), got.clone().into_data());
    let first_difference = expected_bytes
        .iter()
        .zip(got_bytes.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(expected_bytes.len().min(got_bytes.len()));
    format!(
        "sent {}, got {}; first difference at byte {first_difference}",
        describe(expected),
        describe(got)
    )
}
