//! Listing 4-1 against an independent client (tungstenite): it echoes, and while one
//! client is connected a second one gets no answer at all, until the first leaves.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use testkit::ServerProcess;
use testkit::tungstenite_client::{self, read_text};
use tungstenite::{Message, WebSocket};

/// Starts the listing on a port the OS picks (testkit reads it from the `Listening on`
/// line and kills the process when the test ends, however it ends).
fn start() -> (ServerProcess, String) {
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_listing-04-01"), &["127.0.0.1:0"]);
    let addr = server.addr().to_string();
    (server, addr)
}

fn connect(addr: &str) -> WebSocket<TcpStream> {
    tungstenite_client::connect(&format!("ws://{addr}/"))
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
