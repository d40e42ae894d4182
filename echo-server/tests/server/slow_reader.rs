//! Backpressure: a client that sends without reading does not make the server's memory
//! grow. Once `--max-output` bytes wait for it the server stops reading from it, so the
//! client's own writes block; a client that reads, but slowly, costs no more; and every
//! other client is served meanwhile. Memory is the server's VmRSS from /proc.

use crate::common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tungstenite::Message;

const MIB: usize = 1024 * 1024;

/// What the server may hold for one client, with room to spare: the 4 MiB output cap, a
/// message being assembled, a message being echoed past the cap, and allocator slack.
/// Without backpressure the server would hold everything the client sent: hundreds of MiB.
const ALLOWED_GROWTH_KIB: u64 = 24 * 1024;

/// A raw client past its handshake, and one masked 1 MiB binary frame to send again and
/// again (the same masking key every time is fine for a test).
fn upgraded_client(server: &testkit::ServerProcess) -> (TcpStream, Vec<u8>) {
    let mut stream = testkit::connect_raw(server.addr());
    stream
        .write_all(testkit::upgrade_request("/").as_bytes())
        .unwrap();
    let head = common::read_response_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    let mut frame = Vec::new();
    frame::encode_frame(
        frame::Opcode::Binary,
        &vec![7u8; MIB],
        Some([1, 2, 3, 4]),
        &mut frame,
    );
    (stream, frame)
}

fn check_others_are_served(server: &testkit::ServerProcess) {
    let mut other = common::connect(&server.url("/"));
    assert_eq!(
        common::round_trip(&mut other, Message::text("still served")),
        Message::text("still served")
    );
    let big = vec![3u8; MIB];
    assert_eq!(
        common::round_trip(&mut other, Message::binary(big.clone())),
        Message::binary(big)
    );
}

#[test]
fn a_client_that_never_reads_is_paused_not_buffered() {
    let server = common::start(&["--no-greeting"]);
    let baseline = common::resident_kib(server.pid());
    let (mut stream, frame) = upgraded_client(&server);
    stream
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut sent_mib = 0;
    let mut peak = baseline;
    while sent_mib < 256 {
        if stream.write_all(&frame).is_err() {
            break; // blocked: the server stopped reading from us
        }
        sent_mib += 1;
        peak = peak.max(common::resident_kib(server.pid()));
    }
    assert!(
        sent_mib < 256,
        "the server kept reading 256 MiB from a client that never reads"
    );
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(100));
        peak = peak.max(common::resident_kib(server.pid()));
    }
    assert!(
        peak < baseline + ALLOWED_GROWTH_KIB,
        "server RSS grew from {baseline} KiB to {peak} KiB after {sent_mib} MiB"
    );
    eprintln!(
        "never-reading client: {sent_mib} MiB sent before it blocked, RSS {baseline} -> {peak} KiB"
    );
    check_others_are_served(&server);
    assert!(peak.max(common::resident_kib(server.pid())) < baseline + ALLOWED_GROWTH_KIB);
}

#[test]
fn a_client_that_reads_slowly_costs_no_more() {
    let server = common::start(&["--no-greeting"]);
    let baseline = common::resident_kib(server.pid());
    let (stream, frame) = upgraded_client(&server);
    let done = Arc::new(AtomicBool::new(false));
    let mut writer = stream.try_clone().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let writer_done = done.clone();
    let writer_thread = std::thread::spawn(move || {
        while !writer_done.load(Ordering::Relaxed) {
            match writer.write_all(&frame) {
                Ok(()) => {}
                Err(error)
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return,
            }
        }
    });
    // Read at most 256 KiB every 10 ms: slower than the server echoes, so its output never
    // empties, until twice --max-output's 4 MiB went by. Counted in bytes, not seconds, so
    // a busy machine only makes it take longer; the deadline only catches a hang.
    let mut reader = stream;
    let mut buffer = vec![0u8; 256 * 1024];
    let mut peak = baseline;
    let mut received = 0;
    let started = Instant::now();
    while received <= 8 * MIB {
        assert!(
            started.elapsed() < testkit::DEADLINE,
            "only {received} bytes echoed"
        );
        received += reader.read(&mut buffer).expect("read the echoes");
        std::thread::sleep(Duration::from_millis(10));
        peak = peak.max(common::resident_kib(server.pid()));
    }
    done.store(true, Ordering::Relaxed);
    assert!(
        peak < baseline + ALLOWED_GROWTH_KIB,
        "server RSS grew from {baseline} KiB to {peak} KiB while echoing {} MiB to a slow reader",
        received / MIB
    );
    eprintln!(
        "slow reader: {} MiB echoed, RSS {baseline} -> {peak} KiB",
        received / MIB
    );
    check_others_are_served(&server);
    let _ = reader.shutdown(std::net::Shutdown::Both);
    writer_thread.join().expect("writer thread");
}
