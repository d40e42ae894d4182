//! The fastwebsockets reference server, started as a real process and talked to with
//! tungstenite: it must echo text and binary messages unchanged and finish the close
//! handshake, or the curve would be measuring a server that does not echo.

use testkit::{ServerProcess, tungstenite_client};
use tungstenite::Message;

fn start() -> ServerProcess {
    ServerProcess::start(
        env!("CARGO_BIN_EXE_fastwebsockets-echo"),
        &["--addr", "127.0.0.1:0", "--time-limit", "60"],
    )
}

#[test]
fn echoes_text_and_binary_then_closes() {
    let server = start();
    let mut socket = tungstenite_client::connect(&server.url("/"));
    socket
        .send(Message::text("Привет, fastwebsockets"))
        .expect("send text");
    assert_eq!(
        tungstenite_client::read_text(&mut socket),
        "Привет, fastwebsockets"
    );
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    socket
        .send(Message::binary(bytes.clone()))
        .expect("send binary");
    match socket.read() {
        Ok(Message::Binary(echoed)) => assert_eq!(echoed.as_ref(), bytes.as_slice()),
        other => panic!("expected the binary echo, got {other:?}"),
    }
    socket.close(None).expect("send close");
    // auto_close answers our close frame; tungstenite then reports the handshake done.
    loop {
        match socket.read() {
            Ok(Message::Close(_)) | Ok(_) => continue,
            Err(tungstenite::Error::ConnectionClosed) => break,
            Err(error) => panic!("the close handshake did not finish: {error}"),
        }
    }
}

#[test]
fn answers_a_ping_with_its_payload() {
    let server = start();
    let mut socket = tungstenite_client::connect(&server.url("/"));
    socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .expect("send ping");
    match socket.read() {
        Ok(Message::Pong(payload)) => assert_eq!(payload.as_ref(), b"are you there"),
        other => panic!("expected a pong, got {other:?}"),
    }
}
