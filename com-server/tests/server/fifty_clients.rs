//! Fifty clients chat at the same time: each sends twenty numbered lines at once, and
//! every client receives every line exactly once, each sender's lines in the order sent.

use crate::common;

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::thread;

use common::next_text;
use tungstenite::Message;

const CLIENTS: usize = 50;
const LINES_EACH: usize = 20;

#[test]
fn every_line_reaches_every_client_exactly_once_in_order() {
    let server = common::start(&[]);
    let url_base = server.url("/?name=");
    let everyone_joined = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|index| {
            let everyone_joined = everyone_joined.clone();
            let url = format!("{url_base}C{index}");
            thread::spawn(move || {
                let mut client = common::connect(&url);
                assert_eq!(
                    next_text(&mut client),
                    format!("Server: Hello! Welcome to Chat, C{index}")
                );
                // Nobody talks before everyone is in the room.
                everyone_joined.wait();
                for line in 0..LINES_EACH {
                    client
                        .write(Message::text(format!("{line}")))
                        .expect("queue a line");
                }
                client.flush().expect("send the lines");
                let mut next_expected: HashMap<String, usize> = HashMap::new();
                let mut received = 0;
                while received < CLIENTS * LINES_EACH {
                    let text = next_text(&mut client);
                    if text.starts_with("Server: ") {
                        continue; // join notices of clients that joined later
                    }
                    let (sender, number) = text.split_once(": ").expect("<name>: <text>");
                    let number: usize = number.parse().expect("a line number");
                    let expected = next_expected.entry(sender.to_owned()).or_default();
                    assert_eq!(
                        number, *expected,
                        "C{index} got {sender}'s lines out of order"
                    );
                    *expected += 1;
                    received += 1;
                }
                assert_eq!(next_expected.len(), CLIENTS, "C{index} heard from everyone");
                assert!(next_expected.values().all(|&count| count == LINES_EACH));
                // A marker proves nothing more (a duplicate) was queued behind the lines;
                // only notices may come first (clients that finished earlier leave).
                common::send(&mut client, "country");
                let marker = loop {
                    let text = next_text(&mut client);
                    if !text.starts_with("Server: ") {
                        break text;
                    }
                };
                assert_eq!(marker, "Russia", "C{index} got more than it should");
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client thread failed");
    }
}
