//! Listing 5-1 against an independent client (tungstenite): a thread per client serves
//! several clients at once, so a quiet client does not hold up the others.

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_listing-05-01"))
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
fn serves_two_clients_at_once() {
    let (_server, addr) = start();
    let mut first = connect(&addr);
    assert_eq!(read_text(&mut first), "Hello from listing 5-1");

    // The first client stays connected and silent; the second is served all the same.
    let mut second = connect(&addr);
    assert_eq!(read_text(&mut second), "Hello from listing 5-1");
    second.send(Message::text("hello")).expect("send");
    assert_eq!(read_text(&mut second), "hello");
    second.send(Message::binary(vec![0u8, 1, 2])).expect("send");
    assert_eq!(
        second.read().expect("the binary echo"),
        Message::binary(vec![0u8, 1, 2])
    );

    first.send(Message::text("Привет")).expect("send");
    assert_eq!(read_text(&mut first), "Привет");
    for socket in [&mut first, &mut second] {
        socket.close(None).expect("close");
        let ended = loop {
            match socket.read() {
                Ok(_) => continue,
                Err(error) => break error,
            }
        };
        assert!(
            matches!(ended, tungstenite::Error::ConnectionClosed),
            "{ended}"
        );
    }
}
