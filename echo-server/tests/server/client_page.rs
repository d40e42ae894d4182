//! `GET /.ws` serves the browser client compiled into the binary, and the files the page
//! loads by relative address (`socket.js`, `style.css`) load from there too: a browser at
//! http://127.0.0.1:7776/.ws needs nothing else.

use crate::common;

use std::path::PathBuf;

fn client_file(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../client")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn get(server: &testkit::ServerProcess, path: &str) -> (String, Vec<u8>) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    common::split_response(&testkit::exchange_raw(server.addr(), request.as_bytes()))
}

/// The local files a page refers to with `src="..."` or `href="..."`.
fn relative_references(html: &str) -> Vec<String> {
    let mut references = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for piece in html.split(attribute).skip(1) {
            let target = piece.split('"').next().unwrap_or_default();
            if !target.contains(':') && !target.starts_with('#') && !target.is_empty() {
                references.push(target.to_owned());
            }
        }
    }
    references
}

#[test]
fn the_page_and_everything_it_loads_are_served() {
    let server = common::start(&[]);
    let (head, page) = get(&server, "/.ws");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/html; charset=utf-8\r\n"),
        "{head}"
    );
    assert!(
        page == client_file("index.html"),
        "/.ws is not client/index.html"
    );

    let references = relative_references(&String::from_utf8(page).expect("html is text"));
    assert!(
        references.contains(&"socket.js".to_owned()),
        "{references:?}"
    );
    assert!(
        references.contains(&"style.css".to_owned()),
        "{references:?}"
    );
    for reference in references {
        // Relative to /.ws, "socket.js" is /socket.js (a browser drops the last segment).
        let (head, body) = get(&server, &format!("/{reference}"));
        assert!(
            head.starts_with("HTTP/1.1 200 OK\r\n"),
            "{reference}: {head}"
        );
        assert!(
            body == client_file(&reference),
            "/{reference} differs from client/"
        );
        let content_type = if reference.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(head.contains(content_type), "{reference}: {head}");
    }
}
