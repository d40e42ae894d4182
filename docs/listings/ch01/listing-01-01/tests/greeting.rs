//! The real listing 1-1 on a free port: every client, one after another, reads exactly
//! `Hello, Client!\r\n` and then the end of the stream, and the server logs each of them.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use testkit::{DEADLINE, ServerProcess, exchange_raw};

#[test]
fn every_client_is_greeted_and_hung_up_on() {
    let server = ServerProcess::spawn(env!("CARGO_BIN_EXE_listing-01-01"), &["127.0.0.1:0"]);
    let line = server
        .wait_for_line("Listening on ")
        .expect("the listing printed its address");
    let addr: SocketAddr = line["Listening on ".len()..].parse().expect("an address");
    for _ in 0..2 {
        // `exchange_raw` reads until the server closes, with a deadline on every read.
        assert_eq!(exchange_raw(addr, b""), b"Hello, Client!\r\n");
    }
    // The log lines may come a moment after the greetings: wait for both, with a deadline.
    let started = Instant::now();
    while greeted_lines(&server) < 2 {
        assert!(started.elapsed() < DEADLINE, "{:?}", server.lines());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn greeted_lines(server: &ServerProcess) -> usize {
    server
        .lines()
        .iter()
        .filter(|line| line.starts_with("127.0.0.1:") && line.ends_with(" greeted"))
        .count()
}

#[test]
fn a_taken_address_is_an_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("address").to_string();
    let mut server = ServerProcess::spawn(env!("CARGO_BIN_EXE_listing-01-01"), &[&addr]);
    let status = server.wait_exit(DEADLINE).expect("the listing exits");
    assert!(!status.success());
    assert!(
        server.stderr_lines().iter().any(|l| l.contains("in use")),
        "{:?}",
        server.stderr_lines()
    );
}
