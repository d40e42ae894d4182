//! A plain HTTP request for any other path gets 404 with a plain-text hint that says what
//! this server does answer.

use crate::common;

#[test]
fn other_paths_get_404_with_a_hint() {
    let server = common::start(&[]);
    for path in ["/nope", "/index.html", "/.ws/missing"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        let response = testkit::exchange_raw(server.addr(), request.as_bytes());
        let (head, body) = common::split_response(&response);
        assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
        assert!(head.contains("Content-Type: text/plain"), "{head}");
        let body = String::from_utf8(body).expect("text body");
        assert!(body.contains(&format!("nothing at {path}")), "{body}");
        assert!(
            body.contains("GET /.ws") && body.contains("ws://"),
            "{body}"
        );
    }
    assert!(
        server
            .wait_for_line("answered 404: GET \"/nope\"")
            .is_some()
    );
}
