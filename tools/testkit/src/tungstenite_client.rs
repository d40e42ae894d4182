//! The independent client's helpers: open a WebSocket with `tungstenite` (not our `frame`
//! crate) with every wait bounded. `testkit` is dev-only (a dev-dependency of the servers,
//! a dependency of the tools), so no shipping crate gains a dependency beyond sha1_smol and
//! base64.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::DEADLINE;
use tungstenite::WebSocket;

/// Opens a WebSocket with tungstenite (the independent client) with read and write
/// timeouts, so a server that never answers fails the test instead of hanging it.
pub fn connect(url: &str) -> WebSocket<TcpStream> {
    try_connect(url).unwrap_or_else(|error| panic!("cannot connect to {url}: {error}"))
}

/// Like [`connect`], returning the handshake error (for tests that expect a refusal).
pub fn try_connect(url: &str) -> Result<WebSocket<TcpStream>, tungstenite::Error> {
    try_connect_within(url, DEADLINE)
}

/// Like [`try_connect`] with `timeout` for the TCP connect and for every later read and
/// write, for tools (the soak) that need a shorter bound than the tests' `DEADLINE`.
pub fn try_connect_within(
    url: &str,
    timeout: Duration,
) -> Result<WebSocket<TcpStream>, tungstenite::Error> {
    let address = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("url has a host");
    let socket_address = address
        .to_socket_addrs()
        .map_err(tungstenite::Error::Io)?
        .next()
        .ok_or_else(|| tungstenite::Error::Io(std::io::ErrorKind::NotFound.into()))?;
    // A blocking connect to a listener whose backlog is full waits for SYN retries
    // (minutes); the timeout bounds it like every other wait here.
    let stream =
        TcpStream::connect_timeout(&socket_address, timeout).map_err(tungstenite::Error::Io)?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(tungstenite::Error::Io)?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(tungstenite::Error::Io)?;
    stream.set_nodelay(true).map_err(tungstenite::Error::Io)?;
    match tungstenite::client(url, stream) {
        Ok((socket, _response)) => Ok(socket),
        Err(tungstenite::HandshakeError::Failure(error)) => Err(error),
        Err(tungstenite::HandshakeError::Interrupted(_)) => Err(tungstenite::Error::Io(
            std::io::ErrorKind::WouldBlock.into(),
        )),
    }
}

/// The next message, which must be text: a test's way of saying "the server answers this".
pub fn read_text(socket: &mut WebSocket<TcpStream>) -> String {
    match socket.read() {
        Ok(tungstenite::Message::Text(text)) => text.as_str().to_owned(),
        other => panic!("expected a text message, got {other:?}"),
    }
}
