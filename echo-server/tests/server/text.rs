//! A text message comes back unchanged: ASCII, Cyrillic (the articles' "Привет!"), emoji,
//! and a NUL, which is valid UTF-8 and must not end anything early.

use crate::common;

use tungstenite::Message;

#[test]
fn text_messages_come_back_unchanged() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    for text in [
        "Hello, World",
        "Привет!",
        "crab 🦀 and a NUL \u{0} inside",
        "a",
    ] {
        let echo = common::round_trip(&mut socket, Message::text(text));
        assert_eq!(echo, Message::text(text));
    }
}
