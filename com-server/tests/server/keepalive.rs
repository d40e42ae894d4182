//! Keepalive with `--ping-interval 1`: a quiet client is pinged every second; one that
//! answers (tungstenite answers pings by itself) stays as long as it likes, while one
//! that never answers is closed with 1001 after two silent intervals.

use crate::common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{ask, join, wait_for_leave};
use frame::{CloseCode, Connection, Event, Limits, Role};
use tungstenite::Message;

#[test]
fn a_quiet_client_that_answers_pings_stays() {
    let server = common::start(&["--ping-interval", "1"]);
    let mut alice = join(&server, "Alice");
    alice
        .get_mut()
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("short read timeout");
    let mut pings = 0;
    let quiet_until = Instant::now() + Duration::from_millis(3500);
    while Instant::now() < quiet_until {
        match alice.read() {
            Ok(Message::Ping(payload)) => {
                pings += 1;
                assert_eq!(payload.as_ref(), b"keepalive");
            }
            Ok(other) => panic!("unexpected message while quiet: {other:?}"),
            Err(tungstenite::Error::Io(error))
                if error.kind() == std::io::ErrorKind::WouldBlock
                    || error.kind() == std::io::ErrorKind::TimedOut => {}
            Err(error) => panic!("the connection failed while quiet: {error}"),
        }
    }
    assert!(pings >= 2, "only {pings} pings in 3.5 s");
    alice
        .get_mut()
        .set_read_timeout(Some(testkit::DEADLINE))
        .expect("long read timeout");
    assert_eq!(ask(&mut alice, "users"), "Users online (1): Alice");
    assert!(
        !server
            .lines()
            .iter()
            .any(|line| line.contains("Alice left"))
    );
}

#[test]
fn a_client_that_never_answers_is_closed_with_1001() {
    let server = common::start(&["--ping-interval", "1"]);
    let mut raw = testkit::connect_raw(server.addr());
    let started = Instant::now();
    raw.write_all(testkit::upgrade_request("/?name=Silent").as_bytes())
        .expect("send the handshake");
    // Read everything the server sends until it closes TCP, never answering.
    let received = testkit::read_to_close(&mut raw);
    let elapsed = started.elapsed();
    let head_end = received
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a 101 response head")
        + 4;
    assert!(received.starts_with(b"HTTP/1.1 101 "));

    let mut client = Connection::new(Role::Client, Limits::default());
    client.receive(&received[head_end..]);
    let mut events = Vec::new();
    while let Ok(Some(event)) = client.next_event() {
        events.push(event);
    }
    assert_eq!(
        events[0],
        Event::Text("Server: Hello! Welcome to Chat, Silent".into())
    );
    assert_eq!(events[1], Event::Ping(b"keepalive".to_vec()));
    match &events[2] {
        Event::Close(Some(close)) => {
            assert_eq!(close.code, CloseCode::GoingAway);
            assert_eq!(close.reason, "no traffic for 2 s");
        }
        other => panic!("expected close 1001, got {other:?} in {events:?}"),
    }
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(
        elapsed >= Duration::from_millis(1900),
        "closed too early: {elapsed:?}"
    );
    wait_for_leave(
        &server,
        "Silent",
        "closed 1001 (Going Away): no traffic for 2 s",
    );
}
