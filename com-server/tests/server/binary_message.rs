//! This chat speaks text: a binary message gets close 1003 (Unsupported Data), the very
//! example the articles' table of close codes gives, and the others hear that the
//! sender left.

use crate::common;

use common::{expect_close, join, next_text, wait_for_leave};
use tungstenite::Message;

#[test]
fn a_binary_message_is_closed_with_1003() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    bob.send(Message::binary(vec![0u8, 1, 2, 3]))
        .expect("send a binary message");
    let (code, reason) = expect_close(bob);
    assert_eq!(code, 1003);
    assert!(reason.contains("binary"), "{reason}");
    assert_eq!(next_text(&mut alice), "Server: Bob left the chat");
    wait_for_leave(&server, "Bob", "closed 1003 (Unsupported Data)");
}
