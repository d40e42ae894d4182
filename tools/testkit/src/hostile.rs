//! The hostile-client matrix (issue 8): every mistake or attack a client can make, one row
//! each, and the answer the server must give. The rows are written once here and run
//! against both servers by `hostile_matrix!`; after every row a fresh client must still be
//! served, so no row may leave a server crashed, hung or leaking.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::raw_client::{RawClient, client_frame, close_frame, masked};
use crate::{ServerProcess, connect_raw, exchange_raw, read_to_close, upgrade_request};

/// Starts the server under test with extra flags (after `--addr 127.0.0.1:0` and a
/// `--time-limit`, which the caller adds).
pub type Start = dyn Fn(&[&str]) -> ServerProcess;

/// Declares one `#[test]` per matrix row, each starting its own server with `$start`.
#[macro_export]
macro_rules! hostile_matrix {
    ($start:path) => {
        $crate::hostile_rows!(
            $start;
            garbage_bytes_get_400,
            an_empty_connection_is_harmless,
            http_1_0_gets_400,
            post_gets_405,
            a_missing_key_gets_400,
            a_short_key_gets_400,
            version_8_gets_426_naming_13,
            a_64_kib_head_gets_431,
            a_byte_every_100_ms_is_timed_out,
            connections_past_the_limit_get_503,
            an_unmasked_frame_gets_1002,
            rsv_bits_get_1002,
            reserved_opcodes_get_1002,
            a_126_byte_ping_gets_1002,
            a_fragmented_ping_gets_1002,
            a_continuation_without_a_message_gets_1002,
            a_new_message_inside_a_fragmented_one_gets_1002,
            invalid_utf8_in_one_frame_gets_1007,
            invalid_utf8_across_fragments_gets_1007,
            a_one_byte_close_payload_gets_1002,
            invalid_close_codes_get_1002,
            valid_close_codes_are_echoed,
            a_length_with_the_top_bit_set_gets_1002,
            a_length_of_2_to_the_40_gets_1009_without_allocating,
            a_frame_sent_one_byte_at_a_time_is_understood,
            a_client_vanishing_mid_frame_is_freed,
            an_allowed_origin_is_accepted,
            a_foreign_origin_gets_403,
            no_origin_is_accepted,
        );
    };
}

/// Helper of `hostile_matrix!`: one test function per row name.
#[macro_export]
macro_rules! hostile_rows {
    ($start:path; $($row:ident),* $(,)?) => {
        $(
            #[test]
            fn $row() {
                $crate::hostile::$row(&$start);
            }
        )*
    };
}

/// The status code of an HTTP response, or 0 if there is none.
pub fn status_of(response: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(response);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// After every row: a well-behaved client still connects and gets its first message
/// (both servers greet a new client).
pub fn assert_serves_fresh_client(server: &ServerProcess) {
    let mut client = RawClient::connect(server.addr(), "/");
    assert!(
        !client.expect_text().is_empty(),
        "a fresh client gets a greeting"
    );
    client.send(&close_frame(1000));
    assert_eq!(client.expect_close(), Some(1000));
}

fn refused_with(start: &Start, request: &[u8], status: u16) -> String {
    let server = start(&[]);
    let response = exchange_raw(server.addr(), request);
    assert_eq!(
        status_of(&response),
        status,
        "{}",
        String::from_utf8_lossy(&response)
    );
    let text = String::from_utf8_lossy(&response).into_owned();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert!(
        !body.trim().is_empty(),
        "a refusal carries a plain-text reason"
    );
    assert_serves_fresh_client(&server);
    text
}

/// Row: bytes that are not HTTP at all.
pub fn garbage_bytes_get_400(start: &Start) {
    refused_with(start, b"\x00\x01\x02 garbage \xff\xfe\r\n\r\n", 400);
}

/// Row: a client that connects and hangs up without a byte.
pub fn an_empty_connection_is_harmless(start: &Start) {
    let server = start(&[]);
    for _ in 0..20 {
        drop(TcpStream::connect(server.addr()).expect("connect"));
    }
    assert_serves_fresh_client(&server);
}

/// Row: a WebSocket handshake over HTTP/1.0.
pub fn http_1_0_gets_400(start: &Start) {
    refused_with(
        start,
        upgrade_request("/")
            .replace("HTTP/1.1", "HTTP/1.0")
            .as_bytes(),
        400,
    );
}

/// Row: POST instead of GET.
pub fn post_gets_405(start: &Start) {
    refused_with(
        start,
        upgrade_request("/").replacen("GET", "POST", 1).as_bytes(),
        405,
    );
}

/// Row: no Sec-WebSocket-Key.
pub fn a_missing_key_gets_400(start: &Start) {
    let request =
        upgrade_request("/").replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "");
    refused_with(start, request.as_bytes(), 400);
}

/// Row: a key that decodes to 5 bytes, not 16.
pub fn a_short_key_gets_400(start: &Start) {
    let request = upgrade_request("/").replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=");
    refused_with(start, request.as_bytes(), 400);
}

/// Row: an old protocol version; the answer names the one we speak.
pub fn version_8_gets_426_naming_13(start: &Start) {
    let request = upgrade_request("/").replace("Version: 13", "Version: 8");
    let response = refused_with(start, request.as_bytes(), 426);
    assert!(
        response.contains("Sec-WebSocket-Version: 13\r\n"),
        "{response}"
    );
}

/// Row: a request head of 64 KiB.
pub fn a_64_kib_head_gets_431(start: &Start) {
    let server = start(&[]);
    let mut stream = connect_raw(server.addr());
    let mut request = upgrade_request("/").replace("\r\n\r\n", "\r\n");
    request.push_str(&format!("X-Padding: {}\r\n\r\n", "a".repeat(64 * 1024)));
    // Write from another thread: the server may answer before it has read it all.
    let mut writer = stream.try_clone().expect("clone");
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(request.as_bytes());
    });
    let response = read_to_close(&mut stream);
    let _ = sender.join();
    assert_eq!(
        status_of(&response),
        431,
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert_serves_fresh_client(&server);
}

/// Row: slowloris, a request head dribbled one byte every 100 ms. The server is started
/// with `--handshake-timeout 1` and must hang up within a few seconds.
pub fn a_byte_every_100_ms_is_timed_out(start: &Start) {
    let server = start(&["--handshake-timeout", "1"]);
    let mut stream = connect_raw(server.addr());
    let mut reader = stream.try_clone().expect("clone");
    let started = Instant::now();
    let dribbler = std::thread::spawn(move || {
        for byte in upgrade_request("/").bytes().cycle().take(600) {
            if stream.write_all(&[byte]).is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    });
    let _ = read_to_close(&mut reader);
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(5),
        "hung up after {elapsed:?}"
    );
    let _ = dribbler.join();
    assert_serves_fresh_client(&server);
}

/// Row: 2000 connections at once against `--max-connections 20`: each gets an answer
/// (101 within the limit, 503 past it, or 101 then close 1013), none hangs, and the
/// server serves new clients once they are gone.
pub fn connections_past_the_limit_get_503(start: &Start) {
    let server = start(&["--max-connections", "20"]);
    let mut streams = Vec::new();
    for _ in 0..2000 {
        let mut stream = connect_raw(server.addr());
        stream
            .write_all(upgrade_request("/").as_bytes())
            .expect("send request");
        streams.push(stream);
    }
    let (mut accepted, mut refused) = (0, 0);
    for stream in &mut streams {
        let mut head = [0u8; 12];
        stream
            .read_exact(&mut head)
            .expect("every connection gets an answer");
        match status_of(&head) {
            101 => accepted += 1,
            503 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(accepted <= 20, "{accepted} accepted past a limit of 20");
    assert_eq!(accepted + refused, 2000);
    drop(streams);
    let deadline = Instant::now() + Duration::from_secs(10);
    // The server frees the slots as it notices the hang-ups; until then, 503 is right.
    loop {
        let mut stream = connect_raw(server.addr());
        let mut head = [0u8; 12];
        let status = stream
            .write_all(upgrade_request("/").as_bytes())
            .and_then(|()| stream.read_exact(&mut head))
            .map_or(0, |()| status_of(&head));
        match status {
            101 => break,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            other => panic!("the server did not recover within 10 s: status {other}"),
        }
    }
    assert_serves_fresh_client(&server);
}

fn closes_with(start: &Start, bytes: &[u8], code: u16) {
    let server = start(&[]);
    let mut client = RawClient::connect(server.addr(), "/");
    client.send(bytes);
    assert_eq!(
        client.expect_close(),
        Some(code),
        "after sending {bytes:02x?}"
    );
    assert!(
        client.server_hung_up(),
        "the server closes TCP after the close frame"
    );
    assert_serves_fresh_client(&server);
}

/// Row: a client frame without the mask bit.
pub fn an_unmasked_frame_gets_1002(start: &Start) {
    closes_with(start, &client_frame(0x81, b"hello", false), 1002);
}

/// Row: RSV1, RSV2 or RSV3 set with no extension negotiated.
pub fn rsv_bits_get_1002(start: &Start) {
    for rsv in [0x40, 0x20, 0x10] {
        closes_with(start, &client_frame(0x80 | rsv | 0x1, b"hello", true), 1002);
    }
}

/// Row: the ten reserved opcodes.
pub fn reserved_opcodes_get_1002(start: &Start) {
    let server = start(&[]);
    for opcode in (3u8..=7).chain(11..=15) {
        let mut client = RawClient::connect(server.addr(), "/");
        client.send(&masked(opcode, b"x"));
        assert_eq!(client.expect_close(), Some(1002), "opcode {opcode}");
    }
    assert_serves_fresh_client(&server);
}

/// Row: a control frame over 125 bytes.
pub fn a_126_byte_ping_gets_1002(start: &Start) {
    closes_with(start, &masked(0x9, &[b'p'; 126]), 1002);
}

/// Row: a ping without FIN.
pub fn a_fragmented_ping_gets_1002(start: &Start) {
    closes_with(start, &client_frame(0x09, b"ping", true), 1002);
}

/// Row: a continuation frame out of the blue.
pub fn a_continuation_without_a_message_gets_1002(start: &Start) {
    closes_with(start, &masked(0x0, b"more"), 1002);
}

/// Row: a new text frame before the fragmented one ended.
pub fn a_new_message_inside_a_fragmented_one_gets_1002(start: &Start) {
    let mut bytes = client_frame(0x01, b"first half", true);
    bytes.extend(masked(0x1, b"a new message"));
    closes_with(start, &bytes, 1002);
}

/// Row: a text frame that is not UTF-8.
pub fn invalid_utf8_in_one_frame_gets_1007(start: &Start) {
    closes_with(start, &masked(0x1, b"bad \xff\xfe bytes"), 1007);
}

/// Row: a character cut across two fragments and completed wrongly.
pub fn invalid_utf8_across_fragments_gets_1007(start: &Start) {
    let mut bytes = client_frame(0x01, b"ok \xd0", true); // the first byte of a Cyrillic letter
    bytes.extend(masked(0x0, b"A")); // not a continuation byte
    closes_with(start, &bytes, 1007);
}

/// Row: a close frame with a one-byte payload.
pub fn a_one_byte_close_payload_gets_1002(start: &Start) {
    closes_with(start, &masked(0x8, &[0x03]), 1002);
}

/// Row: close codes that may never be sent.
pub fn invalid_close_codes_get_1002(start: &Start) {
    let server = start(&[]);
    for code in [999u16, 1004, 1005, 1006, 1015, 2999, 5000] {
        let mut client = RawClient::connect(server.addr(), "/");
        client.send(&close_frame(code));
        assert_eq!(client.expect_close(), Some(1002), "close code {code}");
    }
    assert_serves_fresh_client(&server);
}

/// Row: valid close codes come back as they went.
pub fn valid_close_codes_are_echoed(start: &Start) {
    let server = start(&[]);
    for code in [1000u16, 3000, 4999] {
        let mut client = RawClient::connect(server.addr(), "/");
        client.send(&close_frame(code));
        assert_eq!(client.expect_close(), Some(code), "close code {code}");
        assert!(client.server_hung_up());
    }
    assert_serves_fresh_client(&server);
}

/// Row: a 64-bit length with its most significant bit set.
pub fn a_length_with_the_top_bit_set_gets_1002(start: &Start) {
    let frame = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
    closes_with(start, &frame, 1002);
}

/// The server's resident memory in KiB, from /proc (Linux).
pub fn resident_kib(server: &ServerProcess) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Row: a frame that claims 2^40 bytes is refused before anything is allocated.
pub fn a_length_of_2_to_the_40_gets_1009_without_allocating(start: &Start) {
    let server = start(&[]);
    assert_serves_fresh_client(&server);
    let before = resident_kib(&server);
    let mut client = RawClient::connect(server.addr(), "/");
    client.send(&[0x82, 0xFF, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(client.expect_close(), Some(1009));
    let after = resident_kib(&server);
    assert!(
        after < before + 8 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
    assert_serves_fresh_client(&server);
}

/// Row: a well-formed frame written one byte at a time is understood.
pub fn a_frame_sent_one_byte_at_a_time_is_understood(start: &Start) {
    let server = start(&[]);
    let mut client = RawClient::connect(server.addr(), "/");
    for byte in masked(0x1, b"byte-by-byte") {
        client.send(&[byte]);
        std::thread::sleep(Duration::from_millis(5));
    }
    let answered = (0..10).any(|_| client.expect_text().contains("byte-by-byte"));
    assert!(answered, "the server never answered the dribbled message");
    client.send(&close_frame(1000));
    assert_eq!(client.expect_close(), Some(1000));
}

/// Row: a client that disappears halfway through a frame: the server logs it as dropped
/// and keeps going.
pub fn a_client_vanishing_mid_frame_is_freed(start: &Start) {
    let server = start(&[]);
    let mut client = RawClient::connect(server.addr(), "/");
    let peer: SocketAddr = client.stream.local_addr().expect("local address");
    let mut frame = masked(0x1, &[b'x'; 1000]);
    frame.truncate(100);
    client.send(&frame);
    drop(client);
    let line = server.wait_for_line(&format!("{peer} dropped"));
    assert!(
        line.is_some(),
        "no 'dropped' log line for {peer}: {:?}",
        server.lines()
    );
    assert_serves_fresh_client(&server);
}

fn handshake_with_origin(server: &ServerProcess, origin: Option<&str>) -> Vec<u8> {
    let mut request = upgrade_request("/");
    if let Some(origin) = origin {
        request = request.replace("\r\n\r\n", &format!("\r\nOrigin: {origin}\r\n\r\n"));
    }
    let mut stream = connect_raw(server.addr());
    stream.write_all(request.as_bytes()).expect("send request");
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).expect("an answer");
    let mut response = head.to_vec();
    if status_of(&head) != 101 {
        response.extend(read_to_close(&mut stream));
    }
    response
}

const ORIGIN_FLAGS: [&str; 4] = [
    "--allowed-origin",
    "http://good.example",
    "--allowed-origin",
    "null",
];

/// Row: origins on the `--allowed-origin` list, including `null` (file:// pages).
pub fn an_allowed_origin_is_accepted(start: &Start) {
    let server = start(&ORIGIN_FLAGS);
    for origin in ["http://good.example", "null"] {
        assert_eq!(
            status_of(&handshake_with_origin(&server, Some(origin))),
            101,
            "{origin}"
        );
    }
    let open = start(&[]);
    assert_eq!(
        status_of(&handshake_with_origin(&open, Some("http://any.example"))),
        101
    );
}

/// Row: cross-site WebSocket hijacking: a page from another site is refused with 403.
pub fn a_foreign_origin_gets_403(start: &Start) {
    let server = start(&ORIGIN_FLAGS);
    let response = handshake_with_origin(&server, Some("http://evil.example"));
    assert_eq!(status_of(&response), 403);
    assert!(
        String::from_utf8_lossy(&response).contains("http://evil.example"),
        "the reason names the origin"
    );
    assert_serves_fresh_client(&server);
}

/// Row: a non-browser client sends no Origin and is allowed.
pub fn no_origin_is_accepted(start: &Start) {
    let server = start(&ORIGIN_FLAGS);
    assert_eq!(status_of(&handshake_with_origin(&server, None)), 101);
}
