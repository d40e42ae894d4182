//! Listing 4-2 against an independent client (tungstenite): one thread serves several
//! clients at once, so a quiet client does not hold up the others.

use std::net::TcpStream;

use testkit::ServerProcess;
use testkit::tungstenite_client::{self, read_text};
use tungstenite::{Message, WebSocket};

/// Starts the listing on a port the OS picks (testkit reads it from the `Listening on`
/// line and kills the process when the test ends, however it ends).
fn start() -> (ServerProcess, String) {
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_listing-04-02"), &["127.0.0.1:0"]);
    let addr = server.addr().to_string();
    (server, addr)
}

fn connect(addr: &str) -> WebSocket<TcpStream> {
    tungstenite_client::connect(&format!("ws://{addr}/"))
}

#[test]
fn serves_two_clients_at_once() {
    let (_server, addr) = start();
    let mut first = connect(&addr);
    assert_eq!(read_text(&mut first), "Hello from listing 4-2");

    // The first client stays connected and silent; the second is served all the same.
    let mut second = connect(&addr);
    assert_eq!(read_text(&mut second), "Hello from listing 4-2");
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
