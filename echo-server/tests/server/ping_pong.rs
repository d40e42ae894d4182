//! A ping is answered with a pong carrying the same payload (RFC 6455 section 5.5.2),
//! up to the 125-byte maximum; an unsolicited pong gets no answer at all (5.5.3).

use crate::common;

use tungstenite::Message;

#[test]
fn pings_get_pongs_with_the_same_payload() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    for payload in [b"are you there?".to_vec(), Vec::new(), vec![0xab; 125]] {
        let answer = common::round_trip(&mut socket, Message::Ping(payload.clone().into()));
        assert_eq!(answer, Message::Pong(payload.into()));
    }
}

#[test]
fn an_unsolicited_pong_is_not_answered() {
    let server = common::start_pure_echo();
    let mut socket = common::connect(&server.url("/"));
    socket
        .send(Message::Pong(b"heartbeat".to_vec().into()))
        .unwrap();
    // Had the pong been answered or echoed, that answer would come before this echo.
    let next = common::round_trip(&mut socket, Message::text("after the pong"));
    assert_eq!(next, Message::text("after the pong"));
}
