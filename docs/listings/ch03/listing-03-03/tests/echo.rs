//! The real listing 3-3 on a free port, driven by tungstenite (an independent client):
//! text in all three length forms comes back unchanged, a close is answered with the same
//! code, and what the listing does not speak (binary, here) is refused with close 1003.

use std::net::{SocketAddr, TcpStream};

use testkit::{ServerProcess, connect_raw};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

const LISTING: &str = env!("CARGO_BIN_EXE_listing-03-03");

fn connect(addr: SocketAddr) -> WebSocket<TcpStream> {
    // `connect_raw` puts a deadline on every read and write of the socket.
    tungstenite::client(format!("ws://{addr}/"), connect_raw(addr))
        .expect("tungstenite accepts the 101")
        .0
}

fn close_code(socket: &mut WebSocket<TcpStream>) -> Option<CloseCode> {
    match socket.read() {
        Ok(Message::Close(frame)) => frame.map(|frame| frame.code),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[test]
fn text_in_every_length_form_comes_back() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let mut socket = connect(server.addr());
    // 7-bit, 16-bit and 64-bit lengths, both ways.
    for length in [5, 200, 70_000] {
        let text = "x".repeat(length - 5) + "Hello";
        socket.send(Message::text(text.clone())).expect("send");
        assert_eq!(socket.read().expect("an echo"), Message::text(text));
    }
    socket.close(None).expect("close");
    assert_eq!(
        close_code(&mut socket),
        None,
        "an empty close gets an empty close"
    );
    // One client at a time, and then the next one.
    let mut second = connect(server.addr());
    second.send(Message::text("Привет!")).expect("send");
    assert_eq!(second.read().expect("an echo"), Message::text("Привет!"));
}

#[test]
fn a_close_code_is_echoed() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let mut socket = connect(server.addr());
    socket
        .close(Some(tungstenite::protocol::CloseFrame {
            code: CloseCode::Away,
            reason: "bye".into(),
        }))
        .expect("close");
    assert_eq!(close_code(&mut socket), Some(CloseCode::Away));
    server.wait_for_line("closed").expect("a log line");
}

#[test]
fn binary_is_refused_with_1003() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let mut socket = connect(server.addr());
    socket.send(Message::binary(vec![1, 2, 3])).expect("send");
    assert_eq!(close_code(&mut socket), Some(CloseCode::Unsupported));
    // The server is free for the next client.
    let mut next = connect(server.addr());
    next.send(Message::text("still here")).expect("send");
    assert_eq!(next.read().expect("an echo"), Message::text("still here"));
}
