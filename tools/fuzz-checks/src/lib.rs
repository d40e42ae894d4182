//! What each fuzz target checks, as plain functions with no fuzzer in them, so that
//! `frame/tests/protocol/fuzz_regressions.rs` replays every saved input through the very same
//! code in an ordinary `cargo test`. Each function must never panic, whatever the bytes.
//! A crate of its own (not a file included by path) so the fuzz targets and the test share it.

#![forbid(unsafe_code)]

use frame::{
    Connection, Event, FrameHeader, HeadReader, Limits, Message, MessageAssembler, Opcode,
    RequestHead, Role, State,
};

/// The first byte picks how to cut the rest into pieces; the rest is the byte stream a
/// server and a client connection each receive. Invariants: no panic, a connection that
/// reported an error is Closed, and decoded text is what `String` promises.
pub fn decode(data: &[u8]) {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let piece_len = usize::from(cut % 32) + 1;
    for role in [Role::Server, Role::Client] {
        let mut connection = Connection::new(
            role,
            Limits {
                max_message: 1 << 16,
                max_frame: 1 << 12,
            },
        );
        let mut failed = false;
        for piece in stream.chunks(piece_len) {
            connection.receive(piece);
            loop {
                match connection.next_event() {
                    Ok(Some(Event::Text(text))) => {
                        assert!(!failed, "no message is read after a failure");
                        assert!(std::str::from_utf8(text.as_bytes()).is_ok())
                    }
                    Ok(Some(Event::Binary(_))) => {
                        assert!(!failed, "no message is read after a failure")
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => {
                        // Our close is queued; we either wait for the peer's or stop.
                        assert!(matches!(
                            connection.state(),
                            State::ClosedByUs | State::Failed
                        ));
                        assert!(connection.close_sent().is_some() || failed);
                        failed = true;
                        if connection.state().is_finished() {
                            break;
                        }
                    }
                }
            }
            let _ = connection.take_output();
        }
    }
}

/// Any bytes as a request head, and the head (if one parses) through the whole server side
/// of the handshake.
pub fn handshake(data: &[u8]) {
    // Read in pieces, a head must come out exactly as parsed whole.
    let mut reader = HeadReader::new();
    let in_pieces = data
        .chunks(7)
        .map(|piece| reader.push(piece))
        .find(|answer| !matches!(answer, Ok(None)));
    if let (Some(Ok(Some((head, after_head)))), Ok(Some((whole, used)))) =
        (in_pieces, RequestHead::parse(data))
    {
        assert_eq!(head, whole);
        // The reader stops at the piece that ended the head: what it kept after the head
        // is the start of what followed it.
        assert_eq!(after_head[..], data[used..used + after_head.len()]);
    }
    if let Ok(Some((head, used))) = RequestHead::parse(data) {
        assert!(used <= data.len());
        let _ = head.path();
        let _ = head.query_params();
        match frame::negotiate(head, &["null".to_owned()]) {
            Ok((_, response)) => assert!(response.starts_with(b"HTTP/1.1 101 ")),
            Err(error) => {
                let response = frame::reject_response(&error);
                assert!(response.starts_with(b"HTTP/1.1 4") || response.starts_with(b"HTTP/1.1 5"));
            }
        }
    }
}

/// Bytes as a script of data frames for the assembler: each step is a control byte
/// (opcode in the low bits, FIN in the high bit, a length) and that many payload bytes.
/// Checks that only well-formed sequences produce messages.
pub fn assemble(data: &[u8]) {
    let mut assembler = MessageAssembler::new(1 << 12);
    let mut rest = data;
    while let Some((&control, tail)) = rest.split_first() {
        let opcode = match control & 0x3 {
            0 => Opcode::Continuation,
            1 => Opcode::Text,
            _ => Opcode::Binary,
        };
        let fin = control & 0x80 != 0;
        let length = usize::from((control >> 2) & 0x1F).min(tail.len());
        let (payload, after) = tail.split_at(length);
        rest = after;
        let mut header = FrameHeader::new(opcode, length as u64, None);
        header.fin = fin;
        if assembler.start_frame(&header).is_err() || assembler.push(payload).is_err() {
            return;
        }
        match assembler.end_frame(fin) {
            Ok(Some(Message::Text(text))) => assert!(std::str::from_utf8(text.as_bytes()).is_ok()),
            Ok(_) => {}
            Err(_) => return,
        }
    }
}
