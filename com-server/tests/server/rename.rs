//! `/name NEW` renames: the member gets a confirmation, everyone else a notice, and its
//! later lines carry the new name. The new name follows the join rules (a taken name
//! gets a suffix); an empty one gets the usage line.

use crate::common;

use common::{ask, join, next_text, wait_for_log};

#[test]
fn renaming_is_confirmed_announced_and_used() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");

    assert_eq!(
        ask(&mut alice, "/name Алиса"),
        "Server: you are now known as Алиса"
    );
    assert_eq!(next_text(&mut bob), "Server: Alice is now known as Алиса");
    assert_eq!(ask(&mut alice, "hello"), "Алиса: hello");
    assert_eq!(next_text(&mut bob), "Алиса: hello");
    assert_eq!(ask(&mut bob, "users"), "Users online (2): Алиса, Bob");
    wait_for_log(&server, "Alice renamed to Алиса");
}

#[test]
fn a_taken_name_gets_a_suffix() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    assert_eq!(
        ask(&mut alice, "  /name   Bob  "),
        "Server: you are now known as Bob2"
    );
    assert_eq!(next_text(&mut bob), "Server: Alice is now known as Bob2");
}

#[test]
fn empty_and_unchanged_names_are_explained() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    assert_eq!(
        ask(&mut alice, "/name"),
        "Server: usage: /name NEW (a name with at least one visible character)"
    );
    assert_eq!(
        ask(&mut alice, "/name \u{7}"),
        "Server: usage: /name NEW (a name with at least one visible character)"
    );
    assert_eq!(
        ask(&mut alice, "/name Alice"),
        "Server: you are already called Alice"
    );
}
