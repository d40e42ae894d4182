//! What the echo-server's integration tests share: start the real binary on a free port
//! with a time limit (so it stops even if a test process dies), and read one message with
//! a clear failure instead of a hang. Every socket has testkit's timeouts.

use std::net::TcpStream;

use testkit::ServerProcess;

pub use testkit::tungstenite_client::{connect, try_connect};
use tungstenite::{Message, WebSocket};

/// The binary under test, built by cargo for the integration tests.
pub const PROGRAM: &str = env!("CARGO_BIN_EXE_echo-server");

/// Starts the echo server on 127.0.0.1 with an OS-chosen port, a 120 s time limit, and
/// `extra` flags (given later, so they win over these defaults).
pub fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--addr", "127.0.0.1:0", "--time-limit", "120"];
    args.extend_from_slice(extra);
    ServerProcess::start(PROGRAM, &args)
}

/// A pure echo server: no greeting before the first echo.
pub fn start_pure_echo() -> ServerProcess {
    start(&["--no-greeting"])
}

/// Sends `message` and returns the next message the server sends.
pub fn round_trip(socket: &mut WebSocket<TcpStream>, message: Message) -> Message {
    socket.send(message).expect("send");
    socket.read().expect("read the echo")
}

/// The instance id the server printed at start-up (`echo-server instance <id>`).
pub fn instance_id(server: &ServerProcess) -> String {
    let line = server
        .wait_for_line("echo-server instance ")
        .expect("the start-up names the instance");
    line.rsplit(' ').next().expect("a last word").to_owned()
}

/// The server's resident memory in KiB, from /proc (Linux).
pub fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc status")
}

/// Splits a raw HTTP response into its head (status line and headers) and body.
pub fn split_response(response: &[u8]) -> (String, Vec<u8>) {
    let end = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8(response[..end].to_vec()).expect("the head is text");
    (head, response[end + 4..].to_vec())
}

/// Reads one HTTP response head (up to the blank line) from a raw socket, byte by byte
/// so that nothing after it is consumed.
pub fn read_response_head(stream: &mut TcpStream) -> String {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            other => panic!("the response head ended early: {other:?} after {head:?}"),
        }
        assert!(head.len() < 8192, "response head too long");
    }
    String::from_utf8(head).expect("the head is text")
}
