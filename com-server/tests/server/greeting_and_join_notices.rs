//! Joining, as in the habr article: the newcomer is greeted by name, everyone already
//! online is told `Server: New User(<name>) in Chat!`, and nobody hears about themselves.

use crate::common;

use common::{ask, join, next_text, wait_for_log};

#[test]
fn three_clients_join_one_after_another() {
    let server = common::start(&[]);
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");
    let mut carol = join(&server, "Carol");
    assert_eq!(next_text(&mut alice), "Server: New User(Carol) in Chat!");
    assert_eq!(next_text(&mut bob), "Server: New User(Carol) in Chat!");

    // Each client's next message is the answer to its own question: no notice about
    // itself (or a second copy of another) is still waiting in front of it.
    for client in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(ask(client, "users"), "Users online (3): Alice, Bob, Carol");
    }
    for name in ["Alice", "Bob", "Carol"] {
        wait_for_log(&server, &format!("connected as {name}"));
    }
}
