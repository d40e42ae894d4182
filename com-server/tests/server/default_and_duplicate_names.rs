//! Name rules: no name (or nothing visible) gives `Anonymous<N>`; a name in use gets a
//! numeric suffix; names are trimmed, lose their control characters and are cut to 32
//! characters; and nobody may pose as `Server`, the name of the notices.

use crate::common;

use common::{ask, join_with_query};

#[test]
fn missing_or_empty_names_become_anonymous() {
    let server = common::start(&[]);
    let (_first, first) = join_with_query(&server, "");
    let (_second, second) = join_with_query(&server, "?name=");
    let (_third, third) = join_with_query(&server, "?name=%20%09%0A%20");
    let (_fourth, fourth) = join_with_query(&server, "?other=value");
    assert_eq!(
        [first, second, third, fourth],
        ["Anonymous1", "Anonymous2", "Anonymous3", "Anonymous4"]
    );
}

#[test]
fn a_name_in_use_gets_a_numeric_suffix() {
    let server = common::start(&[]);
    let (_first, first) = join_with_query(&server, "?name=Bob");
    let (_second, second) = join_with_query(&server, "?name=Bob");
    let (mut third, third_name) = join_with_query(&server, "?name=Bob");
    assert_eq!([first, second, third_name], ["Bob", "Bob2", "Bob3"]);
    // Skip the join notice for nobody: Bob3 joined last.
    assert_eq!(
        ask(&mut third, "users"),
        "Users online (3): Bob, Bob2, Bob3"
    );
}

#[test]
fn names_are_trimmed_cleaned_and_cut() {
    let server = common::start(&[]);
    let (_spaces, spaces) = join_with_query(&server, "?name=%20%20Al%0Aice%09%20");
    assert_eq!(spaces, "Alice");
    let (_plus, plus) = join_with_query(&server, "?name=Bogdan+K.");
    assert_eq!(plus, "Bogdan K.");
    let long = "x".repeat(40);
    let (_long, cut) = join_with_query(&server, &format!("?name={long}"));
    assert_eq!(cut, "x".repeat(32));
}

#[test]
fn nobody_is_called_server() {
    let server = common::start(&[]);
    let (_client, name) = join_with_query(&server, "?name=Server");
    assert_eq!(name, "Server2");
}
