//! Just enough HTTP/1.1 for a WebSocket server: read a request head that may arrive in
//! pieces, look at its headers and query string, and write a short response. A WebSocket
//! connection begins life as an HTTP request (RFC 6455 section 1.3).

use crate::error::HandshakeError;

/// The most bytes of request head we buffer before answering 431. Browsers send well
/// under 1 KiB; the cap keeps a client from making us hold megabytes of "headers".
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// The HTTP version of a request: `HTTP/1.` and a minor number, the only major version that
/// speaks this text protocol. The one rule about versions in the suite lives here: any
/// HTTP/1.x request can be read, and only 1.1 or higher can be upgraded (RFC 6455 section
/// 4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HttpVersion {
    /// 1 for `HTTP/1.1`.
    pub minor: u8,
}

impl HttpVersion {
    /// `HTTP/1.1`, the version a handshake needs.
    pub const HTTP_1_1: HttpVersion = HttpVersion { minor: 1 };

    /// Reads `HTTP/1.x`; anything else is `None`.
    pub fn parse(text: &str) -> Option<HttpVersion> {
        let minor = text.strip_prefix("HTTP/1.")?;
        if minor.is_empty() || !minor.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        minor.parse().ok().map(|minor| HttpVersion { minor })
    }

    /// True when a request of this version may be upgraded to a WebSocket.
    pub fn can_upgrade(self) -> bool {
        self >= HttpVersion::HTTP_1_1
    }
}

impl std::fmt::Display for HttpVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP/1.{}", self.minor)
    }
}

/// A parsed HTTP request line and headers: everything up to the blank line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent: `/path?query`.
    pub target: String,
    /// `HTTP/1.1`, `HTTP/1.0`, ...
    pub version: HttpVersion,
    /// Header names and values in the order received, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The request line and headers exactly as received (the echo server shows them).
    pub raw: String,
}

impl RequestHead {
    /// Reads a request head from the front of `buffer`.
    ///
    /// Returns `Ok(None)` while the blank line that ends the head has not arrived (keep
    /// reading), or the head and how many bytes it used (bytes after it belong to the next
    /// protocol). Fails with 431 once `MAX_HEAD_BYTES` pass without an end, and with 400
    /// for anything that is not an HTTP request.
    pub fn parse(buffer: &[u8]) -> Result<Option<(RequestHead, usize)>, HandshakeError> {
        let Some(end) = find_head_end(buffer) else {
            return if buffer.len() > MAX_HEAD_BYTES {
                Err(HandshakeError::HeadTooLarge {
                    limit: MAX_HEAD_BYTES,
                })
            } else {
                Ok(None)
            };
        };
        if end > MAX_HEAD_BYTES {
            return Err(HandshakeError::HeadTooLarge {
                limit: MAX_HEAD_BYTES,
            });
        }
        let text = std::str::from_utf8(&buffer[..end])
            .map_err(|_| HandshakeError::Malformed("the request head is not valid text"))?;
        let mut lines = text.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(HandshakeError::Malformed(
                "the request line must be METHOD TARGET VERSION",
            ));
        };
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(HandshakeError::Malformed(
                "the method must be a word like GET",
            ));
        }
        if !target.starts_with('/') {
            return Err(HandshakeError::Malformed(
                "the request target must start with /",
            ));
        }
        let Some(version) = HttpVersion::parse(version) else {
            return Err(HandshakeError::Malformed("the version must be HTTP/1.x"));
        };
        let mut headers = Vec::new();
        for line in lines.take_while(|line| !line.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                return Err(HandshakeError::Malformed("a header line has no colon"));
            };
            // A name with spaces (or a line starting with whitespace, the obsolete
            // "folded" continuation) is refused: RFC 9112 section 5 forbids both.
            if name.is_empty()
                || name
                    .bytes()
                    .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
            {
                return Err(HandshakeError::Malformed(
                    "a header name is empty or has spaces",
                ));
            }
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let head = RequestHead {
            method: method.to_owned(),
            target: target.to_owned(),
            version,
            headers,
            raw: text[..text.len() - 4].to_owned(),
        };
        Ok(Some((head, end)))
    }

    /// The first value of a header, its name compared case-insensitively (RFC 9110 5.1).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header_name, _)| header_name.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The comma-separated tokens of a header, over all its occurrences: Firefox sends
    /// `Connection: keep-alive, Upgrade`, so "contains Upgrade" is a list question.
    pub fn header_tokens(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(header_name, _)| header_name.eq_ignore_ascii_case(name))
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .collect()
    }

    /// True when a header's token list contains `token`, compared case-insensitively.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.header_tokens(name)
            .iter()
            .any(|candidate| candidate.eq_ignore_ascii_case(token))
    }

    /// The path part of the target, before any `?`, percent-decoded.
    pub fn path(&self) -> String {
        let raw_path = self.target.split('?').next().unwrap_or_default();
        percent_decode(raw_path, false)
    }

    /// The query parameters, in order, names and values percent-decoded as UTF-8
    /// (`?name=%D0%91%D0%BE%D0%B3%D0%B4%D0%B0%D0%BD` is "Богдан").
    pub fn query_params(&self) -> Vec<(String, String)> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(name, true), percent_decode(value, true))
            })
            .collect()
    }

    /// The value of the first query parameter called `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(param_name, _)| param_name == name)
            .map(|(_, value)| value)
    }
}

/// Collects a request head that arrives in pieces, as it does from a slow client (or an
/// attacker sending a byte at a time). It remembers how far it has looked for the blank
/// line, so each piece costs a search of the new bytes only, not of everything so far.
#[derive(Debug, Default)]
pub struct HeadReader {
    received: Vec<u8>,
    searched: usize,
}

impl HeadReader {
    /// An empty reader for a new connection.
    pub fn new() -> HeadReader {
        HeadReader::default()
    }

    /// Adds the next bytes read. Returns `Ok(None)` while the head is incomplete, then the
    /// head and the bytes that followed it (a client may send its first frames right behind
    /// its request). Fails like [`RequestHead::parse`]: 431 past `MAX_HEAD_BYTES`, 400 for
    /// anything that is not HTTP.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<(RequestHead, Vec<u8>)>, HandshakeError> {
        // The blank line may straddle two pieces: look again at the last three old bytes.
        let search_from = self.searched.saturating_sub(3);
        self.received.extend_from_slice(bytes);
        self.searched = self.received.len();
        if find_head_end(&self.received[search_from..]).is_none() {
            return if self.received.len() > MAX_HEAD_BYTES {
                Err(HandshakeError::HeadTooLarge {
                    limit: MAX_HEAD_BYTES,
                })
            } else {
                Ok(None)
            };
        }
        Ok(RequestHead::parse(&self.received)?.map(|(head, used)| {
            let after_head = self.received.split_off(used);
            (head, after_head)
        }))
    }
}

/// Where the head ends: the index just past the first `\r\n\r\n`.
fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|position| position + 4)
}

/// Decodes `%XX` escapes (and `+` as a space in query strings, as HTML forms send it).
/// Bytes that are not UTF-8 after decoding become U+FFFD rather than an error: a name
/// with one bad byte is still a name.
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                decoded.push(value);
                index += 3;
            }
            None => {
                decoded.push(if plus_is_space && byte == b'+' {
                    b' '
                } else {
                    byte
                });
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The reason phrase for the statuses this suite sends.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// A complete HTTP/1.1 response with a body; the connection closes after it
/// (`Connection: close`), so a client never waits for more.
pub fn http_response(
    status: u16,
    content_type: &str,
    extra_headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason_phrase(status),
        body.len()
    );
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut response = head.into_bytes();
    response.extend_from_slice(body);
    response
}

/// A plain-text response whose body is one line: what a learner sees in `curl -i`.
pub fn text_response(status: u16, extra_headers: &[(&str, &str)], text: &str) -> Vec<u8> {
    let body = format!("{text}\n");
    http_response(
        status,
        "text/plain; charset=utf-8",
        extra_headers,
        body.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_version_rule() {
        assert_eq!(HttpVersion::parse("HTTP/1.1"), Some(HttpVersion::HTTP_1_1));
        assert!(HttpVersion::parse("HTTP/1.1").is_some_and(HttpVersion::can_upgrade));
        assert!(HttpVersion::parse("HTTP/1.0").is_some_and(|v| !v.can_upgrade()));
        for bad in ["HTTP/2.0", "HTTP/1.", "HTTP/1.x", "http/1.1", "HTTP/1.1 "] {
            assert_eq!(HttpVersion::parse(bad), None, "{bad}");
        }
        assert_eq!(HttpVersion { minor: 0 }.to_string(), "HTTP/1.0");
    }

    const FIREFOX: &[u8] =
        b"GET /chat?name=%D0%91%D0%BE%D0%B3%D0%B4%D0%B0%D0%BD&x=a+b HTTP/1.1\r\n\
Host: 127.0.0.1:7773\r\nConnection: keep-alive, Upgrade\r\nupgrade: websocket\r\n\r\nrest";

    #[test]
    fn parses_a_head_and_leaves_the_rest() {
        let (head, used) = RequestHead::parse(FIREFOX).unwrap().unwrap();
        assert_eq!(&FIREFOX[used..], b"rest");
        assert_eq!(head.method, "GET");
        assert_eq!(head.path(), "/chat");
        assert_eq!(head.query_param("name").as_deref(), Some("Богдан"));
        assert_eq!(head.query_param("x").as_deref(), Some("a b"));
        assert_eq!(head.header("HOST"), Some("127.0.0.1:7773"));
        assert!(head.has_token("connection", "upgrade"));
        assert!(head.has_token("Upgrade", "WebSocket"));
        assert!(head.raw.ends_with("upgrade: websocket"));
    }

    #[test]
    fn every_prefix_needs_more() {
        let end = FIREFOX.len() - 4;
        for cut in 0..end {
            assert_eq!(
                RequestHead::parse(&FIREFOX[..cut]).unwrap(),
                None,
                "cut {cut}"
            );
        }
    }

    #[test]
    fn a_head_read_a_byte_at_a_time_keeps_what_follows() {
        let mut reader = HeadReader::new();
        let end = FIREFOX.len() - 4;
        for byte in &FIREFOX[..end - 1] {
            assert_eq!(reader.push(&[*byte]).unwrap(), None);
        }
        let (head, after_head) = reader.push(&FIREFOX[end - 1..]).unwrap().unwrap();
        assert_eq!(head.path(), "/chat");
        assert_eq!(after_head, b"rest");
    }

    #[test]
    fn a_reader_without_a_blank_line_stops_at_the_cap() {
        let mut reader = HeadReader::new();
        let error = (0..MAX_HEAD_BYTES)
            .find_map(|_| reader.push(b"a").err())
            .or_else(|| reader.push(b"a").err());
        assert_eq!(error.map(|e| e.status()), Some(431));
    }

    #[test]
    fn a_head_past_the_cap_is_431() {
        let mut request = b"GET / HTTP/1.1\r\nX: ".to_vec();
        request.resize(MAX_HEAD_BYTES + 1, b'a');
        let error = RequestHead::parse(&request).unwrap_err();
        assert_eq!(error.status(), 431);
    }

    #[test]
    fn garbage_is_400() {
        for garbage in [
            &b"\x16\x03\x01\x02\x00\r\n\r\n"[..],
            b"hello\r\n\r\n",
            b"GET /\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
        ] {
            assert_eq!(
                RequestHead::parse(garbage).unwrap_err().status(),
                400,
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn percent_decoding_edge_cases() {
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%FF", true), "\u{FFFD}");
        assert_eq!(percent_decode("a+b%2B", true), "a b+");
        assert_eq!(percent_decode("a+b", false), "a+b");
    }

    #[test]
    fn responses_have_length_and_close() {
        let response = text_response(404, &[], "nothing here");
        let text = String::from_utf8(response).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(text.contains("Content-Length: 13\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\nnothing here\n"));
    }
}
