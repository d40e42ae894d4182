//! `--allowed-origin` (RFC 6455 section 10.2): a page from another origin gets 403 with a
//! reason naming its origin; an allowed origin, and a client that sends no Origin at all
//! (not a browser), are upgraded.

use crate::common;

use std::io::Write;

fn upgrade_with_origin(origin: Option<&str>) -> String {
    let request = testkit::upgrade_request("/");
    match origin {
        Some(origin) => request.replacen("\r\n\r\n", &format!("\r\nOrigin: {origin}\r\n\r\n"), 1),
        None => request,
    }
}

#[test]
fn only_listed_origins_may_connect() {
    let server = common::start(&[
        "--allowed-origin",
        "http://good.example",
        "--allowed-origin",
        "null",
    ]);
    let refused = testkit::exchange_raw(
        server.addr(),
        upgrade_with_origin(Some("http://evil.example")).as_bytes(),
    );
    let (head, body) = common::split_response(&refused);
    assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{head}");
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("http://evil.example")
    );
    assert!(
        server
            .wait_for_line("refused 403: origin http://evil.example")
            .is_some()
    );

    for origin in [Some("http://good.example"), Some("null"), None] {
        let mut stream = testkit::connect_raw(server.addr());
        stream
            .write_all(upgrade_with_origin(origin).as_bytes())
            .unwrap();
        let head = common::read_response_head(&mut stream);
        assert!(head.starts_with("HTTP/1.1 101 "), "{origin:?}: {head}");
    }
}
