//! The real listing 3-2 binary: the RFC's masked "Hello" (section 5.7) comes out as
//! `Hello`, and so does any text in a frame that tungstenite, an independent
//! implementation, masks with a key of our choosing.

use std::process::Command;

use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{Data, OpCode};

fn decode(bytes: &[u8]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_listing-03-02"))
        .args(bytes.iter().map(|byte| format!("{byte:02x}")))
        .output()
        .expect("the listing runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("text output")
}

#[test]
fn the_rfc_masked_hello() {
    let frame = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    assert_eq!(
        decode(&frame),
        "FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text)\n\
         MASK=1 payload_len=5 (7-bit form) masking_key=37 fa 21 3d\n\
         header: 6 bytes, then 5 payload bytes (5 of them given here)\n\
         payload on the wire: 7f 9f 4d 51 58\n\
         payload unmasked:    48 65 6c 6c 6f\n\
         as text: \"Hello\"\n"
    );
}

#[test]
fn frames_masked_by_tungstenite_unmask() {
    for (text, key) in [
        ("Привет!", [0x01, 0x02, 0x03, 0x04]),
        (
            "a longer message, so that the key repeats many times",
            [0xff, 0x00, 0xaa, 0x55],
        ),
    ] {
        let mut frame = Frame::message(text.as_bytes().to_vec(), OpCode::Data(Data::Text), true);
        frame.header_mut().mask = Some(key);
        let mut bytes = Vec::new();
        frame.format(&mut bytes).expect("tungstenite writes it");
        assert_ne!(&bytes[6..], text.as_bytes(), "the payload travels masked");
        let printed = decode(&bytes);
        assert!(
            printed.ends_with(&format!("as text: {text:?}\n")),
            "{printed}"
        );
    }
}

#[test]
fn the_next_frames_bytes_are_left_alone() {
    // The RFC's unmasked "Hel" fragment, then the first byte of the next frame.
    let printed = decode(&[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80]);
    assert!(printed.contains("payload: 48 65 6c\n"), "{printed}");
    assert!(printed.ends_with("as text: \"Hel\"\n"), "{printed}");
}
