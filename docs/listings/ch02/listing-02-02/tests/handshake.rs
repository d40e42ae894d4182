//! The real listing 2-2 on a free port. tungstenite, an independent client, accepts its
//! 101 (so the accept key is right), and the hex the server prints is tungstenite's
//! masked frame: unmasking it by hand gives back the text that was sent.

use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use testkit::{DEADLINE, ServerProcess, connect_raw, exchange_raw, read_to_close};
use tungstenite::Message;

const LISTING: &str = env!("CARGO_BIN_EXE_listing-02-02");

fn connect(addr: SocketAddr) -> tungstenite::WebSocket<TcpStream> {
    let stream = connect_raw(addr);
    let (socket, response) = tungstenite::client(format!("ws://{addr}/chat"), stream)
        .expect("tungstenite accepts the 101");
    assert_eq!(response.status(), 101);
    socket
}

/// The bytes the server printed in hex after its 101, once there are at least `count`.
fn printed_bytes(server: &ServerProcess, count: usize) -> Vec<u8> {
    let started = Instant::now();
    loop {
        let lines = server.lines();
        let after_101 = lines
            .iter()
            .skip_while(|line| !line.contains("answered 101"))
            .filter(|line| line.starts_with("    "));
        let bytes: Vec<u8> = after_101
            .flat_map(|line| {
                line.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .map(|hex| u8::from_str_radix(&hex, 16).expect("hex bytes"))
            .collect();
        if bytes.len() >= count {
            return bytes;
        }
        assert!(started.elapsed() < DEADLINE, "printed so far: {lines:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_clients_masked_frame_is_printed_raw() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let mut socket = connect(server.addr());
    socket.send(Message::text("Hello")).expect("send");
    let frame = printed_bytes(&server, 11);
    // FIN and opcode 1 (text); MASK and length 5: chapter 3 explains both bytes.
    assert_eq!(frame[..2], [0x81, 0x85]);
    let masking_key = &frame[2..6];
    let payload: Vec<u8> = frame[6..11]
        .iter()
        .enumerate()
        .map(|(i, byte)| byte ^ masking_key[i % 4])
        .collect();
    assert_eq!(payload, b"Hello");
    let head = server.lines();
    assert!(
        head.iter().any(|line| line == "    GET /chat HTTP/1.1"),
        "{head:?}"
    );
}

#[test]
fn a_request_without_a_key_gets_400() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let answer = exchange_raw(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with(b"HTTP/1.1 400 "), "{answer:?}");
}

#[test]
fn a_head_without_an_end_gets_431() {
    let server = ServerProcess::start(LISTING, &["127.0.0.1:0"]);
    let mut stream = connect_raw(server.addr());
    // 8200 bytes and no blank line: just past the limit, so that the server has read
    // every byte when it answers (unread bytes would turn its close into a reset).
    let mut head = b"GET / HTTP/1.1\r\nX-Padding: ".to_vec();
    head.resize(8200, b'x');
    std::io::Write::write_all(&mut stream, &head).expect("send");
    let answer = read_to_close(&mut stream);
    assert!(answer.starts_with(b"HTTP/1.1 431 "), "{answer:?}");
    // And the next client is served as usual.
    drop(connect(server.addr()));
}
