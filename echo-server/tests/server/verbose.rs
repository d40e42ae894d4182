//! `--verbose` dissects every frame in both directions, with the peer's address: FIN, RSV,
//! opcode, MASK, the length and its form, the masking key, the payload masked and
//! unmasked, and the text (what the habr article explains, on a learner's own frames).

use crate::common;

use tungstenite::Message;

#[test]
fn every_frame_is_dissected_both_ways() {
    let server = common::start(&["--no-greeting", "--verbose"]);
    let mut socket = common::connect(&server.url("/"));
    let peer = socket.get_ref().local_addr().unwrap();
    assert_eq!(
        common::round_trip(&mut socket, Message::text("Hello")),
        Message::text("Hello")
    );
    let received = server
        .wait_for_line(&format!("{peer} <- received frame, header bytes: 81 85 "))
        .expect("the received frame's first line, with the peer address");
    assert!(received.len() > 40, "{received}");
    for expected in [
        "FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text) MASK=1",
        "payload length 5 (7-bit length field), masking key ",
        "payload unmasked: 48 65 6c 6c 6f",
        "as text: \"Hello\"",
        &format!("{peer} -> sent frame, header bytes: 81 05"),
        "FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text) MASK=0",
    ] {
        assert!(
            server.wait_for_line(expected).is_some(),
            "no {expected:?} in {:?}",
            server.lines()
        );
    }
    let big = vec![1u8; 70_000];
    common::round_trip(&mut socket, Message::binary(big));
    assert!(
        server
            .wait_for_line("payload length 70000 (64-bit length field)")
            .is_some()
    );
}

#[test]
fn without_verbose_frames_are_not_dissected() {
    let server = common::start(&["--no-greeting"]);
    let mut socket = common::connect(&server.url("/"));
    common::round_trip(&mut socket, Message::text("Hello"));
    socket.close(None).unwrap();
    assert!(server.wait_for_line("closed 1005").is_some());
    assert!(
        server
            .lines()
            .iter()
            .all(|line| !line.contains("header bytes"))
    );
}
