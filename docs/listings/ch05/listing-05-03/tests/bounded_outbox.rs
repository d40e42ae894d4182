//! Listing 5-3 against independent clients (tungstenite): a member that never reads is
//! closed with 1008 once its outbox is full, and the others hear every line meanwhile.

use std::net::TcpStream;

use tungstenite::protocol::frame::coding::CloseCode;

use testkit::ServerProcess;
use testkit::tungstenite_client::{self, read_text};
use tungstenite::{Message, WebSocket};

/// Starts the listing on a port the OS picks (testkit reads it from the `Listening on`
/// line and kills the process when the test ends, however it ends).
fn start() -> (ServerProcess, String) {
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_listing-05-03"), &["127.0.0.1:0"]);
    let addr = server.addr().to_string();
    (server, addr)
}

fn connect(addr: &str) -> WebSocket<TcpStream> {
    tungstenite_client::connect(&format!("ws://{addr}/"))
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
