//! `break` stops the server, as in the habr article, but only with `--allow-break`: then
//! every client gets close 1001 with reason `stopped by <name>` and the process exits 0.
//! Without the flag the sender is told it is disabled, and the chat goes on.

use crate::common;

use std::time::Duration;

use common::{ask, expect_close, join, next_text, send, wait_for_log};

#[test]
fn without_allow_break_the_sender_is_told_and_nothing_stops() {
    let mut server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    assert_eq!(
        ask(&mut bob, "break"),
        "Server: break is disabled (start the server with --allow-break)"
    );
    assert_eq!(
        ask(&mut bob, "/break"),
        "Server: break is disabled (start the server with --allow-break)"
    );
    assert_eq!(ask(&mut alice, "still here?"), "Alice: still here?");
    assert_eq!(next_text(&mut bob), "Alice: still here?");
    assert!(server.wait_exit(Duration::from_millis(300)).is_none());
    wait_for_log(&server, "Bob ran break (disabled)");
}

#[test]
fn with_allow_break_everyone_is_closed_and_the_server_exits() {
    let mut server = common::start(&["--allow-break"]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    send(&mut bob, "break");
    for client in [alice, bob] {
        assert_eq!(expect_close(client), (1001, "stopped by Bob".to_owned()));
    }
    let status = server
        .wait_exit(testkit::DEADLINE)
        .expect("the server exits after break");
    assert_eq!(status.code(), Some(0));
    wait_for_log(&server, "Bob ran break: stopping the server");
    common::wait_for_leave(&server, "Alice", "closed 1001 (Going Away): stopped by Bob");
}
