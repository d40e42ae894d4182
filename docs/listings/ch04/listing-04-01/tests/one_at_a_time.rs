//! Listing 4-1 against an independent client (tungstenite): it echoes, and while one
//! client is connected a second one gets no answer at all, until the first leaves.

use std::io::{BufRead, BufReader, Read, Write};
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_listing-04-01"))
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
fn echoes_and_serves_one_client_at_a_time() {
    let (_server, addr) = start();
    let mut first = connect(&addr);
    assert_eq!(read_text(&mut first), "Hello from listing 4-1");
    first.send(Message::text("hello")).expect("send");
    assert_eq!(read_text(&mut first), "hello");

    // A second client: TCP connects (the kernel queues it), but no 101 comes back.
    let mut second = TcpStream::connect(&addr).expect("connect");
    second
        .write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .expect("send the request");
    second
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut byte = [0u8; 1];
    let waiting = second.read(&mut byte);
    assert!(
        waiting.is_err(),
        "the second client was answered while the first was connected"
    );

    first.close(None).expect("close");
    while first.read().is_ok() {}

    // Now the server reaches the second client: 101, then the greeting.
    second
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reply = Vec::new();
    while !reply.windows(22).any(|w| w == b"Hello from listing 4-1") {
        let mut chunk = [0u8; 512];
        let count = second.read(&mut chunk).expect("the answer within 10 s");
        assert!(
            count > 0,
            "closed early: {}",
            String::from_utf8_lossy(&reply)
        );
        reply.extend_from_slice(&chunk[..count]);
    }
    assert!(reply.starts_with(b"HTTP/1.1 101"));
}
