//! Listing 5-2 against independent clients: a line reaches every member, and (run through
//! the package's own `slow-reader-demo`) one member that never reads stalls everyone.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_listing-05-02"))
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
fn a_line_reaches_every_member() {
    let (_server, addr) = start();
    let mut alice = connect(&addr);
    let mut bob = connect(&addr);
    alice.send(Message::text("Hello, Bob!")).expect("send");
    assert_eq!(read_text(&mut bob), "Hello, Bob!");
    assert_eq!(read_text(&mut alice), "Hello, Bob!");
    bob.send(Message::text("Hi, Alice!")).expect("send");
    assert_eq!(read_text(&mut alice), "Hi, Alice!");
    assert_eq!(read_text(&mut bob), "Hi, Alice!");
}

#[test]
fn a_member_that_never_reads_stalls_the_room() {
    let (_server, addr) = start();
    let demo = Command::new(env!("CARGO_BIN_EXE_slow-reader-demo"))
        .arg(&addr)
        .output()
        .expect("the demo runs");
    let said = String::from_utf8_lossy(&demo.stdout);
    assert!(demo.status.success(), "{said}");
    let stalled = said
        .lines()
        .find_map(|line| line.strip_prefix("Bob heard messages 1 to "));
    assert!(stalled.is_some(), "Bob was never stalled:\n{said}");
    assert!(said.contains("did not reach Bob within 2 s"), "{said}");
    // Once the slow reader reads, the stuck write finishes and the room goes on.
    assert!(
        said.contains("Bob hears message ") && said.trim_end().ends_with(": true"),
        "{said}"
    );
}
