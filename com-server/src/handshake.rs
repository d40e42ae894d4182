//! The opening handshake over a blocking socket: read the HTTP request head within
//! `--handshake-timeout` (a client that connects and says nothing must not hold a thread
//! forever), then let `frame` decide: 101, a plain-HTTP 426, or a refusal with a reason.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use cli::io_errors::{interrupted, timed_out};
use cli::log::log;
use frame::handshake::upgrade_required_response;
use frame::{
    HandshakeError, HeadReader, RequestHead, RequestVerdict, UpgradeRequest, judge_request,
    reject_response,
};

use crate::tcp::close_gracefully;

/// A request that may become a WebSocket.
#[derive(Debug)]
pub struct Accepted {
    /// The checked request (path, `?name=`, headers).
    pub request: UpgradeRequest,
    /// The 101 response to send.
    pub response: Vec<u8>,
    /// Bytes the client sent after its head: already WebSocket frames.
    pub leftover: Vec<u8>,
}

/// A connection that will not become a WebSocket: what to send (if anything) and the
/// log line (after the peer address).
#[derive(Debug)]
pub struct Refusal {
    /// The HTTP response, if the client is still there to read it.
    pub response: Option<Vec<u8>>,
    /// `refused 403: ...` or `dropped: ...`.
    pub log_line: String,
}

/// Why no request head arrived.
#[derive(Debug)]
pub enum HeadError {
    /// The bytes are not an acceptable HTTP request head (400 or 431).
    Invalid(HandshakeError),
    /// Nothing complete arrived in time.
    TimedOut(Duration),
    /// The client closed before finishing its head.
    Closed,
    /// The socket failed.
    Io(io::Error),
}

/// Reads one request head, and whatever followed it, within `timeout`.
pub fn read_request_head(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<(RequestHead, Vec<u8>), HeadError> {
    // `checked_add`: a --handshake-timeout of centuries means "no limit", not a panic.
    let deadline = Instant::now().checked_add(timeout);
    let mut request = HeadReader::new();
    let mut chunk = [0u8; 2048];
    loop {
        let left = match deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => timeout,
        };
        if left.is_zero() {
            return Err(HeadError::TimedOut(timeout));
        }
        stream.set_read_timeout(Some(left)).map_err(HeadError::Io)?;
        match stream.read(&mut chunk) {
            Ok(0) => return Err(HeadError::Closed),
            Ok(count) => {
                if let Some(complete) = request.push(&chunk[..count]).map_err(HeadError::Invalid)? {
                    return Ok(complete);
                }
            }
            Err(error) if timed_out(&error) => return Err(HeadError::TimedOut(timeout)),
            Err(error) if interrupted(&error) => {}
            Err(error) => return Err(HeadError::Io(error)),
        }
    }
}

/// Reads the request and decides. Nothing is written yet: the caller sends the 101 (or
/// the refusal) once it knows it can serve the connection.
pub fn accept(
    stream: &mut TcpStream,
    timeout: Duration,
    allowed_origins: &[String],
) -> Result<Accepted, Refusal> {
    let (head, leftover) = match read_request_head(stream, timeout) {
        Ok(read) => read,
        Err(HeadError::Invalid(error)) => return Err(refusal(&error)),
        Err(HeadError::TimedOut(timeout)) => {
            return Err(Refusal {
                response: None,
                log_line: format!(
                    "dropped: no complete request within {} s (--handshake-timeout)",
                    timeout.as_secs()
                ),
            });
        }
        Err(HeadError::Closed) => {
            return Err(Refusal {
                response: None,
                log_line: "dropped: closed before finishing its request".to_owned(),
            });
        }
        Err(HeadError::Io(error)) => {
            return Err(Refusal {
                response: None,
                log_line: format!("dropped: {}", cli::describe_io_error(&error)),
            });
        }
    };
    match judge_request(head, allowed_origins) {
        RequestVerdict::Upgrade { request, response } => Ok(Accepted {
            request,
            response,
            leftover,
        }),
        // A browser tab or curl asking for a page: tell it, in HTTP, what this server is.
        RequestVerdict::PlainHttp(head) => Err(Refusal {
            response: Some(upgrade_required_response()),
            log_line: format!(
                "refused 426: a plain HTTP {} {} without Upgrade: websocket",
                head.method,
                cli::log::quoted(&head.target)
            ),
        }),
        RequestVerdict::Refuse(error) => Err(refusal(&error)),
    }
}

/// The refusal for a handshake error: its status and reason, in the response and the log.
pub fn refusal(error: &HandshakeError) -> Refusal {
    Refusal {
        response: Some(reject_response(error)),
        log_line: cli::log::refused(error),
    }
}

/// Sends the refusal (if any), logs it and closes the connection politely.
pub fn send_refusal(mut stream: TcpStream, peer: SocketAddr, refusal: Refusal) {
    if let Some(response) = &refusal.response {
        // A response is far smaller than a socket buffer, but a client that never reads
        // still gets only a bounded chance to take it.
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let _ = stream.write_all(response);
    }
    log(format_args!("{peer} {}", refusal.log_line));
    close_gracefully(stream);
}
