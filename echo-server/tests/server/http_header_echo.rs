//! A plain HTTP `GET /` (no upgrade headers) is answered `200 text/plain` with `Request
//! served by <id>` and the request line and headers exactly as the client sent them, odd
//! spacing and header case included, as echo.websocket.org does.

use crate::common;

#[test]
fn get_slash_echoes_the_request_head() {
    let server = common::start(&[]);
    let id = common::instance_id(&server);
    let request_head = "GET /?from=test HTTP/1.1\r\nHost: 127.0.0.1\r\nuser-agent: testkit\r\nX-Spaced:   two  words \r\nAccept: */*";
    let response =
        testkit::exchange_raw(server.addr(), format!("{request_head}\r\n\r\n").as_bytes());
    let (head, body) = common::split_response(&response);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; charset=utf-8\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("Content-Length: {}\r\n", body.len())),
        "{head}"
    );
    let body = String::from_utf8(body).expect("text body");
    assert!(
        body.starts_with(&format!("Request served by {id}\n")),
        "{body}"
    );
    assert!(body.contains(request_head), "{body}");
    assert!(
        server
            .wait_for_line("answered 200: GET \"/?from=test\"")
            .is_some()
    );
}
