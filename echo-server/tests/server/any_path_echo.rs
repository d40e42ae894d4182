//! A plain HTTP GET of any path but the page's own files echoes the request, as
//! echo.websocket.org does: `/some/path?q=1` is answered like `/`.

use crate::common;

#[test]
fn any_path_echoes_the_request() {
    let server = common::start(&[]);
    for path in ["/some/path?q=1", "/index.html", "/.ws/missing"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: {path}\r\n\r\n");
        let response = testkit::exchange_raw(server.addr(), request.as_bytes());
        let (head, body) = common::split_response(&response);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("Content-Type: text/plain"), "{head}");
        let body = String::from_utf8(body).expect("text body");
        assert!(body.starts_with("Request served by "), "{body}");
        assert!(
            body.contains(&format!(
                "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: {path}"
            )),
            "{body}"
        );
    }
    assert!(
        server
            .wait_for_line("answered 200: GET \"/some/path?q=1\"")
            .is_some()
    );
}
