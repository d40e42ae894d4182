//! A message of 0 bytes is still a message: it is echoed, as text and as binary, and the
//! connection goes on.

use crate::common;

use tungstenite::Message;

#[test]
fn empty_messages_are_echoed() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    assert_eq!(
        common::round_trip(&mut socket, Message::text("")),
        Message::text("")
    );
    assert_eq!(
        common::round_trip(&mut socket, Message::binary(Vec::new())),
        Message::binary(Vec::new())
    );
    assert_eq!(
        common::round_trip(&mut socket, Message::text("after")),
        Message::text("after")
    );
}
