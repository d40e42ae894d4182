//! Commands a client sends right before its close frame are all answered, in order, before
//! the reply to its close: the reader decodes one event at a time.

use crate::common;

use tungstenite::Message;

#[test]
fn commands_just_before_a_close_are_answered() {
    let server = common::start(&[]);
    let mut alice = common::join(&server, "Alice");
    for command in ["country", "city", "users"] {
        alice.send(Message::text(command)).expect("send");
    }
    alice.close(None).expect("close");
    let mut answers = Vec::new();
    loop {
        match alice.read() {
            Ok(Message::Text(text)) => answers.push(text.to_string()),
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    assert_eq!(answers, ["Russia", "Moscow", "Users online (1): Alice"]);
}
