//! The close handshake (RFC 6455 section 5.5.1): the server answers a client's close with
//! the same code, closes TCP, and logs the code; a close without a code gets an empty
//! close back, and a code that may not be sent (1005, 999) gets 1002.

use crate::common;

use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::{Frame, FrameHeader};

/// Reads until the server's close frame, then until the server closes TCP.
fn read_close(socket: &mut tungstenite::WebSocket<std::net::TcpStream>) -> Option<CloseFrame> {
    let close = match socket.read() {
        Ok(Message::Close(close)) => close,
        other => panic!("expected the close reply, got {other:?}"),
    };
    match socket.read() {
        Err(tungstenite::Error::ConnectionClosed) => close,
        other => panic!("expected TCP to close after the close reply, got {other:?}"),
    }
}

#[test]
fn the_clients_code_is_echoed_and_logged() {
    let server = common::start_pure_echo();
    for code in [1000, 1001, 1003, 1011, 3000, 4000, 4999] {
        let mut socket = common::connect(&server.url("/"));
        let peer = socket.get_ref().local_addr().unwrap();
        socket
            .close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: "bye".into(),
            }))
            .unwrap();
        let reply = read_close(&mut socket).expect("a close with a code");
        assert_eq!(u16::from(reply.code), code);
        let line = server
            .wait_for_line(&format!("{peer} closed {code} ("))
            .unwrap_or_else(|| panic!("no close line for {peer}: {:?}", server.lines()));
        assert!(line.ends_with(": \"bye\""), "{line}");
    }
}

#[test]
fn a_close_without_a_code_gets_an_empty_close() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    socket.close(None).unwrap();
    assert_eq!(read_close(&mut socket), None);
    assert!(
        server
            .wait_for_line("closed 1005 (No Status Received)")
            .is_some()
    );
}

#[test]
fn codes_that_may_not_be_sent_get_1002() {
    let server = common::start_pure_echo();
    for code in [1005u16, 999, 5000] {
        let mut socket = common::connect(&server.url("/"));
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice(b"bad");
        // A close frame (the default header) with a payload tungstenite would not build.
        let frame = Frame::from_payload(FrameHeader::default(), payload.into());
        socket.send(Message::Frame(frame)).unwrap();
        let reply = match socket.read() {
            Ok(Message::Close(close)) => close.expect("a close with a code"),
            other => panic!("expected a close for code {code}, got {other:?}"),
        };
        assert_eq!(reply.code, CloseCode::Protocol, "code {code}");
    }
    assert!(
        server
            .wait_for_line("failed 1002 (Protocol Error): close code 999")
            .is_some()
    );
}

#[test]
fn a_reason_cannot_forge_a_log_line() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    socket
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye\n127.0.0.1:1 closed 1000 (Normal Closure)".into(),
        }))
        .unwrap();
    read_close(&mut socket);
    let line = server
        .wait_for_line("closed 1000 (Normal Closure): ")
        .expect("the close line");
    assert!(
        line.ends_with(r#": "bye\n127.0.0.1:1 closed 1000 (Normal Closure)""#),
        "{line}"
    );
    assert!(
        server
            .lines()
            .iter()
            .all(|line| !line.starts_with("127.0.0.1:1 "))
    );
}
