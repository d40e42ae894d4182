//! `--max-message` (64 KiB by default for chat): a message of exactly the limit is
//! relayed, one byte more gets close 1009 (Message Too Big) and a leave notice.

use crate::common;

use common::{ask, expect_close, join, next_text, send, wait_for_leave};

#[test]
fn one_byte_over_the_limit_is_closed_with_1009() {
    let server = common::start(&["--max-message", "1024"]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");

    let largest = "x".repeat(1024);
    assert_eq!(ask(&mut bob, &largest), format!("Bob: {largest}"));
    assert_eq!(next_text(&mut alice), format!("Bob: {largest}"));

    send(&mut bob, &"y".repeat(1025));
    let (code, _reason) = expect_close(bob);
    assert_eq!(code, 1009);
    assert_eq!(next_text(&mut alice), "Server: Bob left the chat");
    wait_for_leave(&server, "Bob", "failed 1009 (Message Too Big)");
}

#[test]
fn the_default_limit_is_64_kib() {
    let server = common::start(&[]);
    let mut bob = join(&server, "Bob");
    let largest = "x".repeat(64 * 1024);
    assert_eq!(ask(&mut bob, &largest), format!("Bob: {largest}"));
    send(&mut bob, &"y".repeat(64 * 1024 + 1));
    assert_eq!(expect_close(bob).0, 1009);
}
