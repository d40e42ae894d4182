//! Before the upgrade, bad requests get an HTTP answer with a plain-text reason: a plain
//! GET gets 426 (this is a WebSocket server), a page from an origin not on
//! `--allowed-origin` gets 403, and a client that never sends its request is dropped
//! after `--handshake-timeout`.

use crate::common;

use std::time::{Duration, Instant};

use common::wait_for_log;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_plain_get_is_told_to_upgrade() {
    let server = common::start(&[]);
    let response = text(&testkit::exchange_raw(
        server.addr(),
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ));
    assert!(
        response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
        "{response}"
    );
    assert!(
        response.contains("Sec-WebSocket-Version: 13\r\n"),
        "{response}"
    );
    wait_for_log(&server, "refused 426");
}

#[test]
fn a_broken_upgrade_is_400_with_the_reason() {
    let server = common::start(&[]);
    let request = testkit::upgrade_request("/").replace("Sec-WebSocket-Version: 13\r\n", "");
    let response = text(&testkit::exchange_raw(server.addr(), request.as_bytes()));
    assert!(
        response.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{response}"
    );
    assert!(response.contains("Sec-WebSocket-Version"), "{response}");
}

#[test]
fn only_allowed_origins_may_connect() {
    let server = common::start(&["--allowed-origin", "http://good.example"]);
    let with_origin = |origin: &str| {
        testkit::upgrade_request("/?name=Page")
            .replace("\r\n\r\n", &format!("\r\nOrigin: {origin}\r\n\r\n"))
    };
    let refused = text(&testkit::exchange_raw(
        server.addr(),
        with_origin("http://evil.example").as_bytes(),
    ));
    assert!(
        refused.starts_with("HTTP/1.1 403 Forbidden\r\n"),
        "{refused}"
    );
    assert!(refused.contains("http://evil.example"), "{refused}");

    let mut stream = testkit::connect_raw(server.addr());
    std::io::Write::write_all(&mut stream, with_origin("http://good.example").as_bytes())
        .expect("send the request");
    let mut head = [0u8; 12];
    std::io::Read::read_exact(&mut stream, &mut head).expect("read the status line");
    assert_eq!(&head, b"HTTP/1.1 101");
}

#[test]
fn a_silent_client_is_dropped_after_the_handshake_timeout() {
    let server = common::start(&["--handshake-timeout", "1"]);
    let mut silent = testkit::connect_raw(server.addr());
    let started = Instant::now();
    let received = testkit::read_to_close(&mut silent);
    let waited = started.elapsed();
    assert!(received.is_empty(), "{}", text(&received));
    assert!(
        waited >= Duration::from_millis(900),
        "dropped after only {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(5),
        "dropped only after {waited:?}"
    );
    wait_for_log(&server, "dropped: no complete request within 1 s");
}
