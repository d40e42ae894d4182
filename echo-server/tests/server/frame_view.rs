//! The frame view (`/dissect`): after each echo the server describes, as JSON, the frames
//! it received and sent, exactly as they were on the wire. A real client (tungstenite)
//! masks with keys of its own choosing, so the test checks that the described key unmasks
//! the described bytes to what it sent, and that `/ping`, the pong and the close are shown.

use crate::common;

use serde_json::Value;
use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;

fn bytes(hex: &Value) -> Vec<u8> {
    let hex = hex.as_str().expect("hex is a string");
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex digits"))
        .collect()
}

fn description(socket: &mut tungstenite::WebSocket<std::net::TcpStream>) -> Value {
    match socket.read().expect("a description") {
        Message::Text(text) => serde_json::from_str(&text).expect("valid JSON"),
        other => panic!("expected the JSON description, got {other:?}"),
    }
}

#[test]
fn a_text_message_is_shown_masked_and_unmasked() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/dissect"));
    let echo = common::round_trip(&mut socket, Message::text("Привет"));
    assert_eq!(echo, Message::text("Привет"));
    let view = description(&mut socket);
    assert_eq!(view["type"], "frames");
    let received = &view["received"][0];
    assert_eq!(received["opcode_name"], "text");
    assert_eq!(received["mask"], true);
    assert_eq!(received["length_form"], 7);
    assert_eq!(received["payload_length"], 12);
    let key = bytes(&received["masking_key"]);
    let unmasked: Vec<u8> = bytes(&received["payload_on_wire"])
        .iter()
        .enumerate()
        .map(|(index, byte)| byte ^ key[index % 4])
        .collect();
    assert_eq!(
        unmasked,
        "Привет".as_bytes(),
        "the key unmasks the wire bytes"
    );
    assert_eq!(bytes(&received["payload"]), "Привет".as_bytes());
    assert_eq!(bytes(&received["header"])[..2], [0x81, 0x8c]);
    let sent = &view["sent"][0];
    assert_eq!(sent["mask"], false, "a server never masks (section 5.1)");
    assert_eq!(sent["masking_key"], Value::Null);
    assert_eq!(sent["payload_on_wire"], sent["payload"]);
}

#[test]
fn ping_me_shows_the_ping_and_the_browsers_pong() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/dissect"));
    socket.send(Message::text("/ping")).expect("send");
    match socket.read().expect("the ping") {
        Message::Ping(payload) => assert_eq!(&payload[..], b"ping me"),
        other => panic!("expected a ping, got {other:?}"),
    }
    let view = description(&mut socket);
    assert_eq!(view["received"][0]["opcode_name"], "text");
    assert_eq!(view["sent"][0]["opcode_name"], "ping");
    // tungstenite queued the pong while reading; the next read flushes it.
    let view = description(&mut socket);
    let pong = &view["received"][0];
    assert_eq!(pong["opcode_name"], "pong");
    assert_eq!(bytes(&pong["payload"]), b"ping me");
    assert_eq!(pong["mask"], true);
}

#[test]
fn the_close_reply_describes_the_clients_close_frame() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/dissect"));
    socket
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        }))
        .expect("close");
    let reply = loop {
        match socket.read() {
            Ok(Message::Close(Some(frame))) => break frame,
            Ok(_) => continue,
            Err(error) => panic!("expected the close reply, got {error}"),
        }
    };
    assert_eq!(reply.code, CloseCode::Normal);
    let view: Value = serde_json::from_str(&reply.reason).expect("the reason is JSON");
    assert_eq!(view["type"], "close");
    assert_eq!(view["cut"], false);
    let wire = bytes(&view["wire"]);
    assert_eq!(wire[..2], [0x88, 0x85], "FIN + close, MASK + 5 bytes");
    let key = &wire[2..6];
    let payload: Vec<u8> = wire[6..]
        .iter()
        .enumerate()
        .map(|(index, byte)| byte ^ key[index % 4])
        .collect();
    assert_eq!(payload, b"\x03\xe8bye");
}

#[test]
fn plain_slash_is_unchanged_and_echoes_the_close_reason() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    let echo = common::round_trip(&mut socket, Message::text("/ping"));
    assert_eq!(echo, Message::text("/ping"), "only /dissect knows /ping");
    socket
        .close(Some(CloseFrame {
            code: CloseCode::from(3000),
            reason: "my own words".into(),
        }))
        .expect("close");
    let reply = loop {
        match socket.read() {
            Ok(Message::Close(Some(frame))) => break frame,
            Ok(_) => continue,
            Err(error) => panic!("expected the close reply, got {error}"),
        }
    };
    assert_eq!(u16::from(reply.code), 3000);
    assert_eq!(
        reply.reason, "my own words",
        "the client's reason comes back"
    );
}
