//! Past `--max-connections`, a new client gets HTTP 503 with `Retry-After` before the
//! upgrade, while the clients already connected keep being served; once one leaves, its
//! slot is free again.

use crate::common;

use std::time::{Duration, Instant};

use tungstenite::Message;

#[test]
fn past_the_limit_new_clients_get_503() {
    let server = common::start(&["--no-greeting", "--max-connections", "2"]);
    let url = server.url("/");
    let mut first = common::connect(&url);
    let mut second = common::connect(&url);
    for socket in [&mut first, &mut second] {
        assert_eq!(
            common::round_trip(socket, Message::text("in")),
            Message::text("in")
        );
    }

    match common::try_connect(&url) {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            assert!(
                response.headers().contains_key("Retry-After"),
                "{response:?}"
            );
        }
        Err(other) => panic!("expected HTTP 503, got {other}"),
        Ok(_) => panic!("a third client was accepted past --max-connections 2"),
    }
    assert!(server.wait_for_line("refused 503: ").is_some());
    assert_eq!(
        common::round_trip(&mut second, Message::text("still served")),
        Message::text("still served")
    );

    first.close(None).unwrap();
    while first.read().is_ok() {}
    drop(first);
    let deadline = Instant::now() + testkit::DEADLINE;
    let mut third = loop {
        match common::try_connect(&url) {
            Ok(socket) => break socket,
            Err(tungstenite::Error::Http(response)) if response.status() == 503 => {
                assert!(Instant::now() < deadline, "the slot was never freed");
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    };
    assert_eq!(
        common::round_trip(&mut third, Message::text("in")),
        Message::text("in")
    );
}
