//! A message sent in fragments (RFC 6455 section 5.4) is echoed as one message, even with
//! a ping between its fragments (control frames may interleave, section 5.5) and even
//! when every fragment carries a single byte.

use crate::common;

use tungstenite::Message;
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{Data, OpCode};

fn fragment(opcode: Data, payload: &[u8], is_final: bool) -> Message {
    Message::Frame(Frame::message(
        payload.to_vec(),
        OpCode::Data(opcode),
        is_final,
    ))
}

#[test]
fn fragments_become_one_message_with_a_ping_between() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    socket
        .send(fragment(Data::Text, b"Hello, ", false))
        .unwrap();
    socket
        .send(Message::Ping(b"between".to_vec().into()))
        .unwrap();
    socket
        .send(fragment(Data::Continue, b"Wor", false))
        .unwrap();
    socket.send(fragment(Data::Continue, b"ld", true)).unwrap();
    assert_eq!(
        socket.read().unwrap(),
        Message::Pong(b"between".to_vec().into())
    );
    assert_eq!(socket.read().unwrap(), Message::text("Hello, World"));
}

#[test]
fn one_byte_fragments_of_binary_and_split_utf8() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    let bytes: Vec<u8> = (0..200).collect();
    socket
        .send(fragment(Data::Binary, &bytes[..1], false))
        .unwrap();
    for (index, byte) in bytes.iter().enumerate().skip(1) {
        let last = index == bytes.len() - 1;
        socket
            .send(fragment(Data::Continue, &[*byte], last))
            .unwrap();
    }
    assert_eq!(socket.read().unwrap(), Message::binary(bytes));
    // "Привет" split inside its two-byte characters: UTF-8 is checked across fragments.
    let text = "Привет".as_bytes();
    socket
        .send(fragment(Data::Text, &text[..3], false))
        .unwrap();
    socket
        .send(fragment(Data::Continue, &text[3..7], false))
        .unwrap();
    socket
        .send(fragment(Data::Continue, &text[7..], true))
        .unwrap();
    assert_eq!(socket.read().unwrap(), Message::text("Привет"));
}
