//! `--time-limit SECS`: when it expires every client gets close 1001 "going away", the
//! server waits (briefly) for their close replies, and exits with status 0, also when a
//! client never answers.

use crate::common;

use std::io::Write;
use std::time::{Duration, Instant};

use tungstenite::Message;
use tungstenite::protocol::frame::coding::CloseCode;

#[test]
fn clients_get_1001_and_the_server_exits_0() {
    let mut server = testkit::ServerProcess::start(
        common::PROGRAM,
        &[
            "--addr",
            "127.0.0.1:0",
            "--no-greeting",
            "--time-limit",
            "1",
        ],
    );
    let mut polite = common::connect(&server.url("/"));
    let polite_peer = polite.get_ref().local_addr().unwrap();
    assert_eq!(
        common::round_trip(&mut polite, Message::text("hi")),
        Message::text("hi")
    );
    // A raw client that will never send its close reply.
    let mut silent = testkit::connect_raw(server.addr());
    silent
        .write_all(testkit::upgrade_request("/").as_bytes())
        .unwrap();
    assert!(common::read_response_head(&mut silent).starts_with("HTTP/1.1 101 "));

    let started = Instant::now();
    match polite.read() {
        Ok(Message::Close(Some(frame))) => {
            assert_eq!(frame.code, CloseCode::Away);
            assert_eq!(frame.reason.as_str(), "going away");
        }
        other => panic!("expected close 1001, got {other:?}"),
    }
    // tungstenite has queued its close reply; reading sends it and sees TCP close.
    assert!(matches!(
        polite.read(),
        Err(tungstenite::Error::ConnectionClosed)
    ));
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits after its time limit");
    assert_eq!(status.code(), Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?} to exit",
        started.elapsed()
    );
    assert!(
        server
            .wait_for_line(&format!("{polite_peer} closed 1001 (Going Away)"))
            .is_some(),
        "the server did not wait for the close reply: {:?}",
        server.lines()
    );
    assert!(
        server
            .wait_for_line("dropped: no close frame came back")
            .is_some()
    );
    drop(silent);
}
