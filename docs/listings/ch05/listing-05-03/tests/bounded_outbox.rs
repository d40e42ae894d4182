//! Listing 5-3 against independent clients (tungstenite): a member that never reads is
//! closed with 1008 once its outbox is full, and the others hear every line meanwhile.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tungstenite::protocol::frame::coding::CloseCode;

use tungstenite::Message;

/// The server, killed when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the listing on a port the OS picks and reads that port from its first line.
fn start() -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_listing-05-03"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the listing starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let server = Server(child);
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    lines
        .read_line(&mut line)
        .expect("the listing prints its address");
    // Keep reading its log, so that its `println!` never meets a closed pipe.
    std::thread::spawn(move || for _ in lines.lines() {});
    let addr = line
        .trim()
        .trim_start_matches("Listening on ws://")
        .trim_end_matches('/');
    (server, addr.to_owned())
}

fn connect(addr: &str) -> tungstenite::WebSocket<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let (socket, _) = tungstenite::client(format!("ws://{addr}/"), stream).expect("handshake");
    socket
}

fn read_text(socket: &mut tungstenite::WebSocket<TcpStream>) -> String {
    match socket.read().expect("a message within 10 s") {
        Message::Text(text) => text.as_str().to_owned(),
        other => panic!("expected text, got {other:?}"),
    }
}

#[test]
fn a_slow_member_is_closed_with_1008_and_the_others_hear_everything() {
    let (_server, addr) = start();
    // Connected, and reads nothing until the end.
    let mut slow = connect(&addr);
    let mut alice = connect(&addr);
    let mut bob = connect(&addr);
    let padding = "x".repeat(64 * 1024);
    // 500 lines of 64 KiB: 32 MiB, far more than the slow member's socket buffers hold.
    for number in 0..500 {
        let line = format!("{number:05} {padding}");
        alice.send(Message::text(line.clone())).expect("send");
        assert_eq!(read_text(&mut bob), line, "Bob missed line {number}");
        assert_eq!(read_text(&mut alice), line, "Alice missed line {number}");
    }
    let close = loop {
        match slow.read().expect("the slow member's close within 10 s") {
            Message::Close(close) => break close.expect("a close code"),
            _ => continue,
        }
    };
    assert_eq!(close.code, CloseCode::Policy);
    assert!(
        close.reason.as_str().starts_with("too slow"),
        "{}",
        close.reason
    );
}
