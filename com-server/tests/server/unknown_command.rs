//! Text that starts with `/` but is no command gets `Unknown command: <text>. Try help.`,
//! to the sender only; the same word without `/` is an ordinary chat message.

use crate::common;

use common::{ask, join, next_text, wait_for_log};

#[test]
fn an_unknown_slash_command_is_answered() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    assert_eq!(
        ask(&mut alice, "/dance"),
        "Unknown command: /dance. Try help."
    );
    assert_eq!(
        ask(&mut alice, "  /dance with me  "),
        "Unknown command: /dance with me. Try help."
    );
    assert_eq!(ask(&mut bob, "users"), "Users online (2): Alice, Bob");
    wait_for_log(&server, "Alice ran an unknown command \"/dance\"");
}

#[test]
fn the_same_word_without_a_slash_is_chat() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    assert_eq!(ask(&mut alice, "dance"), "Alice: dance");
}
