//! The checker's own client, written from the RFC and sharing no code with `frame`: HTTP
//! heads and WebSocket frames as raw bytes, for the checks where a polite client library
//! would hide the very mistake we look for. Every read has a timeout.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// How long any one read waits for the reader's program. Generous: a debug build on a busy
/// machine is slow, and a wait only costs time when something is already wrong.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The GUID of RFC 6455 section 1.3.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The accept key a server must send for `key` (section 4.2.2): base64(SHA-1(key + GUID)).
pub fn accept_key(key: &str) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(GUID.as_bytes());
    BASE64.encode(sha1.digest().bytes())
}

/// A fresh `Sec-WebSocket-Key`: 16 unpredictable bytes in base64 (section 4.1). The hasher's
/// random seed is plenty for a checker; a real client would use a proper random source.
pub fn random_key() -> String {
    let mut nonce = Vec::with_capacity(16);
    for _ in 0..2 {
        nonce.extend_from_slice(&RandomState::new().build_hasher().finish().to_be_bytes());
    }
    BASE64.encode(nonce)
}

/// A TCP connection to the reader's program with timeouts on every read and write.
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, READ_TIMEOUT)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    Ok(stream)
}

/// The headers of a correct handshake request for `key` (section 4.1), to be edited by the
/// checks that send a wrong one.
pub fn upgrade_headers(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Upgrade", "websocket".to_owned()),
        ("Connection", "Upgrade".to_owned()),
        ("Sec-WebSocket-Key", key.to_owned()),
        ("Sec-WebSocket-Version", "13".to_owned()),
    ]
}

/// A `GET` request head for `path` with the given headers after `Host`.
pub fn request(addr: SocketAddr, path: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut text = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// An HTTP response as the reader's program sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The first line, as sent: `HTTP/1.1 101 Switching Protocols`.
    pub status_line: String,
    /// The status code, if the first line has one.
    pub status: Option<u16>,
    /// Header names and values, values trimmed.
    pub headers: Vec<(String, String)>,
    /// What came after the blank line (for a refusal: the reason).
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value; names are case-insensitive (RFC 9110 section 5.1).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Does a comma-separated header contain `token` (case-insensitive)?
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.header(name).is_some_and(|value| {
            value
                .split(',')
                .any(|candidate| candidate.trim().eq_ignore_ascii_case(token))
        })
    }

    /// The body as text, trimmed, for quoting in a verdict.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).trim().to_owned()
    }
}

/// Splits `bytes` into a response head and what follows, or says why they are not one.
/// `Ok(None)`: the blank line that ends the head has not arrived yet.
pub fn parse_response(bytes: &[u8]) -> Result<Option<Response>, String> {
    let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") else {
        if !bytes.is_empty() && !b"HTTP/".starts_with(&bytes[..bytes.len().min(5)]) {
            return Err(format!(
                "{} that are not an HTTP answer ({})",
                count(bytes.len(), "byte"),
                describe_bytes(bytes)
            ));
        }
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_owned();
    let status = match status_line.split(' ').collect::<Vec<_>>()[..] {
        [version, code, ..] if version.starts_with("HTTP/") => code.parse().ok(),
        _ => None,
    };
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Ok(Some(Response {
        status_line,
        status,
        headers,
        body: bytes[end + 4..].to_vec(),
    }))
}

/// Reads a response head (and, with `whole`, its body: up to `Content-Length` or the end of
/// the connection). The error says, in words, what arrived instead.
pub fn read_response(stream: &mut TcpStream, whole: bool) -> Result<Response, String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let parsed = parse_response(&received).map_err(|error| format!("sent {error}"))?;
        if let Some(response) = &parsed {
            if !whole || body_complete(response) {
                return Ok(response.clone());
            }
        }
        match (stream.read(&mut buffer), parsed) {
            (Ok(0), Some(response)) => return Ok(response),
            (Ok(0), None) if received.is_empty() => {
                return Err("closed the connection without answering".to_owned());
            }
            (Ok(0), None) => {
                return Err(format!(
                    "sent {} and closed the connection before the blank line that ends an HTTP head ({})",
                    count(received.len(), "byte"),
                    describe_bytes(&received)
                ));
            }
            (Ok(read), _) => received.extend_from_slice(&buffer[..read]),
            (Err(error), Some(response)) if is_timeout(&error) => return Ok(response),
            (Err(error), None) if is_timeout(&error) => {
                return Err(format!(
                    "sent no complete HTTP answer within {} s (got {})",
                    READ_TIMEOUT.as_secs(),
                    count(received.len(), "byte")
                ));
            }
            (Err(error), _) => return Err(format!("broke the connection: {error}")),
        }
    }
}

/// Is the body complete by its `Content-Length`? Without one, it ends with the connection.
fn body_complete(response: &Response) -> bool {
    response
        .header("Content-Length")
        .and_then(|length| length.parse::<usize>().ok())
        .is_some_and(|length| response.body.len() >= length)
}

/// Did a read fail because its timeout ran out? (The kind differs between systems.)
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// `n` and a noun, made plural when needed: "1 byte", "11 bytes".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The first bytes of `bytes` in hex, for a verdict that must show what was sent.
pub fn describe_bytes(bytes: &[u8]) -> String {
    const SHOWN: usize = 16;
    let mut text: Vec<String> = bytes
        .iter()
        .take(SHOWN)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    if bytes.len() > SHOWN {
        text.push("...".to_owned());
    }
    text.join(" ")
}

/// One WebSocket frame as it came off the wire, unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// FIN: the last frame of its message.
    pub fin: bool,
    /// The opcode (section 5.2): 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong.
    pub opcode: u8,
    /// Whether the frame was masked (a server's must not be, section 5.1).
    pub masked: bool,
    /// The payload, unmasked.
    pub payload: Vec<u8>,
}

impl Frame {
    /// The status code of a close frame (section 5.5.1), if it has one.
    pub fn close_code(&self) -> Option<u16> {
        match self.payload[..] {
            [high, low, ..] if self.opcode == 0x8 => Some(u16::from_be_bytes([high, low])),
            _ => None,
        }
    }

    /// The frame in a few words, for a verdict.
    pub fn describe(&self) -> String {
        match self.opcode {
            0x1 => format!("a text frame `{}`", String::from_utf8_lossy(&self.payload)),
            0x2 => format!("a binary frame of {}", count(self.payload.len(), "byte")),
            0x8 => match self.close_code() {
                Some(code) => format!("a close frame with status {code}"),
                None => "a close frame without a status".to_owned(),
            },
            opcode => format!("a frame with opcode {opcode:#x}"),
        }
    }
}

/// Encodes one final frame; clients pass a masking key (section 5.3), servers `None`.
pub fn encode_frame(opcode: u8, payload: &[u8], masking_key: Option<[u8; 4]>) -> Vec<u8> {
    let mask_bit = if masking_key.is_some() { 0x80 } else { 0 };
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        len @ 0..=125 => out.push(mask_bit | len as u8),
        len @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    match masking_key {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(
                payload
                    .iter()
                    .enumerate()
                    .map(|(i, byte)| byte ^ key[i % 4]),
            );
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// Decodes one frame from the front of `bytes`: the frame and its length, or `None` if more
/// bytes are needed (section 5.2).
pub fn parse_frame(bytes: &[u8]) -> Option<(Frame, usize)> {
    let [first, second, ..] = bytes[..] else {
        return None;
    };
    let (payload_len, mut used) = match second & 0x7F {
        126 => (
            u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?) as u64,
            4,
        ),
        127 => (u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?), 10),
        len => (u64::from(len), 2),
    };
    let masking_key: Option<[u8; 4]> = if second & 0x80 != 0 {
        let key = bytes.get(used..used + 4)?.try_into().ok()?;
        used += 4;
        Some(key)
    } else {
        None
    };
    let end = used.checked_add(usize::try_from(payload_len).ok()?)?;
    let mut payload = bytes.get(used..end)?.to_vec();
    if let Some(key) = masking_key {
        payload
            .iter_mut()
            .enumerate()
            .for_each(|(i, byte)| *byte ^= key[i % 4]);
    }
    let frame = Frame {
        fin: first & 0x80 != 0,
        opcode: first & 0x0F,
        masked: masking_key.is_some(),
        payload,
    };
    Some((frame, end))
}

/// Reads the next frame. `received` holds bytes already read past earlier frames. The error
/// says what happened instead, in words.
pub fn read_frame(stream: &mut TcpStream, received: &mut Vec<u8>) -> Result<Frame, String> {
    let mut buffer = [0u8; 4096];
    loop {
        if let Some((frame, used)) = parse_frame(received) {
            received.drain(..used);
            return Ok(frame);
        }
        match stream.read(&mut buffer) {
            Ok(0) => return Err("closed the TCP connection without a close frame".to_owned()),
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(error) if is_timeout(&error) => {
                return Err(format!("sent no frame within {} s", READ_TIMEOUT.as_secs()));
            }
            Err(error) => return Err(format!("broke the connection: {error}")),
        }
    }
}

/// Sends a request head and reads the response head: a handshake done by hand.
pub fn exchange(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, String)],
    whole: bool,
) -> Result<(TcpStream, Response), String> {
    let mut stream = connect(addr).map_err(|error| format!("could not be reached: {error}"))?;
    stream
        .write_all(&request(addr, path, headers))
        .map_err(|error| format!("did not take our request: {error}"))?;
    let response = read_response(&mut stream, whole)?;
    Ok((stream, response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_matches_the_rfc_example() {
        // RFC 6455 section 1.3.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn random_keys_are_16_bytes_and_differ() {
        let (first, second) = (random_key(), random_key());
        assert_eq!(BASE64.decode(&first).unwrap().len(), 16);
        assert_ne!(first, second);
    }

    #[test]
    fn parses_a_response_head_and_its_body() {
        let bytes = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nSec-WebSocket-Version: 8, 13\r\n\r\nno key\n";
        let response = parse_response(bytes).unwrap().unwrap();
        assert_eq!(response.status, Some(400));
        assert_eq!(response.header("Content-Type"), Some("text/plain"));
        assert!(response.has_token("sec-websocket-version", "13"));
        assert_eq!(response.body_text(), "no key");
    }

    #[test]
    fn an_unfinished_head_needs_more_and_frames_are_not_http() {
        assert_eq!(parse_response(b"HTTP/1.1 101 Swi"), Ok(None));
        assert_eq!(parse_response(b"HT"), Ok(None));
        let error = parse_response(&[0x81, 5, b'h', b'e', b'l', b'l', b'o']).unwrap_err();
        assert_eq!(
            error,
            "7 bytes that are not an HTTP answer (81 05 68 65 6c 6c 6f)"
        );
    }

    #[test]
    fn describes_long_byte_strings_briefly() {
        assert_eq!(describe_bytes(&[0; 20]).matches("00").count(), 16);
        assert!(describe_bytes(&[0; 20]).ends_with("..."));
        assert_eq!(count(1, "byte"), "1 byte");
        assert_eq!(count(0, "byte"), "0 bytes");
    }

    #[test]
    fn frames_round_trip_in_every_length_form() {
        for len in [0, 5, 125, 126, 65535, 65536] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            for key in [None, Some([1, 2, 3, 4])] {
                let bytes = encode_frame(0x2, &payload, key);
                let (frame, used) = parse_frame(&bytes).unwrap();
                assert_eq!(used, bytes.len());
                assert_eq!(frame.payload, payload);
                assert_eq!(frame.masked, key.is_some());
                assert!(parse_frame(&bytes[..bytes.len() - 1]).is_none() || len == 0);
            }
        }
    }

    #[test]
    fn the_rfc_masked_hello_decodes() {
        // RFC 6455 section 5.7: a masked text frame "Hello".
        let bytes = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (frame, _) = parse_frame(&bytes).unwrap();
        assert_eq!(frame.payload, b"Hello");
        assert_eq!(frame.describe(), "a text frame `Hello`");
    }

    #[test]
    fn close_frames_say_their_code() {
        let (frame, _) = parse_frame(&encode_frame(0x8, &[0x03, 0xEA], None)).unwrap();
        assert_eq!(frame.close_code(), Some(1002));
        assert_eq!(frame.describe(), "a close frame with status 1002");
    }
}
