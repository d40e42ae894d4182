//! Chat fan-out: every line goes to everyone, the sender included, as `<name>: <text>`,
//! exactly once and in the order sent. A sends 1000 numbered messages without waiting;
//! A, B and C each receive all 1000, in order.

use crate::common;

use common::{join, next_text};
use tungstenite::Message;

const MESSAGES: usize = 1000;

#[test]
fn a_thousand_messages_arrive_everywhere_in_order() {
    let server = common::start(&[]);
    let mut a = join(&server, "A");
    let mut b = join(&server, "B");
    let mut c = join(&server, "C");
    assert_eq!(next_text(&mut a), "Server: New User(B) in Chat!");
    assert_eq!(next_text(&mut a), "Server: New User(C) in Chat!");
    assert_eq!(next_text(&mut b), "Server: New User(C) in Chat!");

    // Queue all of them, then flush: they leave in as few TCP segments as possible and
    // the server sees long runs of frames per read.
    for number in 0..MESSAGES {
        a.write(Message::text(format!("message {number}")))
            .expect("queue a message");
    }
    a.flush().expect("send the messages");

    for (name, client) in [("A", &mut a), ("B", &mut b), ("C", &mut c)] {
        for number in 0..MESSAGES {
            assert_eq!(
                next_text(client),
                format!("A: message {number}"),
                "{name}'s message {number}"
            );
        }
    }
}
