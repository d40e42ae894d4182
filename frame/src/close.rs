//! Close codes (RFC 6455 section 7.4): `CloseCode` names every code in the articles' table
//! and knows which of them may travel on the wire. The close frame that carries one is in
//! `close_frame.rs`.

use std::fmt;

/// A close status code. The registered codes 1000-1015 have their own variants; the
/// ranges 3000-3999 (libraries and frameworks) and 4000-4999 (private use) carry their
/// number; anything else is `Other`, which is never valid on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    Normal,
    /// 1001: the endpoint is going away: a server shutting down, a browser leaving the page.
    GoingAway,
    /// 1002: the peer broke the protocol.
    ProtocolError,
    /// 1003: a data type the endpoint cannot accept (binary sent to a text-only server).
    UnsupportedData,
    /// 1004: reserved, meaning to be defined; never sent.
    Reserved,
    /// 1005: "no status code was present"; reported locally, never sent.
    NoStatusReceived,
    /// 1006: "closed without a close frame" (TCP died); reported locally, never sent.
    Abnormal,
    /// 1007: a message's data did not match its type (invalid UTF-8 in a text message).
    InvalidPayload,
    /// 1008: the message violates the endpoint's policy (a generic refusal).
    PolicyViolation,
    /// 1009: the message is too big to process.
    MessageTooBig,
    /// 1010: the client expected the server to negotiate an extension; sent by clients only.
    MandatoryExtension,
    /// 1011: the server met an unexpected condition.
    InternalError,
    /// 1012: the service is restarting.
    ServiceRestart,
    /// 1013: a temporary condition (overload): try again later.
    TryAgainLater,
    /// 1014: a gateway or proxy got an invalid answer from the server behind it.
    BadGateway,
    /// 1015: the TLS handshake failed; reported locally, never sent.
    TlsHandshake,
    /// 3000-3999: registered with IANA by libraries and frameworks.
    Library(u16),
    /// 4000-4999: private use, agreed between an application's client and server.
    Application(u16),
    /// Any other number: below 1000, the unassigned 1016-2999, or 5000 and up.
    Other(u16),
}

impl CloseCode {
    /// May this code appear in a close frame? (Section 7.4.1 and the IANA registry.)
    /// 1004, 1005, 1006 and 1015 are reserved for local reporting, and numbers outside
    /// the assigned ranges must be treated as a protocol error.
    pub fn is_allowed(self) -> bool {
        !matches!(
            self,
            CloseCode::Reserved
                | CloseCode::NoStatusReceived
                | CloseCode::Abnormal
                | CloseCode::TlsHandshake
                | CloseCode::Other(_)
        )
    }

    /// The short name used in the articles' table and in logs.
    pub fn name(self) -> &'static str {
        match self {
            CloseCode::Normal => "Normal Closure",
            CloseCode::GoingAway => "Going Away",
            CloseCode::ProtocolError => "Protocol Error",
            CloseCode::UnsupportedData => "Unsupported Data",
            CloseCode::Reserved => "Reserved",
            CloseCode::NoStatusReceived => "No Status Received",
            CloseCode::Abnormal => "Abnormal Closure",
            CloseCode::InvalidPayload => "Invalid Frame Payload Data",
            CloseCode::PolicyViolation => "Policy Violation",
            CloseCode::MessageTooBig => "Message Too Big",
            CloseCode::MandatoryExtension => "Mandatory Extension",
            CloseCode::InternalError => "Internal Error",
            CloseCode::ServiceRestart => "Service Restart",
            CloseCode::TryAgainLater => "Try Again Later",
            CloseCode::BadGateway => "Bad Gateway",
            CloseCode::TlsHandshake => "TLS Handshake",
            CloseCode::Library(_) => "Library Code",
            CloseCode::Application(_) => "Application Code",
            CloseCode::Other(_) => "Invalid Code",
        }
    }

    /// One line a student can read: what the code means.
    pub fn meaning(self) -> &'static str {
        match self {
            CloseCode::Normal => "the purpose of the connection was fulfilled",
            CloseCode::GoingAway => "the endpoint is going away (server shutdown, page left)",
            CloseCode::ProtocolError => "the peer broke the WebSocket protocol",
            CloseCode::UnsupportedData => "the endpoint cannot accept this type of data",
            CloseCode::Reserved => "reserved; must not be sent",
            CloseCode::NoStatusReceived => "the close frame carried no status code; never sent",
            CloseCode::Abnormal => "the connection dropped without a close frame; never sent",
            CloseCode::InvalidPayload => "the data did not match the message type (bad UTF-8)",
            CloseCode::PolicyViolation => "the message broke the endpoint's policy",
            CloseCode::MessageTooBig => "the message is too big to process",
            CloseCode::MandatoryExtension => "the server did not negotiate a required extension",
            CloseCode::InternalError => "the server met an unexpected condition",
            CloseCode::ServiceRestart => "the service is restarting",
            CloseCode::TryAgainLater => "the server is overloaded; try again later",
            CloseCode::BadGateway => "a gateway got an invalid response from upstream",
            CloseCode::TlsHandshake => "the TLS handshake failed; never sent",
            CloseCode::Library(_) => "defined by a library or framework (3000-3999)",
            CloseCode::Application(_) => "defined by the application (4000-4999)",
            CloseCode::Other(_) => "not a valid close code",
        }
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> CloseCode {
        match code {
            1000 => CloseCode::Normal,
            1001 => CloseCode::GoingAway,
            1002 => CloseCode::ProtocolError,
            1003 => CloseCode::UnsupportedData,
            1004 => CloseCode::Reserved,
            1005 => CloseCode::NoStatusReceived,
            1006 => CloseCode::Abnormal,
            1007 => CloseCode::InvalidPayload,
            1008 => CloseCode::PolicyViolation,
            1009 => CloseCode::MessageTooBig,
            1010 => CloseCode::MandatoryExtension,
            1011 => CloseCode::InternalError,
            1012 => CloseCode::ServiceRestart,
            1013 => CloseCode::TryAgainLater,
            1014 => CloseCode::BadGateway,
            1015 => CloseCode::TlsHandshake,
            3000..=3999 => CloseCode::Library(code),
            4000..=4999 => CloseCode::Application(code),
            _ => CloseCode::Other(code),
        }
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        match code {
            CloseCode::Normal => 1000,
            CloseCode::GoingAway => 1001,
            CloseCode::ProtocolError => 1002,
            CloseCode::UnsupportedData => 1003,
            CloseCode::Reserved => 1004,
            CloseCode::NoStatusReceived => 1005,
            CloseCode::Abnormal => 1006,
            CloseCode::InvalidPayload => 1007,
            CloseCode::PolicyViolation => 1008,
            CloseCode::MessageTooBig => 1009,
            CloseCode::MandatoryExtension => 1010,
            CloseCode::InternalError => 1011,
            CloseCode::ServiceRestart => 1012,
            CloseCode::TryAgainLater => 1013,
            CloseCode::BadGateway => 1014,
            CloseCode::TlsHandshake => 1015,
            CloseCode::Library(code) | CloseCode::Application(code) | CloseCode::Other(code) => {
                code
            }
        }
    }
}

impl fmt::Display for CloseCode {
    /// `1000 (Normal Closure)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", u16::from(*self), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The table's second column is what a close frame may carry: checked through the
    // frame reader too.
    use crate::close_frame::parse_close_payload;

    /// The validity table of RFC 6455 section 7.4, one row per code or range edge.
    #[test]
    fn validity_table_row_by_row() {
        let rows: &[(u16, bool)] = &[
            (0, false),
            (999, false),
            (1000, true),
            (1001, true),
            (1002, true),
            (1003, true),
            (1004, false),
            (1005, false),
            (1006, false),
            (1007, true),
            (1008, true),
            (1009, true),
            (1010, true),
            (1011, true),
            (1012, true),
            (1013, true),
            (1014, true),
            (1015, false),
            (1016, false),
            (2000, false),
            (2999, false),
            (3000, true),
            (3999, true),
            (4000, true),
            (4999, true),
            (5000, false),
            (65535, false),
        ];
        for &(number, allowed) in rows {
            assert_eq!(
                CloseCode::from(number).is_allowed(),
                allowed,
                "code {number}"
            );
            let payload = number.to_be_bytes();
            assert_eq!(
                parse_close_payload(&payload).is_ok(),
                allowed,
                "payload {number}"
            );
        }
    }

    #[test]
    fn every_number_round_trips() {
        for number in 0..=u16::MAX {
            assert_eq!(u16::from(CloseCode::from(number)), number);
        }
    }

    #[test]
    fn display_shows_number_and_name() {
        assert_eq!(CloseCode::Normal.to_string(), "1000 (Normal Closure)");
        assert_eq!(CloseCode::from(4000).to_string(), "4000 (Application Code)");
    }
}
