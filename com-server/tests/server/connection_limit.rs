//! `--max-connections`: past the limit a new client gets HTTP 503 with `Retry-After`
//! before any upgrade; when someone leaves, there is room again.

use crate::common;

use std::time::{Duration, Instant};

use common::{join, wait_for_log};

#[test]
fn past_the_limit_clients_get_503_with_retry_after() {
    let server = common::start(&["--max-connections", "2"]);
    let mut alice = join(&server, "Alice");
    let _bob = join(&server, "Bob");

    match common::try_connect(&server.url("/?name=Carol")) {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 503);
            assert!(response.headers().contains_key("Retry-After"));
        }
        Err(other) => panic!("expected HTTP 503, got the error {other}"),
        Ok(_) => panic!("a third client was let in past --max-connections 2"),
    }
    wait_for_log(
        &server,
        "refused 503: the server is at its connection limit",
    );

    alice.close(None).expect("Alice leaves");
    while alice.read().is_ok() {}
    drop(alice);
    wait_for_log(&server, "Alice left the chat");
    // The slot comes back just after the log line: allow a moment, within a deadline.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match common::try_connect(&server.url("/?name=Carol")) {
            Ok(mut carol) => {
                assert_eq!(
                    common::next_text(&mut carol),
                    "Server: Hello! Welcome to Chat, Carol"
                );
                break;
            }
            Err(error) if Instant::now() < deadline => {
                eprintln!("not yet: {error}");
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(error) => panic!("no room after Alice left: {error}"),
        }
    }
}
