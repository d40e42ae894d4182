//! The chat side of the soak: each client is a thread that joins under a name, sends
//! numbered lines (`<session>.<seq>.<length>.<padding>`, so every line says who sent it
//! and where it stands in that sender's sequence) and records every line it receives, in
//! order, for the audit. Sessions end cleanly or abruptly and the client rejoins, under a
//! fresh name or the same one (the server adds a numeric suffix while the old is taken).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use frame::Opcode;
use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;

use crate::dice::Dice;
use crate::problems::{Counter, Problems};
use crate::session::{self, Departure, IO_TIMEOUT, Sessions, Socket, is_timeout, nap};

/// A chat name, interned: the audit compares numbers, not strings.
pub type NameId = u32;

/// A chat session's number, unique for the run; senders put it in every line.
pub type SessionId = u32;

/// How long one read waits before the client looks whether a line is due: the lines'
/// send times are this coarse, and the read timeout is set once per session, not per read.
const RECEIVE_POLL: Duration = Duration::from_millis(20);

/// The largest padding in a chat line. Chat lines stay well below the echo side's 1 MiB:
/// each is copied into every member's outbox (1 MiB by default, overflow means close
/// 1008), so 50 members and megabyte lines would measure eviction, not delivery. The
/// server gets a `--max-message` with room to spare.
pub const MAX_PADDING: usize = 60 * 1024;

/// One line a client received, reduced to what the audit needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// `Server: New User(<name>) in Chat!`
    Joined(NameId),
    /// `Server: <name> left the chat`
    Left(NameId),
    /// `<name>: <session>.<seq>.<length>.<padding>`
    Chat {
        /// Who sent it.
        session: SessionId,
        /// Its number in that sender's sequence, from 1.
        seq: u32,
    },
}

/// How a chat session ended, as the client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// We sent close 1000 and the server answered: every line we sent was received.
    Clean,
    /// We dropped the connection (maybe mid-frame): lines we sent last may be lost.
    Vanished,
    /// The server closed first (a slow client is closed with 1008), or the connection
    /// failed: reported as a problem.
    Failed,
}

/// Everything one chat session saw, handed to the audit when it ends.
#[derive(Debug)]
pub struct SessionRecord {
    /// This session.
    pub session: SessionId,
    /// The name the greeting gave it.
    pub name: NameId,
    /// Every line after the greeting, in the order received.
    pub lines: Vec<Line>,
    /// How many lines it sent (numbered 1 to `sent`).
    pub sent: u32,
    /// How it ended.
    pub ending: Ending,
}

/// Who is who: names as numbers, and each session's name (a receiver checks that the
/// server put the sender's real name in front of each line).
#[derive(Default)]
pub struct Roster {
    names: Mutex<HashMap<String, NameId>>,
    spelled: RwLock<Vec<String>>,
    sessions: RwLock<Vec<(String, NameId)>>,
}

impl Roster {
    /// The number for `name`, the same every time.
    pub fn intern(&self, name: &str) -> NameId {
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&id) = names.get(name) {
            return id;
        }
        let mut spelled = self.spelled.write().unwrap_or_else(PoisonError::into_inner);
        let id = spelled.len() as NameId;
        spelled.push(name.to_owned());
        names.insert(name.to_owned(), id);
        id
    }

    /// The name behind a number.
    pub fn spell(&self, id: NameId) -> String {
        let spelled = self.spelled.read().unwrap_or_else(PoisonError::into_inner);
        spelled.get(id as usize).cloned().unwrap_or_default()
    }

    /// A new session called `name` (as the greeting said).
    fn register(&self, name: &str) -> (SessionId, NameId) {
        let name_id = self.intern(name);
        let mut sessions = self
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        sessions.push((name.to_owned(), name_id));
        ((sessions.len() - 1) as SessionId, name_id)
    }

    /// The name of session `session`, if it exists.
    pub fn name_of(&self, session: SessionId) -> Option<NameId> {
        let sessions = self.sessions.read().unwrap_or_else(PoisonError::into_inner);
        sessions.get(session as usize).map(|(_, id)| *id)
    }

    /// Checks that a line from `session` came under that session's name.
    fn check_sender(&self, session: SessionId, name: &str) -> Result<(), String> {
        let sessions = self.sessions.read().unwrap_or_else(PoisonError::into_inner);
        match sessions.get(session as usize) {
            Some((real_name, _)) if real_name == name => Ok(()),
            Some((real_name, _)) => Err(format!(
                "a line of session {session} under the name {name:?}, not {real_name:?}"
            )),
            None => Err(format!(
                "a line from session {session}, which does not exist"
            )),
        }
    }
}

/// What the chat clients counted as they went (the audit counts the rest).
#[derive(Default)]
pub struct ChatTally {
    /// Lines sent.
    pub sent: Counter,
    /// Lines that did not read as a notice or a well-formed chat line from its sender.
    pub corrupted: Counter,
}

/// What every chat client thread shares.
pub struct ChatShared {
    /// `ws://HOST:PORT/`.
    pub url: String,
    /// When the soak ends.
    pub stop_at: Instant,
    /// Who is who.
    pub roster: Roster,
    /// What the clients counted.
    pub tally: ChatTally,
    /// How sessions started and ended.
    pub sessions: Sessions,
    /// Every finished session, for the audit.
    pub records: Mutex<Vec<SessionRecord>>,
}

/// One chat client thread.
pub struct ChatClient<'a> {
    /// The client's number, part of its names.
    pub number: usize,
    /// Its own dice.
    pub dice: Dice,
    /// What all chat clients share.
    pub shared: &'a ChatShared,
    /// Where failures go.
    pub problems: &'a Problems,
}

impl ChatClient<'_> {
    /// Runs sessions until the soak ends.
    pub fn run(mut self) {
        let mut generation = 0;
        let mut wish = format!("c{:02}", self.number);
        while Instant::now() < self.shared.stop_at {
            if let Some(record) = self.one_session(&wish) {
                let mut records = self
                    .shared
                    .records
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                records.push(record);
            }
            if self.dice.chance(50) {
                generation += 1;
                wish = format!("c{:02}g{generation}", self.number);
            }
            nap(&mut self.dice, 0, 300, self.shared.stop_at);
        }
    }

    fn report(&self, what: String) {
        self.problems
            .report(format!("chat client {}: {what}", self.number));
    }

    fn one_session(&mut self, wish: &str) -> Option<SessionRecord> {
        let url = format!("{}?name={wish}", self.shared.url);
        let mut socket = match session::connect(&url) {
            Ok(socket) => socket,
            Err(error) => {
                self.report(format!("cannot connect as {wish}: {error}"));
                return None;
            }
        };
        self.shared.sessions.opened.bump();
        let name = match socket.read() {
            Ok(Message::Text(text)) => {
                match text.strip_prefix("Server: Hello! Welcome to Chat, ") {
                    Some(name) => name.to_owned(),
                    None => {
                        self.shared.tally.corrupted.bump();
                        self.report(format!("the first line was {text:?}, not the greeting"));
                        return None;
                    }
                }
            }
            other => {
                self.report(format!("no greeting: {other:?}"));
                return None;
            }
        };
        let (session, name_id) = self.shared.roster.register(&name);
        let mut record = SessionRecord {
            session,
            name: name_id,
            lines: Vec::new(),
            sent: 0,
            ending: Ending::Failed,
        };
        if let Err(error) = socket.get_mut().set_read_timeout(Some(RECEIVE_POLL)) {
            self.report(format!("{name}: cannot set a read timeout: {error}"));
            return Some(record);
        }
        let stop_at = self.shared.stop_at;
        let end = (Instant::now() + self.dice.millis(1_000, 15_000)).min(stop_at);
        let mut next_send = Instant::now() + self.dice.millis(0, 100);
        loop {
            let now = Instant::now();
            if now >= end {
                break;
            }
            if now >= next_send {
                let line = chat_text(&mut self.dice, session, record.sent + 1);
                if let Err(error) = socket.send(Message::text(line)) {
                    self.report(format!("{name}: cannot send: {error}"));
                    return Some(record);
                }
                record.sent += 1;
                self.shared.tally.sent.bump();
                next_send = now + self.dice.millis(100, 500);
                continue;
            }
            if !self.receive(&mut socket, &mut record, &name) {
                return Some(record);
            }
        }
        let departure = if Instant::now() >= stop_at {
            Departure::Clean
        } else {
            Departure::choose(&mut self.dice)
        };
        match departure {
            Departure::Clean => self.close_cleanly(&mut socket, &mut record, &name),
            Departure::Vanish => {
                self.shared.sessions.abrupt.bump();
                record.ending = Ending::Vanished;
            }
            Departure::VanishMidFrame => {
                self.shared.sessions.abrupt.bump();
                self.shared.sessions.mid_frame.bump();
                record.ending = Ending::Vanished;
                session::vanish_mid_frame(socket, &mut self.dice, Opcode::Text, MAX_PADDING);
            }
        }
        Some(record)
    }

    /// Reads one message (waiting at most `RECEIVE_POLL`) into the record. False when
    /// the session is over: the server closed it or the connection failed (reported).
    fn receive(&self, socket: &mut Socket, record: &mut SessionRecord, name: &str) -> bool {
        match socket.read() {
            Ok(Message::Text(text)) => {
                match read_line(&text, &self.shared.roster) {
                    Ok(line) => record.lines.push(line),
                    Err(why) => {
                        self.shared.tally.corrupted.bump();
                        self.report(format!("{name} received {why}"));
                    }
                }
                true
            }
            Ok(Message::Close(frame)) => {
                self.report(format!("{name}: the server closed the session: {frame:?}"));
                false
            }
            Ok(Message::Binary(bytes)) => {
                self.shared.tally.corrupted.bump();
                self.report(format!("{name} received binary of {} bytes", bytes.len()));
                true
            }
            Ok(_) => true, // Ping, pong: tungstenite answers pings itself.
            Err(error) if is_timeout(&error) => true,
            Err(error) => {
                self.report(format!("{name}: the connection failed: {error}"));
                false
            }
        }
    }

    /// Close 1000 and keep reading until the server's close: every line the server
    /// queued for us before our close arrives first, and the audit needs them all.
    fn close_cleanly(&self, socket: &mut Socket, record: &mut SessionRecord, name: &str) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "soak: goodbye".into(),
        };
        if let Err(error) = socket.close(Some(frame)) {
            return self.report(format!("{name}: cannot send close 1000: {error}"));
        }
        if let Err(error) = socket.get_mut().set_read_timeout(Some(IO_TIMEOUT)) {
            return self.report(format!("{name}: cannot set a read timeout: {error}"));
        }
        let deadline = Instant::now() + IO_TIMEOUT;
        while Instant::now() < deadline {
            match socket.read() {
                Ok(Message::Close(Some(reply))) if reply.code == CloseCode::Normal => {
                    record.ending = Ending::Clean;
                    self.shared.sessions.clean.bump();
                    return;
                }
                Ok(Message::Close(other)) => {
                    return self.report(format!("{name}: answered close 1000 with {other:?}"));
                }
                Ok(Message::Text(text)) => match read_line(&text, &self.shared.roster) {
                    Ok(line) => record.lines.push(line),
                    Err(why) => {
                        self.shared.tally.corrupted.bump();
                        self.report(format!("{name} received {why}"));
                    }
                },
                Ok(_) => {}
                Err(error) => {
                    return self.report(format!("{name}: no answer to close 1000: {error}"));
                }
            }
        }
        self.report(format!(
            "{name}: no answer to close 1000 within {} s",
            IO_TIMEOUT.as_secs()
        ));
    }
}

/// `<session>.<seq>.<length>.<padding>`: mostly short lines, some of a few KiB, a few
/// near `MAX_PADDING`. The padding is one letter chosen by session and number, so a line
/// that arrives mangled or spliced from two others does not pass for a good one.
fn chat_text(dice: &mut Dice, session: SessionId, seq: u32) -> String {
    let length = match dice.between(0, 99) {
        0..=69 => dice.size(0, 32),
        70..=94 => dice.size(33, 1024),
        95..=98 => dice.size(1025, 16 * 1024),
        _ => dice.size(16 * 1024, MAX_PADDING),
    };
    let letter = padding_letter(session, seq);
    format!(
        "{session}.{seq}.{length}.{}",
        letter.to_string().repeat(length)
    )
}

fn padding_letter(session: SessionId, seq: u32) -> char {
    char::from(b'a' + ((session as u64 * 7 + seq as u64) % 26) as u8)
}

/// Turns one received text into a `Line`, or says what is wrong with it.
fn read_line(text: &str, roster: &Roster) -> Result<Line, String> {
    if let Some(notice) = text.strip_prefix("Server: ") {
        if let Some(name) = notice
            .strip_prefix("New User(")
            .and_then(|rest| rest.strip_suffix(") in Chat!"))
        {
            return Ok(Line::Joined(roster.intern(name)));
        }
        if let Some(name) = notice.strip_suffix(" left the chat") {
            return Ok(Line::Left(roster.intern(name)));
        }
        return Err(format!("an unexpected notice {text:?}"));
    }
    let shown = || text.chars().take(80).collect::<String>();
    let (name, body) = text
        .split_once(": ")
        .ok_or_else(|| format!("a line without a name: {:?}", shown()))?;
    let mut parts = body.splitn(4, '.');
    let mut number = || parts.next().and_then(|part| part.parse::<u32>().ok());
    let (Some(session), Some(seq), Some(length)) = (number(), number(), number()) else {
        return Err(format!("a malformed chat line {:?}", shown()));
    };
    let padding = parts.next().unwrap_or_default();
    let letter = padding_letter(session, seq);
    if padding.len() != length as usize || padding.chars().any(|character| character != letter) {
        return Err(format!(
            "a mangled chat line {:?} ({} bytes of padding, expected {length} x {letter:?})",
            shown(),
            padding.len()
        ));
    }
    roster.check_sender(session, name)?;
    Ok(Line::Chat { session, seq })
}
