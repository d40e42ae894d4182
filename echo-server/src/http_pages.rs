//! The plain HTTP side of the echo server, for requests that do not ask for a WebSocket:
//! `GET /.ws` serves the browser client compiled into the binary, and a GET of any other
//! path echoes the request's own head, as echo.websocket.org (which the first article
//! tries) does.

use frame::RequestHead;
use frame::http::{http_response, text_response};

use crate::instance::InstanceId;

/// The client page and the two files it loads, compiled in so that a browser at
/// `http://127.0.0.1:7776/.ws` needs nothing but this binary.
const INDEX_HTML: &str = include_str!("../../client/index.html");
const SOCKET_JS: &str = include_str!("../../client/socket.js");
const STYLE_CSS: &str = include_str!("../../client/style.css");

/// The HTTP response to a plain request: its status (for the log) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The status code.
    pub status: u16,
    /// The whole response, head and body.
    pub response: Vec<u8>,
}

/// The answer to a request without `Upgrade: websocket`.
pub fn page(head: &RequestHead, instance: &InstanceId) -> Page {
    if head.method != "GET" {
        return Page {
            status: 405,
            response: text_response(
                405,
                &[("Allow", "GET")],
                &format!(
                    "this server answers GET only, not {}: a GET of any path echoes your \
                     request, GET /.ws is the browser client",
                    head.method
                ),
            ),
        };
    }
    // The page refers to `socket.js` and `style.css` relative to its own address, so at
    // `/.ws` they are `/socket.js` and `/style.css`, and at `/.ws/` they are under it.
    let path = head.path();
    let file = match path.as_str() {
        "/.ws" | "/.ws/" => ("text/html; charset=utf-8", INDEX_HTML),
        "/socket.js" | "/.ws/socket.js" => ("text/javascript; charset=utf-8", SOCKET_JS),
        "/style.css" | "/.ws/style.css" => ("text/css; charset=utf-8", STYLE_CSS),
        _ => return header_echo(head, instance),
    };
    let (content_type, body) = file;
    Page {
        status: 200,
        response: http_response(200, content_type, &[], body.as_bytes()),
    }
}

/// `Request served by <id>`, a blank line, then the request line and headers exactly as
/// the client sent them: a learner sees what their browser or curl really sends.
fn header_echo(head: &RequestHead, instance: &InstanceId) -> Page {
    let body = format!("{}\n\n{}\n", instance.served_by(), head.raw);
    Page {
        status: 200,
        response: http_response(200, "text/plain; charset=utf-8", &[], body.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_to(request: &str) -> (u16, String) {
        let (head, _) = RequestHead::parse(request.as_bytes())
            .expect("valid request")
            .expect("complete request");
        let answer = page(&head, &InstanceId::random());
        let text = String::from_utf8(answer.response).expect("responses are text");
        (answer.status, text)
    }

    #[test]
    fn root_echoes_the_request_head_exactly() {
        let request = "GET /?x=1 HTTP/1.1\r\nHost: example\r\nX-Odd:   spaced  \r\n\r\n";
        let (status, text) = answer_to(request);
        assert_eq!(status, 200);
        assert!(text.contains("\r\n\r\nRequest served by "), "{text}");
        assert!(
            text.contains("GET /?x=1 HTTP/1.1\r\nHost: example\r\nX-Odd:   spaced  "),
            "{text}"
        );
    }

    #[test]
    fn the_client_page_and_its_files_are_served() {
        for (path, content_type, start) in [
            ("/.ws", "text/html", INDEX_HTML),
            ("/socket.js", "text/javascript", SOCKET_JS),
            ("/.ws/style.css", "text/css", STYLE_CSS),
        ] {
            let (status, text) = answer_to(&format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n"));
            assert_eq!(status, 200, "{path}");
            assert!(
                text.contains(&format!("Content-Type: {content_type}")),
                "{path}"
            );
            assert!(text.ends_with(start), "{path}");
        }
    }

    #[test]
    fn any_other_path_echoes_and_other_methods_are_refused() {
        let (status, text) = answer_to("GET /some/path?q=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(status, 200);
        assert!(
            text.contains("GET /some/path?q=1 HTTP/1.1\r\nHost: h"),
            "{text}"
        );
        let (status, text) = answer_to("POST / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(status, 405);
        assert!(text.contains("Allow: GET"), "{text}");
    }
}
