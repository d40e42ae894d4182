//! A WebSocket request that breaks a rule of RFC 6455 section 4 gets the right HTTP status
//! and a plain-text reason before the upgrade, and the log says why.

use crate::common;

#[test]
fn broken_upgrade_requests_get_a_status_and_a_reason() {
    let server = common::start(&[]);
    let good = testkit::upgrade_request("/");
    let cases = [
        (
            good.replace("Version: 13", "Version: 8"),
            "426",
            "this server speaks 13",
        ),
        (
            good.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="),
            "400",
            "Sec-WebSocket-Key",
        ),
        (good.replace("HTTP/1.1", "HTTP/1.0"), "400", "HTTP/1.1"),
        (
            "\x16\x03\x01 not http\r\n\r\n".to_owned(),
            "400",
            "malformed",
        ),
    ];
    for (request, status, reason) in cases {
        let response = testkit::exchange_raw(server.addr(), request.as_bytes());
        let (head, body) = common::split_response(&response);
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        let body = String::from_utf8(body).expect("text body");
        assert!(body.contains(reason), "{body}");
        assert!(
            server
                .wait_for_line(&format!("refused {status}: "))
                .is_some()
        );
    }
    let version = testkit::exchange_raw(
        server.addr(),
        good.replace("Version: 13", "Version: 8").as_bytes(),
    );
    assert!(
        common::split_response(&version)
            .0
            .contains("Sec-WebSocket-Version: 13")
    );
}

#[test]
fn a_head_larger_than_8_kib_gets_431() {
    let server = common::start(&[]);
    let mut request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ".to_owned();
    request.push_str(&"a".repeat(9000));
    request.push_str("\r\n\r\n");
    let response = testkit::exchange_raw(server.addr(), request.as_bytes());
    let (head, _) = common::split_response(&response);
    assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
}
