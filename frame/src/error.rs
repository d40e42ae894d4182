//! What can go wrong, in two enums: `HandshakeError` before the upgrade (answered with an
//! HTTP status and a plain-text reason) and `ProtocolError` after it (answered with a close
//! code). Each message names the rule that was broken, so a student's log teaches.

use std::fmt;

use crate::close::CloseCode;

/// A request the server refuses before switching protocols (RFC 6455 section 4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The request head did not end within the 8 KiB we are willing to buffer.
    HeadTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The bytes are not an HTTP/1.x request: the reason says what looked wrong.
    Malformed(&'static str),
    /// A WebSocket handshake needs HTTP/1.1 or newer (section 4.1).
    HttpVersion(String),
    /// Only `GET` can be upgraded (section 4.1).
    MethodNotAllowed(String),
    /// A header the handshake requires is absent.
    MissingHeader(&'static str),
    /// A header is present but its value is wrong.
    BadHeader {
        /// The header's name.
        name: &'static str,
        /// What the value should have been.
        expected: &'static str,
    },
    /// `Sec-WebSocket-Key` must be the base64 encoding of exactly 16 bytes (section 4.1).
    BadKey,
    /// We speak version 13 only; the answer lists it (section 4.4).
    UnsupportedVersion(String),
    /// The `Origin` header names a site not on the `--allowed-origin` list (section 10.2).
    ForbiddenOrigin(String),
    /// The server is at its connection limit.
    ServerBusy,
}

impl HandshakeError {
    /// The HTTP status code the refusal is sent with.
    pub fn status(&self) -> u16 {
        match self {
            HandshakeError::HeadTooLarge { .. } => 431,
            HandshakeError::Malformed(_)
            | HandshakeError::HttpVersion(_)
            | HandshakeError::MissingHeader(_)
            | HandshakeError::BadHeader { .. }
            | HandshakeError::BadKey => 400,
            HandshakeError::MethodNotAllowed(_) => 405,
            HandshakeError::UnsupportedVersion(_) => 426,
            HandshakeError::ForbiddenOrigin(_) => 403,
            HandshakeError::ServerBusy => 503,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::HeadTooLarge { limit } => {
                write!(f, "the request head is larger than {limit} bytes")
            }
            HandshakeError::Malformed(what) => write!(f, "malformed HTTP request: {what}"),
            HandshakeError::HttpVersion(version) => {
                write!(
                    f,
                    "a WebSocket handshake needs HTTP/1.1, this request is {version}"
                )
            }
            HandshakeError::MethodNotAllowed(method) => {
                write!(f, "only GET can be upgraded to a WebSocket, not {method}")
            }
            HandshakeError::MissingHeader(name) => write!(f, "the {name} header is missing"),
            HandshakeError::BadHeader { name, expected } => {
                write!(f, "the {name} header must be {expected}")
            }
            HandshakeError::BadKey => {
                write!(
                    f,
                    "Sec-WebSocket-Key must be the base64 encoding of 16 bytes"
                )
            }
            HandshakeError::UnsupportedVersion(version) => write!(
                f,
                "Sec-WebSocket-Version {version} is not supported; this server speaks 13"
            ),
            HandshakeError::ForbiddenOrigin(origin) => {
                write!(
                    f,
                    "origin {origin} is not allowed to connect (see --allowed-origin)"
                )
            }
            HandshakeError::ServerBusy => {
                write!(f, "the server is at its connection limit; try again later")
            }
        }
    }
}

impl std::error::Error for HandshakeError {}

/// A rule of RFC 6455 that the peer broke after the upgrade. The connection answers
/// each with a close frame carrying `close_code()` and then closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// A client frame without the MASK bit (section 5.1: the server must fail it).
    UnmaskedClientFrame,
    /// A server frame with the MASK bit (section 5.1: the client must fail it).
    MaskedServerFrame,
    /// RSV1-3 set although no extension was negotiated (section 5.2).
    ReservedBitsSet,
    /// An opcode the RFC does not define.
    ReservedOpcode(u8),
    /// A control frame longer than 125 bytes (section 5.5).
    ControlFrameTooLong(u64),
    /// A control frame without FIN (section 5.5: control frames are never fragmented).
    FragmentedControlFrame,
    /// A continuation frame with no message to continue (section 5.4).
    UnexpectedContinuation,
    /// A new text or binary frame before the fragmented message ended (section 5.4).
    ExpectedContinuation,
    /// A 64-bit payload length whose most significant bit is set (section 5.2).
    LengthTopBitSet,
    /// A text message that is not valid UTF-8 (section 8.1).
    InvalidUtf8,
    /// A close frame with a one-byte payload (section 5.5.1).
    CloseOneByte,
    /// A close code that may not be sent on the wire (section 7.4).
    CloseCodeNotAllowed(u16),
    /// A close reason that is not valid UTF-8 (section 5.5.1).
    CloseReasonNotUtf8,
    /// A frame larger than the configured maximum.
    FrameTooBig {
        /// The size the frame header announced.
        size: u64,
        /// The configured maximum.
        limit: usize,
    },
    /// A message larger than the configured maximum.
    MessageTooBig {
        /// The size the message reached or announced.
        size: u64,
        /// The configured maximum.
        limit: usize,
    },
}

impl ProtocolError {
    /// True when the peer broke a rule inside frames it delimited correctly, so that we
    /// know where each of its frames ends and can still find its close frame after ours;
    /// false for a broken length field and for a broken close frame.
    pub fn leaves_framing_intact(&self) -> bool {
        !matches!(
            self,
            ProtocolError::LengthTopBitSet
                | ProtocolError::CloseOneByte
                | ProtocolError::CloseCodeNotAllowed(_)
                | ProtocolError::CloseReasonNotUtf8
        )
    }

    /// The close code this error is answered with (section 7.4.1).
    pub fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::InvalidUtf8 | ProtocolError::CloseReasonNotUtf8 => {
                CloseCode::InvalidPayload
            }
            ProtocolError::FrameTooBig { .. } | ProtocolError::MessageTooBig { .. } => {
                CloseCode::MessageTooBig
            }
            _ => CloseCode::ProtocolError,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::UnmaskedClientFrame => {
                write!(f, "client frames must be masked (RFC 6455 5.1)")
            }
            ProtocolError::MaskedServerFrame => {
                write!(f, "server frames must not be masked (RFC 6455 5.1)")
            }
            ProtocolError::ReservedBitsSet => {
                write!(
                    f,
                    "RSV bits set without a negotiated extension (RFC 6455 5.2)"
                )
            }
            ProtocolError::ReservedOpcode(opcode) => {
                write!(f, "reserved opcode 0x{opcode:X} (RFC 6455 5.2)")
            }
            ProtocolError::ControlFrameTooLong(length) => write!(
                f,
                "control frame of {length} bytes, the limit is 125 (RFC 6455 5.5)"
            ),
            ProtocolError::FragmentedControlFrame => {
                write!(f, "control frames must not be fragmented (RFC 6455 5.5)")
            }
            ProtocolError::UnexpectedContinuation => {
                write!(
                    f,
                    "continuation frame with no message to continue (RFC 6455 5.4)"
                )
            }
            ProtocolError::ExpectedContinuation => write!(
                f,
                "new data frame before the fragmented message ended (RFC 6455 5.4)"
            ),
            ProtocolError::LengthTopBitSet => {
                write!(
                    f,
                    "64-bit payload length with the top bit set (RFC 6455 5.2)"
                )
            }
            ProtocolError::InvalidUtf8 => {
                write!(f, "text message is not valid UTF-8 (RFC 6455 8.1)")
            }
            ProtocolError::CloseOneByte => {
                write!(f, "close frame with a 1-byte payload (RFC 6455 5.5.1)")
            }
            ProtocolError::CloseCodeNotAllowed(code) => {
                write!(f, "close code {code} may not be sent (RFC 6455 7.4)")
            }
            ProtocolError::CloseReasonNotUtf8 => {
                write!(f, "close reason is not valid UTF-8 (RFC 6455 5.5.1)")
            }
            ProtocolError::FrameTooBig { size, limit } => {
                write!(f, "frame of {size} bytes exceeds the limit of {limit}")
            }
            ProtocolError::MessageTooBig { size, limit } => {
                write!(f, "message of {size} bytes exceeds the limit of {limit}")
            }
        }
    }
}

impl std::error::Error for ProtocolError {}
