//! Listing 5-2 against independent clients: a line reaches every member, and (run through
//! the package's own `slow-reader-demo`) one member that never reads stalls everyone.

use std::net::TcpStream;
use std::process::Command;

use testkit::ServerProcess;
use testkit::tungstenite_client::{self, read_text};
use tungstenite::{Message, WebSocket};

/// Starts the listing on a port the OS picks (testkit reads it from the `Listening on`
/// line and kills the process when the test ends, however it ends).
fn start() -> (ServerProcess, String) {
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_listing-05-02"), &["127.0.0.1:0"]);
    let addr = server.addr().to_string();
    (server, addr)
}

fn connect(addr: &str) -> WebSocket<TcpStream> {
    tungstenite_client::connect(&format!("ws://{addr}/"))
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
