//! The opening handshake (RFC 6455 section 4): the client asks to upgrade an HTTP request,
//! the server proves it understood by hashing the client's key with a fixed GUID, and
//! answers 101. Everything else gets an HTTP error with a plain-text reason.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::HandshakeError;
use crate::http::{RequestHead, http_response, text_response};

/// The GUID every WebSocket server appends to the client's key (section 1.3). Its only
/// job is to be a string no other protocol would use, so a 101 proves the server speaks
/// WebSocket and is not a confused HTTP cache.
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
///
/// ```
/// assert_eq!(frame::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &str) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(WEBSOCKET_GUID.as_bytes());
    BASE64.encode(sha1.digest().bytes())
}

/// A request that passed every check of section 4.2.1: the server may answer 101.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRequest {
    /// The request as parsed: path, query parameters, all headers.
    pub head: RequestHead,
    /// The client's `Sec-WebSocket-Key`.
    pub key: String,
    /// The subprotocols the client offered (`Sec-WebSocket-Protocol`), in its order.
    pub protocols: Vec<String>,
    /// The `Origin` header, which browsers always send and other clients usually do not.
    pub origin: Option<String>,
}

/// Does this request ask for a WebSocket at all? A plain `GET /` from curl or a browser
/// tab has none of these headers and deserves a normal HTTP answer, not a 400.
pub fn wants_upgrade(head: &RequestHead) -> bool {
    head.header("Upgrade").is_some() || head.header("Sec-WebSocket-Key").is_some()
}

/// Checks a request against section 4.2.1, in the order a student would debug it.
pub fn validate_upgrade(head: RequestHead) -> Result<UpgradeRequest, HandshakeError> {
    if head.method != "GET" {
        return Err(HandshakeError::MethodNotAllowed(head.method));
    }
    if !head.version.can_upgrade() {
        return Err(HandshakeError::HttpVersion(head.version.to_string()));
    }
    if head.header("Host").is_none() {
        return Err(HandshakeError::MissingHeader("Host"));
    }
    if !head.has_token("Upgrade", "websocket") {
        return Err(HandshakeError::BadHeader {
            name: "Upgrade",
            expected: "websocket",
        });
    }
    if !head.has_token("Connection", "Upgrade") {
        return Err(HandshakeError::BadHeader {
            name: "Connection",
            expected: "a list containing Upgrade",
        });
    }
    match head.header("Sec-WebSocket-Version") {
        None => return Err(HandshakeError::MissingHeader("Sec-WebSocket-Version")),
        Some("13") => {}
        Some(other) => return Err(HandshakeError::UnsupportedVersion(other.to_owned())),
    }
    let key = head
        .header("Sec-WebSocket-Key")
        .ok_or(HandshakeError::MissingHeader("Sec-WebSocket-Key"))?
        .to_owned();
    match BASE64.decode(&key) {
        Ok(nonce) if nonce.len() == 16 => {}
        _ => return Err(HandshakeError::BadKey),
    }
    let protocols = head
        .header_tokens("Sec-WebSocket-Protocol")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let origin = head.header("Origin").map(str::to_owned);
    Ok(UpgradeRequest {
        head,
        key,
        protocols,
        origin,
    })
}

/// Section 10.2: a browser sends `Origin` with every WebSocket request, so a server can
/// refuse pages from sites it does not trust. An empty allow-list allows every origin;
/// a request without `Origin` (a command-line client) is always allowed.
pub fn check_origin(
    request: &UpgradeRequest,
    allowed_origins: &[String],
) -> Result<(), HandshakeError> {
    match &request.origin {
        Some(origin) if !allowed_origins.is_empty() && !allowed_origins.contains(origin) => {
            Err(HandshakeError::ForbiddenOrigin(origin.clone()))
        }
        _ => Ok(()),
    }
}

/// The 101 answer. `protocol` is echoed only if the client offered it: answering with a
/// subprotocol the client did not ask for makes the client fail the connection. We send
/// no `Sec-WebSocket-Extensions`, which is how a server declines permessage-deflate.
pub fn accept_response(request: &UpgradeRequest, protocol: Option<&str>) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        accept_key(&request.key)
    );
    if let Some(protocol) =
        protocol.filter(|p| request.protocols.iter().any(|offered| offered == p))
    {
        response.push_str(&format!("Sec-WebSocket-Protocol: {protocol}\r\n"));
    }
    response.push_str("\r\n");
    response.into_bytes()
}

/// The whole server side in one call: validate the request, check its origin against
/// `allowed_origins` (empty: any), and build the 101 answer (no subprotocol: our servers
/// define none). On error, send `reject_response(&error)` and close.
pub fn negotiate(
    head: RequestHead,
    allowed_origins: &[String],
) -> Result<(UpgradeRequest, Vec<u8>), HandshakeError> {
    let request = validate_upgrade(head)?;
    check_origin(&request, allowed_origins)?;
    let response = accept_response(&request, None);
    Ok((request, response))
}

/// What a server does with a complete request head: the one decision both servers make,
/// in the order they make it.
#[derive(Debug)]
pub enum RequestVerdict {
    /// A valid upgrade from an allowed origin: send `response` (the 101), then frames.
    Upgrade {
        /// The checked request (path, query, origin).
        request: UpgradeRequest,
        /// The 101 Switching Protocols answer.
        response: Vec<u8>,
    },
    /// No WebSocket asked for (a browser tab, curl): answer in plain HTTP as the server
    /// sees fit (a page, or 426 Upgrade Required).
    PlainHttp(RequestHead),
    /// An upgrade that breaks a rule: send `reject_response(&error)` and close.
    Refuse(HandshakeError),
}

/// Judges a complete request head: plain HTTP, a refused upgrade, or an accepted one.
pub fn judge_request(head: RequestHead, allowed_origins: &[String]) -> RequestVerdict {
    if !wants_upgrade(&head) {
        return RequestVerdict::PlainHttp(head);
    }
    match negotiate(head, allowed_origins) {
        Ok((request, response)) => RequestVerdict::Upgrade { request, response },
        Err(error) => RequestVerdict::Refuse(error),
    }
}

/// The refusal for a failed handshake: the status, the headers the RFC asks for
/// (`Sec-WebSocket-Version: 13` with 426, `Allow: GET` with 405, `Retry-After` with 503)
/// and the error's message as a plain-text body.
pub fn reject_response(error: &HandshakeError) -> Vec<u8> {
    let extra: &[(&str, &str)] = match error {
        HandshakeError::UnsupportedVersion(_) => &[("Sec-WebSocket-Version", "13")],
        HandshakeError::MethodNotAllowed(_) => &[("Allow", "GET")],
        HandshakeError::ServerBusy => &[("Retry-After", "5")],
        _ => &[],
    };
    text_response(error.status(), extra, &error.to_string())
}

/// The client's side: a handshake request for `host` and `path` with a 16-byte nonce
/// (which must be random per connection, section 4.1).
pub fn client_request(host: &str, path: &str, nonce: [u8; 16]) -> (Vec<u8>, String) {
    let key = BASE64.encode(nonce);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    (request.into_bytes(), key)
}

/// The client's check of the server's answer (section 4.2.2 from the client's side):
/// status 101 and the right `Sec-WebSocket-Accept`. The response head is parsed with
/// the same rules as a request's, so the same 8 KiB cap applies.
pub fn verify_accept(response_head: &str, key: &str) -> Result<(), String> {
    let mut lines = response_head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    if status_line.split(' ').nth(1) != Some("101") {
        return Err(format!("the server refused the upgrade: {status_line}"));
    }
    let expected = accept_key(key);
    let accepted = lines
        .filter_map(|line| line.split_once(':'))
        .any(|(name, value)| {
            name.eq_ignore_ascii_case("Sec-WebSocket-Accept") && value.trim() == expected
        });
    if accepted {
        Ok(())
    } else {
        Err(format!(
            "Sec-WebSocket-Accept is missing or is not {expected}"
        ))
    }
}

/// A plain HTTP answer for servers that only speak WebSocket: 426 tells a browser tab
/// or curl what to use instead.
pub fn upgrade_required_response() -> Vec<u8> {
    http_response(
        426,
        "text/plain; charset=utf-8",
        &[("Sec-WebSocket-Version", "13"), ("Upgrade", "websocket")],
        b"this is a WebSocket server: connect with a WebSocket client (ws://...)\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> RequestHead {
        RequestHead::parse(text.as_bytes()).unwrap().unwrap().0
    }

    const GOOD: &str = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn rfc_accept_key_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn the_rfc_request_is_accepted() {
        let request = validate_upgrade(head(GOOD)).unwrap();
        assert_eq!(request.protocols, ["chat", "superchat"]);
        assert_eq!(request.origin.as_deref(), Some("http://example.com"));
        let response = String::from_utf8(accept_response(&request, None)).unwrap();
        assert!(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(response.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(!response.contains("Sec-WebSocket-Protocol"));
        assert!(verify_accept(&response, "dGhlIHNhbXBsZSBub25jZQ==").is_ok());
    }

    #[test]
    fn only_offered_subprotocols_are_echoed() {
        let request = validate_upgrade(head(GOOD)).unwrap();
        let chat = String::from_utf8(accept_response(&request, Some("chat"))).unwrap();
        assert!(chat.contains("Sec-WebSocket-Protocol: chat\r\n"));
        let mqtt = String::from_utf8(accept_response(&request, Some("mqtt"))).unwrap();
        assert!(!mqtt.contains("Sec-WebSocket-Protocol"));
    }

    #[test]
    fn refusals_have_the_right_status() {
        let cases = [
            (GOOD.replace("GET", "POST"), 405),
            (GOOD.replace("HTTP/1.1", "HTTP/1.0"), 400),
            (GOOD.replace("Host: server.example.com\r\n", ""), 400),
            (GOOD.replace("Upgrade: websocket", "Upgrade: h2c"), 400),
            (
                GOOD.replace("Connection: Upgrade", "Connection: keep-alive"),
                400,
            ),
            (GOOD.replace("Version: 13", "Version: 8"), 426),
            (GOOD.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="), 400),
            (
                GOOD.replace("dGhlIHNhbXBsZSBub25jZQ==", "not base64 at all!!"),
                400,
            ),
        ];
        for (request, status) in cases {
            let error = validate_upgrade(head(&request)).unwrap_err();
            assert_eq!(error.status(), status, "{error}");
        }
    }

    #[test]
    fn header_names_and_tokens_are_case_insensitive() {
        let request = GOOD
            .replace("Upgrade: websocket", "UPGRADE: WebSocket")
            .replace("Connection: Upgrade", "connection: keep-alive, upgrade");
        assert!(validate_upgrade(head(&request)).is_ok());
    }

    #[test]
    fn version_426_names_the_version_we_speak() {
        let error = validate_upgrade(head(&GOOD.replace("Version: 13", "Version: 8"))).unwrap_err();
        let response = String::from_utf8(reject_response(&error)).unwrap();
        assert!(response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(response.contains("Sec-WebSocket-Version: 13\r\n"));
    }

    #[test]
    fn origin_checks() {
        let request = validate_upgrade(head(GOOD)).unwrap();
        assert!(check_origin(&request, &[]).is_ok());
        assert!(check_origin(&request, &["http://example.com".into()]).is_ok());
        let error = check_origin(&request, &["null".into()]).unwrap_err();
        assert_eq!(error.status(), 403);
        let no_origin =
            validate_upgrade(head(&GOOD.replace("Origin: http://example.com\r\n", ""))).unwrap();
        assert!(check_origin(&no_origin, &["null".into()]).is_ok());
    }
}
