//! A deliberately independent, hand-rolled WebSocket client for hostile tests: it writes any
//! bytes at all (unmasked frames, reserved opcodes, lies about lengths) and reads the
//! server's frames with its own few lines of parsing, not with the `frame` crate under test.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use crate::{DEADLINE, connect_raw, upgrade_request};

/// What the server sent, as far as a hostile test cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerFrame {
    /// A data or control frame other than close: its opcode and payload.
    Other(u8, Vec<u8>),
    /// A close frame: its code (None when the payload was empty) and reason.
    Close(Option<u16>, String),
}

/// A TCP connection that has completed the opening handshake.
pub struct RawClient {
    /// The socket, for tests that want to write odd bytes themselves.
    pub stream: TcpStream,
    /// Bytes read past the last parsed frame.
    buffered: Vec<u8>,
}

impl RawClient {
    /// Connects and performs a correct handshake for `path`; panics unless the answer is 101.
    pub fn connect(address: SocketAddr, path: &str) -> RawClient {
        let mut stream = connect_raw(address);
        stream
            .write_all(upgrade_request(path).as_bytes())
            .expect("send handshake");
        let mut buffered = Vec::new();
        let mut buffer = [0u8; 4096];
        let end = loop {
            if let Some(position) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
                break position + 4;
            }
            let read = stream.read(&mut buffer).expect("read handshake answer");
            assert!(read > 0, "server closed during the handshake");
            buffered.extend_from_slice(&buffer[..read]);
        };
        let head = String::from_utf8_lossy(&buffered[..end]).into_owned();
        assert!(
            head.starts_with("HTTP/1.1 101 "),
            "expected 101, got {head:?}"
        );
        buffered.drain(..end);
        RawClient { stream, buffered }
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send bytes");
    }

    /// Reads one frame; `None` when the server closed TCP (or reset, or the deadline passed).
    pub fn read_frame(&mut self) -> Option<ServerFrame> {
        loop {
            if let Some((frame, used)) = parse_server_frame(&self.buffered) {
                self.buffered.drain(..used);
                return Some(frame);
            }
            let mut buffer = [0u8; 16 * 1024];
            match self.stream.read(&mut buffer) {
                Ok(0) | Err(_) => return None,
                Ok(read) => self.buffered.extend_from_slice(&buffer[..read]),
            }
        }
    }

    /// Reads frames until a close frame, skipping greetings and other messages, and returns
    /// its code. Panics if TCP closes first: a server must say why it hangs up.
    pub fn expect_close(&mut self) -> Option<u16> {
        let started = std::time::Instant::now();
        while started.elapsed() < DEADLINE {
            match self.read_frame() {
                Some(ServerFrame::Close(code, _)) => return code,
                Some(ServerFrame::Other(..)) => continue,
                None => panic!("the server closed TCP without a close frame"),
            }
        }
        panic!("no close frame within {DEADLINE:?}")
    }

    /// Reads frames until a text message and returns it (skipping pings and the like).
    pub fn expect_text(&mut self) -> String {
        loop {
            match self.read_frame() {
                Some(ServerFrame::Other(0x1, payload)) => {
                    return String::from_utf8(payload).expect("server text is UTF-8");
                }
                Some(ServerFrame::Other(..)) => continue,
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    /// True when the server has closed TCP (reads return end of file or an error).
    pub fn server_hung_up(&mut self) -> bool {
        loop {
            match self.read_frame() {
                None => return true,
                Some(_) => continue,
            }
        }
    }
}

/// Builds a client frame by hand. `mask` false sends it unmasked (a protocol error).
pub fn client_frame(first_byte: u8, payload: &[u8], mask: bool) -> Vec<u8> {
    let mut frame = vec![first_byte];
    let mask_bit = if mask { 0x80 } else { 0 };
    match payload.len() {
        length @ 0..=125 => frame.push(mask_bit | length as u8),
        length @ 126..=65535 => {
            frame.push(mask_bit | 126);
            frame.extend_from_slice(&(length as u16).to_be_bytes());
        }
        length => {
            frame.push(mask_bit | 127);
            frame.extend_from_slice(&(length as u64).to_be_bytes());
        }
    }
    if mask {
        let key = [0x11, 0x22, 0x33, 0x44];
        frame.extend_from_slice(&key);
        frame.extend(
            payload
                .iter()
                .enumerate()
                .map(|(i, byte)| byte ^ key[i % 4]),
        );
    } else {
        frame.extend_from_slice(payload);
    }
    frame
}

/// A masked final frame with `opcode`.
pub fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    client_frame(0x80 | opcode, payload, true)
}

/// A masked close frame with `code` and no reason.
pub fn close_frame(code: u16) -> Vec<u8> {
    masked(0x8, &code.to_be_bytes())
}

/// Parses one unmasked server frame from the front of `bytes`.
fn parse_server_frame(bytes: &[u8]) -> Option<(ServerFrame, usize)> {
    let [first, second, ..] = *bytes else {
        return None;
    };
    let opcode = first & 0x0F;
    let (length, header_len) = match second & 0x7F {
        126 => (
            u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        short => (short as usize, 2),
    };
    let payload = bytes.get(header_len..header_len + length)?.to_vec();
    let frame = if opcode == 0x8 {
        let code = (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
        let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default()).into_owned();
        ServerFrame::Close(code, reason)
    } else {
        ServerFrame::Other(opcode, payload)
    };
    Some((frame, header_len + length))
}
