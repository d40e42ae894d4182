//! The log conventions every server of the suite shares: one line per event on stdout, the
//! peer address first, flushed at once so a test (or `tee`) reading the pipe sees each event
//! as it happens. Text a client controls is quoted, so it can never forge a log line. The
//! lines both servers print for the same event (a refusal, a close) are written here once.

use std::fmt;
use std::io::Write;

use frame::{CloseCode, CloseFrame, HandshakeError};

/// Writes one line to stdout and flushes it. Errors are ignored on purpose: `println!`
/// panics when stdout is gone (a closed pipe), and a lost log line must never take the
/// server down with it. Call it with `format_args!` or anything that displays.
pub fn log(line: impl fmt::Display) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// Client-controlled text for a log line: in quotes, control characters escaped (a newline
/// would forge a second log line) and cut after 60 characters, so one line stays one
/// readable line.
pub fn quoted(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut shown: String = text.chars().take(MAX_CHARS).collect();
    if shown.len() < text.len() {
        shown.push_str("...");
    }
    format!("{shown:?}")
}

/// `refused 403: <why>`: a handshake turned down, with the status the client got.
pub fn refused(error: &HandshakeError) -> String {
    format!("refused {}: {error}", error.status())
}

/// `closed 1000 (Normal Closure): "bye"`: how a connection's close handshake ended, with the
/// code and reason of the close frame that started it. `None` is a close frame without a
/// code, which the RFC reports as 1005. The reason is the client's text, so it is quoted.
pub fn closed(close: Option<&CloseFrame>) -> String {
    match close {
        Some(frame) if frame.reason.is_empty() => format!("closed {}", frame.code),
        Some(frame) => format!("closed {}: {}", frame.code, quoted(&frame.reason)),
        None => format!("closed {}", CloseCode::NoStatusReceived),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_and_cuts() {
        assert_eq!(quoted("/dance"), "\"/dance\"");
        assert_eq!(quoted("a\nb"), "\"a\\nb\"");
        assert_eq!(quoted("Богдан"), "\"Богдан\"");
        let long = "x".repeat(100);
        assert_eq!(quoted(&long), format!("\"{}...\"", "x".repeat(60)));
    }

    #[test]
    fn close_lines() {
        let bye = CloseFrame {
            code: CloseCode::Normal,
            reason: "bye\n".into(),
        };
        assert_eq!(
            closed(Some(&bye)),
            "closed 1000 (Normal Closure): \"bye\\n\""
        );
        assert_eq!(closed(None), "closed 1005 (No Status Received)");
        assert_eq!(
            refused(&HandshakeError::BadKey),
            format!("refused 400: {}", HandshakeError::BadKey)
        );
    }
}
