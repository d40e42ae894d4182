//! A small blocking command-line WebSocket client built on the `frame` crate: it shows the
//! client's side of the protocol (a random key checked against the server's answer, every
//! frame masked). Each line typed on stdin is sent as a text message; every message that
//! arrives is printed after `< `, and the close code at the end.
//!
//! `cargo run -p frame --example wsclient -- ws://127.0.0.1:7776/`

#![forbid(unsafe_code)]

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cli::Flag;
use frame::handshake::{client_request, verify_accept};
use frame::http::MAX_HEAD_BYTES;
// `log` rather than `println!`: piping the output into `head` must not panic.
use cli::log::log;
use frame::mask::random_u64;
use frame::{CloseCode, Connection, Event, Limits, Role};

const ABOUT: &str = "send each line of stdin as a text message, print what arrives";

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
];

/// What the command line asks for after the URL.
struct Options {
    close_code: CloseCode,
    linger: Duration,
    verbose: bool,
}

/// A connection shared by the stdin thread (sending) and the main thread (receiving).
type Shared = Arc<Mutex<(Connection, TcpStream)>>;

fn main() {
    let args = cli::parse_with_operand_or_exit("wsclient", ABOUT, FLAGS, "ws://HOST:PORT/PATH");
    let options = Options {
        close_code: CloseCode::from(args.value_or_exit::<u16>("close-code")),
        linger: Duration::from_secs_f64(args.value_or_exit::<f64>("linger").max(0.0)),
        verbose: args.switch("verbose"),
    };
    let url = args.operand().expect("the operand is required");
    if let Err(problem) = run(url, &options) {
        eprintln!("wsclient: {problem}");
        std::process::exit(1);
    }
}

fn run(url: &str, options: &Options) -> Result<(), String> {
    let (host, path) = split_url(url)?;
    let mut stream = TcpStream::connect(host)
        .map_err(|e| format!("cannot connect to {host}: {}", cli::describe_io_error(&e)))?;
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&random_u64().to_ne_bytes());
    nonce[8..].copy_from_slice(&random_u64().to_ne_bytes());
    let (request, key) = client_request(host, &path, nonce);
    stream.write_all(&request).map_err(|e| e.to_string())?;
    let leftover = read_response_head(&mut stream, &key)?;
    log(format_args!("connected to {url}"));

    let mut connection = Connection::new(Role::Client, Limits::default());
    if options.verbose {
        connection.record_dissections();
    }
    let writer = stream.try_clone().map_err(|e| e.to_string())?;
    let shared: Shared = Arc::new(Mutex::new((connection, writer)));
    // The first frames may have arrived in the same read as the 101: handle them now.
    if handle_bytes(&shared, &leftover)? {
        return Ok(());
    }
    send_stdin_lines(shared.clone(), options.close_code, options.linger);

    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match stream.read(&mut buffer) {
            Ok(0) => {
                log("the server closed TCP without a close frame (a browser reports 1006)");
                return Ok(());
            }
            Ok(read) => read,
            Err(error) => return Err(format!("read failed: {}", cli::describe_io_error(&error))),
        };
        if handle_bytes(&shared, &buffer[..read])? {
            return Ok(());
        }
    }
}

/// Feeds received bytes to the connection, prints what they held and sends what the
/// connection queued (pongs, the close reply). Returns true once the connection is closed.
fn handle_bytes(shared: &Shared, bytes: &[u8]) -> Result<bool, String> {
    let mut guard = shared.lock().map_err(|_| "lock poisoned")?;
    let (connection, writer) = &mut *guard;
    connection.receive(bytes);
    loop {
        match connection.next_event() {
            Ok(Some(event)) => print_event(&event),
            Ok(None) => break,
            Err(error) => {
                log(format_args!("protocol error from the server: {error}"));
                break;
            }
        }
    }
    print_dissections(connection);
    flush(connection, writer);
    Ok(connection.state().is_finished())
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

/// Reads the server's answer up to the blank line and checks it; returns any bytes that
/// came after it (the first frames may arrive in the same read).
fn read_response_head(stream: &mut TcpStream, key: &str) -> Result<Vec<u8>, String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).into_owned();
            verify_accept(&head, key)?;
            return Ok(received[end + 4..].to_vec());
        }
        if received.len() > MAX_HEAD_BYTES {
            return Err("the server's response head is too large".into());
        }
        match stream.read(&mut buffer) {
            Ok(0) => return Err("the server closed the connection during the handshake".into()),
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(error) => return Err(error.to_string()),
        }
    }
}

fn print_event(event: &Event) {
    match event {
        Event::Text(text) => log(format_args!("< {text}")),
        Event::Binary(bytes) => log(format_args!("< binary message of {} bytes", bytes.len())),
        Event::Ping(_) => log("< ping (answered with a pong)"),
        Event::Pong(_) => log("< pong"),
        Event::Close(Some(frame)) if frame.reason.is_empty() => {
            log(format_args!("closed {}", frame.code))
        }
        Event::Close(Some(frame)) => log(format_args!("closed {}: {}", frame.code, frame.reason)),
        Event::Close(None) => log("closed without a status code (reported as 1005)"),
    }
}

fn print_dissections(connection: &mut Connection) {
    for dissection in connection.take_dissections() {
        log(&dissection);
    }
}

/// Writes whatever the connection queued. A failed write ends the program the same way a
/// read failure does, on the next read.
fn flush(connection: &mut Connection, writer: &mut TcpStream) {
    let pending = connection.pending_output().len();
    if pending > 0 && writer.write_all(connection.pending_output()).is_ok() {
        connection.consume_output(pending);
    }
}

/// One thread reads stdin, because a blocking read of the socket in the main thread
/// cannot also wait for the keyboard. When stdin ends it waits `linger` (so that replies to
/// the last lines are printed before our close frame) and closes.
fn send_stdin_lines(shared: Shared, close_code: CloseCode, linger: Duration) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let Ok(mut guard) = shared.lock() else { return };
            let (connection, writer) = &mut *guard;
            connection.send_text(&line);
            print_dissections(connection);
            flush(connection, writer);
        }
        std::thread::sleep(linger);
        if let Ok(mut guard) = shared.lock() {
            let (connection, writer) = &mut *guard;
            connection.close(close_code, "");
            print_dissections(connection);
            flush(connection, writer);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::split_url;

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
}
