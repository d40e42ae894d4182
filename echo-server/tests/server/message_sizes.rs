//! Messages at the edges of the three length forms (RFC 6455 section 5.2): 125 is the
//! largest 7-bit length, 126 the smallest 16-bit one, 65535 and 65536 the edge to the
//! 64-bit form, then 1 MiB and the 16 MiB default limit itself. Each comes back
//! byte for byte.

use crate::common;

use tungstenite::Message;

fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|index| (index % 251) as u8).collect()
}

#[test]
fn every_length_form_round_trips() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    for size in [125, 126, 65535, 65536, 1024 * 1024, 16 * 1024 * 1024] {
        let bytes = pattern(size);
        let echo = common::round_trip(&mut socket, Message::binary(bytes.clone()));
        match echo {
            Message::Binary(echoed) => {
                assert_eq!(echoed.len(), size);
                assert!(echoed == bytes, "the {size}-byte echo differs");
            }
            other => panic!("expected binary for {size} bytes, got {:?}", other.len()),
        }
    }
    let text = "é".repeat(65536 / 2);
    let echo = common::round_trip(&mut socket, Message::text(text.as_str()));
    assert_eq!(echo, Message::text(text));
}
