//! The close frame (RFC 6455 section 5.5.1): its payload is empty, or a 2-byte status code
//! followed by a UTF-8 reason. Reading one checks every rule a peer can break with it.

use crate::close::CloseCode;
use crate::error::ProtocolError;

/// The content of a close frame that carried a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// Why the peer is closing.
    pub code: CloseCode,
    /// Optional human-readable text (UTF-8, at most 123 bytes so the frame fits in 125).
    pub reason: String,
}

/// Reads a close frame's payload (section 5.5.1). An empty payload is valid and means
/// "no status code" (`Ok(None)`); one byte is a protocol error; a code that may not be
/// sent is a protocol error; a reason that is not UTF-8 is invalid payload data (1007).
pub fn parse_close_payload(payload: &[u8]) -> Result<Option<CloseFrame>, ProtocolError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ProtocolError::CloseOneByte),
        [high, low, reason @ ..] => {
            let number = u16::from_be_bytes([*high, *low]);
            let code = CloseCode::from(number);
            if !code.is_allowed() {
                return Err(ProtocolError::CloseCodeNotAllowed(number));
            }
            let reason =
                std::str::from_utf8(reason).map_err(|_| ProtocolError::CloseReasonNotUtf8)?;
            Ok(Some(CloseFrame {
                code,
                reason: reason.to_owned(),
            }))
        }
    }
}

/// Builds a close frame's payload: the code in network byte order, then the reason,
/// cut at a character boundary so the whole control frame stays within 125 bytes.
pub fn close_payload(code: CloseCode, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = Vec::with_capacity(2 + end);
    payload.extend_from_slice(&u16::from(code).to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..end]);
    payload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_shapes() {
        assert_eq!(parse_close_payload(&[]), Ok(None));
        assert_eq!(
            parse_close_payload(&[0x03]),
            Err(ProtocolError::CloseOneByte)
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xE8, b'b', b'y', b'e']),
            Ok(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into()
            }))
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xE8, 0xFF]),
            Err(ProtocolError::CloseReasonNotUtf8)
        );
    }

    #[test]
    fn long_reasons_are_cut_at_a_character_boundary() {
        let reason = "я".repeat(100); // 200 bytes, 2 bytes a letter
        let payload = close_payload(CloseCode::GoingAway, &reason);
        assert!(payload.len() <= 125);
        assert!(std::str::from_utf8(&payload[2..]).is_ok());
    }
}
