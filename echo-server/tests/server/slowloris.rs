//! A client that does not finish its request head within `--handshake-timeout` is dropped
//! and logged, even if it trickles a byte now and then (the slowloris attack), and even if
//! it sends nothing at all; everyone else is served meanwhile.

use crate::common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tungstenite::Message;

/// Trickles one byte every 100 ms (when `trickle`) until the server closes; returns how
/// long that took.
fn time_until_dropped(mut stream: TcpStream, trickle: bool) -> Duration {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buffer = [0u8; 256];
    loop {
        assert!(started.elapsed() < testkit::DEADLINE, "never dropped");
        if trickle && stream.write_all(b"X").is_err() {
            return started.elapsed();
        }
        match stream.read(&mut buffer) {
            Ok(0) => return started.elapsed(),
            Ok(count) => panic!("unexpected answer: {:?}", &buffer[..count]),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return started.elapsed(),
        }
    }
}

#[test]
fn unfinished_requests_are_dropped_at_the_timeout() {
    let server = common::start(&["--no-greeting", "--handshake-timeout", "1"]);
    let mut slow = testkit::connect_raw(server.addr());
    slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    let silent = testkit::connect_raw(server.addr());
    let silent_thread = std::thread::spawn(move || time_until_dropped(silent, false));

    // Served while the slow clients hang on.
    let mut socket = common::connect(&server.url("/"));
    assert_eq!(
        common::round_trip(&mut socket, Message::text("not blocked")),
        Message::text("not blocked")
    );

    let slow_time = time_until_dropped(slow, true);
    let silent_time = silent_thread.join().expect("silent client thread");
    for elapsed in [slow_time, silent_time] {
        assert!(
            elapsed > Duration::from_millis(700) && elapsed < Duration::from_secs(4),
            "dropped after {elapsed:?}, expected about 1 s"
        );
    }
    let line = server
        .wait_for_line("dropped: no complete request within 1 s")
        .expect("a log line for the slowloris client");
    assert!(line.starts_with("127.0.0.1:"), "{line}");
}
