//! The eight checks, one a function, each talking to the reader's running program as a
//! client would and stopping at the first thing that is wrong. Where the RFC leaves a
//! choice (a reason's wording), the check accepts any; where it does not, it says which
//! section.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use tungstenite::{Message, WebSocket};

use crate::verdict::{Failure, Report};
use crate::wire::{self, Response};

/// One exercise: its number, what it asks, and its check.
pub struct Exercise {
    /// "2.1".
    pub id: &'static str,
    /// A few words for `--list` and the verdict.
    pub summary: &'static str,
    /// Talks to the program at the address; records passes, returns the first failure.
    pub check: fn(SocketAddr, &mut Report) -> Result<(), Failure>,
}

/// Every exercise of the book, in chapter order.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "2.1",
        summary: "answer the handshake yourself",
        check: check_2_1,
    },
    Exercise {
        id: "2.2",
        summary: "refuse a bad upgrade request",
        check: check_2_2,
    },
    Exercise {
        id: "3.1",
        summary: "echo binary frames too",
        check: check_3_1,
    },
    Exercise {
        id: "3.2",
        summary: "close with 1002 on an unmasked client frame",
        check: check_3_2,
    },
    Exercise {
        id: "4.1",
        summary: "a /stats page beside the echo",
        check: check_4_1,
    },
    Exercise {
        id: "4.2",
        summary: "at most 2 clients; the next one gets 503",
        check: check_4_2,
    },
    Exercise {
        id: "5.1",
        summary: "a /whisper command",
        check: check_5_1,
    },
    Exercise {
        id: "5.2",
        summary: "a /who command",
        check: check_5_2,
    },
];

/// The exercise with this number.
pub fn find(id: &str) -> Option<&'static Exercise> {
    EXERCISES.iter().find(|exercise| exercise.id == id)
}

const HANDSHAKE: &str = "RFC 6455 section 4.2.2";
const EXERCISE: &str = "the exercise";

/// What a correct handshake must get back (section 4.2.2, step 5).
const SWITCHING: &str = "`HTTP/1.1 101 Switching Protocols`, the headers Upgrade, Connection and Sec-WebSocket-Accept, and a blank line, before any frame";

/// A correct handshake that got no HTTP answer at all.
fn no_answer(error: String) -> Failure {
    Failure::new(
        format!("a correct handshake: your server {error}"),
        HANDSHAKE,
        SWITCHING,
    )
}

/// A failure to reach the program or to read its answer at all.
fn unreachable(what: &str, error: String) -> Failure {
    Failure::new(
        format!("{what}: your server {error}"),
        HANDSHAKE,
        "an HTTP answer to every request",
    )
}

// ---- Exercise 2.1 ----

fn check_2_1(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    // The RFC's own example first (its answer is printed in section 1.3), then a fresh key,
    // so a server that learned one answer by heart still fails.
    for key in ["dGhlIHNhbXBsZSBub25jZQ==".to_owned(), wire::random_key()] {
        let (_, response) =
            wire::exchange(addr, "/", &wire::upgrade_headers(&key), false).map_err(no_answer)?;
        check_switching_protocols(&response, &key)?;
        report.pass(format!(
            "the key {key} got 101 Switching Protocols and Sec-WebSocket-Accept {}",
            wire::accept_key(&key)
        ));
    }
    let mut socket = websocket(addr, "/")?;
    match next_text(&mut socket, "tungstenite") {
        Ok(text) => report.pass(format!(
            "tungstenite, an independent client, accepted the handshake and read `{text}`"
        )),
        Err(failure) => return Err(failure),
    }
    Ok(())
}

/// Section 4.2.2, step 5, and what the client checks of it in section 4.1.
fn check_switching_protocols(response: &Response, key: &str) -> Result<(), Failure> {
    let expected = wire::accept_key(key);
    if response.status != Some(101) {
        return Err(Failure::new(
            format!("your server answered `{}`", response.status_line),
            HANDSHAKE,
            "`HTTP/1.1 101 Switching Protocols` as the first line",
        ));
    }
    if !response.has_token("Upgrade", "websocket") {
        return Err(Failure::new(
            "your 101 had no `Upgrade: websocket` header",
            HANDSHAKE,
            "`Upgrade: websocket` (step 5.2)",
        ));
    }
    if !response.has_token("Connection", "Upgrade") {
        return Err(Failure::new(
            "your 101 had no `Connection: Upgrade` header",
            HANDSHAKE,
            "`Connection: Upgrade` (step 5.3)",
        ));
    }
    match response.header("Sec-WebSocket-Accept") {
        Some(accept) if accept == expected => Ok(()),
        sent => Err(Failure::new(
            match sent {
                Some(accept) => {
                    format!("the Sec-WebSocket-Accept you sent was `{accept}` for the key `{key}`")
                }
                None => format!("your 101 for the key `{key}` had no Sec-WebSocket-Accept header"),
            },
            HANDSHAKE,
            format!("base64(SHA-1(key + {})) = `{expected}`", wire::GUID),
        )),
    }
}

// ---- Exercise 2.2 ----

fn check_2_2(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    let key = wire::random_key();
    let good = wire::upgrade_headers(&key);
    let without_key: Vec<_> = good
        .iter()
        .filter(|(name, _)| *name != "Sec-WebSocket-Key")
        .cloned()
        .collect();
    let with = |name: &'static str, value: &str| {
        let mut headers = good.clone();
        headers.retain(|(candidate, _)| *candidate != name);
        headers.push((name, value.to_owned()));
        headers
    };
    let cases = [
        (
            "a request without Sec-WebSocket-Key",
            without_key,
            400,
            "section 4.2.1",
        ),
        (
            "the key `c2hvcnQ=` (base64 for the 5 bytes `short`)",
            with("Sec-WebSocket-Key", "c2hvcnQ="),
            400,
            "section 4.2.1",
        ),
        (
            "the key `not a nonce!` (not base64 at all)",
            with("Sec-WebSocket-Key", "not a nonce!"),
            400,
            "section 4.2.1",
        ),
        (
            "Sec-WebSocket-Version: 8",
            with("Sec-WebSocket-Version", "8"),
            426,
            "section 4.2.2",
        ),
    ];
    for (what, headers, status, section) in cases {
        let (_, response) =
            wire::exchange(addr, "/", &headers, true).map_err(|error| unreachable(what, error))?;
        check_refusal(what, &response, status, section)?;
        report.pass(format!(
            "{what}: {}, `{}`",
            response.status_line.trim_start_matches("HTTP/1.1 "),
            response.body_text()
        ));
    }
    let (_, response) = wire::exchange(addr, "/", &good, false).map_err(no_answer)?;
    check_switching_protocols(&response, &key)?;
    report.pass("a correct request still gets 101 Switching Protocols");
    Ok(())
}

/// A refusal: the status, a plain-text reason, and for 426 the versions we speak.
fn check_refusal(
    what: &str,
    response: &Response,
    status: u16,
    section: &str,
) -> Result<(), Failure> {
    let rule = format!("RFC 6455 {section}");
    let reason = match status {
        400 => "400 Bad Request",
        _ => "426 Upgrade Required with a `Sec-WebSocket-Version: 13` header (section 4.4)",
    };
    if response.status != Some(status) {
        return Err(Failure::new(
            format!("{what} was answered `{}`", response.status_line),
            &rule,
            format!("{reason}, with a plain-text reason"),
        ));
    }
    if status == 426 && !response.has_token("Sec-WebSocket-Version", "13") {
        return Err(Failure::new(
            format!("your 426 for {what} did not list the version this server speaks"),
            "RFC 6455 section 4.4",
            "the header `Sec-WebSocket-Version: 13` in the 426",
        ));
    }
    let plain = response
        .header("Content-Type")
        .is_some_and(|value| value.starts_with("text/plain"));
    if !plain || response.body_text().is_empty() {
        return Err(Failure::new(
            format!(
                "your {status} for {what} had no plain-text reason (Content-Type: {}, body `{}`)",
                response.header("Content-Type").unwrap_or("none"),
                response.body_text()
            ),
            EXERCISE,
            "`Content-Type: text/plain` and a sentence that says what was wrong",
        ));
    }
    Ok(())
}

// ---- Exercise 3.1 ----

fn check_3_1(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    let mut socket = websocket(addr, "/")?;
    send(&mut socket, Message::text("text first"))?;
    expect_text(
        &mut socket,
        "the echo",
        "text first",
        "RFC 6455 section 5.6",
    )?;
    report.pass("a text message came back as text");
    let small = vec![0x00, 0x01, 0x02, 0xFE, 0xFF];
    send(&mut socket, Message::binary(small.clone()))?;
    send(&mut socket, Message::text("after the binary"))?;
    expect_binary(&mut socket, &small, "after the binary")?;
    expect_text(
        &mut socket,
        "the echo",
        "after the binary",
        "RFC 6455 section 5.6",
    )?;
    report.pass(format!(
        "a binary message ({}) came back as binary, byte for byte",
        wire::describe_bytes(&small)
    ));
    let large: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    send(&mut socket, Message::binary(large.clone()))?;
    expect_binary(&mut socket, &large, "")?;
    report.pass("a 70000-byte binary message (a 64-bit length, section 5.2) came back whole");
    Ok(())
}

/// The next message must be a binary one holding `sent`.
fn expect_binary(
    socket: &mut WebSocket<TcpStream>,
    sent: &[u8],
    text_after: &str,
) -> Result<(), Failure> {
    let rule = "RFC 6455 section 5.6";
    let expects = format!(
        "the same {} back in a binary frame (opcode 0x2)",
        wire::count(sent.len(), "byte")
    );
    let what = match next_message(socket, "the echo")? {
        Message::Binary(bytes) if bytes[..] == *sent => return Ok(()),
        Message::Binary(bytes) => format!(
            "a {} binary message came back as {} bytes ({})",
            wire::count(sent.len(), "byte"),
            bytes.len(),
            wire::describe_bytes(&bytes)
        ),
        Message::Text(text) if text.as_str() == text_after => format!(
            "your server echoed the text sent after a binary message ({}) but not the binary message itself",
            wire::describe_bytes(sent)
        ),
        other => format!(
            "a binary message ({}) was answered with {other:?}",
            wire::describe_bytes(sent)
        ),
    };
    Err(Failure::new(what, rule, expects))
}

// ---- Exercise 3.2 ----

fn check_3_2(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    let (mut stream, mut received) = raw_upgrade(addr)?;
    let masked = wire::encode_frame(0x1, b"masked hello", Some([0x37, 0xFA, 0x21, 0x3D]));
    write(&mut stream, &masked)?;
    let frame = wire::read_frame(&mut stream, &mut received).map_err(|error| {
        Failure::new(
            format!("after a masked text frame your server {error}"),
            "RFC 6455 section 5.3",
            "the text `masked hello` echoed, unmasked",
        )
    })?;
    if frame.opcode != 0x1 || frame.payload != b"masked hello" {
        return Err(Failure::new(
            format!(
                "a masked text frame `masked hello` was answered with {}",
                frame.describe()
            ),
            "RFC 6455 section 5.3",
            "the text echoed, unmasked",
        ));
    }
    report.pass("a masked text frame was unmasked and echoed");
    write(&mut stream, &wire::encode_frame(0x1, b"unmasked", None))?;
    let expects = "the server to fail the connection: a close frame with status 1002 (protocol error, section 7.4.1)";
    let rule = "RFC 6455 section 5.1";
    let frame = wire::read_frame(&mut stream, &mut received).map_err(|error| {
        Failure::new(
            format!("after an unmasked frame your server {error}"),
            rule,
            expects,
        )
    })?;
    match frame.close_code() {
        Some(1002) => report.pass("an unmasked text frame got a close frame with status 1002"),
        _ if frame.opcode == 0x1 => {
            return Err(Failure::new(
                format!(
                    "your server echoed an unmasked client frame ({}) as if it were masked",
                    frame.describe()
                ),
                rule,
                expects,
            ));
        }
        _ => {
            return Err(Failure::new(
                format!(
                    "an unmasked client frame was answered with {}",
                    frame.describe()
                ),
                rule,
                expects,
            ));
        }
    }
    match wire::read_frame(&mut stream, &mut received) {
        Err(error) if error.starts_with("closed the TCP") || error.starts_with("broke") => {
            report.pass("and then the server closed the TCP connection (section 7.1.1)");
            Ok(())
        }
        Err(error) => Err(Failure::new(
            format!("after its close frame your server {error} and kept the connection open"),
            "RFC 6455 section 7.1.1",
            "the server to close the TCP connection once it has failed the WebSocket connection",
        )),
        Ok(frame) => Err(Failure::new(
            format!(
                "after its close frame your server sent {}",
                frame.describe()
            ),
            "RFC 6455 section 5.5.1",
            "nothing after a close frame",
        )),
    }
}

/// A handshake by hand, for the checks that need to send frames a library would refuse to.
fn raw_upgrade(addr: SocketAddr) -> Result<(TcpStream, Vec<u8>), Failure> {
    let key = wire::random_key();
    let (stream, response) =
        wire::exchange(addr, "/", &wire::upgrade_headers(&key), false).map_err(no_answer)?;
    check_switching_protocols(&response, &key)?;
    Ok((stream, response.body))
}

fn write(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), Failure> {
    stream.write_all(bytes).map_err(|error| {
        Failure::new(
            format!("your server did not take a frame: {error}"),
            "RFC 6455 section 5",
            "the connection to stay open",
        )
    })
}

// ---- Exercise 4.1 ----

fn check_4_1(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    let mut first = websocket(addr, "/")?;
    let mut second = websocket(addr, "/")?;
    for (socket, text) in [(0, "one"), (0, "two"), (1, "three")] {
        let socket = if socket == 0 { &mut first } else { &mut second };
        send(socket, Message::text(text))?;
        expect_text(socket, "the echo", text, "RFC 6455 section 5.6")?;
    }
    expect_stats(addr, 2, 3)?;
    report
        .pass("GET /stats with 2 clients open and 3 messages echoed: connections: 2, messages: 3");
    send(&mut second, Message::text("four"))?;
    expect_text(&mut second, "the echo", "four", "RFC 6455 section 5.6")?;
    expect_stats(addr, 2, 4)?;
    report.pass("after one more echo: messages: 4");
    Ok(())
}

fn expect_stats(addr: SocketAddr, connections: usize, messages: u64) -> Result<(), Failure> {
    let expects = format!(
        "`200 OK` with a text/plain body of the lines `connections: {connections}` and `messages: {messages}`"
    );
    let (_, response) = wire::exchange(addr, "/stats", &[], true).map_err(|error| {
        Failure::new(
            format!("GET /stats: your server {error}"),
            EXERCISE,
            expects.clone(),
        )
    })?;
    if response.status != Some(200) {
        return Err(Failure::new(
            format!("GET /stats was answered `{}`", response.status_line),
            EXERCISE,
            expects,
        ));
    }
    let body = response.body_text();
    let counts = parse_stats(&body);
    if counts != Some((connections as u64, messages)) {
        return Err(Failure::new(
            format!("GET /stats said `{}`", body.replace('\n', "\\n")),
            EXERCISE,
            expects,
        ));
    }
    Ok(())
}

/// `connections: N` and `messages: M` from a stats page, in any order, other lines allowed.
pub fn parse_stats(body: &str) -> Option<(u64, u64)> {
    let value = |name: &str| {
        body.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(key, _)| key.trim() == name)
            .and_then(|(_, value)| value.trim().parse().ok())
    };
    Some((value("connections")?, value("messages")?))
}

// ---- Exercise 4.2 ----

fn check_4_2(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    let mut first = websocket(addr, "/")?;
    let mut second = websocket(addr, "/")?;
    for socket in [&mut first, &mut second] {
        send(socket, Message::text("hello"))?;
        expect_text(socket, "the echo", "hello", "RFC 6455 section 5.6")?;
    }
    report.pass("two clients were let in and echoed");
    let what = "a third client (2 were connected)";
    let (_, response) =
        wire::exchange(addr, "/", &wire::upgrade_headers(&wire::random_key()), true)
            .map_err(|error| unreachable(what, error))?;
    check_busy(what, &response)?;
    report.pass(format!(
        "a third client got `{}` with Retry-After: {} and `{}`",
        response.status_line,
        response.header("Retry-After").unwrap_or_default(),
        response.body_text()
    ));
    first
        .close(None)
        .map_err(|error| websocket_failure("closing a client", error))?;
    // Read the server's close frame, then wait for the end of the TCP connection: once the
    // server has closed it (section 7.1.1), it has certainly counted the client out.
    while first.read().is_ok() {}
    let mut rest = [0u8; 64];
    while matches!(first.get_mut().read(&mut rest), Ok(read) if read > 0) {}
    let mut third = websocket(addr, "/")?;
    send(&mut third, Message::text("my turn"))?;
    expect_text(&mut third, "the echo", "my turn", "RFC 6455 section 5.6")?;
    report.pass("after one client left, a new one was let in");
    Ok(())
}

/// A 503 with `Retry-After` and a plain-text reason.
fn check_busy(what: &str, response: &Response) -> Result<(), Failure> {
    let expects = "`503 Service Unavailable` with a Retry-After header and a plain-text reason";
    let rule = "RFC 6455 section 4.2.2 (with RFC 9110 section 15.6.4)";
    if response.status != Some(503) {
        return Err(Failure::new(
            format!("{what} was answered `{}`", response.status_line),
            rule,
            expects,
        ));
    }
    if response.header("Retry-After").is_none() || response.body_text().is_empty() {
        return Err(Failure::new(
            format!("{what} got a 503 without a Retry-After header or without a reason"),
            rule,
            expects,
        ));
    }
    Ok(())
}

// ---- Exercises 5.1 and 5.2 ----

fn check_5_1(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    let [mut alice, mut bob, mut carol] = chatters(addr)?;
    send(&mut alice, Message::text("/whisper bob psst"))?;
    send(&mut alice, Message::text("hello all"))?;
    let expects = "`alice whispers: psst` for bob, and nothing of it for anyone else";
    expect_said(&mut bob, "bob", "alice whispers: psst", expects)?;
    report.pass("alice's `/whisper bob psst` reached bob as `alice whispers: psst`");
    expect_said(&mut carol, "carol", "alice: hello all", expects)?;
    expect_said(&mut alice, "alice", "alice: hello all", expects)?;
    report.pass("carol and alice saw only the next line, `alice: hello all`");
    send(&mut alice, Message::text("/whisper dave hi"))?;
    expect_said(
        &mut alice,
        "alice",
        "no one here is called dave",
        "`no one here is called dave` for alice only",
    )?;
    report.pass("a whisper to someone absent told the sender `no one here is called dave`");
    Ok(())
}

fn check_5_2(addr: SocketAddr, report: &mut Report) -> Result<(), Failure> {
    let [mut alice, mut bob, _carol] = chatters(addr)?;
    send(&mut bob, Message::text("/who"))?;
    let expects = "`online: alice, bob, carol` for bob only";
    expect_said(&mut bob, "bob", "online: alice, bob, carol", expects)?;
    report.pass("bob's `/who` got `online: alice, bob, carol`");
    send(&mut alice, Message::text("hi"))?;
    expect_said(&mut alice, "alice", "alice: hi", expects)?;
    report.pass("alice did not see bob's /who: her next line was her own `alice: hi`");
    Ok(())
}

/// alice, bob and carol, joined in that order.
fn chatters(addr: SocketAddr) -> Result<[WebSocket<TcpStream>; 3], Failure> {
    Ok([
        websocket(addr, "/?name=alice")?,
        websocket(addr, "/?name=bob")?,
        websocket(addr, "/?name=carol")?,
    ])
}

fn expect_said(
    socket: &mut WebSocket<TcpStream>,
    who: &str,
    expected: &str,
    expects: &str,
) -> Result<(), Failure> {
    let text = next_text(socket, who)?;
    if text == expected {
        return Ok(());
    }
    Err(Failure::new(
        format!("{who} received `{text}` where `{expected}` was due"),
        EXERCISE,
        expects,
    ))
}

// ---- A WebSocket client: tungstenite, with a timeout on every read ----

fn websocket(addr: SocketAddr, path: &str) -> Result<WebSocket<TcpStream>, Failure> {
    let stream = wire::connect(addr)
        .map_err(|error| unreachable("connecting", format!("could not be reached: {error}")))?;
    match tungstenite::client(format!("ws://{addr}{path}"), stream) {
        Ok((socket, _)) => Ok(socket),
        Err(error) => Err(Failure::new(
            format!(
                "tungstenite, an independent client, could not open ws://{addr}{path}: {error}"
            ),
            HANDSHAKE,
            "a 101 that a real client accepts",
        )),
    }
}

fn websocket_failure(what: &str, error: tungstenite::Error) -> Failure {
    let error = match error {
        tungstenite::Error::Io(io) if wire::is_timeout(&io) => {
            format!("nothing arrived within {} s", wire::READ_TIMEOUT.as_secs())
        }
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            "the connection was closed".to_owned()
        }
        other => other.to_string(),
    };
    Failure::new(
        format!("{what}: {error}"),
        "RFC 6455 section 5",
        "the connection to stay open",
    )
}

fn send(socket: &mut WebSocket<TcpStream>, message: Message) -> Result<(), Failure> {
    socket
        .send(message)
        .map_err(|error| websocket_failure("sending", error))
}

/// The next text or binary message (pings and pongs are answered and skipped).
fn next_message(socket: &mut WebSocket<TcpStream>, who: &str) -> Result<Message, Failure> {
    loop {
        match socket.read() {
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
            Ok(message) => return Ok(message),
            Err(error) => return Err(websocket_failure(&format!("waiting for {who}"), error)),
        }
    }
}

fn next_text(socket: &mut WebSocket<TcpStream>, who: &str) -> Result<String, Failure> {
    match next_message(socket, who)? {
        Message::Text(text) => Ok(text.as_str().to_owned()),
        other => Err(Failure::new(
            format!("{who} got {other:?} where a text message was due"),
            "RFC 6455 section 5.6",
            "a text frame (opcode 0x1)",
        )),
    }
}

fn expect_text(
    socket: &mut WebSocket<TcpStream>,
    who: &str,
    expected: &str,
    rule: &str,
) -> Result<(), Failure> {
    let text = next_text(socket, who)?;
    if text == expected {
        return Ok(());
    }
    Err(Failure::new(
        format!("`{expected}` was answered with `{text}`"),
        rule,
        format!("`{expected}` echoed as text"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exercise_has_a_distinct_number() {
        let mut ids: Vec<&str> = EXERCISES.iter().map(|exercise| exercise.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), 8);
        assert!(find("3.2").is_some());
        assert!(find("9.9").is_none());
    }

    #[test]
    fn reads_a_stats_page() {
        assert_eq!(parse_stats("connections: 2\nmessages: 3\n"), Some((2, 3)));
        assert_eq!(
            parse_stats("messages: 3\nuptime: 5\nconnections: 0"),
            Some((0, 3))
        );
        assert_eq!(parse_stats("connections: two\nmessages: 3"), None);
        assert_eq!(parse_stats("this is a WebSocket server"), None);
    }

    fn response(text: &str) -> Response {
        wire::parse_response(text.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn a_wrong_accept_key_is_quoted_with_the_right_one() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let bad = response(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n",
        );
        let failure = check_switching_protocols(&bad, key).unwrap_err();
        assert!(failure.to_string().contains("was `AAAA`"), "{failure}");
        assert!(
            failure
                .to_string()
                .ends_with("= `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`"),
            "{failure}"
        );
        let good = response(
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
        );
        assert_eq!(check_switching_protocols(&good, key), Ok(()));
    }

    #[test]
    fn a_refusal_needs_its_status_and_a_reason() {
        let good = response(
            "HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\nSec-WebSocket-Version: 13\r\n\r\nversion 13 only\n",
        );
        assert_eq!(check_refusal("v8", &good, 426, "section 4.2.2"), Ok(()));
        let no_version = response(
            "HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\n\r\nversion 13 only\n",
        );
        assert!(check_refusal("v8", &no_version, 426, "section 4.2.2").is_err());
        let silent = response("HTTP/1.1 400 Bad Request\r\n\r\n");
        assert!(check_refusal("no key", &silent, 400, "section 4.2.1").is_err());
        let upgraded = response("HTTP/1.1 101 Switching Protocols\r\n\r\n");
        let failure = check_refusal("no key", &upgraded, 400, "section 4.2.1").unwrap_err();
        assert_eq!(failure.rule, "RFC 6455 section 4.2.1");
    }

    #[test]
    fn busy_means_503_with_retry_after() {
        let good = response("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\r\nfull\n");
        assert_eq!(check_busy("c", &good), Ok(()));
        let bare = response("HTTP/1.1 503 Service Unavailable\r\n\r\nfull\n");
        assert!(check_busy("c", &bare).is_err());
    }
}
