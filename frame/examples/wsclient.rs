//! A small blocking command-line WebSocket client built on the `frame` crate: it shows the
//! client's side of the protocol (a random key checked against the server's answer, every
//! frame masked) and does the everyday jobs of websocat and wscat: binary messages, pings,
//! extra headers, a subprotocol, and an exit code a script can test.
//!
//! `cargo run -p frame --example wsclient -- ws://127.0.0.1:7776/`

#![forbid(unsafe_code)]

use std::io::{BufRead, IsTerminal, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cli::Flag;
use frame::handshake::{accept_key, client_request};
use frame::http::MAX_HEAD_BYTES;
// `log` rather than `println!`: piping the output into `head` must not panic.
use cli::log::log;
use frame::mask::random_u64;
use frame::{CloseCode, Connection, Event, Limits, Role, State};

const ABOUT: &str = "send each line of stdin as a text message, print what arrives

Exit codes: 0 after a close handshake, 1 when no WebSocket opened (connection or
handshake refused), 2 on a usage error, 3 on an abnormal close (1006: TCP gone without
a close frame, or no pong), 4 when the server broke the protocol (we closed with 1002,
1007 or 1009).

Typed on a terminal (or with --commands), `/ping` sends a ping and `/close CODE REASON`
closes with that code and reason.";

const FLAGS: &[Flag] = &[
    Flag::value(
        "close-code",
        "CODE",
        "1000",
        "close code sent when stdin ends",
    ),
    Flag::value(
        "linger",
        "SECS",
        "0",
        "after stdin ends, keep printing what arrives for SECS before closing",
    ),
    Flag::switch("verbose", "dissect every frame in both directions"),
    Flag::switch(
        "binary",
        "send stdin's bytes as binary messages (one per read) instead of lines",
    ),
    Flag::value(
        "ping-interval",
        "SECS",
        "0",
        "send a ping every SECS; no pong by the next one ends with exit 3 (0: never)",
    ),
    Flag::value(
        "header",
        "'NAME: VALUE'",
        "",
        "add a header to the upgrade request, e.g. 'Origin: http://x' (repeatable)",
    ),
    Flag::value(
        "subprotocol",
        "NAME",
        "",
        "ask for this subprotocol in Sec-WebSocket-Protocol (repeatable)",
    ),
    Flag::switch(
        "commands",
        "read /ping and /close CODE REASON lines as commands (the default on a terminal)",
    ),
];

/// The exit codes, for scripts (see `ABOUT`).
const EXIT_NOT_OPENED: i32 = 1;
const EXIT_USAGE: i32 = 2;
const EXIT_ABNORMAL: i32 = 3;
const EXIT_PROTOCOL: i32 = 4;

/// How long the opening handshake may take, and how long we wait for the server's close
/// frame after ours (section 7.1.1 leaves the timeout to us), so that nothing hangs.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the command line asks for after the URL.
struct Options {
    close_code: CloseCode,
    linger: Duration,
    verbose: bool,
    binary: bool,
    ping_interval: Option<Duration>,
    headers: Vec<String>,
    subprotocols: Vec<String>,
    commands: bool,
}

/// Why the program stops early: the line for stderr and the exit code.
struct Failure {
    exit_code: i32,
    message: String,
}

impl Failure {
    fn new(exit_code: i32, message: impl Into<String>) -> Failure {
        Failure {
            exit_code,
            message: message.into(),
        }
    }
}

/// The connection and what both threads need to know about it.
struct Session {
    connection: Connection,
    writer: TcpStream,
    /// A ping of ours is out and its pong has not come back.
    awaiting_pong: bool,
    /// The rule the server broke, once we failed the connection for it.
    broken_rule: Option<String>,
}

/// Shared by the stdin thread (sending), the ping thread and the main thread (receiving).
type Shared = Arc<Mutex<Session>>;

fn main() {
    let args = cli::parse_with_operand_or_exit("wsclient", ABOUT, FLAGS, "ws://HOST:PORT/PATH");
    let headers = args.all("header");
    if let Some(bad) = headers.iter().find(|header| !valid_header(header)) {
        eprintln!("wsclient: --header {bad:?} is not 'Name: value' (try --help)");
        std::process::exit(EXIT_USAGE);
    }
    let ping_secs = args.value_or_exit::<f64>("ping-interval");
    let options = Options {
        close_code: CloseCode::from(args.value_or_exit::<u16>("close-code")),
        linger: Duration::from_secs_f64(args.value_or_exit::<f64>("linger").max(0.0)),
        verbose: args.switch("verbose"),
        binary: args.switch("binary"),
        ping_interval: (ping_secs > 0.0).then(|| Duration::from_secs_f64(ping_secs)),
        headers,
        subprotocols: args.all("subprotocol"),
        commands: args.switch("commands") || std::io::stdin().is_terminal(),
    };
    let url = args.operand().expect("the operand is required");
    if let Err(failure) = run(url, &options) {
        eprintln!("wsclient: {}", failure.message);
        std::process::exit(failure.exit_code);
    }
}

/// A header line we can send: a token name, a colon, and no line breaks (which would let
/// the value forge more headers).
fn valid_header(header: &str) -> bool {
    match header.split_once(':') {
        Some((name, value)) => {
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
                && !value.contains(['\r', '\n'])
        }
        None => false,
    }
}

fn run(url: &str, options: &Options) -> Result<(), Failure> {
    let (host, path) = split_url(url).map_err(|message| Failure::new(EXIT_USAGE, message))?;
    let not_opened = |message: String| Failure::new(EXIT_NOT_OPENED, message);
    let mut stream = TcpStream::connect(host).map_err(|e| {
        not_opened(format!(
            "cannot connect to {host}: {}",
            cli::describe_io_error(&e)
        ))
    })?;
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&random_u64().to_ne_bytes());
    nonce[8..].copy_from_slice(&random_u64().to_ne_bytes());
    let (request, key) = client_request(host, &path, nonce);
    let request = with_headers(request, options);
    stream
        .write_all(&request)
        .map_err(|e| not_opened(format!("cannot send the upgrade request: {e}")))?;
    let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let (leftover, protocol) = read_response_head(&mut stream, &key, &options.subprotocols)?;
    let _ = stream.set_read_timeout(None);
    log(format_args!("connected to {url}"));
    if !options.subprotocols.is_empty() {
        log(format_args!(
            "subprotocol: {}",
            protocol
                .as_deref()
                .unwrap_or("none (the server chose none)")
        ));
    }

    let mut connection = Connection::new(Role::Client, Limits::default());
    if options.verbose {
        connection.record_dissections();
    }
    let writer = stream.try_clone().map_err(|e| not_opened(e.to_string()))?;
    let shared: Shared = Arc::new(Mutex::new(Session {
        connection,
        writer,
        awaiting_pong: false,
        broken_rule: None,
    }));
    // The first frames may have arrived in the same read as the 101: handle them now.
    if handle_bytes(&shared, &leftover) {
        return finish(&shared, &mut stream);
    }
    send_stdin(shared.clone(), options);
    if let Some(interval) = options.ping_interval {
        send_pings(shared.clone(), interval);
    }

    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match stream.read(&mut buffer) {
            Ok(0) => {
                log("the server closed TCP without a close frame (a browser reports 1006)");
                return Err(Failure::new(
                    EXIT_ABNORMAL,
                    "abnormal closure 1006: TCP ended before the close handshake (RFC 6455 7.1.5)",
                ));
            }
            Ok(read) => read,
            Err(error) => {
                return Err(Failure::new(
                    EXIT_ABNORMAL,
                    format!(
                        "abnormal closure 1006: read failed: {}",
                        cli::describe_io_error(&error)
                    ),
                ));
            }
        };
        if handle_bytes(&shared, &buffer[..read]) {
            return finish(&shared, &mut stream);
        }
    }
}

/// The connection ended. The server closes TCP first (section 7.1.1): wait for that,
/// briefly, so our last frame is not lost to a reset, then report.
fn finish(shared: &Shared, stream: &mut TcpStream) -> Result<(), Failure> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buffer = [0u8; 4096];
    while matches!(stream.read(&mut buffer), Ok(read) if read > 0) {}
    let _ = stream.shutdown(Shutdown::Both);
    let session = shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match (&session.broken_rule, session.connection.state()) {
        (Some(rule), _) => Err(Failure::new(EXIT_PROTOCOL, rule.clone())),
        (None, State::Failed) => Err(Failure::new(EXIT_PROTOCOL, "the connection failed")),
        _ => Ok(()),
    }
}

/// The request from `client_request` with the user's headers and subprotocols added
/// before the blank line that ends it.
fn with_headers(request: Vec<u8>, options: &Options) -> Vec<u8> {
    let mut text = String::from_utf8(request).expect("client_request writes ASCII");
    text.truncate(text.len() - 2);
    for header in &options.headers {
        let (name, value) = header.split_once(':').expect("checked in main");
        text.push_str(&format!("{}: {}\r\n", name.trim(), value.trim()));
    }
    if !options.subprotocols.is_empty() {
        text.push_str(&format!(
            "Sec-WebSocket-Protocol: {}\r\n",
            options.subprotocols.join(", ")
        ));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// Feeds received bytes to the connection, prints what they held and sends what the
/// connection queued (pongs, the close reply). Returns true once the connection is
/// finished.
fn handle_bytes(shared: &Shared, bytes: &[u8]) -> bool {
    let mut guard = shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let session = &mut *guard;
    session.connection.receive(bytes);
    loop {
        match session.connection.next_event() {
            Ok(Some(Event::Pong(payload))) => {
                session.awaiting_pong = false;
                print_event(&Event::Pong(payload));
            }
            Ok(Some(event)) => print_event(&event),
            Ok(None) => break,
            Err(error) => {
                // "Fail the WebSocket Connection" (section 7.1.7): the close frame with
                // the rule's code is queued; the exit code tells a script.
                session.broken_rule = Some(format!(
                    "the server broke the protocol: {error}; we closed with {}",
                    error.close_code()
                ));
                break;
            }
        }
    }
    print_dissections(&mut session.connection);
    flush(&mut session.connection, &mut session.writer);
    // After a protocol error our close is sent; `finish` gives the server its moment to
    // answer and close TCP first, and nothing the server sends now changes the outcome.
    session.connection.state().is_finished() || session.broken_rule.is_some()
}

/// `ws://host:port/path?query` into `("host:port", "/path?query")`; the article's
/// `ws://localhost:8080?name=Bogdan` (no slash) gets the `/` HTTP requires.
fn split_url(url: &str) -> Result<(&str, String), String> {
    if url.starts_with("wss://") {
        return Err("wss:// needs TLS, which this teaching client does not speak".into());
    }
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| format!("{url} is not a ws:// URL"))?;
    let (host, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    if host.is_empty() {
        return Err(format!("{url} has no host"));
    }
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    Ok((host, path))
}

/// Reads the server's answer up to the blank line and checks it (section 4.1, the
/// client's side); returns any bytes that came after it (the first frames may arrive in
/// the same read) and the subprotocol the server chose.
fn read_response_head(
    stream: &mut TcpStream,
    key: &str,
    offered: &[String],
) -> Result<(Vec<u8>, Option<String>), Failure> {
    let not_opened = |message: String| Failure::new(EXIT_NOT_OPENED, message);
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).into_owned();
            let protocol = check_response(&head, key, offered).map_err(not_opened)?;
            return Ok((received[end + 4..].to_vec(), protocol));
        }
        if received.len() > MAX_HEAD_BYTES {
            return Err(not_opened("the server's response head is too large".into()));
        }
        match stream.read(&mut buffer) {
            Ok(0) => {
                return Err(not_opened(
                    "the server closed the connection during the handshake".into(),
                ));
            }
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(error) if cli::io_errors::timed_out(&error) => {
                return Err(not_opened(format!(
                    "no answer to the upgrade request within {} s",
                    HANDSHAKE_TIMEOUT.as_secs()
                )));
            }
            Err(error) => return Err(not_opened(error.to_string())),
        }
    }
}

/// The checks of section 4.1 that a client makes of the server's answer, each failing
/// with the rule it broke. Returns the subprotocol the server chose, if any.
fn check_response(head: &str, key: &str, offered: &[String]) -> Result<Option<String>, String> {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    if status_line.split(' ').nth(1) != Some("101") {
        return Err(format!("the server refused the upgrade: {status_line}"));
    }
    let headers: Vec<(&str, &str)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    let value = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| *value)
    };
    if !value("Upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return Err("the 101 has no 'Upgrade: websocket' (RFC 6455 4.1)".into());
    }
    let connection_upgrade = value("Connection").is_some_and(|v| {
        v.split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
    });
    if !connection_upgrade {
        return Err("the 101 has no 'Connection: Upgrade' (RFC 6455 4.1)".into());
    }
    let expected = accept_key(key);
    if value("Sec-WebSocket-Accept") != Some(expected.as_str()) {
        return Err(format!(
            "Sec-WebSocket-Accept is missing or is not {expected} (RFC 6455 4.1)"
        ));
    }
    match value("Sec-WebSocket-Protocol") {
        None => Ok(None),
        Some(chosen) if offered.iter().any(|name| name == chosen) => Ok(Some(chosen.to_owned())),
        Some(chosen) => Err(format!(
            "the server chose subprotocol {chosen:?}, which we did not offer (RFC 6455 4.1)"
        )),
    }
}

fn print_event(event: &Event) {
    match event {
        Event::Text(text) => log(format_args!("< {text}")),
        Event::Binary(bytes) => log(format_args!(
            "< binary message of {} bytes: {}",
            bytes.len(),
            hex(bytes)
        )),
        Event::Ping(_) => log("< ping (answered with a pong)"),
        Event::Pong(_) => log("< pong"),
        Event::Close(Some(frame)) if frame.reason.is_empty() => {
            log(format_args!("closed {}", frame.code))
        }
        Event::Close(Some(frame)) => log(format_args!("closed {}: {}", frame.code, frame.reason)),
        Event::Close(None) => log("closed without a status code (reported as 1005)"),
    }
}

/// `68 69`: the first 64 bytes in hex, then `...` if there are more.
fn hex(bytes: &[u8]) -> String {
    const SHOWN: usize = 64;
    let mut text = bytes[..bytes.len().min(SHOWN)]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    if bytes.len() > SHOWN {
        text.push_str(" ...");
    }
    text
}

fn print_dissections(connection: &mut Connection) {
    for dissection in connection.take_dissections() {
        log(&dissection);
    }
}

/// Writes whatever the connection queued. A failed write ends the program the same way a
/// read failure does, on the next read.
fn flush(connection: &mut Connection, writer: &mut TcpStream) {
    loop {
        let pending = connection.pending_output().len();
        if pending == 0 || writer.write_all(connection.pending_output()).is_err() {
            return;
        }
        connection.consume_output(pending);
    }
}

/// Runs `action` on the session and sends what it queued.
fn with_session(shared: &Shared, action: impl FnOnce(&mut Session)) {
    let mut guard = shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let session = &mut *guard;
    action(session);
    print_dissections(&mut session.connection);
    flush(&mut session.connection, &mut session.writer);
}

/// One thread reads stdin, because a blocking read of the socket in the main thread
/// cannot also wait for the keyboard. When stdin ends it waits `linger` (so that replies to
/// the last lines are printed before our close frame), closes, and gives the server
/// `CLOSE_TIMEOUT` to answer.
fn send_stdin(shared: Shared, options: &Options) {
    let (binary, commands, linger, close_code) = (
        options.binary,
        options.commands,
        options.linger,
        options.close_code,
    );
    std::thread::spawn(move || {
        let closed_by_command = if binary {
            send_stdin_bytes(&shared);
            false
        } else {
            send_stdin_lines(&shared, commands)
        };
        if !closed_by_command {
            std::thread::sleep(linger);
            with_session(&shared, |session| session.connection.close(close_code, ""));
        }
        let started = Instant::now();
        while started.elapsed() < CLOSE_TIMEOUT {
            std::thread::sleep(Duration::from_millis(50));
            let finished = shared
                .lock()
                .map(|session| session.connection.state().is_finished())
                .unwrap_or(true);
            if finished {
                return;
            }
        }
        eprintln!(
            "wsclient: abnormal closure 1006: no close frame from the server within {} s of ours (RFC 6455 7.1.1)",
            CLOSE_TIMEOUT.as_secs()
        );
        std::process::exit(EXIT_ABNORMAL);
    });
}

/// Each line a text message, or a command. Returns true when `/close` closed the
/// connection.
fn send_stdin_lines(shared: &Shared, commands: bool) -> bool {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if commands {
            if let Some(rest) = command(&line, "/ping") {
                with_session(shared, |session| {
                    session.connection.send_ping(rest.as_bytes())
                });
                continue;
            }
            if let Some(rest) = command(&line, "/close") {
                let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
                let code = if code.is_empty() {
                    Ok(1000)
                } else {
                    code.parse::<u16>()
                };
                match code {
                    Ok(code) => {
                        with_session(shared, |session| {
                            session.connection.close(CloseCode::from(code), reason)
                        });
                        return true;
                    }
                    Err(_) => {
                        eprintln!("wsclient: /close takes a number: /close 1000 bye");
                        continue;
                    }
                }
            }
        }
        with_session(shared, |session| session.connection.send_text(&line));
    }
    false
}

/// `/ping`, `/ping hello` -> `Some("")`, `Some("hello")`; anything else `None`.
fn command<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(name)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix(' ')
    }
}

/// Each read of stdin one binary message: a pipe gives what was written at once.
fn send_stdin_bytes(shared: &Shared) {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut stdin = std::io::stdin().lock();
    loop {
        match stdin.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(read) => with_session(shared, |session| {
                session.connection.send_binary(&buffer[..read])
            }),
        }
    }
}

/// A heartbeat: a ping every `interval`; a ping still unanswered when the next is due
/// means the server (or the path to it) is gone, even though TCP has not noticed yet.
fn send_pings(shared: Shared, interval: Duration) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(interval);
            let mut guard = shared
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let session = &mut *guard;
            if !session.connection.state().is_open() {
                return;
            }
            if session.awaiting_pong {
                eprintln!(
                    "wsclient: no pong within {:.1} s: the connection is dead (reported as 1006)",
                    interval.as_secs_f64()
                );
                let _ = session.writer.shutdown(Shutdown::Both);
                std::process::exit(EXIT_ABNORMAL);
            }
            session.connection.send_ping(b"wsclient");
            session.awaiting_pong = true;
            print_dissections(&mut session.connection);
            flush(&mut session.connection, &mut session.writer);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{check_response, command, hex, split_url, valid_header};

    #[test]
    fn urls_split_into_host_and_path() {
        assert_eq!(
            split_url("ws://127.0.0.1:7776/"),
            Ok(("127.0.0.1:7776", "/".into()))
        );
        assert_eq!(
            split_url("ws://127.0.0.1:7776"),
            Ok(("127.0.0.1:7776", "/".into()))
        );
        assert_eq!(
            split_url("ws://localhost:8080?name=Bogdan"),
            Ok(("localhost:8080", "/?name=Bogdan".into()))
        );
        assert!(split_url("wss://echo.websocket.org").is_err());
        assert!(split_url("http://example.com").is_err());
        assert!(split_url("ws:///path").is_err());
    }

    #[test]
    fn headers_commands_and_hex() {
        assert!(valid_header("Origin: http://127.0.0.1:7776"));
        assert!(!valid_header("Origin http://x"));
        assert!(!valid_header(": x"));
        assert!(!valid_header("X: a\r\nEvil: b"));
        assert_eq!(command("/ping", "/ping"), Some(""));
        assert_eq!(command("/ping hi", "/ping"), Some("hi"));
        assert_eq!(command("/pingpong", "/ping"), None);
        assert_eq!(hex(b"hi"), "68 69");
        assert!(hex(&[0; 65]).ends_with(" ..."));
    }

    #[test]
    fn responses_are_checked_as_section_4_1_asks() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
        assert_eq!(check_response(good, key, &[]), Ok(None));
        let chat = format!("{good}\r\nSec-WebSocket-Protocol: chat");
        assert_eq!(
            check_response(&chat, key, &["chat".into()]),
            Ok(Some("chat".into()))
        );
        assert!(check_response(&chat, key, &[]).is_err());
        assert!(check_response(&good.replace("s3pP", "xxxx"), key, &[]).is_err());
        assert!(check_response("HTTP/1.1 200 OK", key, &[]).is_err());
    }
}
