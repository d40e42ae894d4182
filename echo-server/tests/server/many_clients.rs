//! 200 clients at once, each echoing 500 messages of its own (text and binary, sizes
//! varying), every echo checked byte for byte: one thread serves them all, and no message
//! is lost, reordered or mixed up with another client's.

use crate::common;

use std::sync::{Arc, Barrier};

use tungstenite::Message;

const CLIENTS: usize = 200;
const MESSAGES: usize = 500;

/// Message `index` of client `client`: unique, 20 to ~300 bytes, every 5th one binary.
fn message(client: usize, index: usize) -> Message {
    let text = format!(
        "client {client} message {index} {}",
        "x".repeat((client * 7 + index * 13) % 280)
    );
    if index % 5 == 0 {
        Message::binary(text.into_bytes())
    } else {
        Message::text(text)
    }
}

#[test]
fn two_hundred_clients_each_echo_five_hundred_messages() {
    let server = common::start_pure_echo();
    let url = server.url("/");
    let connected = Arc::new(Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let url = url.clone();
            let connected = connected.clone();
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut socket = common::connect(&url);
                    // All connected before anyone sends: the server really holds 200 at once.
                    connected.wait();
                    for index in 0..MESSAGES {
                        let sent = message(client, index);
                        socket.send(sent.clone()).expect("send");
                        let echo = socket.read().expect("read the echo");
                        assert_eq!(echo, sent, "client {client}, message {index}");
                    }
                    socket.close(None).expect("close");
                    while socket.read().is_ok() {}
                })
                .expect("spawn a client thread")
        })
        .collect();
    for thread in threads {
        thread.join().expect("a client thread failed");
    }
    let lines = server.lines();
    let connects = lines
        .iter()
        .filter(|line| line.ends_with(" connected"))
        .count();
    assert_eq!(connects, CLIENTS);
}
