//! The Autobahn|Testsuite driver for `frame`'s client role: it asks the fuzzing server how
//! many cases there are, connects once per case and echoes every text and binary message
//! back, then asks the server to write its report. Messages arrive whole, because
//! `frame::Connection` reassembles fragments; pings are answered by the connection itself.
//!
//! `cargo run --release -p frame --example autobahn_client -- ws://127.0.0.1:9001`
//! (`tools/client-autobahn/run.sh` starts the fuzzing server and checks the report).

#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use frame::handshake::{client_request, verify_accept};
use frame::http::MAX_HEAD_BYTES;
use frame::mask::random_u64;
use frame::{Connection, Event, Limits, Role};

/// The agent name the report is filed under.
const AGENT: &str = "frame";

/// Section 9 sends messages of up to 16 MiB; allow more so that no case meets our limit.
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// A case that hangs must not hang the run: the fuzzing server's own cases finish in
/// seconds, so a read that waits this long means something is wrong.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

fn main() {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    if let Err(problem) = run(&base) {
        eprintln!("autobahn_client: {problem}");
        std::process::exit(1);
    }
}

fn run(base: &str) -> Result<(), String> {
    let host = base
        .strip_prefix("ws://")
        .ok_or_else(|| format!("{base} is not a ws:// URL"))?
        .trim_end_matches('/');
    let count_text =
        session(host, "/getCaseCount", false)?.ok_or("the fuzzing server sent no case count")?;
    let count: u32 = count_text
        .trim()
        .parse()
        .map_err(|_| format!("the case count {count_text:?} is not a number"))?;
    println!("{count} cases");
    for case in 1..=count {
        session(host, &format!("/runCase?case={case}&agent={AGENT}"), true)?;
        if case % 25 == 0 || case == count {
            println!("ran {case} of {count}");
        }
    }
    session(host, &format!("/updateReports?agent={AGENT}"), false)?;
    println!("report updated");
    Ok(())
}

/// One connection: echoes messages when `echo` is set, and returns the first text message
/// (the case count, for `/getCaseCount`). A case that makes the connection fail is not an
/// error of the run: failing the connection is what the case expects.
fn session(host: &str, path: &str, echo: bool) -> Result<Option<String>, String> {
    let mut stream =
        TcpStream::connect(host).map_err(|error| format!("cannot connect to {host}: {error}"))?;
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .map_err(|error| error.to_string())?;
    stream
        .set_nodelay(true)
        .map_err(|error| error.to_string())?;
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&random_u64().to_ne_bytes());
    nonce[8..].copy_from_slice(&random_u64().to_ne_bytes());
    let (request, key) = client_request(host, path, nonce);
    stream
        .write_all(&request)
        .map_err(|error| error.to_string())?;
    let leftover = read_response_head(&mut stream, &key)?;

    let mut connection = Connection::new(Role::Client, Limits::with_max_message(MAX_MESSAGE));
    let mut first_text = None;
    let mut bytes = leftover;
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        connection.receive(&bytes);
        loop {
            match connection.next_event() {
                Ok(Some(Event::Text(text))) => {
                    if echo {
                        connection.send_text(&text);
                    }
                    first_text.get_or_insert(text);
                }
                Ok(Some(Event::Binary(payload))) => {
                    if echo {
                        connection.send_binary(&payload);
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => break,
            }
        }
        if write_all_output(&mut connection, &mut stream).is_err() {
            return Ok(first_text);
        }
        if connection.state().is_finished() {
            // Section 7.1.1: the server closes TCP first; the client waits for that
            // (bounded by the read timeout) rather than racing it.
            let _ = stream.shutdown(Shutdown::Write);
            while matches!(stream.read(&mut buffer), Ok(read) if read > 0) {}
            return Ok(first_text);
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return Ok(first_text),
            Ok(read) => bytes = buffer[..read].to_vec(),
        }
    }
}

fn write_all_output(connection: &mut Connection, stream: &mut TcpStream) -> std::io::Result<()> {
    loop {
        let pending = connection.pending_output();
        if pending.is_empty() {
            return Ok(());
        }
        let length = pending.len();
        stream.write_all(pending)?;
        connection.consume_output(length);
    }
}

/// Reads the server's answer up to the blank line and checks it; returns the bytes after it.
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
