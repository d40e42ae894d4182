//! A binary message comes back unchanged, every byte value included: bytes that are not
//! UTF-8 are fine in a binary message (only text must be UTF-8, RFC 6455 section 5.6).

use crate::common;

use tungstenite::Message;

#[test]
fn binary_messages_come_back_unchanged() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    let every_byte: Vec<u8> = (0..=255).collect();
    let not_utf8 = vec![0xff, 0xfe, 0xc0, 0x80];
    for bytes in [every_byte, not_utf8, vec![0]] {
        let echo = common::round_trip(&mut socket, Message::binary(bytes.clone()));
        assert_eq!(echo, Message::binary(bytes));
    }
}
