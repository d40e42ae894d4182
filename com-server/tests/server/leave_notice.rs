//! Leaving: when a client closes (or its TCP connection just ends), the others get
//! `Server: <name> left the chat`, and the log says how it ended, with the close code.

use crate::common;

use std::net::Shutdown;

use common::{join, next_text, wait_for_leave};

#[test]
fn a_clean_close_is_announced_and_logged() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    bob.close(None).expect("start the close handshake");
    // tungstenite reads the server's reply to complete the handshake.
    while bob.read().is_ok() {}
    drop(bob);
    assert_eq!(next_text(&mut alice), "Server: Bob left the chat");
    wait_for_leave(&server, "Bob", "closed 1005 (No Status Received)");
    assert_eq!(common::ask(&mut alice, "users"), "Users online (1): Alice");
}

#[test]
fn a_close_code_and_reason_are_logged() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    bob.close(Some(tungstenite::protocol::CloseFrame {
        code: 1000.into(),
        reason: "bye".into(),
    }))
    .expect("start the close handshake");
    while bob.read().is_ok() {}
    drop(bob);
    assert_eq!(next_text(&mut alice), "Server: Bob left the chat");
    wait_for_leave(&server, "Bob", "closed 1000 (Normal Closure): \"bye\"");
}

#[test]
fn a_dropped_connection_is_announced_too() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    // No close frame at all: what a browser would report as 1006.
    bob.get_ref()
        .shutdown(Shutdown::Both)
        .expect("shut the socket down");
    assert_eq!(next_text(&mut alice), "Server: Bob left the chat");
    wait_for_leave(&server, "Bob", "dropped: ");
}
