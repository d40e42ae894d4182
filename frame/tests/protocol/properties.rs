//! Property tests: for random payloads and random ways of cutting the byte stream, what is
//! encoded decodes to the same thing, and no input at all can make the decoder or the
//! handshake parser panic.

use frame::{
    Connection, Event, FrameHeader, Limits, Opcode, RequestHead, Role, encode_fragment,
    encode_frame,
};
use proptest::prelude::*;

/// The boundaries of the three length forms, and a large payload.
const LENGTH_CLASSES: [usize; 6] = [0, 125, 126, 65535, 65536, 1024 * 1024];

/// Feeds `bytes` to a server connection in pieces of the given sizes and collects events.
fn decode_in_pieces(bytes: &[u8], piece_sizes: &[usize]) -> Vec<Event> {
    let mut connection = Connection::new(Role::Server, Limits::default());
    let mut events = Vec::new();
    let mut rest = bytes;
    let mut sizes = piece_sizes.iter().cycle();
    while !rest.is_empty() {
        let size = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        connection.receive(&rest[..size]);
        rest = &rest[size..];
        while let Some(event) = connection.next_event().expect("valid input decodes") {
            events.push(event);
        }
    }
    events
}

#[test]
fn every_length_class_round_trips_masked_and_unmasked() {
    for length in LENGTH_CLASSES {
        let payload: Vec<u8> = (0..length).map(|i| (i * 7) as u8).collect();
        for masking_key in [None, Some([0xde, 0xad, 0xbe, 0xef])] {
            let mut bytes = Vec::new();
            encode_frame(Opcode::Binary, &payload, masking_key, &mut bytes);
            let (header, header_len) = FrameHeader::parse(&bytes).unwrap().unwrap();
            assert_eq!(header.payload_len, length as u64);
            assert_eq!(header.masking_key, masking_key);
            assert_eq!(bytes.len(), header_len + length);
            // Servers receive masked frames and clients unmasked ones.
            let role = if masking_key.is_some() {
                Role::Server
            } else {
                Role::Client
            };
            let mut connection = Connection::new(role, Limits::default());
            connection.receive(&bytes);
            assert_eq!(
                connection.next_event(),
                Ok(Some(Event::Binary(payload.clone()))),
                "length {length}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn text_survives_any_fragmentation_and_any_cut(
        text in "\\PC{0,300}",
        fragment_count in 1usize..5,
        piece_sizes in proptest::collection::vec(1usize..40, 1..8),
        key in any::<[u8; 4]>(),
    ) {
        let bytes = text.as_bytes();
        let chunk = bytes.len().div_ceil(fragment_count).max(1);
        let mut wire = Vec::new();
        let fragments: Vec<&[u8]> = if bytes.is_empty() { vec![&[][..]] } else { bytes.chunks(chunk).collect() };
        for (index, fragment) in fragments.iter().enumerate() {
            let opcode = if index == 0 { Opcode::Text } else { Opcode::Continuation };
            encode_fragment(opcode, index + 1 == fragments.len(), fragment, Some(key), &mut wire);
        }
        let events = decode_in_pieces(&wire, &piece_sizes);
        prop_assert_eq!(events, vec![Event::Text(text)]);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        piece_sizes in proptest::collection::vec(1usize..64, 1..8),
    ) {
        for role in [Role::Server, Role::Client] {
            let mut connection = Connection::new(role, Limits { max_message: 4096, max_frame: 1024 });
            let mut rest = &bytes[..];
            let mut sizes = piece_sizes.iter().cycle();
            while !rest.is_empty() {
                let size = (*sizes.next().unwrap()).min(rest.len());
                connection.receive(&rest[..size]);
                rest = &rest[size..];
                while let Ok(Some(_)) = connection.next_event() {}
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_handshake_parser(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        if let Ok(Some((head, used))) = RequestHead::parse(&bytes) {
            prop_assert!(used <= bytes.len());
            let _ = head.path();
            let _ = head.query_params();
            let _ = frame::validate_upgrade(head);
        }
    }

    #[test]
    fn header_like_text_never_panics_the_handshake_parser(
        lines in proptest::collection::vec("[ -~]{0,40}", 0..10),
    ) {
        let request = format!("GET /?{} HTTP/1.1\r\n{}\r\n\r\n", lines.join("&"), lines.join("\r\n"));
        if let Ok(Some((head, _))) = RequestHead::parse(request.as_bytes()) {
            let _ = head.query_params();
            let _ = frame::negotiate(head, &["null".to_owned()]);
        }
    }
}
