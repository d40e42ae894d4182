//! A message bigger than `--max-message` (16 MiB by default) is refused with close 1009
//! (Message Too Big) as soon as a header announces it, counting every fragment; a message
//! of exactly the limit is fine.

use crate::common;

use tungstenite::Message;
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

fn expect_close(socket: &mut tungstenite::WebSocket<std::net::TcpStream>, code: CloseCode) {
    match socket.read() {
        Ok(Message::Close(Some(frame))) => assert_eq!(frame.code, code),
        other => panic!("expected close {code}, got {other:?}"),
    }
}

#[test]
fn one_byte_over_the_default_limit_gets_1009() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    socket
        .send(Message::binary(vec![0u8; 16 * 1024 * 1024 + 1]))
        .expect("the server reads (and drops) the rest of the frame after refusing it");
    expect_close(&mut socket, CloseCode::Size);
    assert!(
        server
            .wait_for_line("failed 1009 (Message Too Big): message of 16777217 bytes")
            .is_some(),
        "{:?}",
        server.lines()
    );
}

#[test]
fn the_limit_counts_all_fragments() {
    let server = common::start(&["--no-greeting", "--max-message", "1000"]);
    let mut socket = common::connect(&server.url("/"));
    let exactly = "x".repeat(1000);
    let echo = common::round_trip(&mut socket, Message::text(exactly.as_str()));
    assert_eq!(echo, Message::text(exactly));
    let first = Frame::message(vec![b'a'; 600], OpCode::Data(Data::Text), false);
    let second = Frame::message(vec![b'b'; 600], OpCode::Data(Data::Continue), true);
    socket.send(Message::Frame(first)).unwrap();
    socket.send(Message::Frame(second)).unwrap();
    expect_close(&mut socket, CloseCode::Size);
}
