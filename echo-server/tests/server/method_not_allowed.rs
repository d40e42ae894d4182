//! Only GET is answered: any other method gets 405 with `Allow: GET` (RFC 9110 section
//! 15.5.6) and a plain-text reason, with or without upgrade headers.

use crate::common;

#[test]
fn other_methods_get_405() {
    let server = common::start(&[]);
    let plain = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".to_owned();
    let upgrade = testkit::upgrade_request("/").replacen("GET", "PUT", 1);
    for request in [plain, upgrade] {
        let response = testkit::exchange_raw(server.addr(), request.as_bytes());
        let (head, body) = common::split_response(&response);
        assert!(
            head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nAllow: GET"), "{head}");
        assert!(!body.is_empty());
    }
}
