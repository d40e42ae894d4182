//! The lingering close: when the server closes while the client is still sending, it shuts
//! down its side, reads and discards what keeps arriving, and only then closes. Closing at
//! once would make the kernel answer the unread bytes with RST, which can destroy the close
//! frame in flight; the client would see an error (1006) instead of the close code.

use crate::common;

use std::io::{ErrorKind, Read, Write};

#[test]
fn the_close_frame_survives_a_client_that_keeps_sending() {
    let server = common::start(&["--no-greeting"]);
    let mut stream = testkit::connect_raw(server.addr());
    stream
        .write_all(testkit::upgrade_request("/").as_bytes())
        .unwrap();
    assert!(common::read_response_head(&mut stream).starts_with("HTTP/1.1 101 "));

    // An unmasked frame (1002 at once), then 1 MiB more that the server will never use.
    let mut bytes = vec![0x81, 0x01, b'x'];
    bytes.extend(std::iter::repeat_n(0x55, 1024 * 1024));
    stream
        .write_all(&bytes)
        .expect("the server keeps reading while it closes");

    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => received.extend_from_slice(&buffer[..count]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                panic!("the connection was reset after {received:?}")
            }
            Err(error) => panic!("read failed: {error}"),
        }
    }
    assert!(received.len() >= 4, "no close frame: {received:?}");
    assert_eq!(received[0], 0x88, "a final close frame");
    assert_eq!(u16::from_be_bytes([received[2], received[3]]), 1002);
    assert!(
        server
            .wait_for_line("failed 1002 (Protocol Error): client frames must be masked")
            .is_some()
    );
}
