//! The real listing 2-1 binary: for the RFC's key it prints the RFC's answer, and for other
//! keys the answer tungstenite, an independent implementation, computes.

use std::process::Command;

fn run(key: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_listing-02-01"))
        .arg(key)
        .output()
        .expect("the listing runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("text output")
}

#[test]
fn the_rfc_key_gives_the_rfc_answer() {
    assert_eq!(
        run("dGhlIHNhbXBsZSBub25jZQ=="),
        "Sec-WebSocket-Key:    dGhlIHNhbXBsZSBub25jZQ==\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
    );
}

#[test]
fn other_keys_agree_with_tungstenite() {
    for key in [
        "x3JJHMbDL1EzLkh9GBhXDw==",
        "AQIDBAUGBwgJCgsMDQ4PEA==",
        "not even base64",
    ] {
        let expected = tungstenite::handshake::derive_accept_key(key.as_bytes());
        let printed = run(key);
        let answer = printed
            .lines()
            .find_map(|line| line.strip_prefix("Sec-WebSocket-Accept: "))
            .expect("an answer line");
        assert_eq!(answer, expected, "key {key:?}");
    }
}
