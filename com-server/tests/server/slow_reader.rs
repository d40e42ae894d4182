//! A client that stops reading must not stall the room. Its lines pile up in its own
//! outbox (bounded by `--outbox-bytes`, 1 MiB by default); past the bound it is closed with
//! 1008 and the others are told it left. Meanwhile every healthy client gets every line,
//! in order, and never waits on the stuck one.

use crate::common;

use common::{join, next_text, wait_for_leave, wait_for_log};

/// Each chat line carries this much text, so the stuck client's buffers fill quickly.
const LINE_BYTES: usize = 32 * 1024;

/// The kernel's socket buffers hold some megabytes on top of the outbox; if the stuck
/// client is still in the room after this much, the outbox is not bounded.
const GIVE_UP_AFTER_BYTES: usize = 48 * 1024 * 1024;

/// Reads `client`'s next text, noting (and skipping) the stuck client's leave notice.
fn next_line(client: &mut common::Client, notices: &mut usize) -> String {
    loop {
        let text = next_text(client);
        if text == "Server: Stuck left the chat" {
            *notices += 1;
        } else {
            return text;
        }
    }
}

#[test]
fn a_stuck_reader_is_closed_with_1008_and_nobody_waits_for_it() {
    let server = common::start(&[]);
    // Stuck reads its greeting and then nothing at all.
    let mut stuck = join(&server, "Stuck");
    let mut alice = join(&server, "Alice");
    let mut bob = join(&server, "Bob");
    assert_eq!(next_text(&mut alice), "Server: New User(Bob) in Chat!");

    let filler = "x".repeat(LINE_BYTES);
    let (mut alice_notices, mut bob_notices) = (0, 0);
    let mut sent = 0;
    // Alice talks, and waits for each line to come back to her and to Bob before the
    // next: a server that blocked on Stuck's full socket would fail this read's deadline.
    while alice_notices == 0 || bob_notices == 0 || sent % 8 != 0 {
        assert!(
            sent * LINE_BYTES < GIVE_UP_AFTER_BYTES,
            "Stuck was never closed after {sent} lines; log: {:#?}",
            server.lines()
        );
        let line = format!("{sent} {filler}");
        common::send(&mut alice, &line);
        let expected = format!("Alice: {line}");
        assert_eq!(
            next_line(&mut alice, &mut alice_notices),
            expected,
            "line {sent}"
        );
        assert_eq!(
            next_line(&mut bob, &mut bob_notices),
            expected,
            "line {sent}"
        );
        sent += 1;
    }
    assert_eq!(
        (alice_notices, bob_notices),
        (1, 1),
        "one leave notice each"
    );
    wait_for_log(
        &server,
        "Stuck is too slow (outbox full): closing with 1008",
    );

    // Stuck wakes up: it gets the lines that were already on their way, in order and
    // without a gap, then close 1008.
    assert_eq!(next_text(&mut stuck), "Server: New User(Alice) in Chat!");
    assert_eq!(next_text(&mut stuck), "Server: New User(Bob) in Chat!");
    let mut received = 0;
    let (code, reason) = loop {
        match stuck.read().expect("Stuck reads its backlog") {
            tungstenite::Message::Text(text) => {
                let number = text
                    .strip_prefix("Alice: ")
                    .and_then(|rest| rest.split(' ').next())
                    .and_then(|number| number.parse::<usize>().ok())
                    .unwrap_or_else(|| panic!("unexpected line for Stuck: {:.40}", text.as_str()));
                assert_eq!(number, received, "Stuck's lines arrive in order");
                received += 1;
            }
            tungstenite::Message::Close(Some(frame)) => {
                break (u16::from(frame.code), frame.reason.as_str().to_owned());
            }
            other => panic!("unexpected message for Stuck: {other:?}"),
        }
    };
    while stuck.read().is_ok() {} // send the close reply, read up to the server's FIN
    drop(stuck);
    eprintln!("Stuck was closed after Alice sent {sent} lines; it had received {received}");
    assert_eq!(code, 1008, "{reason}");
    assert!(received < sent, "Stuck got {received} of {sent} lines");
    wait_for_leave(&server, "Stuck", "closed 1008 (Policy Violation): too slow");
}
