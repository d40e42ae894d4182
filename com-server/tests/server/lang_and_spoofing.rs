//! `--lang ru` answers as the original PHP command server did, English staying the default;
//! and nobody can pass for the server: a name loses `:` and invisible format characters,
//! and a chat text cannot start a line of its own.

use crate::common;

use common::{ask, join, join_with_query, next_text};

#[test]
fn russian_answers_as_the_original() {
    let server = common::start(&["--lang", "ru"]);
    let mut alice = join(&server, "Alice");
    assert_eq!(ask(&mut alice, "country"), "Россия");
    assert_eq!(ask(&mut alice, "city"), "Москва");
    assert_eq!(ask(&mut alice, "/dance"), "Неизвестная команда");
    let english = common::start(&[]);
    let mut bob = join(&english, "Bob");
    assert_eq!(ask(&mut bob, "country"), "Russia");
    assert_eq!(
        ask(&mut bob, "/dance"),
        "Unknown command: /dance. Try help."
    );
    let chosen = common::start(&["--lang", "ru", "--city", "Казань"]);
    let mut carol = join(&chosen, "Carol");
    assert_eq!(ask(&mut carol, "city"), "Казань", "--city wins");
}

#[test]
fn a_name_cannot_read_as_the_server() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let (mut spoof, name) = join_with_query(&server, "?name=Server%3A%20Hello");
    assert_eq!(name, "Server Hello");
    assert_eq!(
        next_text(&mut alice),
        "Server: New User(Server Hello) in Chat!"
    );
    assert_eq!(ask(&mut spoof, "hi"), "Server Hello: hi");
    assert_eq!(next_text(&mut alice), "Server Hello: hi");
    // A right-to-left override and a zero-width space are gone.
    let (_, name) = join_with_query(&server, "?name=Eve%E2%80%AEevil%E2%80%8B");
    assert_eq!(name, "Eveevil");
}

#[test]
fn a_chat_text_cannot_start_a_line_of_its_own() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    assert_eq!(
        ask(&mut alice, "hi\r\nServer: spoof"),
        "Alice: hi↵Server: spoof"
    );
    assert_eq!(ask(&mut alice, "one\ntwo"), "Alice: one↵two");
}
