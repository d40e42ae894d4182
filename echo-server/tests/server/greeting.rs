//! Like echo.websocket.org, the first message on every connection is `Request served by
//! <id>`, with the id the server printed at start-up; `--no-greeting` makes it a pure echo.

use crate::common;

use tungstenite::Message;

#[test]
fn the_first_message_names_the_instance() {
    let server = common::start(&[]);
    let id = common::instance_id(&server);
    assert_eq!(id.len(), 8, "{id}");
    for _ in 0..2 {
        let mut socket = common::connect(&server.url("/"));
        let greeting = socket.read().expect("the greeting");
        assert_eq!(greeting, Message::text(format!("Request served by {id}")));
        let echo = common::round_trip(&mut socket, Message::text("Привет!"));
        assert_eq!(echo, Message::text("Привет!"));
    }
}

#[test]
fn no_greeting_makes_a_pure_echo() {
    let server = common::start(&["--no-greeting"]);
    let mut socket = common::connect(&server.url("/"));
    // A greeting is queued at the upgrade, so it would arrive before this echo.
    let first = common::round_trip(&mut socket, Message::text("first"));
    assert_eq!(first, Message::text("first"));
}

#[test]
fn every_server_has_its_own_id() {
    let first = common::start(&[]);
    let second = common::start(&[]);
    assert_ne!(common::instance_id(&first), common::instance_id(&second));
}
