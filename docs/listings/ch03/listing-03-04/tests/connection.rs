//! The real listing 3-4 on a free port, driven by tungstenite (an independent client):
//! everything listing 3-3 refused now works (fragments with a ping between them, binary),
//! and broken input gets the close code the RFC names for it (1007 for bad UTF-8).

use std::net::{SocketAddr, TcpStream};

use testkit::{ServerProcess, connect_raw};
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tungstenite::{Message, WebSocket};

const LISTING: &str = env!("CARGO_BIN_EXE_listing-03-04");

fn connect(addr: SocketAddr) -> WebSocket<TcpStream> {
    // `connect_raw` puts a deadline on every read and write of the socket.
    tungstenite::client(format!("ws://{addr}/"), connect_raw(addr))
        .expect("tungstenite accepts the 101")
        .0
}

fn fragment(opcode: Data, payload: &[u8], is_final: bool) -> Message {
    Message::Frame(Frame::message(
        payload.to_vec(),
        OpCode::Data(opcode),
        is_final,
    ))
}

#[test]
fn fragments_pings_and_binary_work() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let mut socket = connect(server.addr());
    // RFC 6455 section 5.7: "Hello" in two fragments; a ping may come between them.
    socket
        .send(fragment(Data::Text, b"Hel", false))
        .expect("send");
    socket
        .send(Message::Ping(b"ping".to_vec().into()))
        .expect("send");
    socket
        .send(fragment(Data::Continue, b"lo", true))
        .expect("send");
    assert_eq!(
        socket.read().expect("pong"),
        Message::Pong(b"ping".to_vec().into())
    );
    assert_eq!(socket.read().expect("echo"), Message::text("Hello"));
    let bytes: Vec<u8> = (0..=255).collect();
    socket.send(Message::binary(bytes.clone())).expect("send");
    assert_eq!(socket.read().expect("echo"), Message::binary(bytes));
    socket.close(None).expect("close");
    assert!(matches!(socket.read(), Ok(Message::Close(None))));
}

#[test]
fn invalid_utf8_gets_1007() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let mut socket = connect(server.addr());
    // `f4 90` would be a character above U+10FFFF: never valid UTF-8.
    socket
        .send(fragment(Data::Text, &[0xab, 0xf4, 0x90], true))
        .expect("send");
    match socket.read() {
        Ok(Message::Close(Some(close))) => assert_eq!(close.code, CloseCode::Invalid),
        other => panic!("expected close 1007, got {other:?}"),
    }
    server.wait_for_line("failed 1007").expect("a log line");
}
