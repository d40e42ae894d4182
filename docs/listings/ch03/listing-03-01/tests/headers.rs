//! The real listing 3-1 binary on the examples of RFC 6455 section 5.7, and on headers
//! that tungstenite, an independent implementation, writes in all three length forms.

use std::process::Command;

use tungstenite::protocol::frame::FrameHeader;
use tungstenite::protocol::frame::coding::{Data, OpCode};

/// Runs the listing with `bytes` as hex arguments; returns its stdout and exit status.
fn decode(bytes: &[u8]) -> (String, bool) {
    let output = Command::new(env!("CARGO_BIN_EXE_listing-03-01"))
        .args(bytes.iter().map(|byte| format!("{byte:02x}")))
        .output()
        .expect("the listing runs");
    let stdout = String::from_utf8(output.stdout).expect("text output");
    (stdout, output.status.success())
}

#[test]
fn the_rfc_single_frame_hello() {
    let (printed, ok) = decode(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    assert!(ok);
    assert_eq!(
        printed,
        "FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text)\n\
         MASK=0 payload_len=5 (7-bit form)\n\
         header: 2 bytes, then 5 payload bytes (5 of them given here)\n"
    );
}

#[test]
fn the_rfc_masked_pong() {
    let (printed, _) = decode(&[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d]);
    assert!(printed.contains("FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0xa (pong)\n"));
    assert!(printed.contains("MASK=1 payload_len=5 (7-bit form) masking_key=37 fa 21 3d\n"));
}

#[test]
fn headers_written_by_tungstenite_read_back() {
    let key = [1, 2, 3, 4];
    for (length, form) in [
        (0u64, "7-bit"),
        (125, "7-bit"),
        (126, "16-bit"),
        (65535, "16-bit"),
        (65536, "64-bit"),
        (1 << 40, "64-bit"),
    ] {
        let header = FrameHeader {
            is_final: false,
            opcode: OpCode::Data(Data::Binary),
            mask: Some(key),
            ..FrameHeader::default()
        };
        let mut bytes = Vec::new();
        header
            .format(length, &mut bytes)
            .expect("tungstenite writes it");
        let (printed, ok) = decode(&bytes);
        assert!(ok, "{printed}");
        assert!(printed.starts_with("FIN=0 RSV1=0 RSV2=0 RSV3=0 opcode=0x2 (binary)\n"));
        assert!(
            printed.contains(&format!(
                "MASK=1 payload_len={length} ({form} form) masking_key=01 02 03 04\n"
            )),
            "{printed}"
        );
        assert!(printed.contains(&format!("header: {} bytes,", bytes.len())));
    }
}

#[test]
fn a_cut_header_and_a_bad_length() {
    let (printed, ok) = decode(&[0x82, 0x7e, 0x01]);
    assert!(ok);
    assert_eq!(printed, "3 bytes are not a whole header: read more\n");
    let (_, ok) = decode(&[0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    assert!(!ok, "a 64-bit length with its top bit set is refused");
}
